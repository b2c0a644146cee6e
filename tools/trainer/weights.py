"""Backbone weights in and out of arcface_torch's formats, for `arcedge train --init` and
`arcedge train export`.

Accepted files (all read through a restricted unpickler: tensors, storages, OrderedDict and
plain values only, so a checkpoint from elsewhere cannot run code when it is opened; PyTorch
1.13's own weights_only mode refuses the floats our checkpoints hold):
- arcface_torch's `backbone.pth` / `model.pt`: the backbone's state dict, as train_v2.py saves
  `backbone.module.state_dict()`; a "module." prefix (a DDP-wrapped save) is stripped;
- arcface_torch's `checkpoint_gpu_<rank>.pt`: a dict with "state_dict_backbone";
- ours: checkpoints/step-N.pt (a dict with "backbone").
Our iresnet and mbf use arcface_torch's module names, so its keys load unchanged; checkpoints
written by older arcedge versions (stem./stages. names) are renamed (backbones/iresnet.py).
A file that does not fit the named network fails on the first mismatched key with both shapes.
"""
import pickle
import types

import torch

from .backbones import IRESNETS, canonical, get_model
from .backbones.iresnet import LAYERS, legacy_key
from .errors import TrainerError


ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "Size"),
    ("torch", "float32"), ("torch", "float16"), ("torch", "bfloat16"), ("torch", "int64"), ("torch", "uint8"),
}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        # torch.load resolves storage types (torch.FloatStorage ...) itself before this is asked.
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a checkpoint")


# What torch.load(pickle_module=...) uses: its Unpickler (subclassed by torch) and load (old format).
RESTRICTED_PICKLE = types.SimpleNamespace(__name__="restricted_pickle", Unpickler=RestrictedUnpickler,
                                          load=lambda f, **kw: RestrictedUnpickler(f, **kw).load())


def safe_load(path):
    """torch.load without running code: weights_only where PyTorch can (arcface_torch's state
    dicts), else PyTorch's zip reader with the restricted unpickler above. (PyTorch 1.13's
    weights_only refuses pickled floats, which our checkpoints hold, and its torch.load ignores
    a pickle_module argument unless weights_only is set, so the reader is called directly.)"""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        pass
    from torch import serialization
    with open(path, "rb") as f:
        if not serialization._is_zipfile(f):
            raise pickle.UnpicklingError("not a zip-format PyTorch file (PyTorch >= 1.6 writes those)")
        with serialization._open_zipfile_reader(f) as archive:
            return serialization._load(archive, "cpu", RESTRICTED_PICKLE, encoding="utf-8")


def read_state(path):
    """-> (backbone state dict, our config or None)."""
    try:
        raw = safe_load(path)
    except FileNotFoundError:
        raise TrainerError("CONFIG_INVALID", f"{path} does not exist", "pass the path of a backbone.pth, model.pt or step-N.pt") from None
    except Exception as error:  # noqa: BLE001 - any unpickling failure means the same to the user
        raise TrainerError("MODEL_UNREADABLE", f"{path} is not a PyTorch checkpoint of tensors that can be read safely: {error}",
                           "pass arcface_torch's backbone.pth / model.pt (a state dict) or one of our checkpoints/step-N.pt; "
                           "whole pickled models are refused because loading them can run code") from None
    config = None
    if isinstance(raw, dict) and isinstance(raw.get("backbone"), dict):
        raw, config = raw["backbone"], raw.get("config")
    elif isinstance(raw, dict) and isinstance(raw.get("state_dict_backbone"), dict):
        raw = raw["state_dict_backbone"]
    if not isinstance(raw, dict) or not raw or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise TrainerError("MODEL_UNREADABLE", f"{path} holds no backbone state dict (a mapping of names to tensors)",
                           "pass arcface_torch's backbone.pth / model.pt or one of our checkpoints/step-N.pt")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in raw.items()}, config


def embedding_size_of(state):
    """The embedding length a state dict produces (its final BatchNorm1d), or None."""
    for key in ("features.weight", "features.layers.3.weight"):
        if key in state:
            return int(state[key].shape[0])
    return None


def fit(model, state, network, path):
    """Loads `state` into `model` strictly; the first missing, extra or mis-shaped key is an error."""
    name = canonical(network)
    if name in IRESNETS:
        state = {legacy_key(k, LAYERS[IRESNETS[name]]): v for k, v in state.items()}
    own = model.state_dict()
    for key, value in own.items():
        if key not in state:
            raise TrainerError("CONFIG_INVALID", f"{path} does not fit --network {network}: it has no {key} (shape {tuple(value.shape)})",
                               "pass the --network the checkpoint was trained with (r18, r34, r50, r100, r200, mbf, mbf-paper)")
        if tuple(state[key].shape) != tuple(value.shape):
            raise TrainerError("CONFIG_INVALID", f"{path} does not fit --network {network}: {key} is {tuple(state[key].shape)} "
                               f"in the checkpoint, {tuple(value.shape)} in the network",
                               "pass the --network (and embedding size) the checkpoint was trained with")
    extra = [k for k in state if k not in own]
    if extra:
        raise TrainerError("CONFIG_INVALID", f"{path} does not fit --network {network}: the checkpoint has {extra[0]} "
                           f"(shape {tuple(state[extra[0]].shape)}), which the network does not",
                           "pass the --network the checkpoint was trained with")
    model.load_state_dict(state)
    return model


def load_backbone(model, path, network):
    state, _ = read_state(path)
    return fit(model, state, network, path)


def backbone_from(path, network, embedding_size=None):
    """-> (backbone with the checkpoint's weights, eval mode, embedding size)."""
    state, config = read_state(path)
    size = embedding_size or embedding_size_of(state) or (config or {}).get("backbone", {}).get("embeddingSize", 512)
    model = get_model(network, embedding_size=size)
    return fit(model, state, network, path).eval(), size
