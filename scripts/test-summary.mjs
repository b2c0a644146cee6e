// Prints what the runner's own output does not: the slowest files, the sum of per-file wall
// times next to the run's wall time (what running files side by side saved), the largest
// peak RSS of one test process, and every skip with its reason. With CI=true a skip fails the
// run (exit 1): CI installs every dependency a test may skip on, so a skip there is a broken
// setup, not a pass.
// Usage: node scripts/test-summary.mjs <report.tap> <times.jsonl> <wall seconds> <jobs>
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [tap, times, wall, jobs] = process.argv.slice(2);
const files = existsSync(times)
  ? readFileSync(times, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  : [];
const skips = [];
for (const line of readFileSync(tap, 'utf8').split('\n')) {
  const skip = /^\s*ok \d+ - (.*?) # SKIP ?(.*)$/.exec(line);
  // --test-name-pattern leaves the others as skips: not a missing dependency.
  if (skip && skip[2] !== 'test name does not match pattern') skips.push(`${skip[1]}${skip[2] ? `: ${skip[2]}` : ''}`);
}
const sum = files.reduce((s, f) => s + f.ms, 0) / 1000;
const peak = files.reduce((m, f) => Math.max(m, f.rssMiB), 0);
console.log(`\n# ${files.length} files: wall ${wall} s, ${jobs} at a time; per-file wall times add up to ${sum.toFixed(0)} s; largest peak RSS of one file ${peak} MiB`);
for (const f of [...files].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
  console.log(`#   ${(f.ms / 1000).toFixed(1).padStart(6)} s ${String(f.rssMiB).padStart(5)} MiB  ${relative(process.cwd(), f.file)}`);
}
if (skips.length > 0) {
  console.log(`# ${skips.length} skipped:`);
  for (const s of skips) console.log(`#   ${s}`);
  if (process.env.CI === 'true') {
    console.log('# CI=true: a skip is a failure (scripts/setup.sh installs what each of these needs).');
    process.exit(1);
  }
}
