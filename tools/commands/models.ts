/**
 * `arcedge models list | pull <set> | verify [set]`: the CLI face of sdk/models. Tables for
 * people, `--json` for scripts; progress goes to stderr so stdout stays parseable.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  arcedgeHome,
  cachedModelPath,
  getModelSet,
  listModelSets,
  modelSearchPath,
  resolveModelSet,
  verifyModelSet,
} from '../../sdk/models/index.ts';
import type { ModelManifest, ModelSetReport, ResolveEvent } from '../../sdk/models/index.ts';

const USAGE = `usage: arcedge models <subcommand> [--json]

subcommands:
  list             the registered model sets and how many of their files are present
  pull <set>       download a set into the cache ($ARCEDGE_HOME, default ~/.cache/arcedge),
                   verifying every sha256; <set> may be local:<dir>
  verify [set]     re-hash the files of one set (or of every set) and report ok / missing / mismatch

environment:
  ARCEDGE_MODEL_PATH   colon-separated folders searched before the cache (files by name, checked by sha256)
  ARCEDGE_HOME         cache root (models live in $ARCEDGE_HOME/models/<sha256 prefix>/<file>)
  ARCEDGE_OFFLINE=1    never download
  npm_config_registry  npm registry for npm-hosted models (default https://registry.npmjs.org/)`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : `${(bytes / 1e6).toFixed(1)} MB`);

/** Presence by file name only (no hashing): cheap enough for `list`. */
function isPresent(m: ModelManifest, home: string, searchPath: string[]): boolean {
  return searchPath.some((d) => existsSync(join(d, m.file))) || existsSync(cachedModelPath(m, home));
}

function list(json: boolean): number {
  const sets = listModelSets();
  const home = arcedgeHome();
  const searchPath = modelSearchPath();
  if (json) {
    console.log(JSON.stringify(sets.map((s) => ({ ...s, present: s.files.filter((m) => isPresent(m, home, searchPath)).length })), null, 2));
    return 0;
  }
  const rows = sets.map((s) => {
    const present = s.files.filter((m) => isPresent(m, home, searchPath)).length;
    const tasks = [...new Set(s.files.map((m) => m.task))].join('+');
    const size = s.files.every((m) => m.bytes !== undefined) ? mb(s.files.reduce((a, m) => a + m.bytes!, 0)) : '?';
    return [s.name, `${present}/${s.files.length}`, tasks, size, s.licence, s.description];
  });
  console.log(table(['set', 'present', 'tasks', 'size', 'licence', 'description'], rows));
  console.log(`\ncache: ${join(home, 'models')}${searchPath.length ? `\nsearch path: ${searchPath.join(':')}` : ''}`);
  return 0;
}

function progressPrinter(): (e: ResolveEvent) => void {
  let lastPercent = -1;
  return (e) => {
    if (e.kind === 'fetch') (lastPercent = -1), console.error(`fetching ${e.file} from ${e.source}`);
    else if (e.kind === 'corrupt') console.error(`${e.path} is corrupt (sha256 ${e.actualSha256}); deleted, fetching again`);
    else if (e.kind === 'stored') console.error(`stored ${e.file} (${mb(e.bytes)}, ${(e.ms / 1000).toFixed(1)} s)`);
    else if (e.kind === 'progress' && e.total && process.stderr.isTTY) {
      const percent = Math.floor((100 * e.received) / e.total);
      if (percent !== lastPercent && percent % 10 === 0) (lastPercent = percent), console.error(`  ${percent}% of ${mb(e.total)}`);
    }
  };
}

async function pull(name: string | undefined, json: boolean): Promise<number> {
  if (!name) {
    console.error(`arcedge models pull: which set? One of: ${listModelSets().map((s) => s.name).join(', ')}, or local:<dir>\n\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const result = await resolveModelSet(name, { onEvent: json ? undefined : progressPrinter() });
  const seconds = (performance.now() - started) / 1000;
  if (json) {
    console.log(JSON.stringify({ name: result.name, seconds, models: result.models.map((m) => ({ id: m.manifest.id, file: m.manifest.file, origin: m.origin, path: m.path, sha256: m.manifest.sha256 })) }, null, 2));
    return 0;
  }
  console.log(table(['file', 'task', 'from', 'path'], result.models.map((m) => [m.manifest.file, m.manifest.task, m.origin, m.path])));
  console.log(`\nset ${result.name}: ${result.models.length} files ready in ${seconds.toFixed(1)} s`);
  return 0;
}

function printReport(report: ModelSetReport): void {
  console.log(`${report.name}: ${report.ok ? 'ok' : 'NOT ok'}`);
  const rows = report.models.map((m) => [
    m.manifest.file,
    m.status,
    m.path ?? '-',
    m.status === 'mismatch' ? `sha256 ${m.actualSha256} (pinned ${m.manifest.sha256})` : m.status === 'missing' ? 'run: arcedge models pull ' + report.name : '',
  ]);
  console.log(table(['  file', 'status', 'path', 'note'], rows.map((r) => [`  ${r[0]}`, ...r.slice(1)])));
}

async function verify(name: string | undefined, json: boolean): Promise<number> {
  if (name !== undefined && !name.startsWith('local:')) getModelSet(name); // unknown names fail with the known list
  const names = name !== undefined ? [name] : listModelSets().map((s) => s.name);
  const reports: ModelSetReport[] = [];
  for (const n of names) reports.push(await verifyModelSet(n));
  // One set asked for: every file must be there. All sets: only a corrupt file is a failure.
  const failed = name !== undefined ? reports.some((r) => !r.ok) : reports.some((r) => r.models.some((m) => m.status === 'mismatch'));
  if (json) console.log(JSON.stringify(reports.map((r) => ({ ...r, models: r.models.map((m) => ({ ...m, manifest: m.manifest.id, file: m.manifest.file })) })), null, 2));
  else if (name !== undefined) printReport(reports[0]!);
  else {
    const count = (r: ModelSetReport, status: string): number => r.models.filter((m) => m.status === status).length;
    console.log(table(['set', 'ok', 'missing', 'mismatch'], reports.map((r) => [r.name, ...['ok', 'missing', 'mismatch'].map((st) => String(count(r, st)))])));
    for (const r of reports.filter((r) => count(r, 'mismatch') > 0)) console.log(''), printReport(r);
  }
  return failed ? 1 : 0;
}

export async function modelsCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return 0;
  }
  const unknownFlag = rest.find((a) => a.startsWith('-'));
  if (unknownFlag || rest.length > 1) {
    console.error(`arcedge models: unexpected argument "${unknownFlag ?? rest[1]}"\n\n${USAGE}`);
    return 2;
  }
  switch (sub) {
    case 'list':
      if (rest.length) break;
      return list(json);
    case 'pull':
      return pull(rest[0], json);
    case 'verify':
      return verify(rest[0], json);
  }
  console.error(`${sub === undefined ? 'arcedge models: missing subcommand' : `arcedge models: unknown subcommand "${sub}"`}\n\n${USAGE}`);
  return 2;
}
