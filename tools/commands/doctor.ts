/**
 * `arcedge doctor [--model file.onnx] [--json]`: each execution target, whether it really loads
 * a model (a tiny one from --model or the test assets; otherwise it only probes), and why not.
 * TensorRT's first load builds an engine, which takes a while once and is cached afterwards.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSession, probeBackends, type ExecutionTarget } from '../../sdk/index.ts';
import { ALL_TARGETS, defaultEngineCacheDir, zeroFeeds } from '../../sdk/internal.ts';
import { defineCommand, EXIT, UsageError } from '../cli/command.ts';

interface TargetReport {
  target: ExecutionTarget;
  available: boolean;
  loads: boolean | null;
  reason: string;
  loadMs?: number;
  runMs?: number;
  details?: Readonly<Record<string, string>>;
}

/** The smallest bundled recognizer, from ARCEDGE_ASSETS or ../shared/assets next to the working directory. */
function findTinyModel(): string | undefined {
  const roots = [process.env.ARCEDGE_ASSETS, resolve('..', 'shared', 'assets'), resolve('shared', 'assets')];
  for (const root of roots) {
    const candidate = root ? join(root, 'models', 'fr_feature_512.onnx') : undefined;
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary: 'show each inference target (tensorrt, cuda, cpu): whether it loads a model, and why not',
  options: {
    model: { type: 'string', valueName: 'file.onnx', description: 'model to load on each target (default: fr_feature_512.onnx from the test assets, else probe only)' },
  },
  positionals: { max: 0 },
  run: ({ values, json }) => doctor(values.model, json),
});

async function doctor(modelOption: string | undefined, json: boolean): Promise<number> {
  if (modelOption !== undefined && !existsSync(modelOption)) throw new UsageError(`--model ${modelOption} does not exist`);
  let model = modelOption;
  model ??= findTinyModel();

  const reports: TargetReport[] = [];
  for (const probe of await probeBackends(ALL_TARGETS)) {
    const report: TargetReport = { target: probe.target, available: probe.available, loads: null, reason: probe.reason, ...(probe.details ? { details: probe.details } : {}) };
    if (probe.available && model) {
      try {
        const started = performance.now();
        const session = await loadSession(model, { targets: [probe.target], strict: true, logger: () => undefined });
        report.loadMs = Math.round(performance.now() - started);
        const runStarted = performance.now();
        await session.run(zeroFeeds(session.inputs));
        report.runMs = Math.round((performance.now() - runStarted) * 10) / 10;
        await session.dispose();
        report.loads = true;
      } catch (error) {
        report.loads = false;
        report.reason = (error as Error).message.split('\n')[0] ?? String(error);
      }
    }
    reports.push(report);
  }
  const tensorrt = reports.find((r) => r.target === 'tensorrt')?.details;
  const summary = {
    model: model ?? null,
    targets: reports,
    tensorrt: tensorrt?.tensorrt ? { version: tensorrt.tensorrt, gpu: tensorrt.gpu ?? null, computeCapability: tensorrt.computeCapability ?? null } : null,
    engineCache: defaultEngineCacheDir(),
  };

  if (json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    console.log(`arcedge doctor${model ? ` (test model: ${model})` : ' (no test model found: probing only; pass --model)'}`);
    for (const r of reports) {
      const status = r.loads === true ? 'loads' : r.loads === false ? 'FAILS' : r.available ? 'found' : 'no';
      const timing = r.loads ? ` (load ${r.loadMs} ms, run ${r.runMs} ms)` : '';
      console.log(`  ${r.target.padEnd(8)}  ${status.padEnd(5)}  ${r.reason}${timing}`);
    }
    if (summary.tensorrt) console.log(`TensorRT ${summary.tensorrt.version}, GPU ${summary.tensorrt.gpu} (compute ${summary.tensorrt.computeCapability})`);
    console.log(`engine cache: ${summary.engineCache}`);
  }
  // Healthy when something can run models: the CPU target at least.
  return reports.some((r) => r.available && r.loads !== false) ? EXIT.OK : EXIT.FAILURE;
}
