/**
 * ERC on the dev photos (issue 24 item 2): the measurement the quality gate's defaults and the
 * agent's vote weights cite (docs/eval.md, "Quality: error versus reject"). The clean photos give
 * no errors (FNMR 0 at FMR 1e-3), so it runs on their degraded copies (tools/eval/degraded-set.ts:
 * ID crops, grey, small, JPEG, turned, dark, blurred), det_500m + fr_feature_512, with the face
 * check off: it would drop some low-norm faces before their quality is judged.
 * Asserted: the copies are the same bytes for the same seed; they hold errors to predict; the
 * raw embedding norm (the agent's vote weight) predicts them, better than the detection score it
 * replaced; every signal the quality gate refuses faces on lowers FNMR as it rejects (relative
 * area < 1).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { readImage } from '../../sdk/image/index.ts';
import { degradedSet, type DegradeSource } from '../../tools/eval/degraded-set.ts';
import { runEval } from '../../tools/eval/run-eval.ts';
import { faceapiBbt, faceRecognitionTrain } from '../analyzer/dev-sets.ts';
import { referenceFaces } from '../analyzer/face-crops.ts';
import { SCRFD_FR512 } from '../analyzer/model-sets.ts';

test('ERC on degraded dev photos: the vote weight (embedding norm) predicts errors, and every gating signal lowers FNMR', async () => {
  const images = [...faceapiBbt().images, ...faceRecognitionTrain().images];
  const faces = await referenceFaces(images);
  const sources: DegradeSource[] = [];
  for (const image of images) {
    sources.push({ name: image.path.split('/faces/').pop()!, person: image.identity, frame: await readImage(image.path), face: faces.get(image.path)!.box });
  }
  const input = degradedSet(sources, { seed: 24 });
  const digest = (bytes: readonly { source: string | Uint8Array }[]) => createHash('sha256').update(Buffer.concat(bytes.map((b) => Buffer.from(b.source as Uint8Array)))).digest('hex');
  assert.equal(digest(degradedSet(sources.slice(0, 3), { seed: 24 }).images), digest(input.images.slice(0, 3 * 8)), 'same sources and seed, same bytes');
  assert.notEqual(digest(degradedSet(sources.slice(0, 3), { seed: 25 }).images), digest(input.images.slice(0, 3 * 8)), 'another seed, other bytes');

  const [result] = await runEval(input, { models: [{ label: 'det_500m + fr_feature_512', options: { models: SCRFD_FR512(), backend: { threads: 2 }, faceCheck: false } }] });
  const erc = result!.erc!;
  const area = (signal: string) => erc.curves.find((c) => c.signal === signal)!.relativeArea;
  console.log(`# ${input.images.length} images, ${result!.noFace} without a face; ${erc.samePairs} same / ${erc.differentPairs} different pairs; FNMR ${(100 * erc.fnmrAtZero).toFixed(1)}% at FMR 1e-3 (threshold ${erc.threshold.toFixed(3)})`);
  console.log(`# relative ERC areas: ${erc.curves.map((c) => `${c.signal} ${c.relativeArea.toFixed(3)}`).join(', ')}`);
  assert.ok(erc.fnmrAtZero > 0.02, `the degraded copies hold errors to predict (FNMR ${erc.fnmrAtZero})`);
  assert.ok(area('embedding norm') < 0.85, `the vote weight predicts errors (relative area ${area('embedding norm')})`);
  assert.ok(area('embedding norm') < area('detection score'), 'the vote weight predicts errors better than the detection score it replaced');
  for (const gating of ['pose', 'blur', 'size', 'detection score']) assert.ok(area(gating) < 1, `the gate refuses faces on ${gating}, so it must lower FNMR as it rejects (relative area ${area(gating)})`);
  assert.ok(area('oracle') < area('embedding norm'));
});
