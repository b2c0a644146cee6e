/**
 * Starting one pipeline process: the entry script (TypeScript in a checkout, the bundled
 * dist/bin/arcedge-agent-worker.js in a release) forked with an IPC channel that uses 'advanced'
 * serialization, so Uint8Array frames and nested objects cross without JSON.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArcEdgeError } from '../../sdk/index.ts';

/** dist/bin/arcedge-agent-worker.js when bundled, worker.ts beside this file in a checkout. */
function pipelineEntry(): string {
  if (import.meta.url.endsWith('.ts')) return fileURLToPath(new URL('./worker.ts', import.meta.url));
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, 'arcedge-agent-worker.js'), join(here, '..', 'arcedge-agent-worker.js')].find((p) => existsSync(p));
  if (!found) throw new ArcEdgeError('BACKEND_LOAD_FAILED', `the pipeline process script is missing next to ${here}`, { fix: 'reinstall arcedge (npm run build produces dist/bin/arcedge-agent-worker.js)' });
  return found;
}

export function forkPipelineProcess(): ChildProcess {
  const entry = pipelineEntry();
  // In a checkout the entry is TypeScript: the child needs tsx's loader, whatever flags the
  // parent was started with (tsx's CLI, --import tsx, a test runner).
  const execArgv = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  return fork(entry, [], {
    execArgv,
    serialization: 'advanced',
    // stdout is the agent's JSON log: the child logs through messages; its stderr (a native
    // crash's last words) goes to the agent's stderr.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}
