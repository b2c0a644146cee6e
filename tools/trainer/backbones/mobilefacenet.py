"""`mbf`: the MobileFaceNet of insightface's arcface_torch (backbones/mobilefacenet.py, built by
`get_mbf(fp16, 512)`, 2,059,520 parameters at 512-d), with its module names, so that an
arcface_torch `backbone.pth` loads with no renaming and ours loads there.

Layout (scale 2, blocks (1, 4, 6, 2)): a 3x3/2 conv to 128 channels, a 3x3 depthwise conv
(64 groups), then "depthwise" units (1x1 expand -> 3x3 depthwise -> 1x1 linear projection) that
halve the map 56 -> 28 -> 14 -> 7 and residual stacks of them, a 1x1 conv to 512, and the GDC
head: a 7x7 depthwise linear conv, flatten, a bias-free linear to the embedding, BatchNorm1d.
Conv -> BN -> PReLU everywhere except the linear projections. Mixed precision is applied by the
trainer around the backbone (loop.py); as in arcface_torch, conv_sep and GDC run in fp32.
"""
import torch
from torch import nn


class ConvBlock(nn.Module):
    """conv -> BN -> PReLU (arcface_torch's ConvBlock: parameters under `layers.0/1/2`)."""

    def __init__(self, cin, cout, kernel=1, stride=1, padding=0, groups=1, activation=True):
        super().__init__()
        parts = [nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if activation:
            parts.append(nn.PReLU(cout))
        self.layers = nn.Sequential(*parts)

    def forward(self, x):
        return self.layers(x)


def linear_block(cin, cout, kernel=1, stride=1, padding=0, groups=1):
    """conv -> BN without activation (arcface_torch's LinearBlock)."""
    return ConvBlock(cin, cout, kernel, stride, padding, groups, activation=False)


class DepthWise(nn.Module):
    """1x1 to `hidden` -> 3x3 depthwise (stride) -> 1x1 linear to cout, optionally residual."""

    def __init__(self, cin, cout, hidden, stride=2, residual=False):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(ConvBlock(cin, hidden), ConvBlock(hidden, hidden, 3, stride, 1, groups=hidden),
                                    linear_block(hidden, cout))

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, channels, units, hidden):
        super().__init__()
        self.layers = nn.Sequential(*[DepthWise(channels, channels, hidden, stride=1, residual=True) for _ in range(units)])

    def forward(self, x):
        return self.layers(x)


class GDC(nn.Module):
    """Global depthwise conv head: 7x7 depthwise linear conv, flatten, linear, BatchNorm1d."""

    def __init__(self, embedding_size):
        super().__init__()
        self.layers = nn.Sequential(linear_block(512, 512, 7, 1, 0, groups=512), nn.Flatten(),
                                    nn.Linear(512, embedding_size, bias=False), nn.BatchNorm1d(embedding_size))

    def forward(self, x):
        return self.layers(x)


class MobileFaceNet(nn.Module):
    def __init__(self, embedding_size=512, blocks=(1, 4, 6, 2), scale=2):
        super().__init__()
        c64, c128 = 64 * scale, 128 * scale
        self.layers = nn.ModuleList([ConvBlock(3, c64, 3, 2, 1)])
        # The first stage is one 3x3 depthwise-ish conv with 64 groups when blocks[0] == 1.
        self.layers.append(ConvBlock(c64, c64, 3, 1, 1, groups=64) if blocks[0] == 1 else Residual(c64, blocks[0], 128))
        self.layers.extend([
            DepthWise(c64, c64, 128), Residual(c64, blocks[1], 128),
            DepthWise(c64, c128, 256), Residual(c128, blocks[2], 256),
            DepthWise(c128, c128, 512), Residual(c128, blocks[3], 256),
        ])
        self.conv_sep = ConvBlock(c128, 512)
        self.features = GDC(embedding_size)
        for m in self.modules():  # arcface_torch's initialisation
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight), nn.init.zeros_(m.bias)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        # conv_sep and the GDC head run in fp32 under mixed precision, as in arcface_torch.
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self.features(self.conv_sep(x.float()))
