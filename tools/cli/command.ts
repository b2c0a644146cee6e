/**
 * The one way `arcedge` commands are declared: options parsed by `node:util` `parseArgs`, the
 * `--help` text generated from the same definition, and one exit-code convention:
 *
 *   0  ok
 *   1  failure (the work was attempted and failed: a bad photo set, a mismatched hash, ...)
 *   2  usage (unknown option, missing argument; nothing was attempted)
 *
 * A command receives parsed values and returns its exit code; it throws UsageError for bad
 * arguments it can only detect after parsing, and lets ArcEdgeErrors propagate (tools/main.ts
 * prints them as `[CODE] message + fix` and exits 1).
 */
import { parseArgs } from 'node:util';

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export type CommandRunner = (argv: string[]) => Promise<number>;

interface OptionBase {
  /** One line for --help. */
  readonly description: string;
  readonly short?: string;
}
export interface StringOption extends OptionBase {
  readonly type: 'string';
  readonly default?: string;
  /** Shown in --help as `--name <valueName>`; default "value". */
  readonly valueName?: string;
  readonly multiple?: false;
}
export interface MultiStringOption extends OptionBase {
  readonly type: 'string';
  readonly multiple: true;
  readonly default?: string[];
  readonly valueName?: string;
}
export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
  readonly default?: boolean;
  readonly multiple?: false;
}
export type OptionSpec = StringOption | MultiStringOption | BooleanOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<O extends OptionSpec> = O extends BooleanOption
  ? boolean
  : O extends MultiStringOption
    ? string[]
    : O extends { default: string }
      ? string
      : string | undefined;

/** Parsed option values; booleans default to false and repeatable strings to []. */
export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> } & { json: boolean };

export interface CommandContext<O extends OptionSpecs> {
  readonly values: OptionValues<O>;
  readonly positionals: string[];
  /** True with --json: print machine-readable output on stdout, nothing else there. */
  readonly json: boolean;
  /** The full command name, e.g. "arcedge models pull", for messages. */
  readonly command: string;
}

export interface CommandSpec<O extends OptionSpecs> {
  /** Words after `arcedge`, e.g. "models pull". */
  readonly name: string;
  readonly summary: string;
  /** Positional synopsis for --help, e.g. "<photo or folder>...". */
  readonly args?: string;
  /** Longer text printed under the usage line (environment, examples). */
  readonly details?: string;
  readonly options?: O;
  /** Bounds on positional arguments; violations are usage errors (exit 2). */
  readonly positionals?: { readonly min?: number; readonly max?: number };
  /** Whether the command takes --json (default true). */
  readonly json?: boolean;
  run(context: CommandContext<O>): Promise<number> | number;
}

/** Bad arguments found after parsing: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const JSON_OPTION: BooleanOption = { type: 'boolean', description: 'print machine-readable JSON on stdout' };
const HELP_OPTION: BooleanOption = { type: 'boolean', short: 'h', description: 'show this help' };

function allOptions(spec: CommandSpec<OptionSpecs>): [string, OptionSpec][] {
  const entries = Object.entries(spec.options ?? {});
  if (spec.json !== false) entries.push(['json', JSON_OPTION]);
  entries.push(['help', HELP_OPTION]);
  return entries;
}

/** The --help text, generated from the definition so it cannot drift from the parser. */
export function renderHelp(spec: CommandSpec<OptionSpecs>): string {
  const options = allOptions(spec);
  const flag = ([name, o]: [string, OptionSpec]): string =>
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
  const width = Math.max(...options.map((o) => flag(o).length));
  const lines = options.map((entry) => {
    const [, o] = entry;
    const extra = o.type === 'string' && o.multiple ? ' (repeatable)' : o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return `  ${flag(entry).padEnd(width)}  ${o.description}${extra}`;
  });
  return [
    `usage: arcedge ${spec.name}${options.length > 1 ? ' [options]' : ''}${spec.args ? ` ${spec.args}` : ''}`,
    '',
    spec.summary,
    ...(spec.details ? ['', spec.details] : []),
    '',
    'options:',
    ...lines,
    '',
    'exit codes: 0 ok, 1 failure, 2 usage error',
  ].join('\n');
}

