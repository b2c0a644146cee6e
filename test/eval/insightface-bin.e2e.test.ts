/**
 * The restricted pickle reader against files Python's own pickle writes (protocols 3, 4, 5,
 * as insightface and `arcedge pack-pairs` do), and against a pickle that would run a command
 * if loaded with pickle.load: it must be refused, and the command must not run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInsightfaceBin } from '../../tools/eval/insightface-bin.ts';
import { readEvalInput } from '../../tools/eval/pairs-input.ts';

const python = (code: string): void => void execFileSync('python3', ['-c', code], { stdio: 'pipe' });

test('reads (bins, issame_list) pickled by Python with protocols 3, 4 and 5', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-bin-'));
  try {
    for (const protocol of [3, 4, 5]) {
      const file = join(dir, `p${protocol}.bin`);
      // 300 "images" of growing size (the 256-byte ones cross SHORT_BINBYTES into BINBYTES) and mixed labels.
      python(`import pickle
bins = [bytes([i % 251]) * (i * 3 % 700) for i in range(300)]
issame = [i % 3 == 0 for i in range(150)]
pickle.dump((bins, issame), open(${JSON.stringify(file)}, 'wb'), protocol=${protocol})`);
      const bin = parseInsightfaceBin(readFileSync(file), file);
      assert.equal(bin.images.length, 300);
      assert.deepEqual(bin.issame, Array.from({ length: 150 }, (_, i) => i % 3 === 0));
      for (const i of [0, 1, 86, 255, 299]) {
        assert.equal(bin.images[i]!.length, (i * 3) % 700, `protocol ${protocol} image ${i} length`);
        assert.ok(bin.images[i]!.every((b) => b === i % 251));
      }
      const input = readEvalInput(file);
      assert.equal(input.kind, 'insightface-bin');
      assert.deepEqual(input.pairs[3], { a: 6, b: 7, same: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses a pickle that builds objects (would run code under pickle.load) without running it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-bin-'));
  try {
    const file = join(dir, 'evil.bin');
    const marker = join(dir, 'pwned');
    python(`import pickle, os
class Evil:
    def __reduce__(self):
        return (os.system, (${JSON.stringify(`touch ${marker}`)},))
pickle.dump(([b'x', Evil()], [True]), open(${JSON.stringify(file)}, 'wb'), protocol=4)`);
    assert.throws(() => parseInsightfaceBin(readFileSync(file), file), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /outside the data subset/.test(e.message));
    assert.equal(existsSync(marker), false);
    // A well-formed pickle of the wrong shape is refused too.
    python(`import pickle; pickle.dump(([b'a', b'b', b'c'], [True]), open(${JSON.stringify(file)}, 'wb'), protocol=4)`);
    assert.throws(() => parseInsightfaceBin(readFileSync(file), file), /3 images for 1 pairs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
