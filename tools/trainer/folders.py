"""`<root>/<person>/<image>` listing without importing PyTorch (used by the quick data check)."""
import os

from .errors import dataset_error

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def scan_image_folder(root):
    """-> ([(path, label)], classes); people sorted by name get labels 0..n-1."""
    if not os.path.isdir(root):
        raise dataset_error(f"{root} is not a folder", "pass a folder of <person>/<images> or a packed RecordIO set")
    people = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    items = [(os.path.join(root, p, f), label) for label, p in enumerate(people)
             for f in sorted(os.listdir(os.path.join(root, p))) if f.lower().endswith(IMAGE_EXTENSIONS)]
    if not items:
        raise dataset_error(f"{root} holds no images in <person>/<image> sub-folders",
                            "put each person's photos in their own sub-folder, or run `arcedge pack` first")
    return items, len(people)
