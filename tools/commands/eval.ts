/**
 * `arcedge eval <input>`: face verification metrics (AUC, 10-fold accuracy, TAR@FAR, EER,
 * recommended thresholds) for one or more model sets on a labelled folder, an LFW pairs.txt,
 * a CSV of pairs or an insightface .bin, with a PNG/HTML report (docs/eval.md).
 */
import { resolve } from 'node:path';
import { defineCommand, EXIT, formatTable, UsageError } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { defaultEvalCacheDir } from '../eval/embedding-cache.ts';
import { FARS } from '../eval/metrics.ts';
import { readEvalInput } from '../eval/pairs-input.ts';
import { resultJson, writeReport } from '../eval/report.ts';
import { runEval, type ModelSpec } from '../eval/run-eval.ts';
import { parseSubject, SUBJECT_OPTION } from './gallery/common.ts';

/** `<set>[@detector=<id>,embedder=<id>]`: a set, optionally with the models to take from it. */
export function parseModelSpec(spec: string, threads: number | undefined, detectSizePx?: number): ModelSpec {
  const at = spec.lastIndexOf('@');
  const set = at > 0 ? spec.slice(0, at) : spec;
  const use: { detect?: string; embed?: string } = {};
  if (at > 0) {
    for (const part of spec.slice(at + 1).split(',')) {
      const [key, value] = part.split('=');
      if (!value || (key !== 'detector' && key !== 'embedder')) {
        throw new UsageError(`--models ${spec}: expected <set>@detector=<id>,embedder=<id>, got "${part}"`);
      }
      use[key === 'detector' ? 'detect' : 'embed'] = value;
    }
  }
  return {
    label: spec,
    options: {
      models: set,
      ...(Object.keys(use).length ? { use } : {}),
      ...(threads ? { backend: { threads } } : {}),
      ...(detectSizePx ? { detect: { inputSize: { width: detectSizePx, height: detectSizePx } } } : {}),
    },
  };
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'verification metrics and a report for model sets on a labelled folder, LFW pairs.txt, CSV pairs or insightface .bin',
  args: '<folder | pairs.txt | pairs.csv | file.bin>',
  details: [
    'inputs: a folder of person folders (or deepface master.csv); LFW pairs.txt with --images <root>;',
    'a CSV of a,b,same (paths relative to --images, else to the CSV); an insightface verification .bin.',
    'several --models compare in one run; decoding and detection are shared where the detector is.',
    'embeddings are cached per model and image under $ARCEDGE_HOME/eval-cache (--no-cache to skip).',
  ].join('\n'),
  options: {
    models: { type: 'string', multiple: true, default: ['default'], valueName: 'set[@detector=id,embedder=id]', description: 'model set to evaluate (repeat to compare)' },
    images: { type: 'string', valueName: 'dir', description: 'root of the images an LFW pairs.txt or a CSV names' },
    out: { type: 'string', default: 'arcedge-eval', valueName: 'dir', description: 'where report.html, roc.png and scores-<n>.png go' },
    'detect-size': { type: 'string', valueName: 'px', description: 'detector input side for dynamic-shape detectors (SCRFD), a multiple of 32; 320 is ~10x faster than 640 on portrait photos (docs/performance.md)' },
    threads: { type: 'string', valueName: 'n', description: 'intra-op threads per model (default: the runtime default)' },
    'no-cache': { type: 'boolean', description: 'do not read or write the embedding cache' },
    subject: SUBJECT_OPTION,
  },
  positionals: { min: 1, max: 1 },
  run: ({ values, positionals }) => evaluate(values, positionals[0]!),
});

function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} ${raw}: expected a positive number`);
  return n;
}

async function evaluate(
  values: { models: string[]; images: string | undefined; out: string; 'detect-size': string | undefined; threads: string | undefined; 'no-cache': boolean; subject: string | undefined; json: boolean },
  inputPath: string,
): Promise<number> {
  const threads = positiveNumber('threads', values.threads);
  const detectSizePx = positiveNumber('detect-size', values['detect-size']);
  if (detectSizePx !== undefined && detectSizePx % 32 !== 0) throw new UsageError(`--detect-size ${detectSizePx}: expected a multiple of 32`);
  const specs = values.models.map((m) => parseModelSpec(m, threads, detectSizePx));
  const input = readEvalInput(inputPath, values.images);
  const log = (line: string): void => void (values.json ? undefined : console.error(line));
  log(`arcedge eval: ${input.images.length} images, ${input.pairs.length} pairs from ${input.description}; ${specs.length} model set(s)`);

  const bar = createProgress({ label: 'embed', total: input.images.length, silent: values.json });
  let results;
  try {
    results = await runEval(input, {
      models: specs,
      subject: parseSubject(values.subject),
      ...(values['no-cache'] ? {} : { cacheDir: defaultEvalCacheDir() }),
      onImage: (done) => bar.update(done),
    });
  } finally {
    bar.stop();
  }
  const report = await writeReport(resolve(values.out), `arcedge eval: ${input.description}`, results, input.pairs.length);
  const unscorable = results.filter((r) => r.scored.every((p) => p.same) || r.scored.every((p) => !p.same));
  if (values.json) {
    console.log(JSON.stringify(results.map((r) => resultJson(r, input.pairs.length)), null, 2));
  } else {
    const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);
    console.log(
      formatTable(
        ['model set', 'pairs', 'no face', 'several faces', 'AUC', 'accuracy', ...FARS.map((f) => `TAR@${f}`), 'EER', 'thr@1e-3'],
        results.map((r) => [
          r.label,
          `${r.scored.length}/${input.pairs.length}`,
          String(r.noFace),
          String(r.multiFace),
          r.metrics.auc.toFixed(5),
          `${pct(r.metrics.accuracy)}±${pct(r.metrics.accuracyStd)}`,
          ...FARS.map((f) => pct(r.metrics.tarAtFar[f])),
          pct(r.metrics.eer),
          r.metrics.thresholds.far1e3?.toFixed(3) ?? 'n/a',
        ]),
      ),
    );
    for (const r of results.filter((x) => x.erc)) {
      const e = r.erc!;
      console.log(`${r.label}: ERC at FMR ${e.fmr} (FNMR ${(100 * e.fnmrAtZero).toFixed(2)}% with nothing rejected), relative area per signal (1 = no help): ${e.curves.map((c) => `${c.signal} ${c.relativeArea.toFixed(3)}`).join(', ')}`);
    }
    for (const r of results.filter((x) => x.multiFace > 0)) console.log(`${r.label}: ${r.multiFace} image(s) with more than one face; --subject ${values.subject ?? 'centre'} chose${values.subject === 'all' ? ' none (left unscored)' : ' one'}`);
    for (const r of results.filter((x) => x.noFace > 0)) console.log(`${r.label}: no face in ${r.noFace} image(s); ${r.noFacePairs} pair(s) not scored`);
    console.log(`report: ${report.html} (${report.pngs.length} PNG charts beside it); ${results.map((r) => `${r.label}: ${r.computed} embedded, ${input.images.length - r.computed} cached`).join('; ')}`);
  }
  if (unscorable.length > 0) {
    console.error(`arcedge eval: ${unscorable.map((r) => r.label).join(', ')}: the scored pairs lack same or different ones (faces not found?)`);
    return EXIT.FAILURE;
  }
  return EXIT.OK;
}
