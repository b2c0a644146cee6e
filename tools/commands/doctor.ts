/**
 * `arcedge doctor [--model file.onnx] [--json]`: each execution target, whether it really loads
 * a model (a tiny one from --model or the test assets; otherwise it only probes), and why not.
 * TensorRT's first load builds an engine, which takes a while once and is cached afterwards.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALL_TARGETS, loadSession, probeBackends, zeroFeeds } from '../../sdk/runtime/index.ts';
import { defaultCacheDir } from '../../sdk/runtime/engine-cache.ts';
import type { ExecutionTarget } from '../../sdk/runtime/types.ts';

interface TargetReport {
  target: ExecutionTarget;
  available: boolean;
  loads: boolean | null;
  reason: string;
  loadMs?: number;
  runMs?: number;
  details?: Readonly<Record<string, string>>;
}

const USAGE = 'usage: arcedge doctor [--model <file.onnx>] [--json]';

/** The smallest bundled recognizer, from ARCEDGE_ASSETS or ../shared/assets next to the working directory. */
function findTinyModel(): string | undefined {
  const roots = [process.env.ARCEDGE_ASSETS, resolve('..', 'shared', 'assets'), resolve('shared', 'assets')];
  for (const root of roots) {
    const candidate = root ? join(root, 'models', 'fr_feature_512.onnx') : undefined;
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function doctorCommand(argv: string[]): Promise<number> {
  let json = false;
  let model: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--model') model = argv[(i += 1)];
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`arcedge doctor: unknown option "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  if (model !== undefined && !existsSync(model)) {
    console.error(`arcedge doctor: --model ${model} does not exist`);
    return 2;
  }
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
    engineCache: defaultCacheDir(),
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
  return reports.some((r) => r.available && r.loads !== false) ? 0 : 1;
}
