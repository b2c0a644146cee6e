/**
 * Degraded copies of labelled photos, the way held-out inputs look (issue 24): frame-filling
 * grey 92x112 ID crops, grey, small (downscaled 3-6x), JPEG at quality 4-10, turned 20-35° in
 * plane, 4-8x darker, blurred. On the clean dev photos every recognizer is perfect
 * (FNMR 0 at FMR 1e-3), so the error-versus-reject characteristic has no errors to predict; on
 * these it does. Every parameter is drawn from one seeded generator: the same sources and seed
 * give byte-identical images, so ERC numbers in the docs can be reproduced.
 *
 * Used by the ERC measurement on the dev photos (test/eval/erc-dev.int.test.ts) and usable with
 * runEval directly: degradedSet() returns an EvalInput (encoded images + all pairs).
 */
import { encodeJpeg, encodePng, resizeFrame, warpAffine, type Box, type Frame } from '../../sdk/index.ts';
import type { EvalInput } from './pairs-input.ts';
import { mulberry32 } from '../random.ts';

export const DEGRADATIONS = ['original', 'crop', 'grey', 'small', 'compressed', 'rotated', 'dark', 'blurred'] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

export interface DegradeSource {
  /** Shown in reports, e.g. "faceapi_bbt/amy/amy1.png". */
  readonly name: string;
  readonly person: string;
  readonly frame: Frame;
  /** The subject's box in frame pixels; `crop` needs it (sources without one get no crop copy). */
  readonly face?: Box;
}

export interface DegradedImage {
  readonly name: string;
  readonly person: string;
  readonly kind: Degradation;
  /** Encoded: JPEG for `compressed` (the compression is the point), PNG otherwise. */
  readonly bytes: Uint8Array;
}

const between = (rand: () => number, lo: number, hi: number): number => lo + (hi - lo) * rand();

/** B = G = R = Rec. 601 luma: what a grey photo decodes to. */
function grey(frame: Frame): Frame {
  const data = new Uint8Array(frame.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = Math.round(0.114 * frame.data[i]! + 0.587 * frame.data[i + 1]! + 0.299 * frame.data[i + 2]!);
    data[i] = data[i + 1] = data[i + 2] = y;
  }
  return { ...frame, data };
}

/** Three box-blur passes of radius r per axis approximate a Gaussian of sigma ~ r (Wells 1986). */
function blur(frame: Frame, radius: number): Frame {
  const { width, height } = frame;
  let src: Float32Array<ArrayBufferLike> = Float32Array.from(frame.data);
  const pass = (input: Float32Array<ArrayBufferLike>, horizontal: boolean): Float32Array<ArrayBufferLike> => {
    const out = new Float32Array(input.length);
    const [outer, inner] = horizontal ? [height, width] : [width, height];
    const at = (o: number, i: number, c: number) => (horizontal ? (o * width + i) * 3 + c : (i * width + o) * 3 + c);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < 3; c++) {
        // Running sum over [i - r, i + r], edges clamped.
        let sum = 0;
        for (let k = -radius; k <= radius; k++) sum += input[at(o, Math.min(inner - 1, Math.max(0, k)), c)]!;
        for (let i = 0; i < inner; i++) {
          out[at(o, i, c)] = sum / (2 * radius + 1);
          sum += input[at(o, Math.min(inner - 1, i + radius + 1), c)]! - input[at(o, Math.max(0, i - radius), c)]!;
        }
      }
    }
    return out;
  };
  for (let n = 0; n < 3; n++) src = pass(pass(src, true), false);
  return { ...frame, data: Uint8Array.from(src, (v) => Math.round(v)) };
}

