/**
 * MXNet RecordIO in TypeScript: the writer behind `arcedge pack`, and the checks `arcedge
 * train` runs before starting. Written from the format (dmlc-core include/dmlc/recordio.h and
 * src/recordio.cc for the container, MXNet python/mxnet/recordio.py for the image header);
 * tools/trainer/recordio.py is the Python reader and documents the same facts:
 *   record = u32 magic 0xced7230a, u32 (cflag << 29 | length), data, zero pad to 4 bytes;
 *   the magic never appears 4-byte aligned inside data: the writer cuts there (cflag 1/2/3);
 *   image payload = IRHeader "IfQQ" (u32 flag, f32 label, u64 id, u64 id2) [+ flag f32 labels] + JPEG;
 *   `.idx` = "key\toffset\n" lines; insightface layout: record 0 labels (first identity record,
 *   end), images 1..a-1, identity records a..b-1 labelled (first image, end image); `property`
 *   = "classes,height,width".
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';

export const RECORDIO_MAGIC = 0xced7230a;
const LENGTH_BITS = 29;
const IR_HEADER_BYTES = 24;

/** IRHeader + labels + payload. A scalar label uses flag 0; a label array sets flag = its length. */
export function packImageRecord(label: number | readonly number[], payload: Uint8Array, id = 0, id2 = 0): Buffer {
  const labels = typeof label === 'number' ? [] : label;
  const head = Buffer.alloc(IR_HEADER_BYTES + 4 * labels.length);
  head.writeUInt32LE(labels.length, 0);
  head.writeFloatLE(typeof label === 'number' ? label : 0, 4);
  head.writeBigUInt64LE(BigInt(id), 8);
  head.writeBigUInt64LE(BigInt(id2), 16);
  labels.forEach((v, i) => head.writeFloatLE(v, IR_HEADER_BYTES + 4 * i));
  return Buffer.concat([head, payload]);
}

export class RecordIoWriter {
  private readonly rec: number;
  private readonly idx: number;
  private offset = 0;

  constructor(recPath: string, idxPath: string) {
    this.rec = openSync(recPath, 'w');
    this.idx = openSync(idxPath, 'w');
  }

  write(key: number, data: Buffer): void {
    writeSync(this.idx, `${key}\t${this.offset}\n`);
    const parts: [number, number][] = [];
    let start = 0;
    for (let i = 0; i + 4 <= data.length; i += 4) {
      if (data.readUInt32LE(i) === RECORDIO_MAGIC) {
        parts.push([start, i]);
        start = i + 4;
      }
    }
    parts.push([start, data.length]);
    parts.forEach(([a, b], n) => {
      const cflag = parts.length === 1 ? 0 : n === 0 ? 1 : n === parts.length - 1 ? 3 : 2;
      const head = Buffer.alloc(8);
      head.writeUInt32LE(RECORDIO_MAGIC, 0);
      head.writeUInt32LE(((cflag << LENGTH_BITS) | (b - a)) >>> 0, 4);
      const pad = Buffer.alloc((4 - ((b - a) % 4)) % 4);
      for (const chunk of [head, data.subarray(a, b), pad]) this.offset += writeSync(this.rec, chunk);
    });
  }

  close(): void {
    closeSync(this.rec);
    closeSync(this.idx);
  }
}

/** Writes identities (label = index) in the insightface layout; returns record counts. */
export function writeInsightfaceSet(outDir: string, identities: readonly (readonly Buffer[])[], sizePx = 112): { images: number; classes: number } {
  const images = identities.reduce((n, list) => n + list.length, 0);
  const firstIdentity = images + 1;
  const writer = new RecordIoWriter(join(outDir, 'train.rec'), join(outDir, 'train.idx'));
  try {
    writer.write(0, packImageRecord([firstIdentity, firstIdentity + identities.length], Buffer.alloc(0)));
    let key = 1;
    const ranges: [number, number][] = [];
    identities.forEach((list, label) => {
      const first = key;
      for (const jpeg of list) writer.write(key, packImageRecord(label, jpeg, key++));
      ranges.push([first, key]);
    });
    ranges.forEach((range, i) => writer.write(firstIdentity + i, packImageRecord(range, Buffer.alloc(0), firstIdentity + i)));
  } finally {
    writer.close();
  }
  writeFileSync(join(outDir, 'property'), `${identities.length},${sizePx},${sizePx}\n`);
  return { images, classes: identities.length };
}

function invalid(message: string, fix: string): ArcEdgeError {
  return new ArcEdgeError('DATASET_INVALID', message, { fix });
}

/** Cheap structural checks before training: .idx present and parseable, every indexed record
 * header inside the file (a truncated copy fails here), record 0 readable. */
export function checkRecordSet(dir: string): { records: number; recBytes: number } {
  const rec = join(dir, 'train.rec');
  const idx = join(dir, 'train.idx');
  if (!existsSync(rec)) throw invalid(`${rec} is missing`, 'pass the folder holding train.rec, train.idx and property');
  if (!existsSync(idx)) throw invalid(`${idx} is missing: a RecordIO set needs its .idx beside the .rec`, 'copy the .idx that came with the .rec, or re-create the set with `arcedge pack`');
  const offsets = readFileSync(idx, 'ascii')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, n) => {
      const [key, offset] = line.split('\t');
      if (offset === undefined || !/^\d+$/.test(key!) || !/^\d+\s*$/.test(offset)) throw invalid(`${idx}:${n + 1}: expected "key<TAB>offset", got ${JSON.stringify(line)}`, 're-create the .idx with `arcedge pack`');
      return Number(offset);
    });
  if (offsets.length === 0) throw invalid(`${idx} lists no records`, 're-create the set with `arcedge pack`');
  const fd = openSync(rec, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    for (const offset of [Math.min(...offsets), Math.max(...offsets)]) {
      const got = offset + 8 <= size ? readSync(fd, head, 0, 8, offset) : 0;
      const length = got === 8 ? head.readUInt32LE(4) & ((1 << LENGTH_BITS) - 1) : 0;
      if (got !== 8 || head.readUInt32LE(0) !== RECORDIO_MAGIC || offset + 8 + length > size) {
        throw invalid(
          `${rec} is truncated or damaged: the record at byte ${offset} (listed in train.idx) ${got !== 8 ? 'starts past the end' : head.readUInt32LE(0) !== RECORDIO_MAGIC ? 'has no RecordIO magic' : 'runs past the end'} of the ${size}-byte file`,
          'copy the .rec again (compare its size with the source) or re-create it with `arcedge pack`',
        );
      }
    }
    return { records: offsets.length, recBytes: size };
  } finally {
    closeSync(fd);
  }
}
