"""Improved ResNet (IResNet) for 112x112 faces, as described in "Improved Residual Networks
for Image and Video Recognition" (Duta et al. 2020) and used by ArcFace (Deng et al. 2019):
BN-Conv-BN-PReLU-Conv-BN residual units, stride in the second conv, and an "output layer"
BN -> dropout -> flatten -> FC -> BN (the paper's option E) giving the embedding.

Stage depths per variant (units in the four stages) follow the ArcFace paper's Table:
18: 2,2,2,2  34: 3,4,6,3  50: 3,4,14,3  100: 3,13,30,3.
"""
import torch
from torch import nn

LAYERS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 14, 3), 100: (3, 13, 30, 3)}
WIDTHS = (64, 128, 256, 512)


class IBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(inplanes, eps=1e-5),
            nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False),
            nn.BatchNorm2d(planes, eps=1e-5),
            nn.PReLU(planes),
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False),
            nn.BatchNorm2d(planes, eps=1e-5),
        )
        self.shortcut = None
        if stride != 1 or inplanes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes, eps=1e-5))

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.body(x) + identity


class IResNet(nn.Module):
    def __init__(self, layers, embedding_size=512, dropout=0.0):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64, eps=1e-5), nn.PReLU(64))
        blocks, inplanes = [], 64
        for depth, planes in zip(layers, WIDTHS):
            for i in range(depth):
                # Each stage halves the spatial size in its first unit: 112 -> 56 -> 28 -> 14 -> 7.
                blocks.append(IBasicBlock(inplanes, planes, 2 if i == 0 else 1))
                inplanes = planes
        self.stages = nn.Sequential(*blocks)
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
        x = self.stages(self.stem(x))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


def iresnet(depth, embedding_size=512, dropout=0.0):
    if depth not in LAYERS:
        raise ValueError(f"iresnet depth {depth} not in {sorted(LAYERS)}")
    return IResNet(LAYERS[depth], embedding_size=embedding_size, dropout=dropout)
