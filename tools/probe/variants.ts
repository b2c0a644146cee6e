/**
 * The preprocessing candidates a recognizer is measured with: both channel orders times the
 * normalisations ArcFace-family exports use. insightface's ArcFace models take (x-127.5)/127.5,
 * MobileFaceNet ports often (x-127.5)/128, PyTorch/Paddle classification-style exports x/255 or
 * ImageNet mean/std (torchvision's 0.485/0.456/0.406, 0.229/0.224/0.225, in RGB order).
 */
import { ArcEdgeError, type ModelManifest } from '../../sdk/index.ts';

export type ColorOrder = 'rgb' | 'bgr';

export interface Normalisation {
  readonly label: string;
  /** Per channel in R, G, B order (reversed for a BGR model). */
  readonly meanRgb: readonly [number, number, number];
  readonly stdRgb: readonly [number, number, number];
}

const same = (v: number): [number, number, number] => [v, v, v];

export const NORMALISATIONS: readonly Normalisation[] = [
  { label: '(x-127.5)/127.5', meanRgb: same(127.5), stdRgb: same(127.5) },
  { label: '(x-127.5)/128', meanRgb: same(127.5), stdRgb: same(128) },
  { label: 'x/255', meanRgb: same(0), stdRgb: same(255) },
  { label: 'imagenet', meanRgb: [0.485 * 255, 0.456 * 255, 0.406 * 255], stdRgb: [0.229 * 255, 0.224 * 255, 0.225 * 255] },
];

export interface Variant {
  readonly colorOrder: ColorOrder;
  readonly normalisation: string;
  /** In colorOrder, as the manifest stores them. */
  readonly mean: number[];
  readonly std: number[];
}

export const variantLabel = (v: Pick<Variant, 'colorOrder' | 'normalisation'>): string => `${v.colorOrder} ${v.normalisation}`;

export function makeVariant(colorOrder: ColorOrder, n: Normalisation): Variant {
  const inOrder = (rgb: readonly number[]): number[] => (colorOrder === 'rgb' ? [...rgb] : [...rgb].reverse());
  return { colorOrder, normalisation: n.label, mean: inOrder(n.meanRgb), std: inOrder(n.stdRgb) };
}

/** Every channel order x normalisation: what `arcedge models probe` tries. */
export function allVariants(): Variant[] {
  return (['bgr', 'rgb'] as const).flatMap((order) => NORMALISATIONS.map((n) => makeVariant(order, n)));
}

/** The label of a manifest's own mean/std when it is one of NORMALISATIONS, else "mean=.. std=..". */
export function normalisationLabel(colorOrder: ColorOrder, mean: readonly number[], std: readonly number[]): string {
  const close = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < 1e-3);
  const widen = (v: readonly number[]): number[] => (v.length === 1 ? [v[0]!, v[0]!, v[0]!] : [...v]);
  const hit = NORMALISATIONS.find((n) => {
    const v = makeVariant(colorOrder, n);
    return close(widen(mean), v.mean) && close(widen(std), v.std);
  });
  return hit?.label ?? `mean=${mean.join('/')} std=${std.join('/')}`;
}

/** The manifest's declared preprocessing as a Variant. */
export function declaredVariant(manifest: ModelManifest): Variant {
  const order = manifest.input.colorOrder;
  if (order === 'grey') {
    throw new ArcEdgeError('INVALID_ARGUMENT', `model ${manifest.id} reads grey input: channel order does not apply`, { fix: 'probe a model with a 3-channel input' });
  }
  const widen = (v: readonly number[]): number[] => (v.length === 1 ? [v[0]!, v[0]!, v[0]!] : [...v]);
  return { colorOrder: order, normalisation: normalisationLabel(order, manifest.input.mean, manifest.input.std), mean: widen(manifest.input.mean), std: widen(manifest.input.std) };
}

/** The manifest with its input preprocessing replaced by `v`. */
export function withVariant(manifest: ModelManifest, v: Variant): ModelManifest {
  return { ...manifest, input: { ...manifest.input, colorOrder: v.colorOrder, mean: v.mean, std: v.std } };
}
