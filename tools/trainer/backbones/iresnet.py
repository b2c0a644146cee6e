"""Improved ResNet (IResNet) for 112x112 faces, as described in "Improved Residual Networks
for Image and Video Recognition" (Duta et al. 2020) and used by ArcFace (Deng et al. 2019):
BN-Conv-BN-PReLU-Conv-BN residual units, stride in the second conv, and an "output layer"
BN -> dropout -> flatten -> FC -> BN (the paper's option E) giving the embedding.

Stage depths per variant (units in the four stages) follow the ArcFace paper's Table:
18: 2,2,2,2  34: 3,4,6,3  50: 3,4,14,3  100: 3,13,30,3 (200: 6,26,60,6, arcface_torch's r200).
"""
import re

import torch
from torch import nn

LAYERS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 14, 3), 100: (3, 13, 30, 3), 200: (6, 26, 60, 6)}
WIDTHS = (64, 128, 256, 512)


class IBasicBlock(nn.Module):
    # Module names are arcface_torch's (bn1, conv1, bn2, prelu, conv2, bn3, downsample), so its
    # backbone.pth state dicts load here unchanged and ours load there.
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-5)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes, eps=1e-5))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x)))))
        return self.bn3(out) + identity


class IResNet(nn.Module):
    def __init__(self, layers, embedding_size=512, dropout=0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=1e-5)
        self.prelu = nn.PReLU(64)
        inplanes = 64
        for n, (depth, planes) in enumerate(zip(layers, WIDTHS), 1):
            # Each stage halves the spatial size in its first unit: 112 -> 56 -> 28 -> 14 -> 7.
            blocks = [IBasicBlock(inplanes if i == 0 else planes, planes, 2 if i == 0 else 1) for i in range(depth)]
            setattr(self, f"layer{n}", nn.Sequential(*blocks))
            inplanes = planes
        self.bn2 = nn.BatchNorm2d(512, eps=1e-5)
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(512 * 7 * 7, embedding_size)
        self.features = nn.BatchNorm1d(embedding_size, eps=1e-5)
        # The embedding BN has a fixed unit scale, as in the paper's output layer E.
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.1)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        # The embedding layers run in fp32 under mixed precision, as in arcface_torch.
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self.features(self.fc(x.float()))


def iresnet(depth, embedding_size=512, dropout=0.0):
    if depth not in LAYERS:
        raise ValueError(f"iresnet depth {depth} not in {sorted(LAYERS)}")
    return IResNet(LAYERS[depth], embedding_size=embedding_size, dropout=dropout)


def legacy_key(key, layers):
    """Key of a checkpoint written before the layout took arcface_torch's names (stem.N,
    stages.N.body.N, stages.N.shortcut.N; `layers` the stage depths) -> today's name."""
    stem = {"stem.0.": "conv1.", "stem.1.": "bn1.", "stem.2.": "prelu."}
    for old, new in stem.items():
        if key.startswith(old):
            return new + key[len(old):]
    m = re.match(r"stages\.(\d+)\.(body|shortcut)\.(\d+)\.(.*)", key)
    if not m:
        return key
    index, part, sub, rest = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
    stage = 1
    for depth in layers:
        if index < depth:
            break
        index, stage = index - depth, stage + 1
    if part == "shortcut":
        return f"layer{stage}.{index}.downsample.{sub}.{rest}"
    return f"layer{stage}.{index}.{('bn1', 'conv1', 'bn2', 'prelu', 'conv2', 'bn3')[sub]}.{rest}"
