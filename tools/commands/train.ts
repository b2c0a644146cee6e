/**
 * `arcedge train --config <file|preset:<name>> [--data <dir>] [--steps N] [--out <dir>]
 * [--set key=value]... [--resume]`: validate the config, check the environment and data,
 * launch the PyTorch workers, stream their progress into the progress bar, write
 * runs/<name>/ (config.json, checkpoints/, metrics.jsonl, charts/*.png) and end with the
 * exported model package in runs/<name>/package/ (load it with `local:<dir>`).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { defineCommand, parsePositiveInt } from '../cli/command.ts';
import { createProgress, type Progress } from '../cli/progress.ts';
import { applySet, loadRawConfig, parseTrainConfig, PRESETS } from '../train/config.ts';
import { launchWorkers } from '../train/launch.ts';
import { writeModelPackage } from '../train/model-package.ts';
import { preflight } from '../train/preflight.ts';
import { trainerError } from '../train/python.ts';
import { writeCharts } from '../train/report.ts';

const fmt = (n: unknown, digits = 3): string => Number(n).toFixed(digits);

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a face recognizer with PyTorch and export it as an ONNX model package',
  details: `presets:\n${Object.entries(PRESETS).map(([n, p]) => `  preset:${n.padEnd(11)} ${p.description}`).join('\n')}\n\nExit 130 after Ctrl-C (a checkpoint is written; --resume continues). docs/training.md lists every config key.`,
  options: {
    config: { type: 'string', valueName: 'file|preset:<name>', description: 'JSON config file or preset:<name>' },
    data: { type: 'string', valueName: 'dir', description: 'training data (sets data.path)' },
    steps: { type: 'string', valueName: 'n', description: 'total steps (sets steps)' },
    out: { type: 'string', valueName: 'dir', default: 'runs', description: 'runs folder; the run goes to <out>/<name>/' },
    set: { type: 'string', multiple: true, valueName: 'key=value', description: 'override a config key, e.g. --set optim.lr=0.05' },
    python: { type: 'string', valueName: 'path', description: 'Python interpreter with PyTorch (sets python)' },
    resume: { type: 'boolean', description: 'continue <out>/<name>/ from its latest checkpoint' },
  },
  async run({ values, json }) {
    if (!values.config) throw new ArcEdgeError('CONFIG_INVALID', '--config is required', { fix: `pass --config <file.json> or one of ${Object.keys(PRESETS).map((p) => `preset:${p}`).join(', ')}` });
    let raw = loadRawConfig(values.config);
    for (const assignment of values.set) raw = applySet(raw, assignment);
    if (values.data) raw = applySet(raw, `data.path=${JSON.stringify(values.data)}`);
    const steps = parsePositiveInt('steps', values.steps);
    if (steps) raw = applySet(raw, `steps=${steps}`);
    if (values.python) raw = applySet(raw, `python=${JSON.stringify(values.python)}`);
    const config = parseTrainConfig(raw, values.config);
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
      log(`interrupted; checkpoint written. Continue with: arcedge train --config ${values.config} --out ${values.out} --set name=${config.name} --resume`);
      return 130;
    }
    if (result.code !== 0) {
      throw new ArcEdgeError('TRAIN_FAILED', `the trainer exited with status ${result.code}:\n${result.stderrTail.slice(-15).join('\n')}`);
    }
    const packageDir = join(runDir, 'package');
    const manifest = await writeModelPackage(packageDir, config, { run: config.name, steps: last.step, finalLoss: last.loss, verification: verified });
    const summary = { runDir, package: packageDir, model: manifest.id, sha256: manifest.sha256, charts, finalLoss: last.loss, verification: verified };
    if (json) console.log(JSON.stringify({ event: 'summary', ...summary }));
    else console.log(`done: model package ${packageDir} (load it with models: 'local:${packageDir}', stages: ['embed'])\ncharts: ${charts.join(', ')}`);
    return 0;
  },
});
