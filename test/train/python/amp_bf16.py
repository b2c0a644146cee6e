"""The AMP path on CPU: torch.autocast('cpu', bfloat16) through the same Trainable/Stepper code
that runs fp16 on CUDA. The head's logits must be fp32 even inside an outer autocast, and
steps must end with a finite loss and finite gradients. Clipping must cover the backbone
only. Prints one JSON line (with the bf16 and fp32 step times of this machine)."""
import json
import time

import torch

from trainer.loop import Stepper, Trainable, build, make_optimizer

torch.set_num_threads(1)
cfg = {"backbone": {"name": "mbf", "embeddingSize": 128},
       "head": {"type": "arcface", "s": 64.0, "m2": 0.5, "sampleRate": 1.0},
       "optim": {"lr": 0.05, "momentum": 0.9, "weightDecay": 5e-4}}
g = torch.Generator().manual_seed(0)
images, labels = torch.randn(6, 3, 112, 112, generator=g), torch.tensor([0, 1, 2, 0, 1, 2])
result = {}

# 1. Logits dtype: the head called inside an autocast region (how the old code ran it).
torch.manual_seed(0)
backbone, head = build(cfg, 10)
captured = {}
original = head.logits
head.logits = lambda e, y: captured.setdefault("logits", original(e, y))
with torch.autocast("cpu", dtype=torch.bfloat16):
    loss = Trainable(backbone, head)(images, labels)
result["logitsDtype"] = str(captured["logits"][0].dtype)
result["lossDtype"] = str(loss.dtype)
head.logits = original

# 2. Steps with the AMP path (bf16 autocast, as fp16 is on CUDA), from a near-converged state
# where cos(theta) is close to 1: the case where an fp16/bf16 clamp rounded to 1.0.
for dtype in (torch.bfloat16, None):
    torch.manual_seed(0)
    backbone, head = build(cfg, 10)
    model = Trainable(backbone, head, dtype)
    stepper = Stepper(model, make_optimizer(cfg, backbone, head), 5.0, torch.device("cpu"))
    losses, finite, times = [], True, []
    for step in range(2):
        start = time.perf_counter()
        losses.append(float(stepper(images, labels)))
        times.append(time.perf_counter() - start)
        finite &= all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None)
    with torch.no_grad():  # put every centre on its class's mean embedding: cos ~ 1 for the targets
        emb = torch.nn.functional.normalize(backbone(images).float())
        for c in labels.unique():
            head.weight[c] = emb[labels == c].mean(0)
    result.setdefault("targetCos", float((emb * torch.nn.functional.normalize(head.weight[labels])).sum(1).min()))
    losses.append(float(stepper(images, labels)))
    finite &= all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None)
    name = "bf16" if dtype else "fp32"
    result[name] = {"losses": losses, "finite": finite and all(map(lambda x: x == x and abs(x) != float("inf"), losses)),
                    "stepSeconds": times[-1]}

# 2b. cos(theta) exactly 1 (embedding == centre), fed as bf16 the way an autocast backbone
# returns it: the acos clamp must keep the gradient finite.
torch.manual_seed(0)
_, head = build(cfg, 10)
emb = head.weight.detach()[labels].clone().to(torch.bfloat16).requires_grad_(True)
with torch.autocast("cpu", dtype=torch.bfloat16):
    loss = head(emb, labels)
loss.backward()
result["exactMatch"] = {"loss": float(loss), "finite": bool(torch.isfinite(emb.grad).all() and torch.isfinite(head.weight.grad).all())}

# 3. Clipping covers the backbone only: with a tiny clip norm, the backbone's gradient norm is
# the clip value while the head's gradient is exactly the unclipped one.
torch.manual_seed(0)
backbone, head = build(cfg, 10)
optimizer = torch.optim.SGD([{"params": backbone.parameters()}, {"params": head.parameters()}], lr=0.0)
Stepper(Trainable(backbone, head), optimizer, 0.0, torch.device("cpu"))(images, labels)
free_head = head.weight.grad.clone()
Stepper(Trainable(backbone, head), optimizer, 1e-3, torch.device("cpu"))(images, labels)
norm = torch.norm(torch.stack([p.grad.norm() for p in backbone.parameters() if p.grad is not None]))
result["clip"] = {"backboneNorm": float(norm), "headDiff": float((head.weight.grad - free_head).abs().max()),
                  "headNorm": float(free_head.norm())}
print(json.dumps(result))
