/**
 * `arcedge models probe <model.onnx> [--faces <folder>]`: what input does this recognizer
 * expect? Aligns labelled faces once (det_500m + the ArcFace 112 template, through the SDK),
 * embeds them under every channel order x normalisation, prints d' and TAR for each, and writes
 * the best as the sidecar manifest `<file>.onnx.manifest.json` with the measurement in it, so
 * `local:<dir>` loads the model with that preprocessing.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDetector, getModelSet, loadSession, resolveModel, type FaceDetector, type ProbeRecord } from '../../sdk/index.ts';
import { modelSearchPath, sha256File } from '../../sdk/internal.ts';
import { EXIT, formatTable, UsageError } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { alignLabelledImages } from '../probe/aligned-faces.ts';
import { readLabelledFaces } from '../eval/labelled-faces.ts';
import { measureVariants, orderMargin, type MeasuredVariant } from '../probe/measure.ts';
import { baseManifest, writeSidecar } from '../probe/sidecar.ts';
import { allVariants } from '../probe/variants.ts';

export interface ProbeValues {
  readonly faces: string | undefined;
  readonly detector: string | undefined;
  readonly licence: string;
  readonly json: boolean;
}

/** Dev photos beside the checkout, as `arcedge demo` finds them. */
function defaultFacesDir(): string | undefined {
  return [resolve('..', 'shared', 'assets', 'faces'), resolve('shared', 'assets', 'faces')].find((dir) => existsSync(dir));
}

/** det_500m (SCRFD-500M, 5 points): a given file, else the registry's, found beside the dev photos, on the search path or fetched. */
async function loadProbeDetector(path: string | undefined, facesDir: string): Promise<{ detector: FaceDetector; file: string }> {
  const manifest = getModelSet('scrfd').files.find((m) => m.file === 'det_500m.onnx')!;
  let modelPath = path;
  if (modelPath === undefined) {
    const besideFaces = join(facesDir, '..', 'models');
    const searchPath = [...(existsSync(besideFaces) ? [besideFaces] : []), ...modelSearchPath()];
    modelPath = (await resolveModel(manifest, { searchPath })).path;
  } else if ((await sha256File(modelPath)) !== manifest.sha256) {
    throw new UsageError(`--detector ${modelPath} is not det_500m.onnx (sha256 ${manifest.sha256}); the probe aligns with det_500m's 5 points`);
  }
  return { detector: createDetector(manifest, await loadSession(modelPath)), file: manifest.file };
}

/** Half the smallest lead the shipped recognizers show on the dev photos (0.203, paddle_128; docs/models.md). */
const WEAK_MARGIN_DPRIME = 0.1;

const fmtRow = (r: MeasuredVariant): string[] => [r.colorOrder, r.normalisation, r.dPrime.toFixed(3), `${(100 * r.tar).toFixed(1)}%`];

export async function probe(modelArg: string, values: ProbeValues): Promise<number> {
  const modelPath = resolve(modelArg);
  if (!modelPath.endsWith('.onnx') || !existsSync(modelPath)) throw new UsageError(`${modelArg}: expected an existing .onnx file`);
  const facesDir = values.faces !== undefined ? resolve(values.faces) : defaultFacesDir();
  if (facesDir === undefined) throw new UsageError('no --faces given, and ../shared/assets/faces is not here');
  const labelled = readLabelledFaces(facesDir);
  const log = (line: string): void => void (values.json ? undefined : console.error(line));
  log(`arcedge models probe: ${labelled.images.length} labelled images, ${labelled.pairs.length} pairs under ${facesDir}`);

  const { detector, file: detectorFile } = await loadProbeDetector(values.detector, facesDir);
  const bar = createProgress({ label: 'align', total: labelled.images.length, silent: values.json });
  let aligned;
  try {
    aligned = await alignLabelledImages(detector, labelled.images, (done) => bar.update(done));
  } finally {
    bar.stop();
    await detector.dispose();
  }
  if (aligned.missed.length > 0) log(`no face found in ${aligned.missed.length} image(s): ${aligned.missed.join(', ')}`);

  const session = await loadSession(modelPath);
  try {
    const sha256 = await sha256File(modelPath);
    const base = await baseManifest(modelPath, session, sha256, statSync(modelPath).size, values.licence);
    const rows = await measureVariants(base, session, aligned.crops, labelled.pairs, allVariants());
    const best = rows[0]!;
    if (best.samePairs === 0 || best.differentPairs === 0) {
      console.error(`arcedge models probe: ${best.samePairs} same / ${best.differentPairs} different colour pairs with a face; both are needed (grey images are skipped)`);
      return EXIT.FAILURE;
    }
    const record: ProbeRecord = {
      tool: 'arcedge models probe',
      measuredAt: new Date().toISOString(),
      faces: facesDir,
      detector: detectorFile,
      images: aligned.crops.filter(Boolean).length,
      skippedGrey: aligned.grey.length,
      samePairs: best.samePairs,
      differentPairs: best.differentPairs,
      chosen: best.label,
      marginDPrime: orderMargin(rows),
      results: rows.map(({ colorOrder, normalisation, mean, std, dPrime, tar }) => ({ colorOrder, normalisation, mean, std, dPrime, tar })),
    };
    const written = writeSidecar(modelPath, base, best, record);
    if (values.json) {
      console.log(JSON.stringify({ model: modelPath, manifest: written.path, chosen: best.label, probe: record }, null, 2));
      return EXIT.OK;
    }
    console.log(`${record.images} colour faces (${record.skippedGrey} grey images skipped), ${record.samePairs} same / ${record.differentPairs} different pairs; TAR at FAR < 1/${record.differentPairs}\n`);
    console.log(formatTable(['order', 'normalisation', "d'", 'TAR'], rows.map(fmtRow)));
    console.log(`\nbest: ${best.label} (d' ${record.marginDPrime.toFixed(3)} ahead of the other channel order)`);
    if (record.marginDPrime < WEAK_MARGIN_DPRIME) {
      console.log(`warning: a lead under d' ${WEAK_MARGIN_DPRIME} means these faces barely tell the channel orders apart; probe again with more colour photos of more people`);
    }
    console.log(`wrote ${written.path}`);
    return EXIT.OK;
  } finally {
    await session.dispose();
  }
}
