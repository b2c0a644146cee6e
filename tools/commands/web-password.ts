/**
 * `arcedge web-password`: reads a password (typed twice without echo on a terminal, or the
 * first line of stdin) and prints its scrypt hash for the agent config's web.passwordHash, or
 * writes it 0600 to --out for web.passwordHashFile. The hashing is the agent's own
 * (sdk/protocol/password-hash.ts), so the format cannot drift from what the agent verifies.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hashPassword } from '../../sdk/internal.ts';
import { defineCommand, EXIT, UsageError } from '../cli/command.ts';

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** One line typed on the terminal with echo off. */
function prompt(question: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData), stdin.setRawMode(false), stdin.pause(), process.stderr.write('\n');
          return resolvePromise(typed);
        }
        if (ch === '\u0003') return stdin.setRawMode(false), reject(new UsageError('cancelled'));
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

export const webPasswordCommand = defineCommand({
  name: 'web-password',
  summary: 'hash a password for the agent web UI (web.passwordHash / web.passwordHashFile)',
  details: 'On a terminal the password is asked twice without echo; otherwise the first line of stdin is used (echo "$PW" | arcedge web-password).',
  options: { out: { type: 'string', valueName: 'file', description: 'write the hash to this file (mode 0600) for web.passwordHashFile instead of printing it' } },
  positionals: { max: 0 },
  run: async ({ values, json }) => {
    let password: string;
    if (process.stdin.isTTY) {
      password = await prompt('web password: ');
      if ((await prompt('again: ')) !== password) throw new UsageError('the two passwords differ');
    } else password = await readStdinLine();
    if (password.length < 8) throw new UsageError('the password needs at least 8 characters');
    const hash = await hashPassword(password);
    if (values.out) {
      const path = resolve(values.out);
      writeFileSync(path, `${hash}\n`, { mode: 0o600 });
      if (json) console.log(JSON.stringify({ file: path }));
      else console.log(`wrote ${path} (0600): set web.passwordHashFile: ${path}`);
    } else if (json) console.log(JSON.stringify({ hash }));
    else console.log(hash);
    return EXIT.OK;
  },
});
