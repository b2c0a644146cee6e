"""MXNet RecordIO, read and written from the format itself (no MXNet).

Format facts, from dmlc-core's include/dmlc/recordio.h and src/recordio.cc (the container)
and MXNet's python/mxnet/recordio.py (the image header); little-endian throughout:
- a record is: uint32 magic 0xced7230a, uint32 lrecord, the data, zero padding to 4 bytes;
  lrecord = cflag << 29 | length (length < 2^29);
- cflag 0 is a whole record. The writer never lets the magic appear at a 4-byte-aligned
  position inside a record: it cuts the data there (dropping those 4 bytes) and writes parts
  with cflag 1 (first), 2 (middle), 3 (last); a reader joins parts with the magic between them;
- `.idx` is text, one `key<TAB>byte offset` line per record;
- the payload of an image record starts with IRHeader, struct "IfQQ" (24 bytes):
  uint32 flag, float32 label, uint64 id, uint64 id2; when flag > 0 the label is instead
  `flag` float32 values right after the header. The image bytes (JPEG) follow.
insightface's layout (recognition/arcface_torch/dataset.py reads it): record 0 has flag > 0
and label (a, b): images are records 1 .. a-1, and records a .. b-1 are one per identity with
label (first image, end image). Sets without that header are plain lists of labelled images.
`property` holds "classes,height,width".
"""
import os
import struct

from .errors import TrainerError, dataset_error

MAGIC = 0xCED7230A
LENGTH_BITS = 29
IR_FORMAT = "<IfQQ"
IR_SIZE = struct.calcsize(IR_FORMAT)


def read_index(idx_path):
    if not os.path.isfile(idx_path):
        raise dataset_error(f"{idx_path} is missing: a RecordIO set needs its .idx beside the .rec",
                            "copy the .idx that came with the .rec, or re-create the set with `arcedge pack`")
    entries = []
    with open(idx_path, "r", encoding="ascii") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise dataset_error(f"{idx_path}:{n}: expected 'key<TAB>offset', got {line.strip()!r}", "re-create the .idx")
            entries.append((int(parts[0]), int(parts[1])))
    return entries


class RecordReader:
    """Random access to records by byte offset, safe in forked DataLoader workers.

    Reads use os.pread, which takes the offset with each call and never moves the shared file
    position: after a fork every worker inherits the same open file description, and a
    seek-then-read from one worker would otherwise land on another worker's position (that was
    the "no RecordIO magic" failure with workers > 0). The descriptor is also reopened when the
    process id changes, so a pickled (spawned) copy or a closed parent descriptor still works."""

    def __init__(self, rec_path):
        if not os.path.isfile(rec_path):
            raise dataset_error(f"{rec_path} is missing", "pass the folder holding train.rec, train.idx and property")
        self.path = rec_path
        self.size = os.path.getsize(rec_path)
        self._fd, self._pid = None, None

    def _descriptor(self):
        if self._pid != os.getpid():
            self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
        return self._fd

    def _pread(self, length, offset):
        data = os.pread(self._descriptor(), length, offset)
        if len(data) != length:
            raise self._truncated(offset, f"short read ({len(data)} of {length} bytes)")
        return data

    def __getstate__(self):
        return {"path": self.path, "size": self.size, "_fd": None, "_pid": None}

    def close(self):
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd, self._pid = None, None

    def _truncated(self, offset, what):
        return dataset_error(f"{self.path} is truncated or damaged: {what} at byte {offset} (file has {self.size} bytes)",
                             "copy the .rec again (compare its size with the source) or re-create it with `arcedge pack`")

    def read(self, offset):
        parts = []
        while True:
            if offset + 8 > self.size:
                raise self._truncated(offset, "record header past the end")
            magic, lrecord = struct.unpack("<II", self._pread(8, offset))
            if magic != MAGIC:
                raise self._truncated(offset, f"no RecordIO magic (found {magic:#010x})")
            cflag, length = lrecord >> LENGTH_BITS, lrecord & ((1 << LENGTH_BITS) - 1)
            if offset + 8 + length > self.size:
                raise self._truncated(offset, f"a {length}-byte record runs past the end")
            parts.append(self._pread(length, offset + 8))
            offset += 8 + ((length + 3) & ~3)
            if cflag in (0, 3):
                return struct.pack("<I", MAGIC).join(parts)
            if cflag not in (1, 2):
                raise self._truncated(offset, f"unknown continuation flag {cflag}")


