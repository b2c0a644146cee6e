/**
 * The faces a probe measures on: each labelled image decoded, skipped when grey (B=G=R carries
 * no channel order), detected with a 5-point detector and aligned to the ArcFace 112x112 template,
 * exactly as the SDK's pipeline does it. The largest face is the subject (portraits).
 */
import { alignFace, readImage, type Detection, type FaceDetector, type Frame } from '../../sdk/index.ts';

export interface AlignedFaces {
  /** One 112x112 BGR crop per image, null when the image is grey or no face was found. */
  readonly crops: readonly (Frame | null)[];
  readonly grey: readonly string[];
  readonly missed: readonly string[];
}

/**
 * Mean |B-G| + |G-R| per pixel below 1 level: a grey photo, or a colour file holding one (JPEG
 * chroma rounding leaves a fraction of a level).
 */
export function isGrey(frame: Frame): boolean {
  const d = frame.data;
  let sum = 0;
  for (let p = 0; p < d.length; p += 3) sum += Math.abs(d[p]! - d[p + 1]!) + Math.abs(d[p + 1]! - d[p + 2]!);
  return sum / (d.length / 3) < 1;
}

const area = (f: Detection): number => (f.box.x2 - f.box.x1) * (f.box.y2 - f.box.y1);
const largest = (faces: readonly Detection[]): Detection | undefined => faces.reduce<Detection | undefined>((a, f) => (!a || area(f) > area(a) ? f : a), undefined);

/** Detects the subject (faces that fill the frame included: the detector pads those itself) and aligns it. */
export async function alignSubject(detector: FaceDetector, frame: Frame): Promise<Frame | null> {
  const face = largest(await detector.detect(frame));
  return face ? alignFace(frame, face.landmarks, 112).crop : null;
}

export async function alignLabelledImages(
  detector: FaceDetector,
  images: readonly string[],
  onImage?: (done: number) => void,
): Promise<AlignedFaces> {
  const crops: (Frame | null)[] = [];
  const grey: string[] = [];
  const missed: string[] = [];
  for (const path of images) {
    const frame = await readImage(path);
    if (isGrey(frame)) {
      grey.push(path);
      crops.push(null);
    } else {
      const crop = await alignSubject(detector, frame);
      if (!crop) missed.push(path);
      crops.push(crop);
    }
    onImage?.(crops.length);
  }
  return { crops, grey, missed };
}
