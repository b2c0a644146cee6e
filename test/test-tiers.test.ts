/**
 * Test tiers (scripts/test.sh): `npm test` runs *.test.ts and *.int.test.ts only, so a file that
 * starts processes, servers or browsers must be named *.e2e.test.ts, and one that loads real
 * models, photos, OpenCV or SQLite at least *.int.test.ts. scripts/classify-tests.mjs reads the
 * imports of each test file and its test/ helpers; this runs it on the repository and proves it
 * can fail on a misnamed file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script, no types
import { classifyTests, misfiledTests } from '../scripts/classify-tests.mjs';

interface Classified { file: string; named: string; needs: string; reasons: string[] }

test('every test file is named for the tier it needs', () => {
  const bad = (misfiledTests() as Classified[]).map((t) => `${t.file} needs ${t.needs}: ${t.reasons.join('; ')}`);
  assert.deepEqual(bad, [], 'rename these (node scripts/classify-tests.mjs prints the git mv lines)');
});

test('the classifier flags a unit-named file that spawns, or loads assets through a helper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arcedge-tiers-'));
  try {
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'helper.ts'), `import { assetModel } from '../helpers/${'assets'}.ts';\nexport const m = assetModel;\n`);
    writeFileSync(join(dir, 'x', 'spawns.test.ts'), `import { spawnSync } from 'node:${'child'}_process';\n`);
    writeFileSync(join(dir, 'x', 'model.test.ts'), "import { m } from './helper.ts';\n");
    writeFileSync(join(dir, 'x', 'model.int.test.ts'), "import { m } from './helper.ts';\n");
    writeFileSync(join(dir, 'x', 'plain.test.ts'), "import assert from 'node:assert';\n");
    const all = classifyTests(dir) as Classified[];
    assert.deepEqual(all.map((t) => [t.file.split('/').pop(), t.named, t.needs]), [
      ['model.int.test.ts', 'int', 'int'],
      ['model.test.ts', 'unit', 'int'],
      ['plain.test.ts', 'unit', 'unit'],
      ['spawns.test.ts', 'unit', 'e2e'],
    ]);
    assert.deepEqual((misfiledTests(dir) as Classified[]).map((t) => t.file.split('/').pop()), ['model.test.ts', 'spawns.test.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
