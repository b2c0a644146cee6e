/**
 * Starts the trainer's worker processes and streams rank 0's JSON lines.
 *
 * One node (launcher "self"): arcedge starts `processes` workers itself with the environment
 * torchrun would set (MASTER_ADDR/MASTER_PORT/WORLD_SIZE/RANK/LOCAL_RANK, env:// rendezvous),
 * on a free local port. Debian's torchrun 1.13 fails on Python 3.11 (ARCHITECTURE.md), and one
 * node needs nothing more. Several nodes (launcher "torchrun"): `python -m torch.distributed.run`
 * on each node, as PyTorch documents for multi-node DDP.
 *
 * Ctrl-C: the first SIGINT is forwarded to every worker, which checkpoint and exit 130; a
 * second one kills them. A worker that fails takes the others down, so nothing hangs in a
 * collective waiting for a dead peer.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { TrainConfig } from './config.ts';
import { spawnTrainer } from './python.ts';

export interface LaunchResult {
  /** 0 done, 130 interrupted, anything else failed. */
  readonly code: number;
  readonly stderrTail: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export function launcherFor(config: TrainConfig): 'self' | 'torchrun' {
  if (config.devices.launcher !== 'auto') return config.devices.launcher;
  return config.devices.nodes > 1 ? 'torchrun' : 'self';
}

export async function launchWorkers(options: {
  python: string;
  config: TrainConfig;
  configPath: string;
  runDir: string;
  resume: boolean;
  onEvent: (event: Record<string, unknown>) => void;
}): Promise<LaunchResult> {
  const { config, python } = options;
  const d = config.devices;
  const trainArgs = ['train', '--config', options.configPath, '--run-dir', options.runDir, ...(options.resume ? ['--resume'] : [])];
  const threads = String(d.threads ?? 1);
  const children: ChildProcess[] = [];
  if (launcherFor(config) === 'torchrun') {
    const args = ['-m', 'torch.distributed.run', `--nnodes=${d.nodes}`, `--nproc_per_node=${d.processes}`, `--node_rank=${d.nodeRank}`, `--master_addr=${d.masterAddr}`, `--master_port=${d.masterPort}`, '-m', 'trainer', ...trainArgs];
    children.push(spawnTrainer(python, args, { OMP_NUM_THREADS: threads }, true));
  } else {
    const port = String(await freePort());
    for (let rank = 0; rank < d.processes; rank++) {
      children.push(
        spawnTrainer(python, trainArgs, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, WORLD_SIZE: String(d.processes), RANK: String(rank), LOCAL_RANK: String(rank), OMP_NUM_THREADS: threads }),
      );
    }
  }

  const stderrTail: string[] = [];
  for (const [rank, child] of children.entries()) {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(`[rank ${rank}] ${line}`);
      if (stderrTail.length > 40) stderrTail.shift();
    });
  }
  createInterface({ input: children[0]!.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      options.onEvent(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a worker's stray print that merely starts with "{": not an event
    }
  });
  for (const child of children.slice(1)) child.stdout!.resume();

  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    for (const child of children) if (child.exitCode === null) child.kill(interrupts === 1 ? 'SIGINT' : 'SIGKILL');
  };
  process.on('SIGINT', onSigint);
  try {
    const codes = await Promise.all(
      children.map(
        (child) =>
          new Promise<number>((resolve) => {
            child.on('exit', (code, signal) => {
              const status = code ?? (signal === 'SIGINT' ? 130 : 1);
              // A failed worker leaves its peers blocked in a collective: stop them.
              if (status !== 0 && status !== 130) for (const other of children) if (other.exitCode === null) other.kill('SIGTERM');
              resolve(status);
            });
            child.on('error', () => resolve(1));
          }),
      ),
    );
    const failed = codes.find((c) => c !== 0 && c !== 130);
    return { code: failed ?? (codes.includes(130) ? 130 : 0), stderrTail };
  } finally {
    process.off('SIGINT', onSigint);
  }
}
