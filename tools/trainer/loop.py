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
    """Backbone + head. Mixed precision covers the backbone only; the head (classifier, margin,
    softmax) runs in fp32 with autocast off, as arcface_torch keeps its FC in fp32 (heads.py).
    The backbone may be DDP-wrapped; the head never is (its centres are sharded per rank)."""

    def __init__(self, backbone, head, amp_dtype=None):
        super().__init__()
        self.backbone, self.head, self.amp_dtype = backbone, head, amp_dtype

    def forward(self, images, labels):
        # (a disabled CPU autocast still warns about any dtype but bfloat16)
        idle = torch.bfloat16 if images.device.type == "cpu" else torch.float16
        with torch.autocast(device_type=images.device.type, dtype=self.amp_dtype or idle, enabled=self.amp_dtype is not None):
            embeddings = self.backbone(images)
        return self.head(embeddings.float(), labels)


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


def build(cfg, num_classes, comm=None):
    b, h = cfg["backbone"], cfg["head"]
    backbone = get_model(b["name"], embedding_size=b["embeddingSize"], dropout=b.get("dropout", 0.0))
    head = MarginHead(h["type"], num_classes, b["embeddingSize"], s=h["s"], m1=h.get("m1"), m2=h.get("m2"), m3=h.get("m3"),
                      sample_rate=h["sampleRate"], comm=comm)
    return backbone, head


def make_optimizer(cfg, backbone, head):
    o = cfg["optim"]
    groups = [{"params": backbone.parameters()}, {"params": head.parameters()}]
    return torch.optim.SGD(groups, lr=o["lr"], momentum=o["momentum"], weight_decay=o["weightDecay"])


def amp_dtype_for(device, amp):
    """fp16 with a GradScaler on CUDA (arcface_torch's setting); off on CPU unless asked for bf16."""
    if amp is True:
        return torch.float16 if device.type == "cuda" else None
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp) if amp else None


class Stepper:
    """The per-step work shared by training and the throughput bench. Gradient clipping covers
    the backbone only, as arcface_torch's train_v2.py clips backbone.parameters()."""

    def __init__(self, model, optimizer, clip, device, clip_params=None):
        self.model, self.optimizer, self.clip, self.device = model, optimizer, clip, device
        self.clip_params = list(clip_params if clip_params is not None else model.backbone.parameters())
        # Loss scaling is for fp16's narrow range; bf16 has fp32's exponent and needs none.
        self.scaler = torch.cuda.amp.GradScaler() if model.amp_dtype == torch.float16 else None

    def __call__(self, images, labels):
        images, labels = images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.model(images, labels)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.clip_params, self.clip)
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
    backbone, head = build(cfg, dataset.num_classes, comm=ctx)
    if cfg.get("init") and not resume:
        from .weights import load_backbone
        load_backbone(backbone, cfg["init"], cfg["backbone"]["name"])
        ctx.emit("initialised", checkpoint=cfg["init"])
    backbone.to(device), head.to(device)
    optimizer = make_optimizer(cfg, backbone, head)

    start = 0
    if resume:
        path = checkpoint.latest(run_dir)
        if path:
            state = checkpoint.load_rank(path, ctx.rank, ctx.world)
            backbone.load_state_dict(state["backbone"]), head.load_state_dict(state["head"])
            optimizer.load_state_dict(state["optimizer"])
            torch.set_rng_state(state["torchRng"])
            start = state["step"]
            ctx.emit("resumed", step=start, checkpoint=path)
    # DDP syncs the backbone only: the head's centres are sharded, each rank's slice already has
    # the gradient of the global batch (heads.py), so there is nothing to all-reduce for them.
    ddp_backbone = torch.nn.parallel.DistributedDataParallel(backbone, device_ids=[device.index] if device.type == "cuda" else None) \
        if ctx.distributed else backbone
    amp_dtype = amp_dtype_for(device, cfg.get("amp", True))
    model = Trainable(ddp_backbone, head, amp_dtype)
    step_fn = Stepper(model, optimizer, cfg["optim"].get("clipGradNorm", 0), device, clip_params=backbone.parameters())

    stop = {"flag": False}
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("flag", True))
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("flag", True))

    ctx.emit("start", step=start, totalSteps=total, world=ctx.world, device=str(device), images=len(dataset),
             classes=dataset.num_classes, stepsPerEpoch=steps_per_epoch, amp=str(amp_dtype).replace("torch.", "") if amp_dtype else False,
             classesPerRank=head.num_local)

    def save(step):
        # Every rank writes its own head shard and optimizer state; rank 0 then names the step latest.
        path = checkpoint.save(run_dir, step, ctx.rank, ctx.world, backbone, head, optimizer,
                               {"numClasses": dataset.num_classes, "config": cfg})
        ctx.barrier()
        if ctx.rank == 0:
            checkpoint.commit(run_dir, step)
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
    model.train()
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
                extra = {"peakMemoryMB": torch.cuda.max_memory_allocated(device) / 2**20} if device.type == "cuda" else {}
                ctx.emit("step", step=step, totalSteps=total, epoch=epoch, loss=loss, lr=optimizer.param_groups[0]["lr"],
                         imgPerSec=window_steps * batch * ctx.world / elapsed, **extra)
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
