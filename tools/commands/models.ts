/**
 * `arcedge models list | pull <set> | verify [set] | probe <model.onnx>`: the CLI face of sdk/models. Tables for
 * people, `--json` for scripts; progress goes to stderr so stdout stays parseable.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getModelSet, listModelSets, resolveModelSet, verifyModelSet } from '../../sdk/index.ts';
import type { ModelManifest, ModelSetReport, ResolveEvent } from '../../sdk/index.ts';
import { arcedgeHome, cachedModelPath, modelSearchPath } from '../../sdk/internal.ts';
import { defineCommand, defineGroup, formatTable as table } from '../cli/command.ts';
import { createProgress, type Progress } from '../cli/progress.ts';

const ENVIRONMENT = `environment:
  ARCEDGE_MODEL_PATH   colon-separated folders searched before the cache (files by name, checked by sha256)
  ARCEDGE_HOME         cache root (models live in $ARCEDGE_HOME/models/<sha256 prefix>/<file>)
  ARCEDGE_OFFLINE=1    never download
  npm_config_registry  npm registry for npm-hosted models (default https://registry.npmjs.org/)`;

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

/** Download events as log lines on stderr, and one progress bar per fetched file (TTY only). */
function progressPrinter(): (e: ResolveEvent) => void {
  let bar: Progress | undefined;
  return (e) => {
    if (e.kind === 'fetch') console.error(`fetching ${e.file} from ${e.source}`);
    else if (e.kind === 'corrupt') console.error(`${e.path} is corrupt (sha256 ${e.actualSha256}); deleted, fetching again`);
    else if (e.kind === 'stored') bar?.stop(), (bar = undefined), console.error(`stored ${e.file} (${mb(e.bytes)}, ${(e.ms / 1000).toFixed(1)} s)`);
    else if (e.kind === 'progress' && e.total) {
      bar ??= createProgress({ label: `  ${e.file}`, total: e.total, unit: 'bytes' });
      bar.update(e.received, { total: e.total });
    }
  };
}

async function pull(name: string, json: boolean): Promise<number> {
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

export const modelsCommand = defineGroup({
  name: 'models',
  summary: 'manage model sets and the model cache',
  subcommands: {
    list: defineCommand({
      name: 'models list',
      summary: 'the registered model sets and how many of their files are present',
      details: ENVIRONMENT,
      positionals: { max: 0 },
      run: ({ json }) => list(json),
    }),
    pull: defineCommand({
      name: 'models pull',
      summary: 'download a set into the cache ($ARCEDGE_HOME, default ~/.cache/arcedge), verifying every sha256',
      args: '<set | local:<dir>>',
      details: `sets: ${listModelSets().map((s) => s.name).join(', ')}\n\n${ENVIRONMENT}`,
      positionals: { min: 1, max: 1 },
      run: ({ positionals, json }) => pull(positionals[0]!, json),
    }),
    verify: defineCommand({
      name: 'models verify',
      summary: 're-hash the files of one set (or of every set) and report ok / missing / mismatch; exit 1 on a problem',
      args: '[set]',
      details: ENVIRONMENT,
      positionals: { max: 1 },
      run: ({ positionals, json }) => verify(positionals[0], json),
    }),
    probe: defineCommand({
      name: 'models probe',
      summary: "measure which channel order and normalisation a recognizer expects (d' and TAR on labelled faces) and write <file>.onnx.manifest.json",
      args: '<model.onnx>',
      details:
        'faces: a folder holding folders of people (one folder per person, named after them) and/or folders with a\n' +
        'master.csv of pairs (file_x,file_y,Decision Yes/No); default ../shared/assets/faces. Grey photos are skipped.\n' +
        "Faces are aligned with det_500m's 5 points to the ArcFace 112x112 template. The manifest lands beside the model,\n" +
        'where `local:<dir>` finds it.',
      options: {
        faces: { type: 'string', valueName: 'folder', description: 'labelled faces (default: ../shared/assets/faces)' },
        detector: { type: 'string', valueName: 'det_500m.onnx', description: 'path to det_500m.onnx (default: beside the faces, the search path, or fetched)' },
        licence: { type: 'string', default: 'unknown', valueName: 'text', description: 'licence of the weights, for a model the registry does not know' },
      },
      positionals: { min: 1, max: 1 },
      // Lazy: `models list` must not load OpenCV and onnxruntime.
      run: async ({ positionals, values }) => (await import('./models-probe.ts')).probe(positionals[0]!, values),
    }),
  },
});

