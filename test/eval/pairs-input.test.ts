/**
 * The pair-list readers: CSV rows (header optional, paths relative to --images or the CSV),
 * LFW pairs.txt lines to image paths, and errors that name the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvPairs, readEvalInput, readLfwPairs } from '../../tools/eval/pairs-input.ts';

test('CSV pairs: header optional, labels 1/0 true/false yes/no, images interned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-pairs-'));
  try {
    const csv = join(dir, 'pairs.csv');
    writeFileSync(csv, 'a,b,same\nx/1.jpg,x/2.jpg,1\nx/1.jpg,y/1.jpg,no\ny/1.jpg, x/2.jpg ,TRUE\n');
    const input = readCsvPairs(csv);
    assert.deepEqual(input.images.map((i) => i.name), ['x/1.jpg', 'x/2.jpg', 'y/1.jpg'].map((p) => join(dir, p)));
    assert.deepEqual(input.pairs, [{ a: 0, b: 1, same: true }, { a: 0, b: 2, same: false }, { a: 2, b: 1, same: true }]);
    assert.equal(readCsvPairs(csv, '/data').images[0]!.name, '/data/x/1.jpg');
    writeFileSync(csv, 'x/1.jpg,x/2.jpg,1\nx/1.jpg,y/1.jpg,maybe\n');
    assert.throws(() => readCsvPairs(csv), /pairs\.csv:2: expected "a,b,same"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LFW pairs.txt: same and different lines, 4-digit numbering, header checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-pairs-'));
  try {
    const file = join(dir, 'pairs.txt');
    writeFileSync(file, '1\t1\nAbel_Pacheco\t1\t4\nAkhmed_Zakayev\t1\tAbel_Pacheco\t12\n');
    const input = readLfwPairs(file, '/lfw');
    assert.deepEqual(input.images.map((i) => i.name), ['/lfw/Abel_Pacheco/Abel_Pacheco_0001.jpg', '/lfw/Abel_Pacheco/Abel_Pacheco_0004.jpg', '/lfw/Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg', '/lfw/Abel_Pacheco/Abel_Pacheco_0012.jpg']);
    assert.deepEqual(input.pairs.map((p) => p.same), [true, false]);
    writeFileSync(file, '10\t300\nAbel_Pacheco\t1\t4\n');
    assert.throws(() => readLfwPairs(file, '/lfw'), /promises 6000 pairs, found 1/);
    assert.throws(() => readEvalInput(file), /needs --images/);
    assert.throws(() => readEvalInput(join(dir, 'missing.csv')), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
