/**
 * Embeds the dev photos with one analyzer, once per image (a per-file cache: every pair reuses
 * it). The face taken from each photo is the largest one: in these portraits that is the subject.
 */
import { compare } from '../../sdk/embed/index.ts';
import { readImage } from '../../sdk/image/index.ts';
import type { Face, FaceAnalyzer } from '../../sdk/analyzer/index.ts';
import type { DevImage, DevSet } from './dev-sets.ts';

export const largestFace = (faces: readonly Face[]): Face | undefined =>
  faces.reduce<Face | undefined>((best, f) => {
    const area = (g: Face) => (g.box.x2 - g.box.x1) * (g.box.y2 - g.box.y1);
    return !best || area(f) > area(best) ? f : best;
  }, undefined);

export async function analyzeDevImage(analyzer: FaceAnalyzer, image: DevImage): Promise<Face | undefined> {
  // Tight crops go in as they are: the detectors pad them themselves (sdk/detect/two-pass.ts).
  return largestFace(await analyzer.analyze(await readImage(image.path)));
}

export interface PairScores {
  readonly same: number[];
  readonly different: number[];
  /** Images where no face was found. */
  readonly missed: string[];
}

export async function scorePairs(analyzer: FaceAnalyzer, set: DevSet, cache: Map<string, Float32Array | null>): Promise<PairScores> {
  const missed: string[] = [];
  for (const image of set.images) {
    if (cache.has(image.path)) continue;
    const face = await analyzeDevImage(analyzer, image);
    cache.set(image.path, face?.embedding ?? null);
    if (!face) missed.push(image.path);
  }
  const same: number[] = [];
  const different: number[] = [];
  for (const pair of set.pairs) {
    const a = cache.get(pair.a);
    const b = cache.get(pair.b);
    if (!a || !b) continue;
    (pair.same ? same : different).push(compare(a, b));
  }
  return { same, different, missed };
}
