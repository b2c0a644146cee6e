/**
 * The `arcedge` CLI in-process (tools/main.ts), with what it prints captured: the tests read
 * its exit code and its --json output without the cost of a child process per call.
 */
import { main } from '../../tools/main.ts';

/** Runs `arcedge <argv>`; returns the exit code and what it printed on stdout and stderr. */
export async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { log, error } = console;
  let stdout = '';
  let stderr = '';
  console.log = (...a: unknown[]) => void (stdout += `${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => void (stderr += `${a.join(' ')}\n`);
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Runs `fn` with console.log / console.error silenced (CLI progress lines in test output). */
export function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const { log, error } = console;
  console.log = () => undefined;
  console.error = () => undefined;
  return fn().finally(() => ((console.log = log), (console.error = error)));
}