class RecordWriter:
    """Appends records to a .rec and their offsets to a .idx (used by tests and tools)."""

    def __init__(self, rec_path, idx_path):
        self.rec, self.idx = open(rec_path, "wb"), open(idx_path, "w", encoding="ascii")

    def write(self, key, data):
        self.idx.write(f"{key}\t{self.rec.tell()}\n")
        magic = struct.pack("<I", MAGIC)
        start, cuts = 0, []
        for i in range(0, len(data) - 3, 4):
            if data[i:i + 4] == magic:
                cuts.append((start, i))
                start = i + 4
        cuts.append((start, len(data)))
        for n, (a, b) in enumerate(cuts):
            cflag = 0 if len(cuts) == 1 else 1 if n == 0 else 3 if n == len(cuts) - 1 else 2
            self.rec.write(struct.pack("<II", MAGIC, cflag << LENGTH_BITS | (b - a)))
            self.rec.write(data[a:b] + b"\0" * ((4 - (b - a) % 4) % 4))

    def close(self):
        self.rec.close()
        self.idx.close()


def pack_header(label, payload=b"", id1=0, id2=0):
    if isinstance(label, (int, float)):
        return struct.pack(IR_FORMAT, 0, float(label), id1, id2) + payload
    return struct.pack(IR_FORMAT, len(label), 0.0, id1, id2) + struct.pack(f"<{len(label)}f", *label) + payload


def unpack_header(record):
    """-> (flag, labels tuple, id, id2, payload)."""
    if len(record) < IR_SIZE:
        raise dataset_error(f"record of {len(record)} bytes is shorter than the 24-byte image header", "re-create the set")
    flag, label, id1, id2 = struct.unpack_from(IR_FORMAT, record)
    if flag > 0:
        labels = struct.unpack_from(f"<{flag}f", record, IR_SIZE)
        return flag, labels, id1, id2, record[IR_SIZE + 4 * flag:]
    return flag, (label,), id1, id2, record[IR_SIZE:]


class RecordSet:
    """An insightface-layout (or plain) RecordIO set: images [(key, offset, label)], classes."""

    def __init__(self, folder, prefix="train"):
        rec, idx = os.path.join(folder, prefix + ".rec"), os.path.join(folder, prefix + ".idx")
        entries = read_index(idx)
        if not entries:
            raise dataset_error(f"{idx} lists no records", "re-create the set with `arcedge pack`")
        self.reader = RecordReader(rec)
        offsets = dict(entries)
        last_key, last_offset = max(entries, key=lambda e: e[1])
        self.reader.read(last_offset)  # a truncated copy fails here, before any training
        flag, labels, _, _, _ = unpack_header(self.reader.read(offsets[min(offsets)]))
        self.num_classes = None
        if flag > 0 and min(offsets) == 0:
            first_identity, end_identity = int(labels[0]), int(labels[1])
            self.keys = [k for k in range(1, first_identity) if k in offsets]
            self.num_classes = end_identity - first_identity
        else:
            self.keys = sorted(offsets)
        self.offsets = offsets
        prop = os.path.join(folder, "property")
        if self.num_classes is None and os.path.isfile(prop):
            self.num_classes = int(open(prop, encoding="ascii").read().split(",")[0])
        if self.num_classes is None:  # a plain list without property: scan the labels once
            self.num_classes = max(self.label(i) for i in range(len(self.keys))) + 1

    def __len__(self):
        return len(self.keys)

    def item(self, i):
        """-> (image bytes, label)."""
        try:
            _, labels, _, _, payload = unpack_header(self.reader.read(self.offsets[self.keys[i]]))
        except TrainerError as error:
            error.message = f"record index {i} (key {self.keys[i]}): {error.message}"
            raise
        return payload, int(labels[0])

    def label(self, i):
        return self.item(i)[1]
