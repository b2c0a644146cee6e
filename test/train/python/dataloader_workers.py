"""DataLoader with N worker processes over a packed RecordIO set: every record is read exactly
once and decodes to the same tensor and label as a single-process read. Prints one JSON line."""
import hashlib
import json
import sys
import tempfile

import torch

from trainer.datasets import RecordDataset
from trainer.synthetic import write_set

workers = int(sys.argv[1]) if len(sys.argv) > 1 else 4


class Indexed(torch.utils.data.Dataset):
    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        # The raw read several times over (contention on the file is what broke), then the
        # decoded sample through the dataset's own path.
        raw = {hashlib.sha256(self.inner.set.item(i)[0]).hexdigest() for _ in range(8)}
        image, label = self.inner[i]
        return i, label, hashlib.sha256(image.numpy().tobytes()).hexdigest(), raw


folder = tempfile.mkdtemp(prefix="arcedge-dl-")
count = write_set(folder, classes=40, per_class=10, seed=3)
dataset = RecordDataset(folder, train=False)
expected = {i: (dataset[i][1], hashlib.sha256(dataset[i][0].numpy().tobytes()).hexdigest(),
                {hashlib.sha256(dataset.set.item(i)[0]).hexdigest()}) for i in range(len(dataset))}
order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(1)).tolist()
# The parent has already read records (as the training loop does before forking its workers).
loader = torch.utils.data.DataLoader(Indexed(dataset), batch_size=4, sampler=order, num_workers=workers,
                                     collate_fn=lambda rows: rows)
seen, wrong, errors = {}, 0, []
try:
    for rows in loader:
        for i, label, digest, raw in rows:
            seen[i] = seen.get(i, 0) + 1
            wrong += (label, digest, raw) != expected[i]
except Exception as error:  # noqa: BLE001 - the test reports what the old reader raised
    errors.append(f"{type(error).__name__}: {error}"[:300])
print(json.dumps({"records": count, "read": sum(seen.values()), "distinct": len(seen),
                  "duplicates": sum(1 for v in seen.values() if v > 1), "wrong": wrong, "errors": errors, "workers": workers}))
