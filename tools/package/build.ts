/**
 * Builds a signed model package (sdk/package/manifest.ts) from a recognizer ONNX file or a
 * training package directory: copy the model and its manifest, make the golden self-test on
 * this host with the same model, hash everything, sign manifest.json. Staged in a sibling
 * folder and renamed into place, so `--out` never holds half a package.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  ArcEdgeError,
  createFacePipeline,
  encodePng,
  findManifestBySha256,
  formatSha256Sums,
  ModelManifestSchema,
  PACKAGE_MANIFEST,
  PACKAGE_SIGNATURE,
  PACKAGE_SUMS,
  signBytes,
  type Frame,
  type ModelManifest,
  type ModelPackageManifest,
  type PackageFile,
} from '../../sdk/index.ts';
import { walkImages } from '../cli/images.ts';
import { sha256File, sha256Hex } from '../../sdk/internal.ts';

export interface BuildPackageOptions {
  /** A .onnx recognizer, or a directory holding exactly one embed model (a training package). */
  readonly model: string;
  readonly out: string;
  readonly privateKeyPem: string;
  readonly version: number;
  readonly name?: string;
  /** Photos to cut the golden faces from (the first `faces` photos with exactly one face). */
  readonly facesDir: string;
  readonly faces?: number;
  /** Model set whose detector finds and aligns the golden faces (default: "default"). */
  readonly detectorModels?: string;
  readonly detector?: string;
  readonly minCosine?: number;
  readonly provenance?: Record<string, unknown>;
  readonly onProgress?: (done: number, total: number) => void;
}


