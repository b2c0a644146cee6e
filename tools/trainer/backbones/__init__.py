"""get_model(name): the backbones the trainer knows, by the names arcface_torch uses."""
from .iresnet import iresnet
from .mobilefacenet import MobileFaceNet

BACKBONES = ("iresnet18", "iresnet34", "iresnet50", "iresnet100", "mbf")


def get_model(name, embedding_size=512, dropout=0.0):
    if name.startswith("iresnet") and name in BACKBONES:
        return iresnet(int(name[len("iresnet"):]), embedding_size=embedding_size, dropout=dropout)
    if name in ("mbf", "mobilefacenet"):
        return MobileFaceNet(embedding_size=embedding_size)
    raise ValueError(f'unknown backbone "{name}"; expected one of {", ".join(BACKBONES)}')
