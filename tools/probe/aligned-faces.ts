/**
 * The faces a probe measures on: each labelled image decoded, skipped when grey (B=G=R carries
 * no channel order), detected with a 5-point detector and aligned to the ArcFace 112x112 template,
 * exactly as the SDK's pipeline does it. The subject is chosen by the one rule (sdk selectSubject: insightface's area minus centre offset).
 */
import { alignFace, DEFAULT_SUBJECT_RULE, readImage, selectSubject, type FaceDetector, type Frame } from '../../sdk/index.ts';

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


/** Detects the subject (faces that fill the frame included: the detector pads those itself) and aligns it. */
export async function alignSubject(detector: FaceDetector, frame: Frame): Promise<Frame | null> {
  const face = selectSubject(await detector.detect(frame), frame, DEFAULT_SUBJECT_RULE)[0];
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
