"""One training run: build data, model, head and optimizer from the config, optionally resume,
train with DDP, verify, checkpoint and export. Progress goes out as JSON lines (distributed.py).

Ctrl-C: the signal only sets a flag; ranks agree on it at the next step boundary, rank 0
writes a checkpoint, and every process exits with 130, so `--resume` continues from there.
"""
import os
import random
import signal
import time

import numpy as np
import torch
from torch import nn

from . import checkpoint
from .backbones import get_model
from .datasets import ShardSampler, open_dataset
from .distributed import Context, pick_device
from .export import export_onnx
from .heads import MarginHead
from .schedule import lr_at
from .verification import evaluate, load_bin


class Trainable(nn.Module):
    """Backbone + head as one module, so DDP syncs both in one pass."""

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, images, labels):
        return self.head(self.backbone(images), labels)


def init_worker(_worker_id):
    """DataLoader workers share the terminal's process group: a Ctrl-C must stop the training
    loop at a step boundary (below), not kill the workers that feed it. Each worker also gets
    its own flip RNG (a forked copy of the parent's would flip the same images in every worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    info = torch.utils.data.get_worker_info()
    if info is not None and hasattr(info.dataset, "seed"):
        info.dataset.seed(info.seed % 2**32)


def seed_everything(seed, deterministic):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


def build(cfg, num_classes):
    b, h = cfg["backbone"], cfg["head"]
    backbone = get_model(b["name"], embedding_size=b["embeddingSize"], dropout=b.get("dropout", 0.0))
    head = MarginHead(h["type"], num_classes, b["embeddingSize"], s=h["s"], m1=h["m1"], m2=h["m2"], m3=h["m3"],
                      sample_rate=h["sampleRate"])
    return backbone, head


def make_optimizer(cfg, model):
    o = cfg["optim"]
    return torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o["momentum"], weight_decay=o["weightDecay"])


class Stepper:
    """The per-step work shared by training and the throughput bench."""

    def __init__(self, model, optimizer, clip, device, amp):
        self.model, self.optimizer, self.clip, self.device = model, optimizer, clip, device
        self.scaler = torch.cuda.amp.GradScaler() if amp else None

    def __call__(self, images, labels):
        images, labels = images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            with torch.cuda.amp.autocast():
                loss = self.model(images, labels)
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss = self.model(images, labels)
            loss.backward()
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        return loss.detach()


def run(cfg, run_dir, resume=False):
    ctx = Context()
    dev = cfg["devices"]
    torch.set_num_threads(dev.get("threads") or max(1, (os.cpu_count() or 1) // max(ctx.world, 1)))
    device = pick_device(dev["device"], ctx.local_rank)
    seed_everything(cfg["seed"], cfg.get("deterministic", False))
    dataset = open_dataset(cfg["data"]["path"], train=True)
    dataset.seed(cfg["seed"] * 1000 + ctx.rank)
    verification = {os.path.splitext(os.path.basename(p))[0]: load_bin(p) for p in cfg["data"].get("verification", [])}
    ctx.init(device)

    batch = cfg["batchSize"]
    sampler = ShardSampler(len(dataset), ctx.rank, ctx.world, cfg["seed"])
    steps_per_epoch = len(sampler) // batch
    if steps_per_epoch == 0:
        from .errors import dataset_error
        raise dataset_error(f"{len(dataset)} images are fewer than one batch of {batch} per process x {ctx.world} processes",
                            "lower batchSize or add images")
    total = cfg.get("steps") or cfg["epochs"] * steps_per_epoch
    backbone, head = build(cfg, dataset.num_classes)
    backbone.to(device), head.to(device)
    model = Trainable(backbone, head)
    optimizer = make_optimizer(cfg, model)

    start = 0
    if resume:
        path = checkpoint.latest(run_dir)
        if path:
            state = checkpoint.load(path)
            backbone.load_state_dict(state["backbone"]), head.load_state_dict(state["head"])
            optimizer.load_state_dict(state["optimizer"])
            torch.set_rng_state(state["torchRng"])
            start = state["step"]
            ctx.emit("resumed", step=start, checkpoint=path)
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if ctx.distributed else model
    amp = bool(cfg.get("amp", True)) and device.type == "cuda"
    step_fn = Stepper(ddp, optimizer, cfg["optim"].get("clipGradNorm", 0), device, amp)

    stop = {"flag": False}
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("flag", True))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("flag", True))

    ctx.emit("start", step=start, totalSteps=total, world=ctx.world, device=str(device), images=len(dataset),
             classes=dataset.num_classes, stepsPerEpoch=steps_per_epoch, amp=amp)

    def save(step):
        if ctx.rank == 0:
            path = checkpoint.save(run_dir, step, backbone, head, optimizer, {"numClasses": dataset.num_classes, "config": cfg})
            ctx.emit("checkpoint", step=step, path=path)
        ctx.barrier()

    def verify(step):
        if ctx.rank == 0:
            for name, (bins, issame) in verification.items():
                ctx.emit("verify", step=step, set=name, **evaluate(backbone, bins, issame, device=device))
            backbone.train()
        ctx.barrier()

    step, window_start, window_loss, window_steps = start, time.perf_counter(), 0.0, 0
    log_every, interrupted = cfg.get("logEvery", 10), False
    ddp.train()
    while step < total and not interrupted:
        epoch, skip = divmod(step, steps_per_epoch)
        sampler.set_epoch(epoch)
        indices = list(iter(sampler))[skip * batch:]
        loader = torch.utils.data.DataLoader(dataset, batch_size=batch, sampler=indices, drop_last=True,
                                             num_workers=cfg.get("workers", 0), pin_memory=device.type == "cuda",
                                             worker_init_fn=init_worker)
        for images, labels in loader:
            if ctx.any(stop["flag"]):
                interrupted = True
                break
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, cfg["optim"], total)
            window_loss += float(step_fn(images, labels))
            window_steps += 1
            step += 1
            if step % log_every == 0 or step == total:
                loss = ctx.mean(window_loss / window_steps)
                elapsed = time.perf_counter() - window_start
                ctx.emit("step", step=step, totalSteps=total, epoch=epoch, loss=loss, lr=optimizer.param_groups[0]["lr"],
                         imgPerSec=window_steps * batch * ctx.world / elapsed)
                window_start, window_loss, window_steps = time.perf_counter(), 0.0, 0
            if cfg.get("checkpointEvery") and step % cfg["checkpointEvery"] == 0 and step < total:
                save(step)
            if verification and cfg.get("verifyEvery") and step % cfg["verifyEvery"] == 0 and step < total:
                verify(step)
            if step >= total:
                break

    save(step)
    if interrupted:
        ctx.emit("interrupted", step=step)
        ctx.close()
        return 130
    if verification:
        verify(step)
    if ctx.rank == 0:
        os.makedirs(os.path.join(run_dir, "package"), exist_ok=True)
        onnx_path = export_onnx(backbone, os.path.join(run_dir, "package", "model.onnx"))
        ctx.emit("exported", path=onnx_path, embeddingSize=cfg["backbone"]["embeddingSize"], opset=11)
    ctx.barrier()
    ctx.emit("done", step=step)
    ctx.close()
    return 0