/** Turns a definition into the runner tools/main.ts dispatches to. */
export function defineCommand<O extends OptionSpecs>(spec: CommandSpec<O>): CommandRunner & { spec: CommandSpec<O> } {
  const generic = spec as unknown as CommandSpec<OptionSpecs>;
  const runner = async (argv: string[]): Promise<number> => {
    const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] }> = {};
    for (const [name, o] of allOptions(generic)) {
      config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) };
    }
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
      parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    } catch (error) {
      // parseArgs' messages name the option ("Unknown option '--x'"); add the usage.
      console.error(`arcedge ${spec.name}: ${(error as Error).message}\n\n${renderHelp(generic)}`);
      return EXIT.USAGE;
    }
    if (parsed.values.help) {
      console.log(renderHelp(generic));
      return EXIT.OK;
    }
    const { min = 0, max = Number.POSITIVE_INFINITY } = spec.positionals ?? {};
    const n = parsed.positionals.length;
    if (n < min || n > max) {
      const want = max === min ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
      console.error(`arcedge ${spec.name}: expected ${want} argument(s)${spec.args ? ` (${spec.args})` : ''}, got ${n}\n\n${renderHelp(generic)}`);
      return EXIT.USAGE;
    }
    const values = { json: false, ...parsed.values } as Record<string, unknown>;
    for (const [name, o] of allOptions(generic)) {
      if (values[name] === undefined && o.type === 'boolean') values[name] = false;
      if (values[name] === undefined && o.type === 'string' && o.multiple) values[name] = [];
    }
    try {
      return await spec.run({
        values: values as OptionValues<O>,
        positionals: parsed.positionals,
        json: values.json === true,
        command: `arcedge ${spec.name}`,
      });
    } catch (error) {
      if (error instanceof UsageError) {
        console.error(`arcedge ${spec.name}: ${error.message}\n\n${renderHelp(generic)}`);
        return EXIT.USAGE;
      }
      throw error;
    }
  };
  return Object.assign(runner, { spec });
}

export interface GroupSpec {
  /** e.g. "models". */
  readonly name: string;
  readonly summary: string;
  readonly subcommands: Readonly<Record<string, CommandRunner & { spec: CommandSpec<OptionSpecs> }>>;
}

/** A command with subcommands (`arcedge models list|pull|verify`). */
export function defineGroup(group: GroupSpec): CommandRunner & { group: GroupSpec } {
  const help = (): string => {
    const names = Object.keys(group.subcommands);
    const width = Math.max(...names.map((n) => n.length));
    return [
      `usage: arcedge ${group.name} <subcommand> [options]`,
      '',
      group.summary,
      '',
      'subcommands:',
      ...names.map((n) => `  ${n.padEnd(width)}  ${group.subcommands[n]!.spec.summary}`),
      '',
      `arcedge ${group.name} <subcommand> --help for its options; exit codes: 0 ok, 1 failure, 2 usage error`,
    ].join('\n');
  };
  const runner = async (argv: string[]): Promise<number> => {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      console.log(help());
      return EXIT.OK;
    }
    const command = sub === undefined ? undefined : group.subcommands[sub];
    if (!command) {
      const what = sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`;
      console.error(`arcedge ${group.name}: ${what}. Expected one of: ${Object.keys(group.subcommands).join(', ')}\n\n${help()}`);
      return EXIT.USAGE;
    }
    return command(rest);
  };
  return Object.assign(runner, { group });
}

/** A plain-text table: columns padded to their widest cell, the last column left ragged. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A positive integer option value, or a UsageError naming the option. */
export function parsePositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** A finite number option value, or a UsageError naming the option. */
export function parseNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}
