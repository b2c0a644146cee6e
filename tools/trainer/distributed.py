"""Process-group setup, the collectives the trainer uses, and the JSON-lines channel to
`arcedge train`.

Workers are started either by `torchrun` (GPU hosts, multi-node) or by `arcedge train` itself
with the same environment torchrun sets (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK,
LOCAL_RANK), so one env:// rendezvous serves both. Only rank 0 talks on stdout.

Every tensor handed to a collective goes through Context, which checks that it lives on the
backend's device: NCCL only moves CUDA tensors ("No backend type associated with device type
cpu"), gloo here moves CPU tensors. A tensor on the wrong device is a bug in the trainer, so it
fails loudly on every backend, and the CPU test run catches what would break on GPUs.
"""
import json
import os
import sys

import torch
import torch.distributed as dist


def backend_for(device):
    """-> (backend, collective device): NCCL on the worker's own GPU, gloo on the CPU."""
    if device.type == "cuda":
        return "nccl", torch.device("cuda", device.index if device.index is not None else 0)
    return "gloo", torch.device("cpu")


class Context:
    def __init__(self):
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.distributed = self.world > 1
        self.backend, self.device = None, torch.device("cpu")

    def init(self, device):
        self.backend, self.device = backend_for(device)
        if self.distributed:
            dist.init_process_group(self.backend, init_method="env://")

    def close(self):
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()

    def _check(self, tensor):
        if tensor.device != self.device:
            raise RuntimeError(f"collective on a {tensor.device} tensor; the {self.backend} backend needs {self.device}")
        return tensor

    def all_reduce(self, tensor, op="sum"):
        """In place; op "sum" or "max". A no-op on one process."""
        if self.distributed:
            dist.all_reduce(self._check(tensor), op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
        return tensor

    def all_gather(self, tensor):
        """-> every rank's tensor concatenated along dim 0 (same shape on every rank), no gradient."""
        if not self.distributed:
            return tensor
        parts = [torch.empty_like(tensor) for _ in range(self.world)]
        dist.all_gather(parts, self._check(tensor.contiguous()))
        return torch.cat(parts)

    def all_gather_with_grad(self, tensor):
        """all_gather whose backward hands each rank the summed gradient of its own rows."""
        return _AllGather.apply(tensor, self) if self.distributed else tensor

    def mean(self, value):
        if not self.distributed:
            return float(value)
        t = torch.tensor([float(value)], dtype=torch.float64, device=self.device)
        return float(self.all_reduce(t).item()) / self.world

    def any(self, flag):
        """True on every rank when any rank saw the flag (Ctrl-C reaches ranks at different steps)."""
        if not self.distributed:
            return bool(flag)
        t = torch.tensor([1 if flag else 0], dtype=torch.int32, device=self.device)
        return bool(self.all_reduce(t, "max").item())

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def emit(self, event, **fields):
        if self.rank == 0:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()


class _AllGather(torch.autograd.Function):
    """Forward: the global batch of embeddings on every rank. Backward: each rank's loss part
    gives a gradient for every row; the rows' owner needs their sum (all-reduce, then its own
    slice). It is multiplied by the world size because DDP averages the backbone's gradients
    over ranks, while the loss is already the mean over the global batch: sum, not mean, is the
    gradient of that loss (partial_fc_v2 does the same)."""

    @staticmethod
    def forward(ctx, tensor, comm):
        ctx.comm, ctx.rows = comm, tensor.shape[0]
        return comm.all_gather(tensor)

    @staticmethod
    def backward(ctx, grad):
        comm = ctx.comm
        grad = comm.all_reduce(grad.contiguous().clone())
        mine = grad[comm.rank * ctx.rows:(comm.rank + 1) * ctx.rows]
        return mine * comm.world, None


def pick_device(name, local_rank):
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            from .errors import TrainerError
            raise TrainerError("TRAIN_ENV_MISSING", "devices.device is 'cuda' but this PyTorch has no CUDA device",
                               "install a CUDA build of PyTorch (docs/training.md) or set devices.device=cpu")
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
