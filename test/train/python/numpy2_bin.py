"""A verification .bin as numpy 2 writes it (numpy._core.multiarray._reconstruct: numpy 2
renamed numpy.core) is read by the restricted reader, and a tampered one is still refused.
numpy 1 is installed here, so the numpy-2 pickle is made by renaming the module in a protocol-2
pickle, which is exactly the byte difference numpy 2 produces. Prints one JSON line."""
import hashlib
import json
import os
import pickle
import sys
import tempfile

import numpy as np

from trainer.errors import TrainerError
from trainer.verification import load_bin

folder = tempfile.mkdtemp(prefix="arcedge-np2-")
images = [np.frombuffer(os.urandom(300), dtype=np.uint8) for _ in range(4)]
data = pickle.dumps((images, [True, False]), protocol=2)
assert b"numpy.core.multiarray" in data
numpy2 = data.replace(b"numpy.core.multiarray", b"numpy._core.multiarray")
path = os.path.join(folder, "np2.bin")
with open(path, "wb") as f:
    f.write(numpy2)
bins, issame = load_bin(path)
result = {"numpy": np.__version__, "pairs": len(issame), "same": sum(issame),
          "bytesMatch": [hashlib.sha256(b).hexdigest() for b in bins] == [hashlib.sha256(i.tobytes()).hexdigest() for i in images]}
evil = numpy2.replace(b"numpy._core.multiarray\n_reconstruct", b"os\nsystem", 1)
with open(os.path.join(folder, "evil.bin"), "wb") as f:
    f.write(evil)
try:
    load_bin(os.path.join(folder, "evil.bin"))
    result["evil"] = "loaded"
except TrainerError as error:
    result["evil"] = error.code
print(json.dumps(result))
