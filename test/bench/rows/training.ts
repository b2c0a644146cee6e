/**
 * Bench row for the trainer: img/s of the trainer's own step (real JPEGs from a packed
 * RecordIO set, decode + flip + normalise, ArcFace head, gradient clipping, SGD) against a raw
 * PyTorch forward+backward+step loop of the same backbone and batch on ready tensors, measured
 * interleaved in one process (tools/trainer/bench.py). Target: ratio >= 0.9.
 * A row with no value, saying why, when no Python with PyTorch is installed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhotoAligner, listPeople } from '../../../tools/train/align-photos.ts';
import { parseTrainConfig } from '../../../tools/train/config.ts';
import { findPython, runTrainerJson } from '../../../tools/train/python.ts';
import { writeInsightfaceSet } from '../../../tools/train/recordio.ts';
import { assetFace, assetModel } from '../../helpers/assets.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

const BATCH = Number(process.env.BENCH_TRAIN_BATCH ?? 16);
const THREADS = 2;

const SECTION = 'training';

async function run(context: BenchContext): Promise<BenchRow[]> {
  let python: string;
  try {
    python = findPython().python;
  } catch (error) {
    const why = `skipped: no Python with PyTorch (${(error as Error).message.split('\n')[0]}); apt-get install python3-torch python3-onnx`;
    context.log(`training: ${why}`);
    return [{ section: SECTION, name: 'trainer step img/s (mbf)', value: null, unit: 'img/s', note: why }];
  }
  const work = mkdtempSync(join(tmpdir(), 'arcedge-bench-train-'));
  try {
    mkdirSync(join(work, 'models'));
    symlinkSync(assetModel('det_500m.onnx'), join(work, 'models', 'det_500m.onnx'));
    const aligner = await createPhotoAligner(`local:${join(work, 'models')}`);
    const identities: Buffer[][] = [];
    for (const person of listPeople(assetFace('faceapi_bbt'))) {
      const crops: Buffer[] = [];
      for (const path of person.images) {
        const r = await aligner.align(path);
        if (r.ok) crops.push(Buffer.from(r.jpeg));
      }
      identities.push(crops);
    }
    await aligner.dispose();
    mkdirSync(join(work, 'set'));
    writeInsightfaceSet(join(work, 'set'), identities);
    const config = parseTrainConfig(
      { data: { path: join(work, 'set') }, backbone: { name: 'mbf' }, batchSize: BATCH, devices: { device: 'cpu', threads: THREADS }, workers: 0 },
      'trainer bench config',
    );
    writeFileSync(join(work, 'config.json'), JSON.stringify(config));
    const steps = process.env.BENCH_TRAIN_STEPS ?? (context.quick ? '2' : '4');
    context.log(`training: ${steps} steps x 2 rounds each of the trainer and a raw loop (mbf, batch ${BATCH})`);
    const [row] = runTrainerJson(python, ['bench', '--config', join(work, 'config.json'), '--steps', steps]);
    const r = row as { backbone: string; batch: number; steps: number; threads: number; rawImgPerSec: number; trainerImgPerSec: number; ratio: number };
    context.note('pytorch', findPython(python).torch);
    return [
      {
        section: SECTION,
        name: `trainer step img/s (${r.backbone}, batch ${r.batch}, CPU ${r.threads} threads)`,
        value: r.trainerImgPerSec,
        unit: 'img/s',
        baseline: { name: 'raw PyTorch forward+backward+step, same backbone and batch', value: r.rawImgPerSec },
        better: 'higher',
        target: '>= 0.9',
        note: `${r.steps} steps each, interleaved in one process`,
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const provider: RowProvider = { part: SECTION, run };
export default provider;
