"""Classification heads that turn embeddings + labels into a loss.

Margin heads work on cosines between the L2-normalised embedding and L2-normalised class
centres, add a margin to the target class only, and scale by s (Deng et al. 2019, ArcFace, eq. 3-4):
  arcface  logit_y = cos(theta_y + m)
  cosface  logit_y = cos(theta_y) - m                    (Wang et al. 2018, CosFace)
  combined logit_y = cos(m1 * theta_y + m2) - m3         (ArcFace paper, section 2.2)
  softmax  a plain linear classifier with bias, no normalisation (the baseline of the paper).

ArcFace's cos(theta + m) is not monotonic once theta + m > pi; the paper's published code then
falls back to cos(theta) - m * sin(m) (a CosFace-like penalty), i.e. for cos(theta) below
cos(pi - m). That fallback is used here for arcface and for combined margins with m1 == 1.

Partial FC (An et al. 2021, "Partial FC"): with sample_rate < 1, each step uses the class
centres of the batch's labels plus random other centres up to sample_rate * classes, which is
what keeps 10^6-identity heads affordable. Centres are replicated on every rank here (DDP
averages their gradients), so the compute saving holds but the memory is not sharded as in
arcface_torch's model-parallel layer; see docs/training.md.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

HEADS = ("arcface", "cosface", "combined", "softmax")


class MarginHead(nn.Module):
    def __init__(self, kind, num_classes, embedding_size, s=64.0, m1=1.0, m2=0.5, m3=0.0, sample_rate=1.0):
        super().__init__()
        if kind not in HEADS:
            raise ValueError(f'unknown head "{kind}"; expected one of {", ".join(HEADS)}')
        if kind == "arcface":
            m1, m3 = 1.0, 0.0
        elif kind == "cosface":
            m1, m2 = 1.0, 0.0
        self.kind, self.num_classes, self.s = kind, num_classes, s
        self.m1, self.m2, self.m3 = m1, m2, m3
        self.sample_rate = sample_rate
        self.weight = nn.Parameter(torch.normal(0, 0.01, (num_classes, embedding_size)))
        self.bias = nn.Parameter(torch.zeros(num_classes)) if kind == "softmax" else None

    def _sample(self, labels):
        """Partial FC: the batch's classes plus random negatives; returns (centre ids, remapped labels)."""
        keep = max(int(self.sample_rate * self.num_classes), 1)
        positives = torch.unique(labels)
        if keep <= positives.numel():
            chosen = positives
        else:
            mask = torch.ones(self.num_classes, dtype=torch.bool, device=labels.device)
            mask[positives] = False
            others = torch.nonzero(mask).squeeze(1)
            pick = others[torch.randperm(others.numel(), device=labels.device)[: keep - positives.numel()]]
            chosen = torch.sort(torch.cat([positives, pick])).values
        return chosen, torch.searchsorted(chosen, labels)

    def logits(self, embeddings, labels):
        if self.kind == "softmax":
            return F.linear(embeddings, self.weight, self.bias), labels
        weight = self.weight
        if self.sample_rate < 1.0 and self.training:
            index, labels = self._sample(labels)
            weight = weight[index]
        cos = F.linear(F.normalize(embeddings.float()), F.normalize(weight.float())).clamp(-1.0, 1.0)
        target = cos.gather(1, labels[:, None])
        theta = torch.acos(target.clamp(-1.0 + 1e-7, 1.0 - 1e-7))
        with_margin = torch.cos(self.m1 * theta + self.m2) - self.m3
        if self.m1 == 1.0 and self.m2 > 0:
            # theta + m2 > pi: fall back to the monotonic penalty (see module docstring).
            fallback = target - self.m2 * math.sin(self.m2) - self.m3
            with_margin = torch.where(target > math.cos(math.pi - self.m2), with_margin, fallback)
        cos = cos.scatter(1, labels[:, None], with_margin)
        return cos * self.s, labels

    def forward(self, embeddings, labels):
        logits, labels = self.logits(embeddings, labels)
        return F.cross_entropy(logits, labels)
