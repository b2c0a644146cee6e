/**
 * Frame-filling face crops cut from the dev photos, the way enrolment and ID-photo crops look:
 * the face box found on the full photo (det_500m, one pass; the tight faceapi_bbt crops inside a
 * 50% black border so it finds them), grown by 0-10% a side, cut out and resized to 92x112
 * and to 112x112, in colour and in grey. The face touches every edge of the crop.
 */
import { createDetector, type Box, type Detection } from '../../sdk/detect/index.ts';
import { cropFrame, readImage, resizeFrame, toGrey, type Frame } from '../../sdk/image/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { assetModel } from '../helpers/assets.ts';
import { registryManifest } from '../detect/fixtures.ts';
import type { DevImage } from './dev-sets.ts';

export const CROP_SIZES = [
  { width: 92, height: 112 },
  { width: 112, height: 112 },
] as const;

export interface FaceCrop {
  /** e.g. "faceapi_bbt/amy/amy1.png 92x112 grey +4%" */
  readonly label: string;
  readonly source: DevImage;
  /** Index into variants(): size x colour. */
  readonly variant: number;
  readonly frame: Frame;
  /** The reference face box (not grown) in crop pixels: a detection must overlap it. */
  readonly face: Box;
  /** det_500m's 5 points on the full photo, in crop pixels. */
  readonly referencePoints: readonly { x: number; y: number }[];
  /** The same points in the full photo's pixels. */
  readonly photoPoints: readonly { x: number; y: number }[];
}

export const VARIANTS = CROP_SIZES.flatMap((size) => (['colour', 'grey'] as const).map((colour) => ({ size, colour })));
export const variantName = (v: number): string => `${VARIANTS[v]!.size.width}x${VARIANTS[v]!.size.height} ${VARIANTS[v]!.colour}`;

/** B = G = R = luma: what a grey ID photo decodes to. */
function greyFrame(frame: Frame): Frame {
  const grey = toGrey(frame);
  const data = new Uint8Array(grey.width * grey.height * 3);
  for (let i = 0; i < grey.data.length; i++) data.fill(grey.data[i]!, 3 * i, 3 * i + 3);
  return { data, width: grey.width, height: grey.height };
}

const area = (b: Box) => (b.x2 - b.x1) * (b.y2 - b.y1);

/** The subject of a portrait: its largest face, found with det_500m in one pass (padded for tight crops). */
export async function referenceFaces(images: readonly DevImage[]): Promise<Map<string, Detection>> {
  const detector = createDetector(registryManifest('scrfd', 'det_500m.onnx'), await loadSession(assetModel('det_500m.onnx'), { threads: 2 }), {
    secondPass: false,
  });
  const found = new Map<string, Detection>();
  try {
    for (const image of images) {
      const frame = await readImage(image.path);
      // Tight crops inside a 50% black border, as the detector tests have always fed them.
      const dx = image.pad ? Math.round(frame.width / 2) : 0;
      const dy = image.pad ? Math.round(frame.height / 2) : 0;
      const input = image.pad ? cropFrame(frame, { x: -dx, y: -dy, width: frame.width + 2 * dx, height: frame.height + 2 * dy }) : frame;
      const faces = await detector.detect(input);
      const face = faces.reduce<Detection | undefined>((best, f) => (!best || area(f.box) > area(best.box) ? f : best), undefined);
      if (!face) throw new Error(`det_500m finds no face in ${image.path}: the crop reference needs one`);
      const shift = (p: { x: number; y: number }) => ({ x: p.x - dx, y: p.y - dy });
      const [a, b] = [shift({ x: face.box.x1, y: face.box.y1 }), shift({ x: face.box.x2, y: face.box.y2 })];
      found.set(image.path, { box: { x1: a.x, y1: a.y, x2: b.x, y2: b.y }, score: face.score, landmarks: face.landmarks.map(shift) as unknown as Detection['landmarks'] });
    }
  } finally {
    await detector.dispose();
  }
  return found;
}

/** Every variant of every image; the growth cycles through 0, 1, ..., 10% from image to image. */
export async function faceCrops(images: readonly DevImage[]): Promise<FaceCrop[]> {
  const references = await referenceFaces(images);
  const crops: FaceCrop[] = [];
  for (const [index, image] of images.entries()) {
    const frame = await readImage(image.path);
    const { box, landmarks } = references.get(image.path)!;
    const grow = (index % 11) / 100;
    const w = box.x2 - box.x1;
    const h = box.y2 - box.y1;
    // Cut what the photo holds: a tight crop's face box can run past its edges.
    const x1 = Math.max(0, Math.round(box.x1 - grow * w));
    const y1 = Math.max(0, Math.round(box.y1 - grow * h));
    const x2 = Math.min(frame.width, Math.round(box.x2 + grow * w));
    const y2 = Math.min(frame.height, Math.round(box.y2 + grow * h));
    const cut = cropFrame(frame, { x: x1, y: y1, width: x2 - x1, height: y2 - y1 });
    for (const [variant, { size, colour }] of VARIANTS.entries()) {
      const sx = size.width / (x2 - x1);
      const sy = size.height / (y2 - y1);
      const resized = resizeFrame(cut, size.width, size.height, 'area');
      crops.push({
        label: `${image.path.split('/faces/').pop()} ${variantName(variant)} +${Math.round(grow * 100)}%`,
        source: image,
        variant,
        frame: colour === 'grey' ? greyFrame(resized) : resized,
        face: { x1: (box.x1 - x1) * sx, y1: (box.y1 - y1) * sy, x2: (box.x2 - x1) * sx, y2: (box.y2 - y1) * sy },
        referencePoints: landmarks.map((p) => ({ x: (p.x - x1) * sx, y: (p.y - y1) * sy })),
        photoPoints: landmarks,
      });
    }
  }
  return crops;
}
