/**
 * The seed's claim, reproduced small (docs/training.md, "ArcFace vs softmax"): the same
 * backbone, data and steps with an ArcFace head and with a plain softmax head, 3 seeds each,
 * scored on identities never seen in training. Run once by hand (about half an hour on 2 CPU
 * cores); not part of `npm test`.
 *
 *   train: faceapi_bbt (8 people) + face_recognition knn train (5 people), aligned with SCRFD
 *   test:  deepface's 25 photos of 9 other people, master.csv's 300 labelled pairs, as a .bin
 *
 * ARCEDGE_ASSETS=/work/shared/assets npx tsx scripts/train-experiment.ts [out-dir]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createPhotoAligner, listPeople } from '../tools/train/align-photos.ts';
import { parseTrainConfig } from '../tools/train/config.ts';
import { encodeVerificationBin } from '../tools/train/pickle-bin.ts';
import { findPython, trainerEnv } from '../tools/train/python.ts';
import { writeInsightfaceSet } from '../tools/train/recordio.ts';
import { assetFace, assetModel } from '../test/helpers/assets.ts';

const STEPS = Number(process.env.STEPS ?? 30);
const BATCH = Number(process.env.BATCH ?? 8);
const SEEDS = [0, 1, 2];
const HEADS = ['arcface', 'softmax'] as const;
const out = process.argv[2] ?? 'runs/arcface-vs-softmax';

mkdirSync(join(out, 'models'), { recursive: true });
if (!existsSync(join(out, 'models', 'det_500m.onnx'))) symlinkSync(assetModel('det_500m.onnx'), join(out, 'models', 'det_500m.onnx'));
const aligner = await createPhotoAligner(`local:${join(out, 'models')}`);

const identities: Buffer[][] = [];
for (const root of [assetFace('faceapi_bbt'), assetFace('face_recognition', 'examples', 'knn_examples', 'train')]) {
  for (const person of listPeople(root)) {
    const crops: Buffer[] = [];
    for (const path of person.images) {
      const r = await aligner.align(path);
      if (r.ok) crops.push(Buffer.from(r.jpeg));
    }
    if (crops.length) identities.push(crops);
  }
}
mkdirSync(join(out, 'train'), { recursive: true });
const packed = writeInsightfaceSet(join(out, 'train'), identities);

const pairs = readFileSync(assetFace('deepface', 'master.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const crops = new Map<string, Uint8Array>();
for (const file of new Set(pairs.flatMap(([a, b]) => [a!, b!]))) {
  const r = await aligner.align(assetFace('deepface', file));
  if (r.ok) crops.set(file, r.jpeg);
}
await aligner.dispose();
const usable = pairs.filter(([a, b]) => crops.has(a!) && crops.has(b!));
const bin = join(out, 'deepface.bin');
writeFileSync(bin, encodeVerificationBin(usable.flatMap(([a, b]) => [crops.get(a!)!, crops.get(b!)!]), usable.map((p) => p[2]!.trim() === 'Yes')));
console.log(`train: ${packed.images} images of ${packed.classes} people; test: ${usable.length} deepface pairs (${usable.filter((p) => p[2]!.trim() === 'Yes').length} same)`);

const python = findPython().python;
const results: { head: string; seed: number; accuracy: number; tarAtFar: number; finalLoss: number }[] = [];

function runOne(head: (typeof HEADS)[number], seed: number): Promise<void> {
  const name = `${head}-seed${seed}`;
  const config = parseTrainConfig(
    {
      name,
      data: { path: join(out, 'train'), verification: [bin] },
      backbone: { name: 'mbf-paper', embeddingSize: 128 }, // the network the docs' table was measured with
      head: head === 'arcface' ? { type: 'arcface', s: 32, m2: 0.3 } : { type: 'softmax' },
      optim: { lr: 0.05, warmupSteps: 3 },
      batchSize: BATCH,
      steps: STEPS,
      seed,
      devices: { device: 'cpu', processes: 1, threads: 1 },
      checkpointEvery: 0,
      verifyEvery: 0,
      logEvery: 5,
      workers: 0,
    },
    name,
  );
  const runDir = join(out, name);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2));
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'trainer', 'train', '--config', join(runDir, 'config.json'), '--run-dir', runDir], { env: trainerEnv({ OMP_NUM_THREADS: '1' }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', () => {
      writeFileSync(join(runDir, 'metrics.jsonl'), stdout);
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string } & Record<string, number>);
      const verify = events.find((e) => e.event === 'verify');
      const steps = events.filter((e) => e.event === 'step');
      if (!verify) return reject(new Error(`${name} failed: ${stderr.slice(-2000)}`));
      results.push({ head, seed, accuracy: verify.accuracy!, tarAtFar: verify.tarAtFar!, finalLoss: steps.at(-1)!.loss! });
      console.log(`${name}: accuracy ${verify.accuracy!.toFixed(4)} TAR@FAR1e-3 ${verify.tarAtFar!.toFixed(4)} loss ${steps[0]!.loss!.toFixed(3)} -> ${steps.at(-1)!.loss!.toFixed(3)}`);
      resolve();
    });
  });
}

// Two runs at a time (one per core): ArcFace and softmax with the same seed side by side.
for (const seed of SEEDS) await Promise.all(HEADS.map((head) => runOne(head, seed)));
const stats = (xs: number[]): string => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  return `${mean.toFixed(4)} ± ${std.toFixed(4)}`;
};
console.log('\n| head | accuracy (mean ± std, 3 seeds) | TAR@FAR=1e-3 |\n|---|---|---|');
for (const head of HEADS) {
  const rows = results.filter((r) => r.head === head);
  console.log(`| ${head} | ${stats(rows.map((r) => r.accuracy))} | ${stats(rows.map((r) => r.tarAtFar))} |`);
}
writeFileSync(join(out, 'results.json'), JSON.stringify({ steps: STEPS, results }, null, 2));
