"""Checkpoints: checkpoints/step-<n>.pt holds everything a resume needs (weights, optimizer
momentum, step, RNG states); `latest` names the newest. Written to a temporary name and
renamed, so a Ctrl-C or a full disk never leaves a half-written checkpoint behind as latest."""
import os

import torch

KEEP = 3


def save(run_dir, step, backbone, head, optimizer, extra):
    folder = os.path.join(run_dir, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    name = f"step-{step:07d}.pt"
    state = {"step": step, "backbone": backbone.state_dict(), "head": head.state_dict(),
             "optimizer": optimizer.state_dict(), "torchRng": torch.get_rng_state(), **extra}
    tmp = os.path.join(folder, name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, os.path.join(folder, name))
    with open(os.path.join(folder, "latest.tmp"), "w", encoding="ascii") as f:
        f.write(name)
    os.replace(os.path.join(folder, "latest.tmp"), os.path.join(folder, "latest"))
    old = sorted(f for f in os.listdir(folder) if f.startswith("step-") and f.endswith(".pt"))[:-KEEP]
    for f in old:
        os.remove(os.path.join(folder, f))
    return os.path.join(folder, name)


def latest(run_dir):
    pointer = os.path.join(run_dir, "checkpoints", "latest")
    if not os.path.isfile(pointer):
        return None
    path = os.path.join(run_dir, "checkpoints", open(pointer, encoding="ascii").read().strip())
    return path if os.path.isfile(path) else None


def load(path):
    return torch.load(path, map_location="cpu")
