/**
 * The small sizing rules of the runtime: intra-op threads per pipeline process, the frame size
 * the capture process scales to, and how long a folder photo is held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadsPerProcess } from '../../agent/pipeline/pipeline-host.ts';
import { defaultHoldSec, defaultPipelineWidth, fitWidth, MIN_PIPELINE_WIDTH } from '../../agent/sources/create-source.ts';

test('threads per pipeline process share the cores out, at least one each', () => {
  assert.equal(threadsPerProcess(1, 2), 2);
  assert.equal(threadsPerProcess(2, 2), 1);
  assert.equal(threadsPerProcess(3, 2), 1);
  assert.equal(threadsPerProcess(2, 12), 6);
});

test('a source wider than maxWidth is scaled down with its aspect ratio, to even sizes', () => {
  assert.deepEqual(fitWidth({ width: 1920, height: 1080 }, 1280), { width: 1280, height: 720 });
  assert.deepEqual(fitWidth({ width: 3840, height: 2160 }, 640), { width: 640, height: 360 });
  assert.deepEqual(fitWidth({ width: 1280, height: 720 }, 1280), { width: 1280, height: 720 }, 'not wider: untouched');
  assert.deepEqual(fitWidth({ width: 1000, height: 751 }, 500), { width: 500, height: 376 });
});

test('without maxWidth, frames cross at 1280 wide (crops twice the detector\'s 640), or the detector\'s width if wider', () => {
  assert.equal(MIN_PIPELINE_WIDTH, 1280);
  assert.equal(defaultPipelineWidth(640), 1280, 'SCRFD / YuNet at 640x640: crops from a 2x frame');
  assert.equal(defaultPipelineWidth(1920), 1920, 'a detector run at 1920 gets 1920-wide frames');
  assert.equal(defaultPipelineWidth(320), MIN_PIPELINE_WIDTH, 'UltraFace 320x240: the crops still need the 1280 frame');
  assert.equal(defaultPipelineWidth(undefined), MIN_PIPELINE_WIDTH, 'pipeline not up yet');
  assert.deepEqual(fitWidth({ width: 1920, height: 1080 }, defaultPipelineWidth(640)), { width: 1280, height: 720 });
  assert.deepEqual(fitWidth({ width: 1280, height: 720 }, defaultPipelineWidth(640)), { width: 1280, height: 720 }, '720p crosses whole');
});

test('a folder photo is held for minVotes + 1 frames, at least 2 s', () => {
  assert.equal(defaultHoldSec(2, 3), 2);
  assert.equal(defaultHoldSec(2, 9), 5);
  assert.equal(defaultHoldSec(10, 3), 2);
});
