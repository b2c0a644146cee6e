/**
 * The trainer's building blocks, checked against their defining formulas (computed here
 * independently in Python's math module, not by the code under test): margin heads, Partial
 * FC sampling, LR schedules, and every backbone name of get_model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonScript } from './helpers.ts';

function py(code: string): Record<string, unknown> {
  const r = pythonScript(code);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('trainer building blocks', () => {
  it('margin heads put cos(theta+m), cos-m, cos(m1 theta+m2)-m3 (with the ArcFace fallback) on the target logit', () => {
    const out = py(`import json, math, torch
from torch.nn import functional as F
from trainer.heads import MarginHead
torch.manual_seed(0)
emb = torch.randn(4, 8); labels = torch.tensor([0, 1, 2, 1])
res = {}
for kind, kw in [("arcface", dict(m2=0.5)), ("cosface", dict(m3=0.35)), ("combined", dict(m1=1.0, m2=0.3, m3=0.2))]:
    h = MarginHead(kind, 3, 8, s=10.0, **kw)
    logits, _ = h.logits(emb, labels)
    cos = (F.normalize(emb) @ F.normalize(h.weight).T)
    errs = []
    for i, y in enumerate(labels.tolist()):
        c = float(cos[i, y]); t = math.acos(c)
        if kind == "arcface": want = math.cos(t + 0.5) if c > math.cos(math.pi - 0.5) else c - 0.5 * math.sin(0.5)
        elif kind == "cosface": want = c - 0.35
        else: want = math.cos(t + 0.3) - 0.2 if c > math.cos(math.pi - 0.3) else c - 0.3 * math.sin(0.3) - 0.2
        errs.append(abs(float(logits[i, y]) / 10.0 - want))
        other = [j for j in range(3) if j != y][0]
        errs.append(abs(float(logits[i, other]) / 10.0 - float(cos[i, other])))
    res[kind] = max(errs)
# the fallback branch: an embedding opposite its class centre (theta near pi)
h = MarginHead("arcface", 2, 2, s=1.0, m2=0.5); h.weight.data = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
l, _ = h.logits(torch.tensor([[-1.0, 0.01]]), torch.tensor([0]))
c = -1.0 / math.hypot(1.0, 0.01)
res["fallback"] = abs(float(l[0, 0]) - (c - 0.5 * math.sin(0.5)))
sm = MarginHead("softmax", 3, 8); res["softmaxBias"] = sm.bias is not None
print(json.dumps(res))`);
    for (const kind of ['arcface', 'cosface', 'combined', 'fallback']) assert.ok(Number(out[kind]) < 1e-5, `${kind}: ${out[kind]}`);
    assert.equal(out.softmaxBias, true);
  });

  it('Partial FC keeps every positive class, samples up to the rate, and remaps labels', () => {
    const out = py(`import json, torch
from trainer.heads import MarginHead
torch.manual_seed(1)
h = MarginHead("arcface", 100, 4, sample_rate=0.2)
labels = torch.tensor([5, 42, 5, 99])
chosen, remapped = h._sample(labels)
print(json.dumps({"n": chosen.numel(), "ok": bool((chosen[remapped] == labels).all()), "unique": chosen.unique().numel()}))`);
    assert.deepEqual(out, { n: 20, ok: true, unique: 20 });
  });

  it('LR: linear warm-up, then poly decay to 0 or step drops', () => {
    const out = py(`import json
from trainer.schedule import lr_at
poly = {"lr": 0.1, "warmupSteps": 10, "power": 2}
step = {"lr": 0.1, "schedule": "step", "milestones": [50, 80], "gamma": 0.1}
print(json.dumps([lr_at(0, poly, 110), lr_at(9, poly, 110), lr_at(60, poly, 110), lr_at(110, poly, 110), lr_at(49, step, 100), lr_at(50, step, 100), lr_at(85, step, 100)]))`) as unknown as number[];
    const want = [0.01, 0.1, 0.1 * 0.5 ** 2, 0, 0.1, 0.01, 0.001];
    want.forEach((w, i) => assert.ok(Math.abs(out[i]! - w) < 1e-12, `${i}: ${out[i]} vs ${w}`));
  });

  it('get_model knows iresnet18/34/50/100 and mbf, with the embedding size asked for', () => {
    const out = py(`import json, torch
from trainer.backbones import get_model
res = {}
for name in ["iresnet18", "iresnet34", "iresnet50", "iresnet100", "mbf"]:
    m = get_model(name, embedding_size=64)
    res[name] = round(sum(p.numel() for p in m.parameters()) / 1e6, 1)
m = get_model("mbf", embedding_size=64).eval()
res["mbfOut"] = list(m(torch.zeros(2, 3, 112, 112)).shape)
try:
    get_model("resnet9")
except ValueError as e:
    res["unknown"] = str(e)
print(json.dumps(res))`);
    // Parameter counts grow with depth; the 64-d FC makes them smaller than the usual 512-d numbers.
    const sizes = ['iresnet18', 'iresnet34', 'iresnet50', 'iresnet100'].map((n) => Number(out[n]));
    assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
    assert.ok(Number(out.mbf) < 2, `mbf ${out.mbf}M`);
    assert.deepEqual(out.mbfOut, [2, 64]);
    assert.match(String(out.unknown), /unknown backbone "resnet9"/);
  });
});
