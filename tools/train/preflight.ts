/**
 * Everything `arcedge train` checks before it starts a worker, so bad input fails in seconds
 * with a clear error instead of minutes into a run: the Python environment, the dataset (RecordIO
 * structure or image folders), the verification .bins (read through the restricted unpickler),
 * and the free disk space for checkpoints and the export.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import type { TrainConfig } from './config.ts';
import { findPython, runTrainerJson, type PythonEnv } from './python.ts';
import { checkRecordSet } from './recordio.ts';
import { listPeople } from './align-photos.ts';

/** Parameters (millions) of each backbone with a 512-d embedding, for the disk estimate. */
const IRESNET_MPARAMS = { 18: 24.0, 34: 34.1, 50: 43.6, 100: 65.2, 200: 118.8 } as const;
const BACKBONE_MPARAMS: Record<TrainConfig['backbone']['name'], number> = {
  mbf: 2.06,
  'mbf-paper': 1.2,
  ...Object.fromEntries(Object.entries(IRESNET_MPARAMS).flatMap(([d, m]) => [[`r${d}`, m], [`iresnet${d}`, m]])),
} as Record<TrainConfig['backbone']['name'], number>;

export interface Preflight {
  readonly env: PythonEnv;
  readonly images: number;
  readonly classes: number;
  readonly diskNeededBytes: number;
  readonly diskFreeBytes: number;
}

function freeBytes(path: string): number {
  let dir = resolve(path);
  while (!existsSync(dir)) dir = dirname(dir);
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export function preflight(config: TrainConfig, runDir: string): Preflight {
  // Structural data checks first: they need no Python and catch the commonest mistakes.
  const data = config.data.path;
  if (!existsSync(data)) throw new ArcEdgeError('DATASET_INVALID', `training data ${data} does not exist`, { fix: 'pass --data <dir>: a packed RecordIO set (`arcedge pack`) or <person>/<images> folders' });
  if (existsSync(join(data, 'train.rec')) || existsSync(join(data, 'train.idx'))) checkRecordSet(data);
  else listPeople(data);
  const env = findPython(config.python);
  if (!env.onnx) {
    throw new ArcEdgeError('TRAIN_ENV_MISSING', `${env.python} has PyTorch ${env.torch} but no onnx module (the export needs it)`, { fix: 'apt-get install python3-onnx, or pip install onnx into that interpreter' });
  }
  const d = config.devices;
  if (d.device === 'cuda' && !env.cuda) {
    throw new ArcEdgeError('TRAIN_ENV_MISSING', `devices.device is "cuda" but PyTorch ${env.torch} at ${env.python} sees no GPU`, { fix: 'install a CUDA build of PyTorch (docs/training.md), or --set devices.device=cpu' });
  }
  if (d.device === 'cuda' && d.processes > env.gpus) {
    throw new ArcEdgeError('CONFIG_INVALID', `devices.processes is ${d.processes} but this node has ${env.gpus} GPU(s)`, { fix: `--set devices.processes=${env.gpus}` });
  }
  if (d.processes * d.nodes > 1 && !env.cuda && !env.gloo) {
    throw new ArcEdgeError('TRAIN_ENV_MISSING', `PyTorch ${env.torch} has no gloo backend for CPU DDP`, { fix: '--set devices.processes=1, or install a PyTorch build with distributed support' });
  }

  const [info] = runTrainerJson(env.python, ['check-data', data]);
  const images = Number(info!.images);
  const classes = Number(info!.classes);
  const perStep = config.batchSize * d.processes * d.nodes;
  if (classes < 2) throw new ArcEdgeError('DATASET_INVALID', `${data} has ${classes} identity; training needs at least 2`, { fix: 'add photos of more people' });
  if (images < perStep) throw new ArcEdgeError('DATASET_INVALID', `${data} has ${images} images, fewer than one step needs (batchSize ${config.batchSize} x ${d.processes * d.nodes} processes)`, { fix: '--set batchSize=<smaller> or add images' });

  if (config.init) {
    if (!existsSync(config.init)) throw new ArcEdgeError('CONFIG_INVALID', `--init ${config.init} does not exist`, { fix: "pass an arcface_torch backbone.pth / model.pt or one of our runs' checkpoints/step-N.pt" });
    // Before the run folder exists: a checkpoint that does not fit names the key and shapes, and nothing is written.
    runTrainerJson(env.python, ['check-init', '--checkpoint', config.init, '--network', config.backbone.name, '--embedding-size', String(config.backbone.embeddingSize)]);
  }
  for (const bin of config.data.verification) {
    if (!existsSync(bin)) throw new ArcEdgeError('DATASET_INVALID', `verification set ${bin} does not exist`, { fix: 'download it (docs/training.md) or build one with `arcedge pack-pairs`, or drop it from data.verification' });
    runTrainerJson(env.python, ['read-bin', bin]);
  }

  // Checkpoints keep weights + SGD momentum for backbone and head (3 kept + 1 being written), plus the export.
  const params = BACKBONE_MPARAMS[config.backbone.name] * 1e6 * (config.backbone.embeddingSize / 512) + classes * config.backbone.embeddingSize;
  const diskNeededBytes = Math.ceil(params * 4 * 2 * 4 + params * 4);
  const diskFreeBytes = freeBytes(runDir);
  if (diskFreeBytes < diskNeededBytes * 1.2) {
    throw new ArcEdgeError('STORAGE_WRITE_FAILED', `${runDir} has ${(diskFreeBytes / 1e9).toFixed(2)} GB free; this run needs about ${(diskNeededBytes / 1e9).toFixed(2)} GB for checkpoints and the export`, {
      fix: 'free space or pass --out <dir> on a larger disk',
    });
  }
  return { env, images, classes, diskNeededBytes, diskFreeBytes };
}
