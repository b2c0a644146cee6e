/**
 * `arcedge train` configuration: one strict schema (unknown keys are rejected, every field is
 * documented), presets that mirror insightface arcface_torch's reference runs, and the merge
 * order preset/file -> --set key=value -> flags. Defaults live in the schema, once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ArcEdgeError } from '../../sdk/index.ts';

/** arcface_torch's names (r18 ... r200, mbf) and the long forms: the same networks, same keys. */
export const BACKBONES = ['r18', 'r34', 'r50', 'r100', 'r200', 'iresnet18', 'iresnet34', 'iresnet50', 'iresnet100', 'iresnet200', 'mbf', 'mbf-paper'] as const;
export type BackboneName = (typeof BACKBONES)[number];
const HEADS = ['arcface', 'cosface', 'combined', 'softmax'] as const;

export const TrainConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"').default('run').describe('run name: output goes to <out>/<name>/ (default out: runs/)'),
    data: z
      .object({
        path: z.string().min(1).describe('training set: a RecordIO folder (train.rec, train.idx, property) or <person>/<images> folders'),
        verification: z.array(z.string().min(1)).default([]).describe('insightface .bin verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin, or from `arcedge pack-pairs`)'),
      })
      .strict()
      .describe('datasets'),
    backbone: z
      .object({
        name: z.enum(BACKBONES).default('r50').describe("network: r18/r34/r50/r100/r200 (= iresnet18 ...), mbf (arcface_torch's MobileFaceNet, 2.06M params) or mbf-paper (the paper's layout, 1.2M)"),
        embeddingSize: z.number().int().positive().default(512).describe('embedding length'),
        dropout: z.number().min(0).max(1).default(0).describe('dropout before the embedding FC (iresnet only)'),
      })
      .strict()
      .default({ name: 'r50', embeddingSize: 512, dropout: 0 })
      .describe('the embedding network'),
    head: z
      .object({
        type: z.enum(HEADS).default('arcface').describe('loss head: arcface cos(theta+m2), cosface cos-m3, combined cos(m1*theta+m2)-m3 (all three kept), softmax (plain linear)'),
        s: z.number().positive().default(64).describe('logit scale of margin heads'),
        m1: z.number().positive().optional().describe('multiplicative angular margin (combined only; default 1)'),
        m2: z.number().min(0).optional().describe('additive angular margin in radians (arcface default 0.5, combined default 0.3)'),
        m3: z.number().min(0).optional().describe('additive cosine margin (cosface default 0.4 as arcface_torch, combined default 0.2)'),
        sampleRate: z.number().gt(0).max(1).default(1).describe('Partial FC: share of each rank\'s class centres used per step (1 = all)'),
      })
      .strict()
      .default({ type: 'arcface', s: 64, sampleRate: 1 })
      .superRefine((h, ctx) => {
        // A margin the head does not use is an error, not silently dropped (arcface_torch's
        // CombinedMarginLoss drops m1/m2 when m3 > 0; here `combined` keeps all three).
        const unused = { arcface: ['m1', 'm3'], cosface: ['m1', 'm2'], combined: [], softmax: ['m1', 'm2', 'm3'] }[h.type] as ('m1' | 'm2' | 'm3')[];
        for (const key of unused) {
          if (h[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${h.type} does not use ${key}; use head.type=combined for cos(m1*theta+m2)-m3` });
        }
      })
      .transform((h) => ({ ...h, ...resolveMargins(h.type, h) }))
      .describe('classification head and margins'),
    optim: z
      .object({
        lr: z.number().positive().default(0.1).describe('base learning rate (SGD)'),
        momentum: z.number().min(0).max(1).default(0.9).describe('SGD momentum'),
        weightDecay: z.number().min(0).default(5e-4).describe('L2 weight decay'),
        schedule: z.enum(['poly', 'step']).default('poly').describe('poly: (1 - progress)^power after warm-up; step: x gamma at each milestone'),
        power: z.number().positive().default(2).describe('poly schedule exponent'),
        warmupSteps: z.number().int().min(0).default(0).describe('linear warm-up steps'),
        milestones: z.array(z.number().int().positive()).default([]).describe('step schedule: steps where the LR drops'),
        gamma: z.number().positive().default(0.1).describe('step schedule: factor per milestone'),
        clipGradNorm: z.number().min(0).default(5).describe('clip the global gradient norm to this (0 = off)'),
      })
      .strict()
      .default({ lr: 0.1, momentum: 0.9, weightDecay: 5e-4, schedule: 'poly', power: 2, warmupSteps: 0, milestones: [], gamma: 0.1, clipGradNorm: 5 })
      .describe('optimizer and LR schedule'),
    batchSize: z.number().int().positive().default(128).describe('images per process per step'),
    epochs: z.number().int().positive().default(20).describe('passes over the data (ignored when steps is set)'),
    steps: z.number().int().positive().optional().describe('total optimizer steps; overrides epochs'),
    devices: z
      .object({
        device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('auto: CUDA when PyTorch sees a GPU, else CPU'),
        processes: z.number().int().positive().default(1).describe('worker processes on this node (one per GPU)'),
        nodes: z.number().int().positive().default(1).describe('number of machines (multi-node needs torchrun on each)'),
        nodeRank: z.number().int().min(0).default(0).describe('this machine\'s index among nodes'),
        masterAddr: z.string().min(1).default('127.0.0.1').describe('rendezvous host (node 0)'),
        masterPort: z.number().int().min(1).max(65535).default(29500).describe('rendezvous TCP port'),
        threads: z.number().int().positive().optional().describe('PyTorch CPU threads per process (default: cores / processes)'),
        launcher: z.enum(['auto', 'self', 'torchrun']).default('auto').describe('self: arcedge starts the workers (one node); torchrun: for multi-node GPU hosts; auto: torchrun when nodes > 1'),
      })
      .strict()
      .default({ device: 'auto', processes: 1, nodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: 29500, launcher: 'auto' })
      .describe('devices, processes and nodes'),
    amp: z.boolean().default(true).describe('mixed precision on CUDA: the backbone in fp16 with a GradScaler, the classifier and margins in fp32 (ignored on CPU)'),
    init: z.string().min(1).optional().describe('fine-tune: start the backbone from this checkpoint (arcface_torch backbone.pth / model.pt, or our step-N.pt); the head starts fresh'),
    seed: z.number().int().min(0).default(0).describe('seed for weights, sampling and flips'),
    deterministic: z.boolean().default(false).describe('ask PyTorch for deterministic kernels (slower)'),
    logEvery: z.number().int().positive().default(10).describe('steps between progress lines'),
    checkpointEvery: z.number().int().min(0).default(2000).describe('steps between checkpoints (0: only at the end)'),
    verifyEvery: z.number().int().min(0).default(2000).describe('steps between verification runs (0: only at the end)'),
    workers: z.number().int().min(0).default(2).describe('data-loading processes per worker'),
    python: z.string().optional().describe('Python interpreter with PyTorch (default: $ARCEDGE_PYTHON, then /usr/bin/python3, then python3)'),
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Default margins per head: arcface_torch's ArcFace 0.5 and CosFace 0.4; combined as insightface's README lists (1, 0.3, 0.2). */
const MARGINS = { arcface: [1, 0.5, 0], cosface: [1, 0, 0.4], combined: [1, 0.3, 0.2], softmax: [1, 0, 0] } as const;

function resolveMargins(type: (typeof HEADS)[number], h: { m1?: number | undefined; m2?: number | undefined; m3?: number | undefined }): { m1: number; m2: number; m3: number } {
  const [m1, m2, m3] = MARGINS[type];
  return { m1: h.m1 ?? m1, m2: h.m2 ?? m2, m3: h.m3 ?? m3 };
}
type Raw = Record<string, unknown>;

/** A faces_emore run of `network` at `path`: the verification sets are the .bin files that come with it. */
export const emore = (network: string, path = 'data/faces_emore'): Raw => ({
  name: `emore-${network}`,
  data: { path, verification: ['lfw.bin', 'cfp_fp.bin', 'agedb_30.bin'].map((f) => `${path}/${f}`) },
  backbone: { name: network },
  devices: { device: 'cuda', processes: 8 },
  ...(network.startsWith('mbf') ? { optim: { weightDecay: 1e-4 }, epochs: 40 } : {}),
});

/** Presets; the faces_emore ones follow arcface_torch's configs/ms1mv2_*.py (docs/training.md). */
export const PRESETS: Record<string, { description: string; config: Raw }> = {
  'emore-r18': { description: 'iresnet18 + ArcFace on faces_emore (the seed run: train.py --network r18)', config: emore('r18') },
  'emore-r50': { description: 'iresnet50 + ArcFace on faces_emore (arcface_torch ms1mv2_r50)', config: emore('r50') },
  'emore-r100': { description: 'iresnet100 + ArcFace on faces_emore (arcface_torch ms1mv2_r100)', config: emore('r100') },
  'emore-mbf': { description: "arcface_torch's MobileFaceNet + ArcFace on faces_emore (ms1mv2_mbf)", config: emore('mbf') },
  'mbf-smoke': {
    description: 'MobileFaceNet on CPU, a few minutes on any packed set (pass --data)',
    config: {
      name: 'mbf-smoke',
      data: { path: 'data/packed' },
      backbone: { name: 'mbf', embeddingSize: 128 },
      head: { type: 'arcface', s: 32, m2: 0.3 },
      optim: { lr: 0.05, weightDecay: 5e-4, warmupSteps: 2 },
      batchSize: 8,
      steps: 30,
      devices: { device: 'cpu', processes: 2, threads: 1 },
      checkpointEvery: 10,
      verifyEvery: 0,
      logEvery: 2,
      workers: 0,
    },
  },
};

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Raw, v) : v;
  return out;
}

/** `--set a.b=value`: value parsed as JSON when it is valid JSON (numbers, booleans, arrays), else a string. */
export function applySet(raw: Raw, assignment: string): Raw {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ArcEdgeError('CONFIG_INVALID', `--set "${assignment}" is not key=value`, { fix: 'write e.g. --set optim.lr=0.05' });
  const path = assignment.slice(0, eq).split('.');
  let value: unknown = assignment.slice(eq + 1);
  try {
    value = JSON.parse(value as string);
  } catch {
    // a bare string such as iresnet50
  }
  const patch: Raw = {};
  let cursor = patch;
  path.forEach((key, i) => {
    if (i === path.length - 1) cursor[key] = value;
    else cursor = cursor[key] = {};
  });
  return deepMerge(raw, patch);
}

/** Reads `preset:<name>` or a JSON file into an unvalidated object. */
export function loadRawConfig(source: string): Raw {
  if (source.startsWith('preset:')) {
    const name = source.slice('preset:'.length);
    const preset = PRESETS[name];
    if (!preset) throw new ArcEdgeError('CONFIG_INVALID', `unknown preset "${name}"`, { fix: `use one of: ${Object.keys(PRESETS).map((p) => `preset:${p}`).join(', ')}` });
    return structuredClone(preset.config);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(source, 'utf8'));
  } catch (cause) {
    throw new ArcEdgeError('CONFIG_INVALID', `cannot read ${source} as JSON: ${(cause as Error).message}`, { fix: 'pass a JSON config file or preset:<name>', cause });
  }
  if (!isObject(json)) throw new ArcEdgeError('CONFIG_INVALID', `${source} must hold a JSON object`);
  return json;
}

/** Validates, reporting every problem at once with its path (unknown keys included). */
export function parseTrainConfig(raw: Raw, where: string): TrainConfig {
  const result = TrainConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const keys = 'keys' in i && Array.isArray(i.keys) ? ` (${i.keys.join(', ')})` : '';
      return `  ${i.path.join('.') || '(root)'}: ${i.message}${keys}`;
    });
    throw new ArcEdgeError('CONFIG_INVALID', `${where} is not a valid training config:\n${problems.join('\n')}`, {
      fix: 'fix each field listed; docs/training.md lists every key (unknown keys are rejected)',
    });
  }
  return result.data;
}

export function checkNetwork(network: string): void {
  if (!(BACKBONES as readonly string[]).includes(network)) {
    throw new ArcEdgeError('CONFIG_INVALID', `--network ${network} is not a network the trainer knows`, { fix: `use one of: ${BACKBONES.join(', ')}` });
  }
}

/**
 * The config before --set and validation, from the CLI flags: --config, or with only --network
 * the faces_emore run of that network at --data (the seed's `train --network r18`). A
 * faces_emore config given --data takes its verification sets from the .bin files there.
 */
export function resolveRawConfig(flags: { config?: string | undefined; network?: string | undefined; data?: string | undefined; set: readonly string[] }): Raw {
  if (flags.network) checkNetwork(flags.network);
  if (!flags.config && !flags.network) {
    throw new ArcEdgeError('CONFIG_INVALID', '--config or --network is required', {
      fix: `pass --network <${BACKBONES.join('|')}> --data <faces_emore folder>, --config <file.json>, or one of ${Object.keys(PRESETS).map((p) => `preset:${p}`).join(', ')}`,
    });
  }
  let raw = flags.config ? loadRawConfig(flags.config) : emore(flags.network!, flags.data);
  const fromEmore = !flags.config || flags.config.startsWith('preset:emore-');
  if (fromEmore && flags.data && !flags.set.some((a) => a.startsWith('data.verification='))) {
    const bins = ['lfw.bin', 'cfp_fp.bin', 'agedb_30.bin'].map((f) => join(flags.data!, f)).filter((f) => existsSync(f));
    raw = applySet(raw, `data.verification=${JSON.stringify(bins)}`);
  }
  if (flags.network) raw = applySet(raw, `backbone.name=${JSON.stringify(flags.network)}`);
  return raw;
}
