"""Training datasets: a RecordIO set or a `<person>/<images>` folder, both yielding
(3x112x112 float tensor, label) with the reference preprocessing: decode, RGB, random
horizontal flip when training, then (x / 255 - 0.5) / 0.5 (arcface_torch's transform)."""
import io
import os

import numpy as np
import torch
from PIL import Image

from .errors import dataset_error
from .folders import scan_image_folder
from .recordio import RecordSet


def to_tensor(image_bytes, flip=False, size=112):
    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    if image.size != (size, size):
        image = image.resize((size, size), Image.BILINEAR)
    array = np.asarray(image, dtype=np.float32)
    if flip:
        array = array[:, ::-1]
    array = (array / 255.0 - 0.5) / 0.5
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


class RecordDataset(torch.utils.data.Dataset):
    def __init__(self, folder, train=True):
        self.set, self.train, self.folder = RecordSet(folder), train, folder
        self.num_classes = self.set.num_classes
        self._rng = np.random.default_rng()

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        return len(self.set)

    def __getitem__(self, i):
        payload, label = self.set.item(i)
        return to_tensor(payload, flip=self.train and self._rng.random() < 0.5), label


class ImageFolderDataset(torch.utils.data.Dataset):
    """`<root>/<person>/<image>`: people sorted by name get labels 0..n-1. Images should be
    aligned 112x112 crops (`arcedge pack` aligns raw photos)."""

    def __init__(self, root, train=True):
        self.items, self.num_classes = scan_image_folder(root)
        self.train = train
        self._rng = np.random.default_rng()

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        with open(path, "rb") as f:
            return to_tensor(f.read(), flip=self.train and self._rng.random() < 0.5), label


def open_dataset(path, train=True):
    if os.path.isfile(os.path.join(path, "train.rec")) or os.path.isfile(os.path.join(path, "train.idx")):
        return RecordDataset(path, train)
    return ImageFolderDataset(path, train)


class ShardSampler(torch.utils.data.Sampler):
    """Seeded per-epoch permutation, split evenly across ranks (the tail is dropped so every
    rank runs the same number of steps, which DDP requires)."""

    def __init__(self, size, rank, world, seed):
        self.size, self.rank, self.world, self.seed, self.epoch = size, rank, world, seed, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.size // self.world

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.size, generator=g).tolist()
        per_rank = self.size // self.world
        return iter(order[self.rank * per_rank:(self.rank + 1) * per_rank])
