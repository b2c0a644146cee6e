/**
 * Head pose on real photos (issue 24 item 1), the 68-point fit against the 5-point estimate:
 * - exact in-plane rotations of the dev photos (roll known to the degree: the added angle);
 * - mirrored photos (yaw flips sign, pitch stays);
 * - the frontal dev portraits, and the same faces as frame-filling 92x112 grey crops (what a new
 *   user's ID-photo folder looks like): the share judged frontal by the gate's own limits.
 * Mean absolute errors are printed for the note. Pose only; det_500m finds the faces.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createFacePipeline, type FacePipeline } from '../../sdk/analyzer/index.ts';
import type { Detection } from '../../sdk/detect/types.ts';
import { readImage, warpAffine, type Frame } from '../../sdk/image/index.ts';
import { estimatePose, estimatePose68, type PoseDeg } from '../../sdk/quality/index.ts';
import { devSets } from '../analyzer/dev-sets.ts';
import { faceCrops } from '../analyzer/face-crops.ts';
import { defaultSet, SCRFD_FR512 } from '../analyzer/model-sets.ts';

let pipeline: FacePipeline;
const photos: { path: string; frame: Frame }[] = [];

before(async () => {
  pipeline = await createFacePipeline({ models: SCRFD_FR512(), stages: ['detect'] });
  for (const image of devSets().flatMap((s) => s.images)) photos.push({ path: image.path, frame: await readImage(image.path) });
});
after(() => pipeline?.dispose());

const subject = (faces: Detection[]): Detection | undefined => faces.reduce<Detection | undefined>((b, f) => (!b || f.score > b.score ? f : b), undefined);
const both = (d: Detection): { p68: PoseDeg; p5: PoseDeg } => ({ p68: estimatePose68(d.landmarks68!), p5: estimatePose(d.landmarks) });
const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

async function poseOf(frame: Frame): Promise<{ p68: PoseDeg; p5: PoseDeg } | undefined> {
  const face = subject(await pipeline.detect(frame));
  return face?.landmarks68 ? both(face) : undefined;
}

/** Rotates by `deg` (clockwise on screen) about the centre, onto a canvas that holds the whole image. */
function rotateFrame(frame: Frame, deg: number): Frame {
  const r = (deg * Math.PI) / 180, c = Math.cos(r), s = Math.sin(r);
  const w = Math.ceil(Math.abs(frame.width * c) + Math.abs(frame.height * s));
  const h = Math.ceil(Math.abs(frame.width * s) + Math.abs(frame.height * c));
  const [cx, cy] = [(frame.width - 1) / 2, (frame.height - 1) / 2];
  return warpAffine(frame, [c, -s, (w - 1) / 2 - (c * cx - s * cy), s, c, (h - 1) / 2 - (s * cx + c * cy)], w, h);
}

const mirrorFrame = (frame: Frame): Frame => warpAffine(frame, [-1, 0, frame.width - 1, 0, 1, 0], frame.width, frame.height);

test('every detector path carries 68 points for the pose fit', async () => {
  const face = subject(await pipeline.detect(photos[0]!.frame));
  assert.equal(face?.landmarks68?.length, 68);
  assert.ok(pipeline.models.pose, `the pose landmark model is named: ${JSON.stringify(pipeline.models)}`);
});

test('exact in-plane rotations: roll follows the added angle', async () => {
  const err68: number[] = [], err5: number[] = [];
  for (const { frame } of photos.filter((_, i) => i % 5 === 0)) {
    const base = await poseOf(frame);
    if (!base) continue;
    for (const deg of [-30, -15, 15, 30]) {
      const p = await poseOf(rotateFrame(frame, deg));
      if (!p) continue;
      err68.push(Math.abs(p.p68.rollDeg - base.p68.rollDeg - deg));
      err5.push(Math.abs(p.p5.rollDeg - base.p5.rollDeg - deg));
    }
  }
  console.log(`# rotations (${err68.length}): roll MAE 68-point ${mean(err68).toFixed(2)}°, 5-point ${mean(err5).toFixed(2)}°`);
  assert.ok(err68.length > 40);
  assert.ok(mean(err68) < 3, `roll MAE ${mean(err68)}`);
});

