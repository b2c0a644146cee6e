"""Throughput: the trainer's step (real data from a packed set, margin head, clipping) against a
raw PyTorch forward+backward loop of the same backbone and batch on pre-made tensors, in the
same process, interleaved so that machine noise hits both alike."""
import time

import torch
from torch import nn
from torch.nn import functional as F

from .datasets import ShardSampler, open_dataset
from .loop import Stepper, Trainable, build, make_optimizer, seed_everything


def _rate(fn, steps, batch):
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return steps * batch / (time.perf_counter() - start)


def bench(cfg, steps=8, rounds=2):
    seed_everything(cfg["seed"], False)
    torch.set_num_threads(cfg["devices"].get("threads") or 1)
    batch = cfg["batchSize"]
    dataset = open_dataset(cfg["data"]["path"], train=True)
    backbone, head = build(cfg, dataset.num_classes)
    model = Trainable(backbone, head)
    stepper = Stepper(model, make_optimizer(cfg, backbone, head), cfg["optim"].get("clipGradNorm", 0), torch.device("cpu"))
    sampler = ShardSampler(len(dataset), 0, 1, cfg["seed"])

    def batches():
        while True:
            yield from torch.utils.data.DataLoader(dataset, batch_size=batch, sampler=list(iter(sampler)), drop_last=True)

    stream = batches()
    trainer_step = lambda: stepper(*next(stream))  # noqa: E731

    raw_backbone, _ = build(cfg, dataset.num_classes)
    raw_fc = nn.Linear(cfg["backbone"]["embeddingSize"], dataset.num_classes)
    raw_opt = torch.optim.SGD(list(raw_backbone.parameters()) + list(raw_fc.parameters()), lr=0.01, momentum=0.9)
    x, y = torch.randn(batch, 3, 112, 112), torch.randint(0, dataset.num_classes, (batch,))

    def raw_step():
        raw_opt.zero_grad(set_to_none=True)
        F.cross_entropy(raw_fc(raw_backbone(x)), y).backward()
        raw_opt.step()

    raw_step(), trainer_step()  # warm-up: first calls allocate
    raw, trainer = [], []
    for _ in range(rounds):
        raw.append(_rate(raw_step, steps, batch))
        trainer.append(_rate(trainer_step, steps, batch))
    r, t = sum(raw) / rounds, sum(trainer) / rounds
    return {"backbone": cfg["backbone"]["name"], "batch": batch, "steps": steps * rounds, "threads": torch.get_num_threads(),
            "rawImgPerSec": r, "trainerImgPerSec": t, "ratio": t / r}
