/**
 * `arcedge train` config resolution, in-process: the seed's `--network r18 --data <dir>` form,
 * arcface_torch's network names, per-head margin defaults (CosFace m3 0.4 as arcface_torch),
 * margins a head does not use refused, and an unknown network listing every name.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isArcEdgeError } from '../../sdk/index.ts';
import { applySet, BACKBONES, parseTrainConfig, resolveRawConfig } from '../../tools/train/config.ts';
import { tempDir } from './helpers.ts';

const parse = (raw: Record<string, unknown>) => parseTrainConfig(raw, 'test');

describe('train config', () => {
  it('--network r18 --data <faces_emore folder> is the emore-r18 run there, with the .bin files it holds', () => {
    const data = join(tempDir('emore'), 'faces_emore');
    mkdirSync(data);
    writeFileSync(join(data, 'lfw.bin'), '');
    writeFileSync(join(data, 'agedb_30.bin'), '');
    const config = parse(resolveRawConfig({ network: 'r18', data, set: [] }));
    assert.equal(config.name, 'emore-r18');
    assert.equal(config.backbone.name, 'r18');
    assert.equal(config.data.path, data);
    assert.deepEqual(config.data.verification, [join(data, 'lfw.bin'), join(data, 'agedb_30.bin')]);
    assert.deepEqual([config.head.type, config.head.s, config.head.m2, config.batchSize, config.optim.lr, config.optim.weightDecay, config.devices.processes], ['arcface', 64, 0.5, 128, 0.1, 5e-4, 8]);
    // --network with --config only swaps the backbone
    const smoke = parse(applySet(resolveRawConfig({ config: 'preset:mbf-smoke', network: 'r34', set: [] }), 'data.path="x"'));
    assert.equal(smoke.backbone.name, 'r34');
    assert.equal(smoke.name, 'mbf-smoke');
  });

  it('every arcface_torch name and long form is accepted; an unknown network lists them', () => {
    for (const name of ['r18', 'r34', 'r50', 'r100', 'r200', 'mbf', 'iresnet50', 'mbf-paper']) {
      assert.ok((BACKBONES as readonly string[]).includes(name), name);
      assert.equal(parse(resolveRawConfig({ network: name, data: 'd', set: [] })).backbone.name, name);
    }
    assert.throws(() => resolveRawConfig({ network: 'resnet9', set: [] }), (e: unknown) => isArcEdgeError(e) && e.code === 'CONFIG_INVALID' && /r18, r34, r50, r100/.test(e.fix ?? ''));
    assert.throws(() => resolveRawConfig({ set: [] }), (e: unknown) => isArcEdgeError(e) && /--config or --network/.test(e.message));
  });

  it('margins: CosFace defaults to m3 0.4, ArcFace to m2 0.5; a margin the head does not use is CONFIG_INVALID', () => {
    const base = { data: { path: 'd' } };
    assert.deepEqual(parse({ ...base, head: { type: 'cosface' } }).head, { type: 'cosface', s: 64, sampleRate: 1, m1: 1, m2: 0, m3: 0.4 });
    assert.deepEqual(parse({ ...base, head: { type: 'arcface' } }).head, { type: 'arcface', s: 64, sampleRate: 1, m1: 1, m2: 0.5, m3: 0 });
    assert.deepEqual(parse({ ...base, head: { type: 'combined' } }).head, { type: 'combined', s: 64, sampleRate: 1, m1: 1, m2: 0.3, m3: 0.2 });
    assert.equal(parse(base).head.m2, 0.5);
    assert.throws(() => parse({ ...base, head: { type: 'arcface', m3: 0.2 } }), (e: unknown) => isArcEdgeError(e) && /head\.m3: arcface does not use m3/.test(e.message));
    assert.throws(() => parse({ ...base, head: { type: 'cosface', m2: 0.5 } }), (e: unknown) => isArcEdgeError(e) && /head\.m2: cosface does not use m2/.test(e.message));
  });
});
