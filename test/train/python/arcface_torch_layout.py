"""Writes an iresnet18 checkpoint in insightface arcface_torch's own key layout (backbone.pth as
train_v2.py saves it, and a DDP-prefixed model.pt), plus input crops and this reference
network's embeddings, for the export round trip. The reference network below is written
independently of tools/trainer, from arcface_torch's module names (conv1, bn1, prelu,
layer1..4 of IBasicBlock(bn1, conv1, bn2, prelu, conv2, bn3, downsample), bn2, dropout, fc,
features), so the test proves that its checkpoints load, not that ours load into ours.
Usage: arcface_torch_layout.py <out dir>. Prints one JSON line."""
import json
import os
import sys

import numpy as np
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-05)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-05)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout, eps=1e-05)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-05)) \
            if stride != 1 or cin != cout else None

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (x if self.downsample is None else self.downsample(x))


class Reference(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), features=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=1e-05)
        self.prelu = nn.PReLU(64)
        cin = 64
        for i, (n, cout) in enumerate(zip(layers, (64, 128, 256, 512)), 1):
            setattr(self, f"layer{i}", nn.Sequential(*[Block(cin if j == 0 else cout, cout, 2 if j == 0 else 1) for j in range(n)]))
            cin = cout
        self.bn2 = nn.BatchNorm2d(512, eps=1e-05)
        self.dropout = nn.Dropout(p=0.0, inplace=True)
        self.fc = nn.Linear(512 * 7 * 7, features)
        self.features = nn.BatchNorm1d(features, eps=1e-05)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(11)
model = Reference()
with torch.no_grad():  # trained-looking statistics, so a swapped BN would show
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.running_mean.uniform_(-0.2, 0.2), m.running_var.uniform_(0.5, 2.0)
            m.weight.uniform_(0.5, 1.5), m.bias.uniform_(-0.2, 0.2)
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
model.eval()
torch.save(model.state_dict(), os.path.join(out, "backbone.pth"))
torch.save({"module." + k: v for k, v in model.state_dict().items()}, os.path.join(out, "model.pt"))
x = torch.rand(3, 3, 112, 112) * 2 - 1
with torch.no_grad():
    y = model(x)
x.numpy().astype(np.float32).tofile(os.path.join(out, "input.f32"))
y.numpy().astype(np.float32).tofile(os.path.join(out, "reference.f32"))
print(json.dumps({"count": 3, "embeddingSize": 512, "keys": len(model.state_dict()),
                  "parameters": sum(p.numel() for p in model.parameters())}))
