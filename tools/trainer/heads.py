"""Classification heads that turn embeddings + labels into a loss, sharded across ranks.

Margin heads work on cosines between the L2-normalised embedding and L2-normalised class
centres, add a margin to the target class only, and scale by s (Deng et al. 2019, ArcFace, eq. 3-4):
  arcface  logit_y = cos(theta_y + m2)
  cosface  logit_y = cos(theta_y) - m3                   (Wang et al. 2018, CosFace; m3 0.4 as arcface_torch)
  combined logit_y = cos(m1 * theta_y + m2) - m3         (ArcFace paper, section 2.2, all three kept)
  softmax  a plain linear classifier with bias, no normalisation (the baseline of the paper).
insightface's arcface_torch CombinedMarginLoss computes only the first two: (1, m2, 0) is
arcface and any m3 > 0 is cosface with m1 and m2 ignored. Here `combined` keeps every margin
(the paper's formula, as insightface's MXNet code did); docs/training.md says so.

ArcFace's cos(theta + m) is not monotonic once theta + m > pi; the paper's published code then
falls back to cos(theta) - m * sin(m) (a CosFace-like penalty), i.e. for cos(theta) below
cos(pi - m). That fallback is used for arcface and for combined margins with m1 == 1.

Precision: the head always runs in fp32 with autocast switched off (as arcface_torch keeps its
FC in fp32): in fp16 the 1 - 1e-7 clamp before acos rounds to 1.0 and acos' gradient is
infinite, and mixed fp16/fp32 scatters fail. The clamp margin is taken from the dtype's epsilon.

Model parallel, as partial_fc_v2 (An et al. 2022): with N ranks, rank r owns classes
[class_start, class_start + num_local), 1/N of the centres. Each step gathers every rank's
embeddings (with gradient) and labels, computes its slice of the logits for the whole global
batch, and a distributed softmax cross-entropy (max and sum all-reduced) gives the global loss
on every rank. Centres are not in DDP: each rank's slice gets its exact gradient locally.
Partial FC: with sample_rate < 1, each rank uses its positive centres plus random others up to
sample_rate * num_local per step.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

HEADS = ("arcface", "cosface", "combined", "softmax")
# Margins each head uses by default (arcface_torch: ArcFace 0.5, CosFace 0.4; combined as
# insightface's README lists it, 1.0 / 0.3 / 0.2).
DEFAULT_MARGINS = {"arcface": (1.0, 0.5, 0.0), "cosface": (1.0, 0.0, 0.4), "combined": (1.0, 0.3, 0.2), "softmax": (1.0, 0.0, 0.0)}


def shard(num_classes, rank, world):
    """-> (class_start, num_local): the first num_classes % world ranks own one class more."""
    num_local = num_classes // world + int(rank < num_classes % world)
    return num_classes // world * rank + min(rank, num_classes % world), num_local


class _DistCrossEntropy(torch.autograd.Function):
    """Mean softmax cross-entropy over the global batch when the classes are split across ranks.
    logits: [global batch, local classes]; labels: local class index or -1 (another rank's)."""

    @staticmethod
    def forward(ctx, logits, labels, comm):
        top = logits.max(dim=1, keepdim=True).values
        comm.all_reduce(top, "max")
        shifted = logits - top
        exp = shifted.exp()
        total = comm.all_reduce(exp.sum(dim=1, keepdim=True))
        mine = labels >= 0
        target = torch.zeros_like(top)
        target[mine] = shifted[mine].gather(1, labels[mine][:, None])
        comm.all_reduce(target)
        ctx.save_for_backward(exp / total, labels)
        return (total.log() - target).mean()

    @staticmethod
    def backward(ctx, grad):
        prob, labels = ctx.saved_tensors
        mine = torch.nonzero(labels >= 0).squeeze(1)
        prob = prob.clone()
        prob[mine, labels[mine]] -= 1.0
        return prob * (grad / prob.shape[0]), None, None


class _Single:
    """The collectives of one process: nothing to exchange."""
    rank, world, distributed = 0, 1, False

    @staticmethod
    def all_reduce(tensor, op="sum"):
        return tensor

    @staticmethod
    def all_gather(tensor):
        return tensor

    @staticmethod
    def all_gather_with_grad(tensor):
        return tensor


class MarginHead(nn.Module):
    def __init__(self, kind, num_classes, embedding_size, s=64.0, m1=None, m2=None, m3=None, sample_rate=1.0, comm=None):
        super().__init__()
        if kind not in HEADS:
            raise ValueError(f'unknown head "{kind}"; expected one of {", ".join(HEADS)}')
        d1, d2, d3 = DEFAULT_MARGINS[kind]
        m1, m2, m3 = (d1 if m1 is None else m1), (d2 if m2 is None else m2), (d3 if m3 is None else m3)
        if kind == "arcface":
            m1, m3 = 1.0, 0.0
        elif kind == "cosface":
            m1, m2 = 1.0, 0.0
        self.kind, self.num_classes, self.s = kind, num_classes, s
        self.m1, self.m2, self.m3 = m1, m2, m3
        self.sample_rate = sample_rate
        self.comm = comm or _Single()
        self.class_start, self.num_local = shard(num_classes, self.comm.rank, self.comm.world)
        self.weight = nn.Parameter(torch.normal(0, 0.01, (self.num_local, embedding_size)))
        self.bias = nn.Parameter(torch.zeros(self.num_local)) if kind == "softmax" else None

    def _sample(self, labels):
        """Partial FC on this rank's slice: its positive classes plus random others.
        labels: local index or -1 -> (chosen local centres, labels remapped into them)."""
        keep = max(int(self.sample_rate * self.num_local), 1)
        positives = torch.unique(labels[labels >= 0])
        if keep <= positives.numel():
            chosen = positives
        else:
            score = torch.rand(self.num_local, device=labels.device)
            score[positives] = 2.0  # positives always win the top-k
            chosen = torch.sort(torch.topk(score, keep).indices).values
        remapped = labels.clone()
        mine = labels >= 0
        remapped[mine] = torch.searchsorted(chosen, labels[mine])
        return chosen, remapped

    def margin(self, target):
        """target: cos(theta_y) of the rows this rank owns -> the margin-adjusted cosine."""
        if self.kind == "cosface":
            return target - self.m3
        limit = 1.0 - 2 * torch.finfo(target.dtype).eps  # stays below 1.0 in the tensor's own dtype
        theta = torch.acos(target.clamp(-limit, limit))
        with_margin = torch.cos(self.m1 * theta + self.m2) - self.m3
        if self.m1 == 1.0 and self.m2 > 0:
            # theta + m2 > pi: fall back to the monotonic penalty (see module docstring).
            fallback = target - self.m2 * math.sin(self.m2) - self.m3
            with_margin = torch.where(target > math.cos(math.pi - self.m2), with_margin, fallback)
        return with_margin

    def logits(self, embeddings, labels):
        """Global-batch logits of this rank's classes (fp32) and local labels (-1: not here).
        embeddings, labels: this rank's batch."""
        with torch.autocast(device_type=embeddings.device.type, enabled=False):
            embeddings = self.comm.all_gather_with_grad(embeddings.float())
            labels = self.comm.all_gather(labels)
            local = labels - self.class_start
            local = torch.where((local >= 0) & (local < self.num_local), local, torch.full_like(local, -1))
            weight, bias = self.weight, self.bias
            if self.sample_rate < 1.0 and self.training:
                index, local = self._sample(local)
                weight, bias = weight[index], None if bias is None else bias[index]
            if self.kind == "softmax":
                return F.linear(embeddings, weight.float(), None if bias is None else bias.float()), local
            cos = F.linear(F.normalize(embeddings), F.normalize(weight.float())).clamp(-1.0, 1.0)
            rows = torch.nonzero(local >= 0).squeeze(1)
            cols = local[rows]
            cos = cos.index_put((rows, cols), self.margin(cos[rows, cols]))
            return cos * self.s, local

    def forward(self, embeddings, labels):
        logits, local = self.logits(embeddings, labels)
        with torch.autocast(device_type=logits.device.type, enabled=False):
            return _DistCrossEntropy.apply(logits, local, self.comm)
