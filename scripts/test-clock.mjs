// Preloaded into every test file's process by scripts/test.sh (node --test hands its own
// --import flags to the processes it starts): at exit, appends the file's wall time since
// process start and its peak RSS to $ARCEDGE_TEST_TIMES, one JSON line per file, for
// scripts/test-summary.mjs. Processes a test starts itself also inherit the variable; only
// test files are recorded.
import { appendFileSync } from 'node:fs';

const out = process.env.ARCEDGE_TEST_TIMES;
const file = process.argv[1] ?? '';
if (out && /\.test\.ts$/.test(file)) {
  process.on('exit', (code) => {
    const ms = Math.round(performance.now());
    const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    appendFileSync(out, `${JSON.stringify({ file, ms, rssMiB, code })}\n`);
  });
}