/** The subject's box grown 0-10% a side, cut out, 92x112 grey: an ID photo with the face touching every edge. */
function idCrop(frame: Frame, face: Box, rand: () => number): Frame {
  const grow = between(rand, 0, 0.1);
  const w = face.x2 - face.x1, h = face.y2 - face.y1;
  const x1 = Math.max(0, Math.round(face.x1 - grow * w)), y1 = Math.max(0, Math.round(face.y1 - grow * h));
  const x2 = Math.min(frame.width, Math.round(face.x2 + grow * w)), y2 = Math.min(frame.height, Math.round(face.y2 + grow * h));
  const data = new Uint8Array((x2 - x1) * (y2 - y1) * 3);
  for (let y = y1; y < y2; y++) data.set(frame.data.subarray((y * frame.width + x1) * 3, (y * frame.width + x2) * 3), (y - y1) * (x2 - x1) * 3);
  return grey(resizeFrame({ ...frame, width: x2 - x1, height: y2 - y1, data }, 92, 112, 'area'));
}

/** One degraded copy; `rand` draws its parameters. Undefined for `crop` without a face box. */
export function degrade(source: DegradeSource, kind: Degradation, rand: () => number): DegradedImage | undefined {
  const { frame } = source;
  const png = (f: Frame): DegradedImage => ({ name: `${kind}/${source.name}`, person: source.person, kind, bytes: encodePng(f) });
  switch (kind) {
    case 'original':
      return png(frame);
    case 'crop':
      return source.face ? png(idCrop(frame, source.face, rand)) : undefined;
    case 'grey':
      return png(grey(frame));
    case 'small': {
      // Kept small (not blown up again): the face box itself shrinks, as in a low-resolution photo.
      const factor = between(rand, 3, 6);
      const w = Math.max(16, Math.round(frame.width / factor)), h = Math.max(16, Math.round(frame.height / factor));
      return png(resizeFrame(frame, w, h, 'area'));
    }
    case 'compressed':
      return { name: `${kind}/${source.name}`, person: source.person, kind, bytes: encodeJpeg(frame, Math.round(between(rand, 4, 10))) };
    case 'rotated': {
      // About the centre, same canvas, black corners: a camera held crooked.
      const deg = between(rand, 20, 35) * (rand() < 0.5 ? -1 : 1);
      const a = (deg * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
      const cx = frame.width / 2, cy = frame.height / 2;
      return png(warpAffine(frame, [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy], frame.width, frame.height));
    }
    case 'dark': {
      const factor = between(rand, 4, 8);
      return png({ ...frame, data: Uint8Array.from(frame.data, (v) => Math.round(v / factor)) });
    }
    case 'blurred': {
      // Box radius a 120th to a 60th of the shorter side (3 passes: sigma about the radius): out of focus, eyes still there.
      const radius = Math.max(1, Math.round(Math.min(frame.width, frame.height) * between(rand, 1 / 120, 1 / 60)));
      return png(blur(frame, radius));
    }
  }
}

export interface DegradedSetOptions {
  readonly seed?: number;
  readonly kinds?: readonly Degradation[];
}

/** Every kind of every source (in that order), and all pairs: same when the person is. */
export function degradedSet(sources: readonly DegradeSource[], options: DegradedSetOptions = {}): EvalInput & { readonly degraded: readonly DegradedImage[] } {
  const rand = mulberry32(options.seed ?? 24);
  const degraded: DegradedImage[] = [];
  for (const source of sources) {
    for (const kind of options.kinds ?? DEGRADATIONS) {
      const image = degrade(source, kind, rand);
      if (image) degraded.push(image);
    }
  }
  const pairs = [];
  for (let a = 0; a < degraded.length; a++) {
    for (let b = a + 1; b < degraded.length; b++) pairs.push({ a, b, same: degraded[a]!.person === degraded[b]!.person });
  }
  return {
    kind: 'folder',
    description: `${degraded.length} degraded copies (${(options.kinds ?? DEGRADATIONS).join(', ')}) of ${sources.length} photos, seed ${options.seed ?? 24}`,
    images: degraded.map((d) => ({ name: d.name, source: d.bytes })),
    pairs,
    degraded,
  };
}
