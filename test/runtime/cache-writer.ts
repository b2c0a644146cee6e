/** Child process for the concurrent-writer test: stores `rounds` distinct engines in one slot. */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { writeCachedEngine } from '../../sdk/runtime/engine-cache.ts';
import type { EngineKeyParts } from '../../sdk/runtime/engine-cache.ts';

const [dir, slot, partsJson, rounds] = process.argv.slice(2) as [string, string, string, string];
const parts = JSON.parse(partsJson) as EngineKeyParts;
// Start line: say ready (<dir>.ready-<pid>), then wait for <dir>.go, so that the writers really
// overlap instead of each finishing inside the next one's start-up time.
writeFileSync(`${dir}.ready-${process.pid}`, '');
while (!existsSync(`${dir}.go`)) await new Promise((r) => setTimeout(r, 5));
for (let i = 0; i < Number(rounds); i += 1) {
  // Sizes vary so a torn write would show up as a size or hash mismatch.
  await writeCachedEngine(dir, slot, parts, randomBytes(50_000 + Math.floor(Math.random() * 200_000)), { modelPath: '/models/m.onnx' });
}
