/**
 * The runtime's public entry: load a model on the first target that works, in the caller's
 * order, saying once why the earlier ones did not (onnxruntime's own backend resolution does
 * the same and lists every failure). Backends are imported lazily so that using one never
 * loads another's native library.
 */
import { existsSync } from 'node:fs';
import { ArcEdgeError, isArcEdgeError } from '../errors.ts';
import { EXECUTION_TARGETS, parseSessionOptions, SESSION_DEFAULTS } from './options.ts';
import type { BackendProbe, ExecutionTarget, InferenceBackend, InferenceSession, SessionOptions } from './types.ts';

export const ALL_TARGETS: readonly ExecutionTarget[] = EXECUTION_TARGETS;

const backends = new Map<ExecutionTarget, Promise<InferenceBackend>>();

export function getBackend(target: ExecutionTarget): Promise<InferenceBackend> {
  let backend = backends.get(target);
  if (!backend) {
    switch (target) {
      case 'cpu':
      case 'cuda':
        backend = import('./onnxruntime.ts').then((m) => m.createOnnxRuntimeBackend(target));
        break;
      case 'tensorrt':
        backend = import('./tensorrt.ts').then((m) => m.createTensorRtBackend());
        break;
      default:
        throw new ArcEdgeError('INVALID_ARGUMENT', `unknown execution target "${String(target)}". Should be one of: ${ALL_TARGETS.join(', ')}`);
    }
    backends.set(target, backend);
  }
  return backend;
}

export interface TargetFailure {
  readonly target: ExecutionTarget;
  readonly reason: string;
}

const firstLine = (text: string): string => text.split('\n')[0] ?? text;

// Sessions loaded and not yet disposed, for leak checks (tests, `arcedge doctor`, agent metrics).
const liveSessions = new Set<InferenceSession>();

/** How many sessions loadSession() returned that have not been disposed yet. */
export function openSessionCount(): number {
  return liveSessions.size;
}

function track(session: InferenceSession): InferenceSession {
  liveSessions.add(session);
  // Patched on the instance (not wrapped) so run() keeps its direct path and the session its identity.
  const dispose = session.dispose.bind(session);
  Object.defineProperty(session, 'dispose', {
    value: async (): Promise<void> => {
      try {
        await dispose();
      } finally {
        liveSessions.delete(session);
      }
    },
  });
  return session;
}

/**
 * Loads `modelPath` on the first of `options.targets` (default ['cpu']) that works. When an
 * earlier target failed, logs one line naming each failure and where it ended up; with
 * `strict: true` throws BACKEND_UNAVAILABLE naming every failure instead of falling back.
 */
export async function loadSession(modelPath: string, options: SessionOptions = {}): Promise<InferenceSession> {
  parseSessionOptions(options, `loadSession options for ${modelPath}`);
  const targets = options.targets ?? SESSION_DEFAULTS.targets;
  if (targets.length === 0) throw new ArcEdgeError('INVALID_ARGUMENT', 'SessionOptions.targets is empty', { fix: `list at least one of ${ALL_TARGETS.join(', ')}` });
  // A missing file is the caller's problem on every target: say so once instead of N times.
  if (!existsSync(modelPath)) {
    throw new ArcEdgeError('MODEL_NOT_FOUND', `model file ${modelPath} does not exist`, { fix: 'check the path, or resolve the model through the registry (arcedge models pull)' });
  }
  const failures: TargetFailure[] = [];
  for (const target of targets) {
    try {
      const backend = await getBackend(target);
      const probe = await backend.probe();
      if (!probe.available) throw new ArcEdgeError('BACKEND_UNAVAILABLE', probe.reason);
      const session = track(await backend.load(modelPath, options));
      if (failures.length > 0) {
        const log = options.logger ?? ((line: string) => console.warn(line));
        log(`arcedge runtime: ${modelPath} runs on ${target}; ${describeFailures(failures)}`);
      }
      return session;
    } catch (error) {
      // Feed/option mistakes are not a reason to try another target.
      if (isArcEdgeError(error, 'INVALID_ARGUMENT')) throw error;
      failures.push({ target, reason: firstLine((error as Error).message) });
      if (options.strict) return throwStrict(modelPath, targets, failures);
    }
  }
  throw new ArcEdgeError('BACKEND_UNAVAILABLE', `no execution target could load ${modelPath}; ${describeFailures(failures)}`, {
    fix: "add 'cpu' to targets: it works everywhere",
    details: { modelPath, failures },
  });
}

/**
 * Strict mode never falls back, but still names every target that would have failed: the
 * remaining ones are probed (not loaded), so one error tells the whole story.
 */
async function throwStrict(modelPath: string, targets: readonly ExecutionTarget[], failures: TargetFailure[]): Promise<never> {
  const fallbacks: ExecutionTarget[] = [];
  for (const probe of await probeBackends(targets.slice(failures.length))) {
    if (probe.available) fallbacks.push(probe.target);
    else failures.push({ target: probe.target, reason: firstLine(probe.reason) });
  }
  const wouldRun = fallbacks.length > 0 ? ` (without strict it would fall back to ${fallbacks[0]})` : '';
  throw new ArcEdgeError('BACKEND_UNAVAILABLE', `${targets[0]} cannot load ${modelPath} and strict is set${wouldRun}; ${describeFailures(failures)}`, {
    fix: `make ${targets[0]} available (see \`arcedge doctor\`), or drop strict to allow fallback`,
    details: { modelPath, failures },
  });
}

function describeFailures(failures: readonly TargetFailure[]): string {
  return failures.map((f) => `${f.target} failed: ${f.reason}`).join('; ');
}

/** What each target reports about itself, for `arcedge doctor`. Never throws. */
export async function probeBackends(targets: readonly ExecutionTarget[] = ALL_TARGETS): Promise<BackendProbe[]> {
  return Promise.all(
    targets.map(async (target) => {
      try {
        return await (await getBackend(target)).probe();
      } catch (error) {
        return { target, available: false, reason: firstLine((error as Error).message) };
      }
    }),
  );
}

export { createTensor, zerosTensor, zeroFeeds, elementCount } from './tensor.ts';
export type {
  BackendProbe,
  ExecutionTarget,
  InferenceBackend,
  InferenceSession,
  Precision,
  ProfileShape,
  SessionOptions,
  SessionStats,
  Tensor,
  TensorData,
  TensorInfo,
  TensorRtOptions,
  TensorType,
} from './types.ts';
export { SessionOptionsSchema, TensorRtOptionsSchema, SESSION_DEFAULTS, TENSORRT_DEFAULTS, parseSessionOptions } from './options.ts';
