"""Process-group setup and the JSON-lines channel to `arcedge train`.

Workers are started either by `torchrun` (GPU hosts, multi-node) or by `arcedge train` itself
with the same environment torchrun sets (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK,
LOCAL_RANK), so one env:// rendezvous serves both. Only rank 0 talks on stdout.
"""
import json
import os
import sys

import torch
import torch.distributed as dist


class Context:
    def __init__(self):
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.distributed = self.world > 1

    def init(self, device):
        if self.distributed:
            # NCCL for CUDA tensors, gloo on CPU (the only backend Debian's CPU build has).
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method="env://")

    def close(self):
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()

    def mean(self, value):
        if not self.distributed:
            return float(value)
        t = torch.tensor([float(value)], dtype=torch.float64)
        dist.all_reduce(t)
        return float(t.item()) / self.world

    def any(self, flag):
        """True on every rank when any rank saw the flag (Ctrl-C reaches ranks at different steps)."""
        if not self.distributed:
            return bool(flag)
        t = torch.tensor([1 if flag else 0], dtype=torch.int32)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def emit(self, event, **fields):
        if self.rank == 0:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()


def pick_device(name, local_rank):
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            from .errors import TrainerError
            raise TrainerError("TRAIN_ENV_MISSING", "devices.device is 'cuda' but this PyTorch has no CUDA device",
                               "install a CUDA build of PyTorch (docs/training.md) or set devices.device=cpu")
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
