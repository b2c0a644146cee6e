/**
 * `arcedge train --config <file|preset:<name>> | --network <name> [--data <dir>] [--steps N]
 * [--out <dir>] [--init <checkpoint>] [--set key=value]... [--resume]`: validate the config,
 * check the environment and data, launch the PyTorch workers, stream their progress into the
 * progress bar, write runs/<name>/ (config.json, checkpoints/, metrics.jsonl, charts/*.png)
 * and end with the exported model package in runs/<name>/package/ (load it with `local:<dir>`).
 *
 * `arcedge train export --checkpoint <file> --network <name> --out <dir>`: the model package
 * of an arcface_torch checkpoint (backbone.pth / model.pt) or one of ours.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { defineCommand, parsePositiveInt, type CommandRunner } from '../cli/command.ts';
import { createProgress, type Progress } from '../cli/progress.ts';
import { applySet, BACKBONES, checkNetwork, parseTrainConfig, PRESETS, resolveRawConfig } from '../train/config.ts';
import { launchWorkers } from '../train/launch.ts';
import { writeModelPackage } from '../train/model-package.ts';
import { preflight } from '../train/preflight.ts';
import { findPython, runTrainerJson, trainerError } from '../train/python.ts';
import { writeCharts } from '../train/report.ts';

const fmt = (n: unknown, digits = 3): string => Number(n).toFixed(digits);

const trainRun = defineCommand({
  name: 'train',
  summary: 'train a face recognizer with PyTorch and export it as an ONNX model package',
  details: `presets:\n${Object.entries(PRESETS).map(([n, p]) => `  preset:${n.padEnd(11)} ${p.description}`).join('\n')}\n\nThe seed's form: arcedge train --network r18 --data <faces_emore folder> (= preset:emore-r18 there).\n\`arcedge train export --help\`: a model package from an arcface_torch or arcedge checkpoint.\nExit 130 after Ctrl-C (a checkpoint is written; --resume continues). docs/training.md lists every config key.`,
  options: {
    config: { type: 'string', valueName: 'file|preset:<name>', description: 'JSON config file or preset:<name>' },
    network: { type: 'string', valueName: 'name', description: `backbone (${BACKBONES.join(', ')}); alone, the faces_emore run of that network` },
    init: { type: 'string', valueName: 'checkpoint', description: 'fine-tune from an arcface_torch backbone.pth / model.pt or our step-N.pt (sets init)' },
    data: { type: 'string', valueName: 'dir', description: 'training data (sets data.path)' },
    steps: { type: 'string', valueName: 'n', description: 'total steps (sets steps)' },
    out: { type: 'string', valueName: 'dir', default: 'runs', description: 'runs folder; the run goes to <out>/<name>/' },
    set: { type: 'string', multiple: true, valueName: 'key=value', description: 'override a config key, e.g. --set optim.lr=0.05' },
    python: { type: 'string', valueName: 'path', description: 'Python interpreter with PyTorch (sets python)' },
    resume: { type: 'boolean', description: 'continue <out>/<name>/ from its latest checkpoint' },
  },
  async run({ values, json }) {
    let raw = resolveRawConfig(values);
    for (const assignment of values.set) raw = applySet(raw, assignment);
    if (values.init) raw = applySet(raw, `init=${JSON.stringify(resolve(values.init))}`);
    if (values.data) raw = applySet(raw, `data.path=${JSON.stringify(values.data)}`);
    const steps = parsePositiveInt('steps', values.steps);
    if (steps) raw = applySet(raw, `steps=${steps}`);
    if (values.python) raw = applySet(raw, `python=${JSON.stringify(values.python)}`);
    const config = parseTrainConfig(raw, values.config ?? `--network ${values.network}`);
    const runDir = resolve(values.out, config.name);
    if (values.resume && !existsSync(join(runDir, 'checkpoints', 'latest'))) {
      throw new ArcEdgeError('CONFIG_INVALID', `--resume: ${runDir} has no checkpoint to resume from`, { fix: 'drop --resume to start a new run, or pass the --out and name of an existing run' });
    }
    if (!values.resume && existsSync(join(runDir, 'checkpoints'))) {
      throw new ArcEdgeError('CONFIG_INVALID', `${runDir} already holds a run`, { fix: 'add --resume to continue it, or --set name=<new name> for a new run' });
    }

    const checked = preflight(config, runDir);
    const log = (line: string): void => void (json ? undefined : console.error(line));
    log(`python ${checked.env.python} (PyTorch ${checked.env.torch}${checked.env.cuda ? `, ${checked.env.gpus} GPU` : ', CPU'}); data ${config.data.path}: ${checked.images} images, ${checked.classes} identities`);
    mkdirSync(runDir, { recursive: true });
    const configPath = join(runDir, 'config.json');
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    const metricsPath = join(runDir, 'metrics.jsonl');

    let bar: Progress | undefined;
    let errorLine: Record<string, unknown> | undefined;
    const verified: Record<string, unknown>[] = [];
    let last: Record<string, unknown> = {};
    const result = await launchWorkers({
      python: checked.env.python,
      config,
      configPath,
      runDir,
      resume: values.resume,
      onEvent(event) {
        appendFileSync(metricsPath, `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
        if (json) console.log(JSON.stringify(event));
        if (event.event === 'start') {
          bar = createProgress({ label: `train ${config.name}`, total: Number(event.totalSteps), silent: json });
          bar.update(Number(event.step));
          log(`training ${config.backbone.name} + ${config.head.type} on ${event.device} x${event.world}: steps ${event.step}..${event.totalSteps}`);
        } else if (event.event === 'step') {
          last = event;
          const text = `loss ${fmt(event.loss)} lr ${fmt(event.lr, 4)} ${fmt(event.imgPerSec, 1)} img/s`;
          bar?.update(Number(event.step), { text });
          if (!process.stderr.isTTY) log(`step ${event.step}/${event.totalSteps} ${text}`);
        } else if (event.event === 'verify') {
          verified.push(event);
          log(`verify step ${event.step} ${event.set}: accuracy ${fmt(event.accuracy, 4)} ± ${fmt(event.std, 4)}, TAR@FAR=${event.far} ${fmt(event.tarAtFar, 4)}`);
        } else if (event.event === 'error') errorLine = event;
        else if (event.event === 'resumed') log(`resumed from ${event.checkpoint} at step ${event.step}`);
      },
    });
    bar?.stop();
    const charts = await writeCharts(runDir);
    if (errorLine) throw trainerError(errorLine);
    if (result.code === 130) {
      log(`interrupted; checkpoint written. Continue with: arcedge train ${values.config ? `--config ${values.config}` : `--network ${values.network}`} --out ${values.out} --set name=${config.name} --resume`);
      return 130;
    }
    if (result.code !== 0) {
      throw new ArcEdgeError('TRAIN_FAILED', `the trainer exited with status ${result.code}:\n${result.stderrTail.slice(-15).join('\n')}`);
    }
    const packageDir = join(runDir, 'package');
    const manifest = await writeModelPackage(packageDir, { name: config.name, network: config.backbone.name, head: config.head.type, embeddingSize: config.backbone.embeddingSize }, { run: config.name, steps: last.step, finalLoss: last.loss, verification: verified });
    const summary = { runDir, package: packageDir, model: manifest.id, sha256: manifest.sha256, charts, finalLoss: last.loss, verification: verified };
    if (json) console.log(JSON.stringify({ event: 'summary', ...summary }));
    else console.log(`done: model package ${packageDir} (load it with models: 'local:${packageDir}', stages: ['embed'])\ncharts: ${charts.join(', ')}`);
    return 0;
  },
});

const trainExport = defineCommand({
  name: 'train export',
  summary: 'write the model package (ONNX + manifest, loadable as local:<dir>) of an arcface_torch or arcedge checkpoint',
  details: 'Reads arcface_torch\'s backbone.pth / model.pt (the state dict train_v2.py saves), its checkpoint_gpu_N.pt, or our runs/<name>/checkpoints/step-N.pt, through a restricted unpickler (tensors only: a checkpoint cannot run code). A checkpoint that does not fit --network fails on the first mismatched key, naming both shapes; nothing is written.',
  options: {
    checkpoint: { type: 'string', valueName: 'file', description: 'backbone.pth, model.pt or step-N.pt' },
    network: { type: 'string', valueName: 'name', description: `the checkpoint's network: ${BACKBONES.join(', ')}` },
    out: { type: 'string', valueName: 'dir', description: 'package folder to create (must not exist or be empty)' },
    name: { type: 'string', valueName: 'id', description: 'model name in the manifest (default: the folder name)' },
    python: { type: 'string', valueName: 'path', description: 'Python interpreter with PyTorch' },
  },
  async run({ values, json }) {
    for (const key of ['checkpoint', 'network', 'out'] as const) {
      if (!values[key]) throw new ArcEdgeError('CONFIG_INVALID', `train export: --${key} is required`, { fix: 'arcedge train export --checkpoint <backbone.pth> --network <r50|mbf|...> --out <dir>' });
    }
    checkNetwork(values.network!);
    const out = resolve(values.out!);
    if (existsSync(out) && readdirSync(out).length > 0) throw new ArcEdgeError('CONFIG_INVALID', `${out} already exists and is not empty`, { fix: 'pass a new --out folder' });
    const checkpoint = resolve(values.checkpoint!);
    if (!existsSync(checkpoint)) throw new ArcEdgeError('CONFIG_INVALID', `--checkpoint ${checkpoint} does not exist`, { fix: 'pass the path of a backbone.pth, model.pt or step-N.pt' });
    const env = findPython(values.python);
    // Built beside the target and renamed into place, so a failure leaves nothing behind.
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    try {
      const [done] = runTrainerJson(env.python, ['export', '--checkpoint', checkpoint, '--network', values.network!, '--out', join(partial, 'model.onnx')]);
      const name = values.name ?? basename(out);
      const manifest = await writeModelPackage(partial, { name, network: values.network!, head: 'exported', embeddingSize: Number(done!.embeddingSize) }, { checkpoint, network: values.network, parameters: done!.parameters });
      if (existsSync(out)) rmSync(out, { recursive: true });
      renameSync(partial, out);
      const summary = { package: out, model: manifest.id, sha256: manifest.sha256, embeddingSize: manifest.embeddingSize, parameters: done!.parameters };
      if (json) console.log(JSON.stringify({ event: 'summary', ...summary }));
      else console.log(`model package ${out} (${values.network}, ${manifest.embeddingSize}-d; load it with models: 'local:${out}', stages: ['embed'])`);
      return 0;
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  },
});

/** `train export ...` dispatches to the export; anything else trains. */
export const trainCommand: CommandRunner & { spec: { summary: string } } = Object.assign(
  (argv: string[]) => (argv[0] === 'export' ? trainExport(argv.slice(1)) : trainRun(argv)),
  { spec: trainRun.spec }, // arcedge --help reads the summary from here
);
