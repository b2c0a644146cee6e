/**
 * Does a recognizer manifest's declared preprocessing measure best? Its colorOrder + mean/std
 * against the swapped channel order and against ImageNet mean/std, on the same crops and pairs.
 * The declared candidate must lead every alternative by `minMarginDPrime` in d' and must not
 * lose on TAR. A manifest that was flipped to the wrong order fails this check.
 */
import type { Frame, InferenceSession, ModelManifest } from '../../sdk/index.ts';
import type { LabelledPair } from '../eval/labelled-faces.ts';
import { measureVariants, type MeasuredVariant } from './measure.ts';
import { declaredVariant, makeVariant, NORMALISATIONS, variantLabel, type Variant } from './variants.ts';

export interface DeclaredCheck {
  readonly declared: MeasuredVariant;
  /** The alternatives, best d' first. */
  readonly alternatives: readonly MeasuredVariant[];
  /** d' of the declared candidate minus the best alternative's. */
  readonly marginDPrime: number;
  readonly ok: boolean;
  /** Why not ok, one line each. */
  readonly problems: readonly string[];
}

export function alternativesTo(declared: Variant): Variant[] {
  const swapped: Variant = { ...declared, colorOrder: declared.colorOrder === 'rgb' ? 'bgr' : 'rgb', mean: [...declared.mean].reverse(), std: [...declared.std].reverse() };
  const imagenet = makeVariant(declared.colorOrder, NORMALISATIONS.find((n) => n.label === 'imagenet')!);
  return [swapped, imagenet];
}

export async function checkDeclaredPreprocessing(
  manifest: ModelManifest,
  session: InferenceSession,
  crops: readonly (Frame | null)[],
  pairs: readonly LabelledPair[],
  minMarginDPrime: number,
): Promise<DeclaredCheck> {
  const declaredV = declaredVariant(manifest);
  const rows = await measureVariants(manifest, session, crops, pairs, [declaredV, ...alternativesTo(declaredV)]);
  const declaredLabel = variantLabel(declaredV);
  const declared = rows.find((r) => r.label === declaredLabel)!;
  const alternatives = rows.filter((r) => r !== declared);
  const bestAlternative = alternatives[0]!;
  const marginDPrime = declared.dPrime - bestAlternative.dPrime;
  const problems: string[] = [];
  if (marginDPrime < minMarginDPrime) {
    problems.push(`declared ${declared.label}: d'=${declared.dPrime.toFixed(3)}; ${bestAlternative.label}: d'=${bestAlternative.dPrime.toFixed(3)}; margin ${marginDPrime.toFixed(3)} < ${minMarginDPrime}`);
  }
  for (const alt of alternatives) {
    if (alt.tar > declared.tar) problems.push(`declared ${declared.label}: TAR ${declared.tar.toFixed(3)} < ${alt.label}: TAR ${alt.tar.toFixed(3)}`);
  }
  return { declared, alternatives, marginDPrime, ok: problems.length === 0, problems };
}
