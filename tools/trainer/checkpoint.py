"""Checkpoints: checkpoints/step-<n>.pt holds everything a resume needs (weights, optimizer
momentum, step, RNG states); `latest` names the newest. The classifier is sharded across ranks
(heads.py), so rank r > 0 writes its head slice and optimizer state beside it as
step-<n>.rank<r>.pt, and a resume needs the same number of processes. Files are written to a
temporary name and renamed, and `latest` moves only after every rank has written, so a Ctrl-C
or a full disk never leaves a half-written checkpoint behind as latest."""
import os

import torch

KEEP = 3


def _name(step, rank=0):
    return f"step-{step:07d}.pt" if rank == 0 else f"step-{step:07d}.rank{rank}.pt"


def save(run_dir, step, rank, world, backbone, head, optimizer, extra):
    folder = os.path.join(run_dir, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    state = {"step": step, "world": world, "rank": rank, "head": head.state_dict(), "optimizer": optimizer.state_dict(),
             "torchRng": torch.get_rng_state()}
    if rank == 0:
        state.update(backbone=backbone.state_dict(), **extra)
    path = os.path.join(folder, _name(step, rank))
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


def commit(run_dir, step):
    """Rank 0, after every rank saved: point `latest` at the step and keep the last KEEP steps."""
    folder = os.path.join(run_dir, "checkpoints")
    with open(os.path.join(folder, "latest.tmp"), "w", encoding="ascii") as f:
        f.write(_name(step))
    os.replace(os.path.join(folder, "latest.tmp"), os.path.join(folder, "latest"))
    steps = sorted({f[:len("step-0000000")] for f in os.listdir(folder) if f.startswith("step-") and f.endswith(".pt")})
    for old in steps[:-KEEP]:
        for f in os.listdir(folder):
            if f.startswith(old):
                os.remove(os.path.join(folder, f))


def latest(run_dir):
    pointer = os.path.join(run_dir, "checkpoints", "latest")
    if not os.path.isfile(pointer):
        return None
    path = os.path.join(run_dir, "checkpoints", open(pointer, encoding="ascii").read().strip())
    return path if os.path.isfile(path) else None


def load(path):
    from .weights import safe_load  # the restricted reader: a checkpoint is data, never code
    return safe_load(path)


def load_rank(path, rank, world):
    """rank 0's file with this rank's head shard and optimizer state swapped in."""
    state = load(path)
    if state.get("world", 1) != world:
        from .errors import TrainerError
        raise TrainerError("CONFIG_INVALID", f"{path} was written by {state.get('world', 1)} processes; this run has {world}",
                           f"resume with --set devices.processes={state.get('world', 1)} (the classifier is split across processes)")
    if rank > 0:
        own = load(path[:-len(".pt")] + f".rank{rank}.pt")
        state.update(head=own["head"], optimizer=own["optimizer"], torchRng=own["torchRng"])
    return state
