/**
 * frameToPlanarTensor (native resize + split + normalise + pad) against the TypeScript reference
 * it replaced (frameToTensor over an OpenCV-resized frame, writeInputSample over a cropped and
 * resized frame), on real photos and the registry's own input specs; and the detector's
 * InputBuffers pool that keeps the tensor memory warm.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planInput, type Size } from '../../sdk/detect/input-plan.ts';
import { frameToTensor, InputBuffers, prepareDetectorInput } from '../../sdk/detect/preprocess.ts';
import { writeInputSample } from '../../sdk/embed/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { createFrame, cropFrame, frameToPlanarTensor, readImage, resizeFrame, type Frame } from '../../sdk/image/index.ts';
import { livenessCropRect } from '../../sdk/liveness/index.ts';
import type { InputSpec } from '../../sdk/models/manifest.ts';
import { assetFace } from '../helpers/assets.ts';
import { registryManifest } from '../detect/fixtures.ts';

// Landscape, portrait, square, PNG and a 150 px tight crop: letterbox pads right or bottom,
// pad mode rounds up, stretch distorts.
const PHOTOS = [
  ['debian', 'messi5.jpg'],
  ['debian', 'astronaut.png'],
  ['face_recognition', 'examples', 'two_people.jpg'],
  ['faceapi_bbt', 'bbt1.jpg'],
  ['faceapi_bbt', 'amy', 'amy1.png'],
] as const;
const photos: Promise<Frame[]> = Promise.all(PHOTOS.map((p) => readImage(assetFace(...p))));

const SPECS: readonly [string, InputSpec, Size | undefined][] = [
  ['SCRFD letterbox rgb', registryManifest('scrfd', 'det_500m.onnx').input, { width: 640, height: 640 }],
  ['YuNet pad bgr 0..255', registryManifest('yunet', 'yunet_s_dynamic.onnx').input, { width: 640, height: 640 }],
  ['UltraFace stretch rgb', registryManifest('default', 'fr_detect.onnx').input, { width: 320, height: 240 }],
  [
    'per-channel mean and std',
    { ...registryManifest('scrfd', 'det_500m.onnx').input, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
    { width: 320, height: 320 },
  ],
];

/** The path preprocess.ts used before the native one: OpenCV resize, then the TypeScript loop. */
function referenceTensor(frame: Frame, spec: InputSpec, size: Size | undefined): Float32Array {
  const plan = planInput(frame, spec, size);
  const resized = plan.resizedWidth === frame.width && plan.resizedHeight === frame.height ? frame : resizeFrame(frame, plan.resizedWidth, plan.resizedHeight);
  return frameToTensor(resized, plan, spec).data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('frameToPlanarTensor', () => {
  for (const [label, spec, size] of SPECS) {
    it(`matches the TypeScript reference within 1e-5: ${label}`, async () => {
      for (const frame of await photos) {
        const native = prepareDetectorInput(frame, spec, size).tensor.data as Float32Array;
        const diff = maxAbsDiff(native, referenceTensor(frame, spec, size));
        assert.ok(diff <= 1e-5, `${label}, ${frame.width}x${frame.height}: max |diff| ${diff}`);
      }
    });
  }

  it('grey (68-point landmarks) is OpenCV BGR2GRAY: the fixed-point formula differs by one level on rare pixels', async () => {
    const spec = registryManifest('default', 'fr_landmark.onnx').input;
    const oneLevel = 1 / spec.std[0]!;
    for (const frame of await photos) {
      const native = prepareDetectorInput(frame, spec, { width: 64, height: 64 }).tensor.data as Float32Array;
      const reference = referenceTensor(frame, spec, { width: 64, height: 64 });
      let off = 0;
      for (let i = 0; i < native.length; i++) {
        const d = Math.abs(native[i]! - reference[i]!);
        if (d > 1e-6) {
          off++;
          assert.ok(Math.abs(d - oneLevel) < 1e-6, `value ${i} differs by ${d}`);
        }
      }
      assert.ok(off <= native.length / 500, `${off} of ${native.length} grey values differ`);
    }
  });

  it('reads a region without copying it out: equals crop + resize + writeInputSample (the liveness input)', async () => {
    const spec = registryManifest('default', 'fr_liveness.onnx').input;
    for (const frame of await photos) {
      const box = { x1: frame.width * 0.3, y1: frame.height * 0.25, x2: frame.width * 0.6, y2: frame.height * 0.65 };
      const region = livenessCropRect(box, frame.width, frame.height, 2.7);
      const expected = new Float32Array(3 * 128 * 128);
      writeInputSample(resizeFrame(cropFrame(frame, region), 128, 128, 'linear'), spec, expected, 0);
      const layout = { region, resizedWidth: 128, resizedHeight: 128, planeWidth: 128, planeHeight: 128, colorOrder: spec.colorOrder, mean: spec.mean, std: spec.std } as const;
      assert.equal(maxAbsDiff(frameToPlanarTensor(frame, layout), expected), 0);
    }
  });

  it('overwrites every value of a dirty buffer, and only its own span at an offset', async () => {
    const [frame] = await photos;
    const spec = registryManifest('scrfd', 'det_500m.onnx').input;
    const plan = planInput(frame!, spec, { width: 320, height: 320 });
    assert.ok(plan.resizedHeight < 320, 'the photo is letterboxed with bottom padding');
    const layout = {
      resizedWidth: plan.resizedWidth,
      resizedHeight: plan.resizedHeight,
      planeWidth: 320,
      planeHeight: 320,
      colorOrder: 'rgb',
      mean: spec.mean,
      std: spec.std,
    } as const;
    const fresh = frameToPlanarTensor(frame!, layout);
    const length = fresh.length;
    const dirty = new Float32Array(length + 10).fill(Number.NaN);
    frameToPlanarTensor(frame!, layout, dirty, 7);
    assert.equal(maxAbsDiff(dirty.subarray(7, 7 + length), fresh), 0);
    assert.ok([0, 6, length + 7, length + 9].every((i) => Number.isNaN(dirty[i])), 'values outside the span are untouched');
    // Right padding too (a portrait photo), into the same dirty memory.
    const portrait = createFrame(30, 60, new Uint8Array(30 * 60 * 3).fill(200));
    dirty.fill(Number.NaN);
    const out = frameToPlanarTensor(portrait, { ...layout, resizedWidth: 160, resizedHeight: 320 }, dirty);
    assert.equal(out, dirty);
    assert.ok(!dirty.subarray(0, length).some(Number.isNaN));
    const pad = Math.fround((0 - 127.5) / 128);
    assert.equal(dirty[161], pad); // row 0, right of the picture
    assert.equal(dirty[320 * 319 + 319], pad);
    assert.equal(dirty[0], Math.fround((200 - 127.5) / 128));
  });

  it('a region past the frame edge reads black there, as cropFrame would (the landmark crop)', async () => {
    // BGR rather than the model's grey, so the comparison is exact (see the grey test above).
    const spec: InputSpec = { ...registryManifest('default', 'fr_landmark.onnx').input, colorOrder: 'bgr', mean: [0], std: [256] };
    const size = { width: 64, height: 64 };
    for (const frame of await photos) {
      const side = Math.round(Math.min(frame.width, frame.height) * 0.6);
      const regions = [
        { x: -Math.round(side / 3), y: -7, width: side, height: side }, // top-left corner
        { x: frame.width - Math.round(side / 2), y: frame.height - side + 5, width: side, height: side }, // right and bottom
        { x: 10, y: 10, width: side, height: side }, // inside
      ];
      for (const region of regions) {
        const native = prepareDetectorInput(frame, spec, size, { region }).tensor.data as Float32Array;
        const expected = referenceTensor(cropFrame(frame, region), spec, size);
        assert.equal(maxAbsDiff(native, expected), 0, `${frame.width}x${frame.height} region ${JSON.stringify(region)}`);
      }
    }
    const [frame] = await photos;
    const outside = frameToPlanarTensor(frame!, {
      region: { x: frame!.width + 5, y: 0, width: 20, height: 20 },
      resizedWidth: 8,
      resizedHeight: 8,
      planeWidth: 8,
      planeHeight: 8,
      colorOrder: 'rgb',
      mean: [127.5],
      std: [128],
    });
    assert.ok(outside.every((v) => v === Math.fround(-127.5 / 128)), 'a region wholly outside is black');
  });

  it('refuses a fractional region and an output that is too small', async () => {
    const [frame] = await photos;
    const layout = { resizedWidth: 8, resizedHeight: 8, planeWidth: 8, planeHeight: 8, colorOrder: 'bgr', mean: [0], std: [1] } as const;
    assert.throws(
      () => frameToPlanarTensor(frame!, { ...layout, region: { x: 0.5, y: 0, width: 8, height: 8 } }),
      (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /integers/.test(e.message),
    );
    assert.throws(() => frameToPlanarTensor(frame!, layout, new Float32Array(100)), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /do not fit/.test(e.message));
    assert.throws(() => frameToPlanarTensor(frame!, { ...layout, planeWidth: 4 }), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT'));
  });
});

describe('InputBuffers', () => {
  it('hands the same memory back after release, never while it is out', () => {
    const pool = new InputBuffers();
    const a = pool.take(1000);
    const b = pool.take(1000);
    assert.notEqual(a.data.buffer, b.data.buffer);
    a.release();
    a.release(); // idempotent: the buffer must not enter the pool twice
    const c = pool.take(1000);
    assert.equal(c.data.buffer, a.data.buffer);
    const d = pool.take(1000);
    assert.notEqual(d.data.buffer, a.data.buffer);
    // A smaller request reuses a larger idle buffer through a prefix view.
    b.release();
    const e = pool.take(600);
    assert.equal(e.data.buffer, b.data.buffer);
    assert.equal(e.data.length, 600);
  });

  it('keeps the detector tensor identical to a fresh one when memory is reused', async () => {
    const spec = registryManifest('scrfd', 'det_500m.onnx').input;
    const size = { width: 640, height: 640 };
    const pool = new InputBuffers();
    const [first, second] = await photos;
    const one = prepareDetectorInput(first!, spec, size, { buffers: pool });
    const memory = one.tensor.data.buffer;
    one.release();
    const two = prepareDetectorInput(second!, spec, size, { buffers: pool });
    assert.equal(two.tensor.data.buffer, memory);
    assert.equal(maxAbsDiff(two.tensor.data as Float32Array, prepareDetectorInput(second!, spec, size).tensor.data as Float32Array), 0);
    two.release();
  });
});
