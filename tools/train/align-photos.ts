/**
 * Turns labelled photos into aligned 112x112 JPEG crops for `arcedge pack` and `pack-pairs`,
 * through the SDK's stage API: detect (the detectors pad tight crops themselves), then align
 * to the ArcFace template. Photos that already are 112x112 are taken as aligned crops and kept
 * byte-for-byte when they are JPEG. Every skipped photo has a reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isImage } from '../cli/images.ts';
import { ArcEdgeError, createFacePipeline, DEFAULT_SUBJECT_RULE, encodeJpeg, isArcEdgeError, selectSubject, type FacePipeline } from '../../sdk/index.ts';

const CROP_PX = 112;

export interface Person {
  readonly name: string;
  readonly images: readonly string[];
}

/** `<root>/<person>/<images>`, people and images sorted by name. Throws DATASET_INVALID when empty. */
export function listPeople(root: string): Person[] {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ArcEdgeError('DATASET_INVALID', `${root} is not a folder`, { fix: 'pass a folder with one sub-folder of photos per person' });
  }
  const people = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      images: readdirSync(join(root, name))
        .filter((f) => isImage(f))
        .sort()
        .map((f) => join(root, name, f)),
    }))
    .filter((p) => p.images.length > 0);
  if (people.length === 0) {
    throw new ArcEdgeError('DATASET_INVALID', `${root} holds no photos in <person>/<image> sub-folders`, {
      fix: 'put each person\'s photos in their own sub-folder (e.g. photos/alice/1.jpg)',
    });
  }
  return people;
}

export type AlignResult = { readonly ok: true; readonly jpeg: Uint8Array; readonly how: 'aligned' | 'kept' } | { readonly ok: false; readonly reason: string };

export interface PhotoAligner {
  align(path: string): Promise<AlignResult>;
  dispose(): Promise<void>;
}

const isJpeg = (bytes: Uint8Array): boolean => bytes[0] === 0xff && bytes[1] === 0xd8;

export async function createPhotoAligner(models: string, jpegQuality = 95): Promise<PhotoAligner> {
  const pipeline: FacePipeline = await createFacePipeline({ models, stages: ['detect'] });
  return {
    async align(path) {
      try {
        const bytes = readFileSync(path);
        const { frame } = await pipeline.loadFrame(bytes);
        if (frame.width === CROP_PX && frame.height === CROP_PX) {
          return { ok: true, jpeg: isJpeg(bytes) ? bytes : encodeJpeg(frame, jpegQuality), how: 'kept' };
        }
        // The detectors pad frame-filling faces (tight crops) themselves.
        const faces = await pipeline.detect(frame);
        if (faces.length === 0) return { ok: false, reason: 'no face found' };
        const subject = selectSubject(faces, frame, DEFAULT_SUBJECT_RULE)[0]!;
        return { ok: true, jpeg: encodeJpeg(pipeline.align(frame, subject).crop, jpegQuality), how: 'aligned' };
      } catch (error) {
        if (isArcEdgeError(error)) return { ok: false, reason: `${error.code}: ${error.message.split('\n')[0]}` };
        throw error;
      }
    },
    dispose: () => pipeline.dispose(),
  };
}
