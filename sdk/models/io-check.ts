/**
 * Checks a loaded model against its manifest before any frame reaches it: the wrong file
 * under a right name, or a manifest written for another export, fails here with both sides
 * printed instead of producing silent garbage downstream.
 */
import { ArcEdgeError } from '../errors.ts';
import type { InferenceSession, TensorInfo } from '../runtime/types.ts';
import type { ModelManifest } from './manifest.ts';

type SessionIo = Pick<InferenceSession, 'inputs' | 'outputs' | 'modelPath'>;

const shapeText = (shape: readonly (number | string)[]): string => `[${shape.map((d) => (typeof d === 'string' ? `'${d}'` : d)).join(',')}]`;
const infoText = (t: TensorInfo): string => `${t.name} ${shapeText(t.shape)}`;

/**
 * A manifest number must equal the model's number; a manifest string means "dynamic here" and
 * accepts anything, and a model that is dynamic where the manifest fixes a size accepts that size.
 */
function dimsCompatible(declared: number | string, actual: number | string): boolean {
  if (typeof declared === 'string') return true;
  return typeof actual === 'string' || actual < 0 || actual === declared;
}

/** Every difference between the manifest and the model, empty when they agree. */
export function ioProblems(manifest: ModelManifest, session: SessionIo): string[] {
  const problems: string[] = [];
  const { input, outputs } = manifest;
  if (session.inputs.length !== 1) problems.push(`the model has ${session.inputs.length} inputs; arcedge feeds exactly one`);
  const actualInput = session.inputs.find((i) => i.name === input.name);
  if (!actualInput) {
    problems.push(`input "${input.name}" is not in the model (it has ${session.inputs.map((i) => `"${i.name}"`).join(', ')})`);
  } else if (actualInput.shape.length !== input.shape.length) {
    problems.push(`input "${input.name}" has rank ${actualInput.shape.length}, the manifest says ${input.shape.length}`);
  } else if (!input.shape.every((d, i) => dimsCompatible(d, actualInput.shape[i]!))) {
    problems.push(`input "${input.name}" shape ${shapeText(actualInput.shape)} does not fit the manifest's ${shapeText(input.shape)}`);
  }
  if (session.outputs.length !== outputs.count) {
    problems.push(`the model has ${session.outputs.length} outputs, the manifest says ${outputs.count}`);
  }
  if (outputs.mode === 'by-name') {
    const names = new Set(session.outputs.map((o) => o.name));
    const missing = (outputs.names ?? []).filter((n) => !names.has(n));
    if (missing.length) problems.push(`outputs ${missing.map((n) => `"${n}"`).join(', ')} are not in the model`);
  }
  return problems;
}

/** Throws MODEL_IO_MISMATCH listing what the model declares and what the manifest expects. */
export function checkModelIo(manifest: ModelManifest, session: SessionIo): void {
  const problems = ioProblems(manifest, session);
  if (problems.length === 0) return;
  const declares = `inputs ${session.inputs.map(infoText).join('; ')}; outputs (${session.outputs.length}) ${session.outputs.map(infoText).join('; ')}`;
  const expects =
    `input ${manifest.input.name} ${shapeText(manifest.input.shape)}; ` +
    `${manifest.outputs.count} outputs ${manifest.outputs.mode}${manifest.outputs.names ? ` (${manifest.outputs.names.join(', ')})` : ''}`;
  throw new ArcEdgeError(
    'MODEL_IO_MISMATCH',
    `${session.modelPath} does not match manifest ${manifest.id} (${manifest.file}):\n` +
      `${problems.map((p) => `  - ${p}`).join('\n')}\n  model declares: ${declares}\n  manifest expects: ${expects}`,
    {
      fix: `use the file the manifest describes (sha256 ${manifest.sha256}), or correct the manifest's input/outputs to what the model declares`,
      details: { modelPath: session.modelPath, manifestId: manifest.id, problems },
    },
  );
}
