/**
 * The processes the flash tests start: the `arcedge` CLI (through tsx, as `npm run arcedge`
 * does) and an installed agent's launcher (<dir>/bin/arcedge-agent), each killable and read
 * line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/assets.ts';

export interface CliRun {
  stdout: string;
  stderr: string;
  readonly exitCode: number | null;
  readonly exited: Promise<number | null>;
  kill(): Promise<void>;
}

function track(child: ChildProcess): CliRun {
  const run = {
    stdout: '',
    stderr: '',
    get exitCode() {
      return child.exitCode;
    },
    exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await run.exited;
    },
  };
  child.stdout!.on('data', (c: Buffer) => (run.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (run.stderr += c.toString()));
  return run;
}

export function runCli(args: string[]): CliRun {
  const tsx = import.meta.resolve('tsx');
  return track(spawn(process.execPath, ['--import', tsx, join(repoRoot, 'tools', 'arcedge.ts'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** An installed agent, started the way the install's message says (its launcher script). */
export class AgentProcessAt {
  private readonly run: CliRun;

  constructor(launcher: string) {
    // The launcher sets the install's own environment; ours must not leak into it.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    this.run = track(spawn(launcher, [], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  tail(): string {
    return `${this.run.stdout.slice(-3000)}\n${this.run.stderr.slice(-2000)}`;
  }

  kill(): Promise<void> {
    return this.run.kill();
  }
}