function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The model file and its manifest: a sidecar beside it, else the registry entry with its sha256. */
async function locateModel(input: string): Promise<{ path: string; manifest: ModelManifest; provenance: Record<string, unknown> }> {
  let path = resolve(input);
  const provenance: Record<string, unknown> = {};
  if (!existsSync(path)) throw new ArcEdgeError('MODEL_NOT_FOUND', `${input} does not exist`);
  if (statSync(path).isDirectory()) {
    const onnx = readdirSync(path).filter((f) => f.endsWith('.onnx'));
    if (onnx.length !== 1) {
      throw new ArcEdgeError('INVALID_ARGUMENT', `${input} holds ${onnx.length} .onnx files; a package holds one recognizer`, { fix: 'pass the .onnx file itself' });
    }
    // A training package carries its run's results: sign them with the model.
    for (const extra of ['eval.json', 'train-config.json', 'quantize-report.json']) {
      if (existsSync(join(path, extra))) provenance[extra.replace(/\.json$/, '')] = readJson(join(path, extra));
    }
    path = join(path, onnx[0]!);
  }
  const sha256 = await sha256File(path);
  const sidecar = `${path}.manifest.json`;
  let manifest: ModelManifest | undefined;
  if (existsSync(sidecar)) {
    const parsed = ModelManifestSchema.safeParse(readJson(sidecar));
    if (!parsed.success) throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${sidecar}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    manifest = parsed.data;
    if (manifest.sha256 !== sha256) throw new ArcEdgeError('MODEL_CHECKSUM_MISMATCH', `${path} has sha256 ${sha256}; its manifest ${sidecar} says ${manifest.sha256}`);
  } else {
    manifest = findManifestBySha256(sha256);
  }
  if (!manifest) {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `${path} has no manifest (no ${basename(sidecar)} and no registry entry with sha256 ${sha256})`, {
      fix: `write one with \`arcedge models probe ${path}\``,
    });
  }
  if (manifest.task !== 'embed' || manifest.embeddingSize === undefined) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${path} is a ${manifest.task} model; packages carry a recognizer (task "embed")`);
  }
  return { path, manifest: { ...manifest, file: basename(path) }, provenance };
}

/** Golden faces: aligned crops from photos with exactly one face, embedded with the packaged model. */
async function goldenFaces(options: BuildPackageOptions, model: { path: string; manifest: ModelManifest }): Promise<{ crops: Frame[]; embeddings: Float32Array[] }> {
  const wanted = options.faces ?? 4;
  if (!existsSync(options.facesDir)) throw new ArcEdgeError('IMAGE_NOT_FOUND', `faces folder ${options.facesDir} does not exist`, { fix: 'pass --faces <folder of face photos>' });
  const photos = walkImages(options.facesDir);
  const detector = await createFacePipeline({
    models: options.detectorModels ?? 'default',
    stages: ['detect'],
    ...(options.detector ? { use: { detect: options.detector } } : {}),
  });
  const crops: Frame[] = [];
  try {
    for (const photo of photos) {
      if (crops.length >= wanted) break;
      try {
        const { frame } = await detector.loadFrame(photo);
        const faces = await detector.detect(frame);
        if (faces.length === 1 && detector.assessQuality(faces[0]!, detector.align(frame, faces[0]!).crop).ok) crops.push(detector.align(frame, faces[0]!).crop);
      } catch {
        // An unreadable photo is simply not a golden face; the count check below says if too few remain.
      }
      options.onProgress?.(crops.length, wanted);
    }
  } finally {
    await detector.dispose();
  }
  if (crops.length < Math.min(wanted, 2)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `only ${crops.length} photo(s) under ${options.facesDir} have exactly one good-quality face; the self-test needs ${wanted}`, {
      fix: 'pass --faces with a folder of single-face photos',
    });
  }
  const embedder = await createFacePipeline({ models: { name: 'package', models: [{ path: model.path, manifest: model.manifest }] }, stages: ['embed'] });
  try {
    return { crops, embeddings: await embedder.embed(crops) };
  } finally {
    await embedder.dispose();
  }
}

export async function buildPackage(options: BuildPackageOptions): Promise<{ dir: string; manifest: ModelPackageManifest }> {
  const model = await locateModel(options.model);
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${out} exists and is not empty`, { fix: 'choose a new --out folder (packages are immutable once signed)' });
  }
  const golden = await goldenFaces(options, model);
  const stage = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'selftest'), { recursive: true });
  try {
    copyFileSync(model.path, join(stage, model.manifest.file));
    writeFileSync(join(stage, `${model.manifest.file}.manifest.json`), `${JSON.stringify(model.manifest, null, 2)}\n`);
    const faces = golden.crops.map((crop, i) => {
      const path = `selftest/face-${i + 1}.png`;
      writeFileSync(join(stage, path), encodePng(crop));
      return { crop: path, embedding: Array.from(golden.embeddings[i]!, (v) => Math.round(v * 1e7) / 1e7) };
    });
    const paths = [model.manifest.file, `${model.manifest.file}.manifest.json`, ...faces.map((f) => f.crop)];
    const files: PackageFile[] = [];
    for (const path of paths) files.push({ path, bytes: statSync(join(stage, path)).size, sha256: await sha256File(join(stage, path)) });
    const precision = model.manifest.precision ?? 'fp32';
    const recommended = model.manifest.recommendedThreshold;
    const manifest: ModelPackageManifest = {
      format: 'arcedge-model-package',
      formatVersion: 1,
      name: options.name ?? model.manifest.id,
      version: options.version,
      createdAt: new Date().toISOString(),
      model: model.manifest.file,
      embeddingSize: model.manifest.embeddingSize!,
      precision,
      ...(recommended !== undefined ? { recommendedThreshold: recommended } : {}),
      files,
      sha256sums: sha256Hex(formatSha256Sums(files)),
      selfTest: { faces, minCosine: options.minCosine ?? (precision === 'fp32' ? 0.99 : 0.97) },
      ...(Object.keys({ ...model.provenance, ...options.provenance }).length ? { provenance: { ...model.provenance, ...options.provenance } } : {}),
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(stage, PACKAGE_MANIFEST), manifestBytes);
    writeFileSync(join(stage, PACKAGE_SUMS), formatSha256Sums(files));
    writeFileSync(join(stage, PACKAGE_SIGNATURE), signBytes(manifestBytes, options.privateKeyPem));
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(stage, out);
    return { dir: out, manifest };
  } catch (error) {
    rmSync(stage, { recursive: true, force: true });
    throw error;
  }
}
