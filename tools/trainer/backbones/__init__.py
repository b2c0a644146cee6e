"""get_model(name): the backbones the trainer knows. arcface_torch's names (r18, r34, r50, r100,
r200, mbf) and the long forms (iresnet18 ...) are the same networks with the same state-dict keys."""
from .iresnet import LAYERS, iresnet
from .mobilefacenet import MobileFaceNet
from .mobilefacenet_paper import PaperMobileFaceNet

IRESNETS = {f"r{d}": d for d in LAYERS} | {f"iresnet{d}": d for d in LAYERS}
BACKBONES = tuple(f"r{d}" for d in LAYERS) + tuple(f"iresnet{d}" for d in LAYERS) + ("mbf", "mbf-paper")


def canonical(name):
    """r50 and iresnet50 -> r50; mbf, mbf-paper unchanged; unknown -> ValueError listing the names."""
    if name in IRESNETS:
        return f"r{IRESNETS[name]}"
    if name in ("mbf", "mbf-paper"):
        return name
    raise ValueError(f'unknown backbone "{name}"; expected one of {", ".join(BACKBONES)}')


def get_model(name, embedding_size=512, dropout=0.0):
    name = canonical(name)
    if name == "mbf":
        return MobileFaceNet(embedding_size=embedding_size)
    if name == "mbf-paper":
        return PaperMobileFaceNet(embedding_size=embedding_size)
    return iresnet(IRESNETS[name], embedding_size=embedding_size, dropout=dropout)
