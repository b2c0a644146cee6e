/**
 * The agent tests' clip and people, from the dev photos: three enrolled people (enrolled with one
 * photo, shown with another) and two strangers, each shown 1.5 s with 1 s of black between.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClip, type Appearance } from '../../agent/demo/clip.ts';
import { assetFace, repoRoot } from '../helpers/assets.ts';

const train = (...p: string[]) => assetFace('face_recognition', 'examples', 'knn_examples', 'train', ...p);

export const ENROLLED = [
  { id: 'biden', name: 'Joe Biden', enroll: train('biden', 'biden.jpg'), show: train('biden', 'biden2.jpg') },
  { id: 'obama', name: 'Barack Obama', enroll: train('obama', 'obama.jpg'), show: train('obama', 'obama2.jpg') },
  { id: 'kit', name: 'Kit Harington', enroll: train('kit_harington', 'john1.jpeg'), show: train('kit_harington', 'john2.jpeg') },
];
export const STRANGERS = [train('alex_lacamoire', 'img1.jpg'), train('rose_leslie', 'img1.jpg')];

/** Appearance order: enrolled, stranger, enrolled, stranger, enrolled. */
export const SHOWN = [ENROLLED[0]!.show, STRANGERS[0]!, ENROLLED[1]!.show, STRANGERS[1]!, ENROLLED[2]!.show];
export const EXPECTED = [ENROLLED[0]!.id, null, ENROLLED[1]!.id, null, ENROLLED[2]!.id];

/** Built once per checkout (test/.tmp), reused by every agent test. */
export async function testClip(): Promise<{ path: string; appearances: Appearance[] }> {
  const path = join(repoRoot, 'test', '.tmp', 'agent-clip', 'appearances.mp4');
  const appearancesFile = `${path}.json`;
  if (existsSync(path) && existsSync(appearancesFile)) return { path, appearances: JSON.parse(readFileSync(appearancesFile, 'utf8')) as Appearance[] };
  const clip = await buildClip(SHOWN, path);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(appearancesFile, JSON.stringify(clip.appearances));
  return clip;
}

export const enrollPayload = (person: (typeof ENROLLED)[number], requestId: string) => ({
  id: requestId,
  name: person.name,
  personId: person.id,
  image: readFileSync(person.enroll).toString('base64'),
});
