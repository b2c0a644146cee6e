/**
 * Shared by the training tests: run the CLI as users do, run the Python trainer's own
 * entry points, and build a `local:` detector set from the shared assets (no download).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetModel, repoRoot } from '../helpers/assets.ts';
import { findPython, trainerEnv } from '../../tools/train/python.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `arcedge-${label}-`));

export function arcedge(args: string[], timeoutMs = 600_000): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/arcedge.ts', ...args], { cwd: repoRoot, env: process.env, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and calls `onLine` for each stdout line as it arrives (for Ctrl-C tests). */
export function arcedgeStreaming(args: string[], onLine: (line: string, child: ReturnType<typeof spawn>) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/arcedge.ts', ...args], { cwd: repoRoot, env: process.env });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine(line, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The interpreter with PyTorch (fails loudly when there is none: setup.sh installs it). */
let found: string | undefined;
export const python = (): string => (found ??= findPython().python);

export function trainerJson(args: string[]): { code: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(python(), ['-m', 'trainer', ...args], { env: trainerEnv(), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  return { code: r.status, lines: r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>), stderr: r.stderr };
}

export function pythonScript(code: string, args: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python(), ['-c', code, ...args], { env: trainerEnv(), encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `local:<dir>` holding only the SCRFD-500M detector from the shared assets. */
export function detectorSet(): string {
  const dir = join(tempDir('det'), 'models');
  mkdirSync(dir);
  symlinkSync(assetModel('det_500m.onnx'), join(dir, 'det_500m.onnx'));
  return `local:${dir}`;
}
