/**
 * createDetector dispatch and validation, preprocessing, and by-name output mapping on a
 * real det_500m whose graph outputs were reordered (fixture generated here, in a temp dir).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDetector, type Detection } from '../../sdk/detect/index.ts';
import { frameToTensor } from '../../sdk/detect/preprocess.ts';
import { planInput } from '../../sdk/detect/input-plan.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { createFrame } from '../../sdk/image/index.ts';
import { loadSession } from '../../sdk/runtime/index.ts';
import { assetModel } from '../helpers/assets.ts';
import { assetDetector, loadFace, registryManifest } from './fixtures.ts';
import { graphOutputNames, swapGraphOutputs } from './reorder-outputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'arcedge-detect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('frameToTensor', () => {
  it('swaps BGR to RGB, normalises, and pads with normalised zero', () => {
    const spec = registryManifest('scrfd', 'det_500m.onnx').input;
    const resized = createFrame(2, 1, Uint8Array.from([10, 20, 30, 255, 128, 0])); // two pixels, B,G,R
    const plan = { inputWidth: 4, inputHeight: 2, resizedWidth: 2, resizedHeight: 1, scaleX: 1, scaleY: 1 };
    const t = frameToTensor(resized, plan, spec);
    assert.deepEqual(t.dims, [1, 3, 2, 4]);
    const data = t.data as Float32Array;
    const norm = (v: number) => Math.fround((v - 127.5) / 128);
    assert.equal(data[0], norm(30)); // R plane, pixel 0
    assert.equal(data[8], norm(20)); // G plane
    assert.equal(data[16], norm(10)); // B plane
    assert.equal(data[1], norm(0)); // pixel 1 is B=255, G=128, R=0
    assert.equal(data[9], norm(128));
    assert.equal(data[17], norm(255));
    for (const i of [2, 3, 4, 7, 10, 23]) assert.equal(data[i], norm(0), `padding at ${i}`);
  });

  it('converts to grey with BT.601 weights for 1-channel models', () => {
    const spec = { ...registryManifest('default', 'fr_landmark.onnx').input };
    const frame = createFrame(1, 1, Uint8Array.from([0, 0, 255])); // pure red
    const t = frameToTensor(frame, planInput(frame, { ...spec, resize: 'none' }, undefined), spec);
    assert.deepEqual(t.dims, [1, 1, 1, 1]);
    assert.equal((t.data as Float32Array)[0], Math.fround(76 / 256)); // round(0.299 * 255) = 76
  });
});

describe('createDetector', () => {
  it('rejects non-detect manifests, unknown options and a two-stage model without landmarks', async () => {
    const session = await loadSession(assetModel('det_500m.onnx'));
    try {
      assert.throws(() => createDetector(registryManifest('default', 'fr_landmark.onnx'), session), (e: unknown) => isArcEdgeError(e, 'MODEL_MANIFEST_INVALID'));
      assert.throws(
        () => createDetector(registryManifest('scrfd', 'det_500m.onnx'), session, { inputSize: { width: 300, height: 320 }, scoreThreshold: 2, bogus: 1 } as never),
        (e: unknown) => isArcEdgeError(e, 'CONFIG_INVALID') && /inputSize\.width/.test(e.message) && /scoreThreshold/.test(e.message) && /bogus/.test(e.message),
      );
      assert.throws(() => createDetector(registryManifest('default', 'fr_detect.onnx'), session), (e: unknown) => isArcEdgeError(e, 'INVALID_ARGUMENT') && /landmark/.test(e.message));
      assert.throws(() => createDetector(registryManifest('yunet', 'yunet_2023mar_640.onnx'), session), (e: unknown) => isArcEdgeError(e, 'MODEL_IO_MISMATCH'));
    } finally {
      await session.dispose();
    }
  });

  it('honours maxFaces and minFaceSizePx per call', async () => {
    const detector = await assetDetector('scrfd', 'det_500m.onnx');
    try {
      const frame = await loadFace('faceapi_bbt', 'bbt4.jpg');
      const all = await detector.detect(frame);
      assert.ok(all.length >= 4);
      assert.deepEqual(
        all.map((d) => d.score),
        [...all.map((d) => d.score)].sort((a, b) => b - a),
      );
      const two = await detector.detect(frame, { maxFaces: 2 });
      assert.deepEqual(two, all.slice(0, 2));
      const sizes = all.map((d) => Math.min(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1)).sort((a, b) => a - b);
      const cut = (sizes[0]! + sizes[sizes.length - 1]!) / 2;
      const big = await detector.detect(frame, { minFaceSizePx: cut });
      assert.equal(big.length, sizes.filter((s) => s >= cut).length);
    } finally {
      await detector.dispose();
    }
  });
});

describe('SCRFD output mapping', () => {
  it('reads a model whose outputs are reordered by name, and by-order refuses it', async () => {
    const original = readFileSync(assetModel('det_500m.onnx'));
    const names = graphOutputNames(original); // scores x3, boxes x3, kps x3
    let reordered = original as Uint8Array;
    for (let i = 0; i < 3; i++) reordered = swapGraphOutputs(reordered, names[i]!, names[6 + i]!); // kps first, scores last
    const path = join(dir, 'det_500m_reordered.onnx');
    writeFileSync(path, reordered);
    assert.deepEqual(graphOutputNames(reordered), [...names.slice(6), ...names.slice(3, 6), ...names.slice(0, 3)]);

    const manifest = registryManifest('scrfd', 'det_500m.onnx');
    const byName = { ...manifest, outputs: { mode: 'by-name' as const, names, count: 9 } };
    const frame = await loadFace('face_recognition', 'examples', 'two_people.jpg');
    const reference = await assetDetector('scrfd', 'det_500m.onnx');
    const mapped = createDetector(byName, await loadSession(path));
    const byOrder = createDetector(manifest, await loadSession(path));
    try {
      const want: Detection[] = await reference.detect(frame);
      assert.equal(want.length, 2);
      assert.deepEqual(await mapped.detect(frame), want);
      await assert.rejects(byOrder.detect(frame), (e: unknown) => isArcEdgeError(e, 'MODEL_IO_MISMATCH') && /by-order vs by-name/.test(e.message));
    } finally {
      await Promise.all([reference.dispose(), mapped.dispose(), byOrder.dispose()]);
    }
  });
});