test('mirrored photos: yaw flips sign, pitch stays', async () => {
  const yaw68: number[] = [], pitch68: number[] = [], yaw5: number[] = [], pitch5: number[] = [];
  for (const { frame } of photos) {
    const a = await poseOf(frame);
    const b = await poseOf(mirrorFrame(frame));
    if (!a || !b) continue;
    yaw68.push(Math.abs(a.p68.yawDeg + b.p68.yawDeg) / 2);
    pitch68.push(Math.abs(a.p68.pitchDeg - b.p68.pitchDeg) / 2);
    yaw5.push(Math.abs(a.p5.yawDeg + b.p5.yawDeg) / 2);
    pitch5.push(Math.abs(a.p5.pitchDeg - b.p5.pitchDeg) / 2);
  }
  console.log(`# mirrors (${yaw68.length}): yaw MAE 68-point ${mean(yaw68).toFixed(2)}° (5-point ${mean(yaw5).toFixed(2)}°), pitch MAE ${mean(pitch68).toFixed(2)}° (5-point ${mean(pitch5).toFixed(2)}°)`);
  assert.ok(mean(yaw68) < 4 && mean(pitch68) < 4);
});

test('frontal portraits and their 92x112 grey crops pass the pose gate, with either detector', async () => {
  // The case: plainly frontal grey 92x112 ID crops refused as pitch-too-large. The gate's
  // verdict comes through the pipeline (the 68-point fit); the 5-point estimate is printed beside it.
  const poseReasons = new Set(['yaw-too-large', 'pitch-too-large', 'roll-too-large']);
  const crops = (await faceCrops(devSets().flatMap((s) => s.images))).filter((c) => c.variant === 1); // 92x112 grey
  const defaultPipeline = await createFacePipeline({ models: await defaultSet(), stages: ['detect'] });
  const results: { name: string; what: string; faces: number; frames: number; pass68: number }[] = [];
  try {
    for (const [name, p] of [['det_500m', pipeline], ['default (UltraFace)', defaultPipeline]] as const) {
      for (const [what, frames] of [['photos', photos.map((x) => x.frame)], ['grey ID crops', crops.map((c) => c.frame)]] as const) {
        let faces = 0, pass68 = 0, pass5 = 0;
        const yaw: number[] = [], pitch: number[] = [], yaw5: number[] = [], pitch5: number[] = [];
        for (const frame of frames) {
          const face = subject(await p.detect(frame));
          if (!face) continue;
          faces++;
          const verdict = p.assessQuality(face, p.align(frame, face).crop);
          if (!verdict.reasons.some((r) => poseReasons.has(r))) pass68++;
          const five = estimatePose(face.landmarks);
          if (Math.abs(five.yawDeg) <= 35 && Math.abs(five.pitchDeg) <= 30) pass5++; // the 5-point gate's limits before issue 24
          yaw.push(Math.abs(verdict.metrics.yawDeg)), pitch.push(Math.abs(verdict.metrics.pitchDeg)), yaw5.push(Math.abs(five.yawDeg)), pitch5.push(Math.abs(five.pitchDeg));
        }
        const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(0.95 * (v.length - 1))]!.toFixed(1);
        console.log(`# ${name}, ${what}: 95th percentile |yaw| ${p95(yaw)}° (5-point ${p95(yaw5)}°), |pitch| ${p95(pitch)}° (5-point ${p95(pitch5)}°), max |pitch| ${Math.max(...pitch).toFixed(1)}° (${Math.max(...pitch5).toFixed(1)}°)`);
        console.log(`# ${name}, ${what} (${faces}): pass the pose gate 68-point ${(100 * pass68 / faces).toFixed(1)}% (5-point ${(100 * pass5 / faces).toFixed(1)}%); mean |yaw| ${mean(yaw).toFixed(1)}° (${mean(yaw5).toFixed(1)}°), mean |pitch| ${mean(pitch).toFixed(1)}° (${mean(pitch5).toFixed(1)}°)`);
        results.push({ name, what, faces, frames: frames.length, pass68 });
      }
    }
  } finally {
    await defaultPipeline.dispose();
  }
  for (const { name, what, faces, frames, pass68 } of results) {
    assert.ok(faces >= 0.9 * frames, `${name} ${what}: faces found in ${faces}/${frames}`);
    assert.ok(pass68 / faces >= 0.95, `${name} ${what}: ${pass68}/${faces} frontal faces pass the pose gate`);
  }
});

test('detect with pose: false leaves the 68 points out, and locatePose adds the same ones detect() gives', async () => {
  const frame = photos[0]!.frame;
  const withPose = await pipeline.detect(frame);
  const without = await pipeline.detect(frame, { pose: false });
  assert.ok(withPose.length > 0, `a face in ${photos[0]!.path}`);
  assert.equal(without.length, withPose.length);
  assert.ok(without.every((f) => f.landmarks68 === undefined), 'no pose landmarks with pose: false');
  const located = await pipeline.locatePose(frame, without[0]!);
  assert.equal(located.landmarks68?.length, 68);
  assert.deepEqual(located.landmarks68, withPose[0]!.landmarks68, 'the same points as detect() gives');
  assert.equal(await pipeline.locatePose(frame, located), located, 'a face that has them is returned as it is');
});
