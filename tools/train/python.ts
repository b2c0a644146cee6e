/**
 * The one place that starts the Python trainer. Debian's python3-torch lives under
 * /usr/bin/python3, while the first python3 on PATH may be another interpreter without it
 * (ARCHITECTURE.md), so the interpreter is found by asking each candidate to import torch.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArcEdgeError } from '../../sdk/index.ts';

/** The folder holding the `trainer` package (python -m trainer): tools/ in a checkout
 * (this file is tools/train/python.ts), <package>/tools when bundled into dist/bin/. */
export const TRAINER_ROOT = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..'), join(here, '..', '..', 'tools')];
  return candidates.find((dir) => existsSync(join(dir, 'trainer', '__main__.py'))) ?? candidates[0]!;
})();

export interface PythonEnv {
  readonly python: string;
  readonly version: string;
  readonly torch: string;
  readonly onnx: string | null;
  readonly cuda: boolean;
  readonly gpus: number;
  readonly gloo: boolean;
}

export function trainerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: [TRAINER_ROOT, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1', ...extra };
}

/** Finds an interpreter whose `python -m trainer env` works; lists every failure otherwise. */
export function findPython(preferred?: string): PythonEnv {
  const candidates = preferred ? [preferred] : [process.env.ARCEDGE_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const failures: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const r = spawnSync(python, ['-m', 'trainer', 'env'], { env: trainerEnv(), encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) {
      const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      return { python, version: String(info.python), torch: String(info.torch), onnx: (info.onnx as string | null) ?? null, cuda: info.cuda === true, gpus: Number(info.gpus), gloo: info.gloo === true };
    }
    const reason = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    failures.push(`${python}: ${reason}`);
  }
  throw new ArcEdgeError('TRAIN_ENV_MISSING', `no Python with PyTorch found; tried:\n  ${failures.join('\n  ')}`, {
    fix: 'apt-get install python3-torch python3-onnx (Debian/Ubuntu, CPU), or point --python / config `python` / ARCEDGE_PYTHON at an interpreter with PyTorch (docs/training.md)',
  });
}

/** Runs a short trainer command and returns its JSON lines; trainer errors become ArcEdgeErrors. */
export function runTrainerJson(python: string, args: string[], timeoutMs = 600_000): Record<string, unknown>[] {
  const r = spawnSync(python, ['-m', 'trainer', ...args], { env: trainerEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const error = lines.find((l) => l.event === 'error');
  if (error) throw trainerError(error);
  if (r.status !== 0) {
    throw new ArcEdgeError('TRAIN_FAILED', `python -m trainer ${args[0]} failed (exit ${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return lines;
}

const TRAINER_CODES = new Set(['DATASET_INVALID', 'VERIFICATION_BIN_INVALID', 'TRAIN_ENV_MISSING', 'CONFIG_INVALID', 'MODEL_UNREADABLE']);

/** Maps the trainer's {"event":"error"} line onto the SDK's error table. */
export function trainerError(line: Record<string, unknown>): ArcEdgeError {
  const code = TRAINER_CODES.has(String(line.code)) ? (line.code as 'DATASET_INVALID') : 'TRAIN_FAILED';
  return new ArcEdgeError(code, String(line.message), { fix: String(line.fix) });
}

/** Starts `python -m trainer <args>`, or with `raw`, `python <args>` (torch.distributed.run). */
export function spawnTrainer(python: string, args: string[], env: Record<string, string>, raw = false): ChildProcess {
  return spawn(python, raw ? args : ['-m', 'trainer', ...args], { env: trainerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}
