"""A generated insightface-layout RecordIO set, for checks that need a packed set of any size
without downloading one (scripts/gpu-train-check.sh, the DataLoader tests): each identity is
a seeded colour field with a few blobs, each image a jittered, noisy JPEG of it, so a network
can learn the classes and every record's bytes differ."""
import io
import os

import numpy as np
from PIL import Image

from .recordio import RecordWriter, pack_header


def identity_image(rng, size=112):
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = rng.uniform(40, 215, 3)[None, None, :] + 0 * yy[..., None]
    for _ in range(4):
        cy, cx, r = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85), rng.uniform(0.08, 0.25)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        base = base + blob[..., None] * rng.uniform(-90, 90, 3)[None, None, :]
    return base


def write_set(out, classes, per_class, seed=0, quality=90):
    """-> number of images. Record 0 is the insightface header, images 1..n, then one record per identity."""
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    writer = RecordWriter(os.path.join(out, "train.rec"), os.path.join(out, "train.idx"))
    images = classes * per_class
    first_identity = images + 1
    writer.write(0, pack_header([float(first_identity), float(first_identity + classes)]))
    key = 1
    for label in range(classes):
        base = identity_image(rng)
        for _ in range(per_class):
            shift = rng.integers(-4, 5, 2)
            pixels = np.roll(base, tuple(shift), axis=(0, 1)) + rng.normal(0, 8, base.shape)
            buffer = io.BytesIO()
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=quality)
            writer.write(key, pack_header(float(label), buffer.getvalue(), key))
            key += 1
    for label in range(classes):
        start = 1 + label * per_class
        writer.write(key, pack_header([float(start), float(start + per_class)]))
        key += 1
    writer.close()
    with open(os.path.join(out, "property"), "w", encoding="ascii") as f:
        f.write(f"{classes},112,112")
    return images
