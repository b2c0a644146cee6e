/**
 * Open-set identification on the dev photos, the NIST FRVT 1:N measure: enroll half of the
 * labelled identities (every other one, sorted by name; the first half of each one's photos
 * become templates), then probe with every other photo. Mated probes are the enrolled
 * people's remaining photos; non-mated probes are every photo of the people not enrolled,
 * plus deepface's photos (none of them is in the labelled sets).
 *
 * FPIR(t): fraction of non-mated probes whose best score is above t (a stranger matched).
 * DIR(t): fraction of mated probes whose best identity is correct and scores above t.
 * Reported at the t where FPIR is 1e-2 and 1e-1; `measurable` is false when there are fewer
 * than 1/FPIR non-mated probes (then t is the highest non-mated score).
 */
import { MatchIndex } from '../../sdk/match/index.ts';
import type { FaceAnalyzer } from '../../sdk/analyzer/index.ts';
import { deepfaceMaster, faceapiBbt, faceRecognitionTrain, type DevImage } from '../analyzer/dev-sets.ts';
import { analyzeDevImage } from '../analyzer/embed-photos.ts';

export interface DirPoint {
  readonly fpir: number;
  readonly threshold: number;
  readonly dir: number;
  readonly measurable: boolean;
}

export interface OpenSetReport {
  readonly enrolledIdentities: number;
  readonly templates: number;
  readonly matedProbes: number;
  readonly nonMatedProbes: number;
  /** Mated probes whose best identity was right, ignoring any threshold (closed-set rank-1). */
  readonly rank1: number;
  readonly points: readonly DirPoint[];
}

export const FPIRS = [1e-2, 1e-1] as const;

export async function openSetEvaluation(analyzer: FaceAnalyzer, cache = new Map<string, Float32Array | null>()): Promise<OpenSetReport> {
  const embed = async (image: DevImage): Promise<Float32Array | null> => {
    if (!cache.has(image.path)) cache.set(image.path, (await analyzeDevImage(analyzer, image))?.embedding ?? null);
    return cache.get(image.path)!;
  };
  const labelled = [...faceapiBbt().images, ...faceRecognitionTrain().images];
  const people = [...new Set(labelled.map((i) => i.identity))].sort();
  const enrolled = new Set(people.filter((_, i) => i % 2 === 0));
  const index = new MatchIndex({ dim: analyzer.pipeline.embeddingSize! });
  const mated: { identity: string; embedding: Float32Array }[] = [];
  const nonMated: Float32Array[] = [];
  for (const person of people) {
    const photos = labelled.filter((i) => i.identity === person);
    const templates = enrolled.has(person) ? Math.max(1, Math.floor(photos.length / 2)) : 0;
    for (const [k, photo] of photos.entries()) {
      const e = await embed(photo);
      if (!e) continue;
      if (k < templates) index.add(photo.path, person, e);
      else if (enrolled.has(person)) mated.push({ identity: person, embedding: e });
      else nonMated.push(e);
    }
  }
  for (const photo of deepfaceMaster().images) {
    const e = await embed(photo);
    if (e) nonMated.push(e);
  }
  const matedResults = mated.map((p) => {
    const [best] = index.rank(p.embedding, 1);
    return { correct: best?.identityId === p.identity, score: best?.score ?? -1 };
  });
  const nonMatedScores = nonMated.map((e) => index.rank(e, 1)[0]?.score ?? -1).sort((a, b) => b - a);
  const points = FPIRS.map((fpir) => {
    const threshold = nonMatedScores[Math.min(nonMatedScores.length - 1, Math.floor(fpir * nonMatedScores.length))]!;
    const dir = matedResults.filter((r) => r.correct && r.score > threshold).length / matedResults.length;
    return { fpir, threshold, dir, measurable: nonMatedScores.length >= 1 / fpir };
  });
  return {
    enrolledIdentities: enrolled.size,
    templates: index.size,
    matedProbes: mated.length,
    nonMatedProbes: nonMated.length,
    rank1: matedResults.filter((r) => r.correct).length / matedResults.length,
    points,
  };
}
