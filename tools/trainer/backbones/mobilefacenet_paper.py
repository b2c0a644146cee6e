"""`mbf-paper`: MobileFaceNet as its paper describes it (Chen et al. 2018, "MobileFaceNets: Efficient CNNs for Accurate Real-Time
Face Verification on Mobile Devices"), following the paper's Table 1: a 3x3 conv, a depthwise
3x3, bottleneck stages (expansion 2 and 4) 5-1-6-1-2 units deep, a 1x1 conv to 512, a 7x7
global depthwise conv (GDC) instead of pooling, and a linear 1x1 to the embedding, with PReLU
non-linearities. The final BatchNorm1d makes the embedding well-scaled for margin losses.
About 1.2M parameters at 512-d. This is NOT arcface_torch's `mbf` (backbones/mobilefacenet.py,
2,059,520 parameters, twice as wide): that one is `mbf` here (mobilefacenet.py), so that
arcface_torch checkpoints load and the emore-mbf preset matches ms1mv2_mbf.
"""
from torch import nn


def conv_bn(cin, cout, kernel=1, stride=1, padding=0, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.PReLU(cout))
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            conv_bn(cin, hidden),
            conv_bn(hidden, hidden, 3, stride, 1, groups=hidden),
            conv_bn(hidden, cout, act=False),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


# (expansion, output channels, units, first stride), from the paper's Table 1.
STAGES = ((2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1))


class PaperMobileFaceNet(nn.Module):
    def __init__(self, embedding_size=512):
        super().__init__()
        layers = [conv_bn(3, 64, 3, 2, 1), conv_bn(64, 64, 3, 1, 1, groups=64)]
        cin = 64
        for expansion, cout, units, stride in STAGES:
            for i in range(units):
                layers.append(Bottleneck(cin, cout, stride if i == 0 else 1, expansion))
                cin = cout
        layers += [
            conv_bn(cin, 512),
            conv_bn(512, 512, 7, 1, 0, groups=512, act=False),  # GDC: 7x7 depthwise over the whole map
            nn.Conv2d(512, embedding_size, 1, bias=False),
            nn.Flatten(),
            nn.BatchNorm1d(embedding_size),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
