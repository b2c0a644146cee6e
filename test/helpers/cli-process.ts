/** `arcedge ...` run as a user runs it: a child process through tsx, exit code and output captured. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './assets.ts';

const tsxLoader = import.meta.resolve('tsx');

export function arcedge(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', tsxLoader, join(repoRoot, 'tools', 'arcedge.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: '1' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
