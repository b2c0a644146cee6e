/**
 * RecordIO: the TypeScript writer and the Python reader agree byte for byte (including records
 * the writer must split around an embedded magic number), `arcedge pack` on real photos writes
 * an insightface-layout set, and re-packing its aligned crops keeps them byte-identical.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeImage } from '../../sdk/index.ts';
import { RECORDIO_MAGIC, writeInsightfaceSet } from '../../tools/train/recordio.ts';
import { assetFace } from '../helpers/assets.ts';
import { arcedge, detectorSet, pythonScript, tempDir, trainerJson } from './helpers.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('RecordIO writer (TypeScript) and reader (Python)', () => {
  it('round-trips payloads byte-identically, including ones holding the magic at aligned offsets', () => {
    const magic = Buffer.alloc(4);
    magic.writeUInt32LE(RECORDIO_MAGIC);
    const payloads = [
      [randomBytes(1000), Buffer.concat([randomBytes(8), magic, randomBytes(5)])],
      [Buffer.concat([magic, randomBytes(12), magic, magic]), randomBytes(3), Buffer.alloc(0)],
      [randomBytes(4097)],
    ];
    const dir = tempDir('rec');
    writeInsightfaceSet(dir, payloads);
    const { code, lines, stderr } = trainerJson(['read-rec', dir]);
    assert.equal(code, 0, stderr);
    const [header, ...records] = lines;
    const images = payloads.flat();
    // insightface layout: record 0 = (first identity record, end of identity records).
    assert.deepEqual(header, { headerFlag: 2, headerLabel: [images.length + 1, images.length + 1 + payloads.length], images: images.length, classes: payloads.length });
    assert.deepEqual(records.map((r) => r.sha256), images.map(sha));
    assert.deepEqual(records.map((r) => r.label), payloads.flatMap((list, label) => list.map(() => label)));
    assert.equal(readFileSync(join(dir, 'property'), 'ascii').trim(), '3,112,112');
  });

  it('reads a plain set written by the Python writer (no header record), labels from each image header', () => {
    const dir = tempDir('plain');
    const r = pythonScript(
      `import sys; from trainer.recordio import RecordWriter, pack_header
w = RecordWriter(sys.argv[1] + '/train.rec', sys.argv[1] + '/train.idx')
for k in range(6): w.write(k, pack_header(float(k % 3), bytes([k]) * (k + 1)))
w.close()`,
      [dir],
    );
    assert.equal(r.code, 0, r.stderr);
    const { lines } = trainerJson(['read-rec', dir]);
    assert.equal(lines[0]!.images, 6);
    assert.equal(lines[0]!.classes, 3);
    assert.deepEqual(lines.slice(1).map((l) => l.label), [0, 1, 2, 0, 1, 2]);
  });

  it('arcedge pack aligns real photos; re-packing the crops keeps every byte', () => {
    const models = detectorSet();
    const out = tempDir('pack');
    const first = arcedge(['pack', assetFace('face_recognition', 'examples', 'knn_examples', 'train'), out, '--models', models, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout) as { images: number; classes: number; skipped: unknown[]; identities: string[] };
    assert.deepEqual(summary.identities, ['alex_lacamoire', 'biden', 'kit_harington', 'obama', 'rose_leslie']);
    // Nine single-face portraits (five people): every one is aligned and stored, none skipped.
    assert.deepEqual(summary.skipped, []);
    assert.equal(summary.images, 9);
    assert.equal(summary.classes, 5);
    const read = trainerJson(['read-rec', out]);
    assert.equal(read.lines[0]!.images, summary.images);
    // Per person, as many records as photos in their folder (labels in identity order).
    const train = assetFace('face_recognition', 'examples', 'knn_examples', 'train');
    const perPerson = summary.identities.map((name) => readdirSync(join(train, name)).length);
    assert.deepEqual(summary.identities.map((_, label) => read.lines.slice(1).filter((l) => l.label === label).length), perPerson);
    // Write the stored crops back out as <person>/<n>.jpg, then pack those: already-aligned
    // 112x112 JPEGs are stored as they are, so the reader must return the files' exact bytes.
    const crops = pythonScript(
      `import sys, os; from trainer.recordio import RecordSet
s = RecordSet(sys.argv[1])
for i in range(len(s)):
    payload, label = s.item(i)
    os.makedirs(f"{sys.argv[2]}/p{label}", exist_ok=True)
    open(f"{sys.argv[2]}/p{label}/{i:03d}.jpg", "wb").write(payload)`,
      [out, join(out, 'crops')],
    );
    assert.equal(crops.code, 0, crops.stderr);
    const files = read.lines.slice(1).map((l, i) => join(out, 'crops', `p${l.label}`, `${String(i).padStart(3, '0')}.jpg`));
    for (const f of files) {
      const frame = decodeImage(readFileSync(f));
      assert.deepEqual([frame.width, frame.height], [112, 112]);
    }
    const again = join(out, 'again');
    mkdirSync(again);
    const second = arcedge(['pack', join(out, 'crops'), again, '--models', models, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { alreadyAligned: number }).alreadyAligned, files.length);
    const reread = trainerJson(['read-rec', again]);
    assert.deepEqual(reread.lines.slice(1).map((l) => l.sha256), files.map((f) => sha(readFileSync(f))));
  });

  it('the reader refuses a missing .idx and a truncated .rec with DATASET_INVALID', () => {
    const dir = tempDir('bad');
    writeInsightfaceSet(dir, [[randomBytes(500), randomBytes(500)], [randomBytes(500)]]);
    const rec = readFileSync(join(dir, 'train.rec'));
    writeFileSync(join(dir, 'train.rec'), rec.subarray(0, rec.length - 300));
    const truncated = trainerJson(['check-data', dir]);
    assert.equal(truncated.code, 1);
    assert.equal(truncated.lines[0]!.code, 'DATASET_INVALID');
    assert.match(String(truncated.lines[0]!.message), /truncated/);
    const noIdx = tempDir('noidx');
    writeFileSync(join(noIdx, 'train.rec'), rec);
    const missing = trainerJson(['check-data', noIdx]);
    assert.equal(missing.lines[0]!.code, 'DATASET_INVALID');
    assert.match(String(missing.lines[0]!.message), /train\.idx is missing/);
  });
});
