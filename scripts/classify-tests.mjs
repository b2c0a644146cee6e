#!/usr/bin/env node
// Lists test files whose name puts them in a lighter tier than what they use, so that
// `npm test` (unit + int) never starts processes, servers or browsers. Reads each *.test.ts and
// the test/ helpers it imports (transitively) and looks for:
//   e2e: node:child_process, servers (node:net/http/https createServer, listen), playwright,
//        the broker/sshd/agent/web harnesses, Python
//   int: real models or photos (test/helpers/assets.ts), OpenCV (sdk/image), SQLite
// Heuristic by design: it reads import lines, not behaviour. Run it after adding or merging
// tests: `node scripts/classify-tests.mjs` (exit 1 when a file is misfiled); the unit test
// test/test-tiers.test.ts runs the same check.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const E2E = [
  [/from ['"]node:child_process['"]/, 'starts a child process (node:child_process)'],
  [/from ['"]node:(net|http|https)['"]/, 'opens a server or socket (node:net/http/https)'],
  [/playwright|chromium/, 'drives a browser'],
  [/\.\/mosquitto\.ts['"]|startMosquitto|Aedes|aedes/, 'starts a broker'],
  [/sshd\.ts['"]/, 'starts sshd'],
];
const INT = [
  [/helpers\/assets\.ts['"]/, 'loads real models or photos (test/helpers/assets.ts)'],
  [/better-sqlite3|openSqlite|SqliteGallery|openGallery/, 'opens SQLite'],
  [/readImage|decodeImage|loadImage|sdk\/image\/opencv/, 'uses OpenCV'],
];

const tierOf = (file) => (file.endsWith('.e2e.test.ts') ? 'e2e' : file.endsWith('.int.test.ts') ? 'int' : 'unit');
const rank = { unit: 0, int: 1, e2e: 2 };

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== '.tmp' && entry !== 'node_modules') walk(path, out);
    } else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** The file and every test/ module it imports, transitively (sdk/ and tools/ are not followed). */
function closure(file, testDir, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1]);
    if (target.startsWith(testDir) && !target.endsWith('.test.ts')) closure(target, testDir, seen);
  }
  return seen;
}

/** Each test file's tier by name and the tier its imports need, with the reasons. */
export function classifyTests(testDir = join(root, 'test')) {
  return walk(testDir).sort().map((file) => {
    const reasons = { e2e: new Set(), int: new Set() };
    for (const part of closure(file, testDir)) {
      const text = readFileSync(part, 'utf8');
      const where = relative(root, part);
      for (const [re, why] of E2E) if (re.test(text)) reasons.e2e.add(`${why} in ${where}`);
      for (const [re, why] of INT) if (re.test(text)) reasons.int.add(`${why} in ${where}`);
    }
    const needs = reasons.e2e.size > 0 ? 'e2e' : reasons.int.size > 0 ? 'int' : 'unit';
    return { file: relative(root, file), named: tierOf(file), needs, reasons: [...reasons[needs === 'unit' ? 'int' : needs]] };
  });
}

/** Files named for a lighter tier than they need (test/tensorrt runs on a Jetson only: left out). */
export function misfiledTests(testDir) {
  return classifyTests(testDir).filter((t) => rank[t.needs] > rank[t.named] && !t.file.startsWith('test/tensorrt/'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bad = misfiledTests();
  for (const t of bad) {
    const renamed = t.file.replace(/(\.int|\.e2e)?\.test\.ts$/, `.${t.needs}.test.ts`);
    console.log(`${t.file}: named ${t.named}, needs ${t.needs} -> git mv ${t.file} ${renamed}`);
    for (const why of t.reasons) console.log(`    ${why}`);
  }
  if (bad.length === 0) console.log('every test file is named for what it needs');
  process.exit(bad.length === 0 ? 0 : 1);
}
