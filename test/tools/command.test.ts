/** The CLI command helper: one definition gives the parser, --help and the exit codes (0 ok, 1 failure, 2 usage). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCommand, defineGroup, EXIT, renderHelp, UsageError } from '../../tools/cli/command.ts';
import { main } from '../../tools/main.ts';

function capture<T>(fn: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  return fn()
    .then((result) => ({ result, out: out.join('\n'), err: err.join('\n') }))
    .finally(() => {
      console.log = log;
      console.error = error;
    });
}

const seen: unknown[] = [];
const cmd = defineCommand({
  name: 'thing do',
  summary: 'does the thing',
  args: '<input>...',
  options: {
    count: { type: 'string', valueName: 'n', description: 'how many', default: '3' },
    tag: { type: 'string', multiple: true, description: 'a tag' },
    loud: { type: 'boolean', short: 'l', description: 'shout' },
  },
  positionals: { min: 1, max: 2 },
  run: ({ values, positionals, json }) => {
    seen.push({ values, positionals, json });
    if (positionals[0] === 'bad') throw new UsageError('input "bad" is not allowed');
    return positionals[0] === 'fail' ? EXIT.FAILURE : EXIT.OK;
  },
});

test('parses options with defaults, repeatable strings, booleans and --json', async () => {
  seen.length = 0;
  assert.equal(await cmd(['a', '--tag', 'x', '--tag', 'y', '-l', '--json']), 0);
  assert.deepEqual(seen[0], { values: { json: true, count: '3', tag: ['x', 'y'], loud: true, help: false }, positionals: ['a'], json: true });
  assert.equal(await cmd(['fail']), 1);
});

test('usage errors exit 2 with the generated help: unknown option, positional bounds, UsageError', async () => {
  for (const argv of [['a', '--nope'], [], ['a', 'b', 'c'], ['bad']]) {
    const { result, err } = await capture(() => cmd(argv));
    assert.equal(result, 2, argv.join(' '));
    assert.match(err, /usage: arcedge thing do \[options\] <input>\.\.\./);
  }
});

test('--help comes from the same definition and exits 0', async () => {
  const { result, out } = await capture(() => cmd(['--help']));
  assert.equal(result, 0);
  assert.equal(out, renderHelp(cmd.spec as never));
  for (const text of ['--count <n>', '(default: 3)', '--tag <value>', '(repeatable)', '-l, --loud', '--json', 'exit codes: 0 ok, 1 failure, 2 usage error']) assert.ok(out.includes(text), text);
});

test('groups dispatch subcommands; unknown or missing subcommands exit 2', async () => {
  const group = defineGroup({ name: 'thing', summary: 'things', subcommands: { do: cmd } });
  assert.equal(await group(['do', 'a']), 0);
  assert.equal((await capture(() => group(['nope']))).result, 2);
  assert.equal((await capture(() => group([]))).result, 2);
  const help = await capture(() => group(['--help']));
  assert.equal(help.result, 0);
  assert.match(help.out, /do  does the thing/);
});

test('arcedge itself: no command exits 2, unknown command exits 2, --help exits 0', async () => {
  assert.equal((await capture(() => main([]))).result, 2);
  assert.equal((await capture(() => main(['frobnicate']))).result, 2);
  const help = await capture(() => main(['--help']));
  assert.equal(help.result, 0);
  assert.match(help.out, /exit codes: 0 ok, 1 failure, 2 usage error/);
  assert.equal((await capture(() => main(['models', 'verify', 'no-such-set']))).result, 1, 'a failure is exit 1 with [CODE]');
});

test('arcedge --help lists every command with the summary from its own spec (written once)', async () => {
  const { demoCommand } = await import('../../tools/commands/demo.ts');
  const { modelsCommand } = await import('../../tools/commands/models.ts');
  const { packageCommand } = await import('../../tools/commands/package.ts');
  const { out, result } = await capture(() => main(['--help']));
  assert.equal(result, EXIT.OK);
  for (const [name, summary] of [['demo', demoCommand.spec.summary], ['models', modelsCommand.group.summary], ['package', packageCommand.spec.summary]] as const) {
    assert.match(out, new RegExp(`^  ${name} +${summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), name);
  }
  // No command line without a summary.
  for (const line of out.split('\n').filter((l) => /^ {2}[a-z-]+ {2,}/.test(l))) assert.match(line, /^ {2}[a-z-]+ +\S/, line);
});
