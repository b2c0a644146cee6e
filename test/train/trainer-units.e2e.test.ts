/**
 * The trainer's building blocks, checked against their defining formulas (computed here
 * independently in Python's math module, not by the code under test): margin heads (and
 * insightface's CombinedMarginLoss cases), Partial FC sampling, LR schedules, every backbone
 * name of get_model, and arcface_torch's MobileFaceNet parameter count and keys.
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

  it('CosFace defaults to m3 0.4; combined equals insightface CombinedMarginLoss where that has a formula; the sharded softmax is cross-entropy', () => {
    const out = py(`import json, math, torch
from torch.nn import functional as F
from trainer.heads import MarginHead
torch.manual_seed(2)
emb = torch.randn(6, 8); labels = torch.tensor([0, 1, 2, 3, 1, 0])
def target(h):
    logits, _ = h.logits(emb, labels)
    cos = F.normalize(emb) @ F.normalize(h.weight).T
    return logits.gather(1, labels[:, None]).squeeze(1) / h.s, cos.gather(1, labels[:, None]).squeeze(1)
res = {}
got, cos = target(MarginHead("cosface", 4, 8, s=10.0))
res["cosfaceDefault"] = float((cos - got).mean())
# insightface's CombinedMarginLoss: (1, m2, 0) is cos(theta + m2); any m3 > 0 is cos - m3 (m1, m2 dropped)
c = MarginHead("combined", 4, 8, s=10.0, m1=1.0, m2=0.4, m3=0.0); got, cos = target(c)
res["combinedArc"] = float((got - torch.cos(torch.acos(cos) + 0.4)).abs().max())
c = MarginHead("combined", 4, 8, s=10.0, m1=1.0, m2=0.0, m3=0.35); got, cos = target(c)
res["combinedCos"] = float((got - (cos - 0.35)).abs().max())
# with m2 and m3 both set, insightface keeps only m3; here both apply (the paper's formula)
c = MarginHead("combined", 4, 8, s=10.0, m1=1.0, m2=0.3, m3=0.2); got, cos = target(c)
res["combinedBoth"] = float((got - (torch.cos(torch.acos(cos) + 0.3) - 0.2)).abs().max())
for kind in ("arcface", "softmax"):
    h = MarginHead(kind, 4, 8, s=10.0)
    logits, local = h.logits(emb, labels)
    res[kind + "CE"] = abs(float(h(emb, labels)) - float(F.cross_entropy(logits, local)))
print(json.dumps(res))`);
    assert.ok(Math.abs(Number(out.cosfaceDefault) - 0.4) < 1e-6, `cosface default margin ${out.cosfaceDefault}`);
    for (const k of ['combinedArc', 'combinedCos', 'combinedBoth', 'arcfaceCE', 'softmaxCE']) assert.ok(Number(out[k]) < 1e-5, `${k}: ${out[k]}`);
  });

  it("mbf is arcface_torch's MobileFaceNet (get_mbf(fp16, 512): 2,059,520 parameters, its state-dict keys); the paper's layout is mbf-paper", () => {
    const out = py(`import json
from trainer.backbones import get_model
m = get_model("mbf", 512); sd = m.state_dict()
keys = {k: list(sd[k].shape) for k in ["layers.0.layers.0.weight", "layers.1.layers.0.weight", "layers.2.layers.1.layers.0.weight",
        "layers.5.layers.5.layers.2.layers.1.running_var", "conv_sep.layers.0.weight", "features.layers.0.layers.0.weight",
        "features.layers.2.weight", "features.layers.3.running_mean"]}
print(json.dumps({"mbf": sum(p.numel() for p in m.parameters()), "paper": sum(p.numel() for p in get_model("mbf-paper", 512).parameters()),
                  "r18": sum(p.numel() for p in get_model("r18").parameters()), "same": get_model("r50").state_dict().keys() == get_model("iresnet50").state_dict().keys(),
                  "keys": keys, "count": len(sd)}))`);
    assert.equal(out.mbf, 2_059_520);
    assert.equal(out.paper, 1_200_512);
    assert.equal(out.r18, 24_025_600);
    assert.equal(out.same, true);
    assert.deepEqual(out.keys, {
      'layers.0.layers.0.weight': [128, 3, 3, 3],
      'layers.1.layers.0.weight': [128, 2, 3, 3],
      'layers.2.layers.1.layers.0.weight': [128, 1, 3, 3],
      'layers.5.layers.5.layers.2.layers.1.running_var': [256],
      'conv_sep.layers.0.weight': [512, 256, 1, 1],
      'features.layers.0.layers.0.weight': [512, 1, 7, 7],
      'features.layers.2.weight': [512, 512],
      'features.layers.3.running_mean': [512],
    });
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
    assert.match(String(out.unknown), /unknown backbone "resnet9"; expected one of r18, r34, r50, r100, r200/);
  });
});
