"""The sharded classifier (heads.py) with 2 gloo ranks against 1 process over the same global
batch: same loss, same backbone gradients (after DDP), same centre gradients (each rank's
slice), within 1e-5. While the 2 ranks run, every tensor handed to torch.distributed is
recorded and must live on the device Context chose for the backend. Also checks the device
that the NCCL path would select. Prints one JSON line."""
import json
import os
import socket
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from trainer.distributed import Context, backend_for
from trainer.heads import MarginHead
from trainer.loop import Stepper, Trainable

CLASSES, DIM, PER_RANK, WORLD = 11, 16, 6, 2  # 11 classes: the shards are uneven (6 + 5)


def tiny_backbone():
    torch.manual_seed(7)  # no BatchNorm: its batch statistics would differ between 1 and 2 ranks by design
    return nn.Sequential(nn.Conv2d(3, 4, 3, 2, 1), nn.PReLU(4), nn.Flatten(), nn.Linear(4 * 8 * 8, DIM))


def batch():
    g = torch.Generator().manual_seed(3)
    return torch.randn(WORLD * PER_RANK, 3, 16, 16, generator=g), torch.randint(0, CLASSES, (WORLD * PER_RANK,), generator=g)


def full_centres():
    return torch.normal(0, 0.3, (CLASSES, DIM), generator=torch.Generator().manual_seed(5))


def head_for(kind, comm):
    head = MarginHead(kind, CLASSES, DIM, s=8.0, comm=comm)
    with torch.no_grad():
        head.weight.copy_(full_centres()[head.class_start:head.class_start + head.num_local])
    return head


def one_step(backbone, head, images, labels, clip=0.0):
    """One step through the trainer's Stepper (SGD lr 0: gradients are kept, weights unchanged)."""
    model = Trainable(backbone, head)
    optimizer = torch.optim.SGD([{"params": backbone.parameters()}, {"params": head.parameters()}], lr=0.0)
    stepper = Stepper(model, optimizer, clip, torch.device("cpu"), clip_params=backbone.parameters())
    loss = stepper(images, labels)
    return float(loss), [p.grad.clone() for p in backbone.parameters()], head.weight.grad.clone()


def worker(rank, port, kinds, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(WORLD), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    ctx = Context()
    ctx.init(torch.device("cpu"))
    for kind in kinds:
        one_kind(rank, ctx, kind, out)
    ctx.close()


def one_kind(rank, ctx, kind, out):
    seen = []
    originals = {name: getattr(dist, name) for name in ("all_reduce", "all_gather", "broadcast", "reduce", "all_gather_into_tensor")
                 if hasattr(dist, name)}

    def recorder(name):
        def call(*args, **kwargs):
            for a in args:
                for t in (a if isinstance(a, list) else [a]):
                    if isinstance(t, torch.Tensor):
                        seen.append((name, str(t.device)))
            return originals[name](*args, **kwargs)
        return call

    backbone = nn.parallel.DistributedDataParallel(tiny_backbone())  # its own bucket all-reduce goes through C++, not these
    for name in originals:
        setattr(dist, name, recorder(name))
    images, labels = batch()
    mine = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    head = head_for(kind, ctx)
    loss, grads, centre_grad = one_step(backbone, head, images[mine], labels[mine])
    stop = ctx.any(False)
    for name, fn in originals.items():
        setattr(dist, name, fn)
    torch.save({"loss": loss, "grads": grads, "centre": centre_grad, "start": head.class_start, "local": head.num_local,
                "seen": seen, "device": str(ctx.device), "backend": ctx.backend, "stop": stop}, os.path.join(out, f"{kind}-{rank}.pt"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nccl_selection():
    """What Context picks for a CUDA worker, without CUDA: init_process_group is replaced by a recorder."""
    calls = []
    real = dist.init_process_group
    dist.init_process_group = lambda backend, **kw: calls.append(backend)
    try:
        os.environ.update(RANK="1", WORLD_SIZE="2", LOCAL_RANK="1")
        ctx = Context()
        ctx.init(torch.device("cuda", 1))
    finally:
        dist.init_process_group = real
        for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
            os.environ.pop(k)
    return {"backend": calls[0], "device": str(ctx.device), "backendFor": list(map(str, backend_for(torch.device("cuda", 3))))}


if __name__ == "__main__":
    kinds = sys.argv[1:] or ["arcface", "cosface", "softmax"]
    out = tempfile.mkdtemp(prefix="arcedge-shard-")
    result = {"nccl": nccl_selection()}
    torch.set_num_threads(1)
    # spawn, not fork: a forked rank inherits the parent's OpenMP/intra-op thread pool state and
    # can deadlock in its first collective (seen once in CI: 300 s, no output). One pair of ranks
    # runs every kind, so the torch import is paid once per rank.
    mp.start_processes(worker, args=(free_port(), kinds, out), nprocs=WORLD, start_method="spawn")
    for kind in kinds:
        images, labels = batch()
        ref_loss, ref_grads, ref_centre = one_step(tiny_backbone(), head_for(kind, None), images, labels)
        ranks = [torch.load(os.path.join(out, f"{kind}-{r}.pt")) for r in range(WORLD)]
        centre = torch.cat([r["centre"] for r in ranks])
        result[kind] = {
            "loss1": ref_loss, "loss2": [r["loss"] for r in ranks],
            "lossDiff": max(abs(r["loss"] - ref_loss) for r in ranks),
            "backboneGradDiff": max(float((a - b).abs().max()) for r in ranks for a, b in zip(r["grads"], ref_grads)),
            "backboneGradMax": max(float(g.abs().max()) for g in ref_grads),
            "centreGradDiff": float((centre - ref_centre).abs().max()), "centreGradMax": float(ref_centre.abs().max()),
            "shards": [[r["start"], r["local"]] for r in ranks],
            "collectives": sorted({f"{n}:{d}" for r in ranks for n, d in r["seen"]}),
            "contextDevice": ranks[0]["device"], "backend": ranks[0]["backend"],
        }
    print(json.dumps(result))
