"""insightface verification sets (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`) and their metric.

A `.bin` is a pickle of (bins, issame_list): 2N encoded images (pair i is bins[2i], bins[2i+1])
and N booleans. Pickle can run code on load, so reading uses an Unpickler whose find_class
admits only what these files need: `_codecs.encode` (how protocol-2 pickles spell bytes) and
numpy's array reconstruction (some published sets store uint8 arrays). Anything else, e.g. an
`os.system` reduce, is refused before it can be called (Python docs, "Restricting Globals").

Metric (as insightface's verification.py defines it): embed every image and its horizontal
mirror, sum, L2-normalise; split pairs into 10 contiguous folds; per fold pick the cosine
threshold with the best accuracy on the other 9 and score the held-out fold; report mean and
std. TAR@FAR: the threshold that lets at most FAR of the different pairs through, and the share
of same pairs above it, over all pairs.
"""
import pickle

import numpy as np

from .errors import TrainerError

ALLOWED_GLOBALS = {
    ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}
# numpy 2 renamed numpy.core to numpy._core, and pickles written with it name the new module;
# numpy 1 has no numpy._core, so those names are read as the numpy.core ones they mean.
NUMPY2_MODULES = {"numpy._core.multiarray": "numpy.core.multiarray", "numpy._core": "numpy.core"}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (NUMPY2_MODULES.get(module, module), name) in ALLOWED_GLOBALS:
            try:
                return super().find_class(module, name)
            except (ImportError, AttributeError):
                return super().find_class(NUMPY2_MODULES[module], name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a verification .bin")


def load_bin(path):
    try:
        with open(path, "rb") as f:
            bins, issame = RestrictedUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as error:
        raise TrainerError("VERIFICATION_BIN_INVALID", f"{path} is not a verification .bin that can be read safely: {error}",
                           "use the insightface .bin files or `arcedge pack-pairs`; a .bin with code in it is never loaded") from None
    bins = [bytes(np.asarray(b).tobytes()) if not isinstance(b, (bytes, bytearray)) else bytes(b) for b in bins]
    issame = [bool(x) for x in issame]
    if len(bins) != 2 * len(issame):
        raise TrainerError("VERIFICATION_BIN_INVALID", f"{path}: {len(bins)} images for {len(issame)} pairs (expected twice as many)",
                           "re-create the .bin with `arcedge pack-pairs`")
    return bins, issame


def write_bin(path, bins, issame):
    with open(path, "wb") as f:
        pickle.dump((list(bins), list(issame)), f, protocol=4)


def embed_images(model, images, batch_size=64, device="cpu"):
    import torch  # only evaluation needs PyTorch; reading a .bin does not
    from torch.nn import functional as F

    from .datasets import to_tensor

    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            plain = torch.stack([to_tensor(b) for b in images[start:start + batch_size]]).to(device)
            mirrored = torch.flip(plain, dims=[3])
            out.append(F.normalize(model(plain).float() + model(mirrored).float()).cpu())
    return torch.cat(out).numpy()


def best_threshold(scores, same):
    candidates = np.unique(scores)
    accuracies = [np.mean((scores >= t) == same) for t in candidates]
    i = int(np.argmax(accuracies))
    return float(candidates[i]), float(accuracies[i])


def ten_fold(scores, same, folds=10, far=1e-3):
    n = len(scores)
    bounds = np.linspace(0, n, folds + 1).astype(int)
    accuracies, thresholds = [], []
    for k in range(folds):
        test = np.zeros(n, dtype=bool)
        test[bounds[k]:bounds[k + 1]] = True
        if not test.any():
            continue
        threshold, _ = best_threshold(scores[~test], same[~test])
        thresholds.append(threshold)
        accuracies.append(float(np.mean((scores[test] >= threshold) == same[test])))
    different = np.sort(scores[~same])[::-1]
    allowed = int(np.floor(far * len(different)))
    far_threshold = different[allowed] if allowed < len(different) else -1.0
    tar = float(np.mean(scores[same] > far_threshold)) if same.any() else 0.0
    return {"accuracy": float(np.mean(accuracies)), "std": float(np.std(accuracies)),
            "threshold": float(np.mean(thresholds)), "tarAtFar": tar, "far": far, "pairs": int(n)}


def evaluate(model, bins, issame, device="cpu"):
    # Sets built from few photos repeat images across pairs: embed each distinct image once.
    unique = list(dict.fromkeys(bins))
    row = {b: i for i, b in enumerate(unique)}
    emb = embed_images(model, unique, device=device)[[row[b] for b in bins]]
    scores = np.sum(emb[0::2] * emb[1::2], axis=1)
    return ten_fold(scores, np.asarray(issame, dtype=bool))
