/**
 * Pixel-exact checks of what decodeImage makes of each format and sample layout: fixtures are
 * written by independent code (png-writer.ts, fixtures.ts, Pillow) with known pixels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeImage, type Frame } from '../../sdk/image/index.ts';
import { isArcEdgeError } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';
import { runPython } from './python.ts';
import { writePnm } from './fixtures.ts';
import { rng } from '../helpers/random.ts';
import { writePng } from '../helpers/png.ts';

const W = 7, H = 5; // odd sizes catch row-stride mistakes

function samples(count: number, max: number, seed: number): number[] {
  const random = rng(seed);
  return Array.from({ length: count }, () => Math.floor(random() * (max + 1)));
}

/** Expected BGR bytes from RGB-ordered samples with `channels` per pixel. */
function bgrFrom(rgb: (i: number) => [number, number, number], count = W * H): number[] {
  return Array.from({ length: count }, (_, i) => { const [r, g, b] = rgb(i); return [b, g, r]; }).flat();
}

function assertPixels(frame: Frame, expected: number[], what: string): void {
  assert.deepEqual([frame.width, frame.height], [W, H], `${what}: size`);
  assert.deepEqual([...frame.data], expected, `${what}: pixels`);
}

test('16-bit PNG samples are scaled to 8 bits (v * 255 / 65535, rounded), not truncated', () => {
  const rgb = samples(W * H * 3, 65535, 1);
  rgb[0] = 65535, rgb[1] = 0, rgb[2] = 32767; // full scale, zero, mid
  const frame = decodeImage(writePng(W, H, 2, 16, rgb), 'rgb16.png');
  assertPixels(frame, bgrFrom((i) => [0, 1, 2].map((c) => Math.round((rgb[i * 3 + c]! * 255) / 65535)) as [number, number, number]), '16-bit RGB');
  // Truncation (v >> 8) would give 127 for 32767's neighbour 32896; scaling gives 128.
  const grey = [32896, ...samples(W * H - 1, 65535, 2)];
  const greyFrame = decodeImage(writePng(W, H, 0, 16, grey), 'grey16.png');
  assert.equal(greyFrame.data[0], 128);
  assertPixels(greyFrame, bgrFrom((i) => { const v = Math.round((grey[i]! * 255) / 65535); return [v, v, v]; }), '16-bit grey');
});

test('greyscale becomes B=G=R; grey+alpha and RGBA drop alpha by default, composite on request', () => {
  const grey = samples(W * H, 255, 3);
  assertPixels(decodeImage(writePng(W, H, 0, 8, grey), 'grey.png'), bgrFrom((i) => [grey[i]!, grey[i]!, grey[i]!]), 'grey');

  const rgba = samples(W * H * 4, 255, 4);
  rgba[3] = 0, rgba[7] = 255, rgba[11] = 128;
  const png = writePng(W, H, 6, 8, rgba);
  assertPixels(decodeImage(png, 'rgba.png'), bgrFrom((i) => [rgba[i * 4]!, rgba[i * 4 + 1]!, rgba[i * 4 + 2]!]), 'RGBA drop');
  const onWhite = decodeImage(png, 'rgba.png', { alpha: 'white' });
  const expectWhite = bgrFrom((i) => [0, 1, 2].map((c) => (rgba[i * 4 + c]! * rgba[i * 4 + 3]! + 255 * (255 - rgba[i * 4 + 3]!)) / 255) as [number, number, number]);
  assert.ok(onWhite.data.every((v, k) => Math.abs(v - expectWhite[k]!) <= 0.5 + 1e-9), 'RGBA over white within rounding');
  assert.deepEqual([...onWhite.data.subarray(0, 3)], [255, 255, 255], 'fully transparent pixel is white');
  assert.equal([...decodeImage(png, 'rgba.png', { alpha: 'black' }).data.subarray(0, 3)].join(), '0,0,0');

  const greyAlpha = samples(W * H * 2, 255, 5);
  assertPixels(decodeImage(writePng(W, H, 4, 8, greyAlpha), 'la.png'), bgrFrom((i) => [greyAlpha[i * 2]!, greyAlpha[i * 2]!, greyAlpha[i * 2]!]), 'grey+alpha drop');
});

test('PGM/PPM, including 10-bit PGM (maxval 1023 scales to 0..255)', () => {
  const rgb = samples(W * H * 3, 255, 6);
  assertPixels(decodeImage(writePnm('P6', W, H, 255, rgb), 'x.ppm'), bgrFrom((i) => [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!]), 'PPM');
  const grey = samples(W * H, 255, 7);
  assertPixels(decodeImage(writePnm('P5', W, H, 255, grey), 'x.pgm'), bgrFrom((i) => [grey[i]!, grey[i]!, grey[i]!]), 'PGM');
  const tenBit = samples(W * H, 1023, 8);
  tenBit[0] = 1023;
  const frame = decodeImage(writePnm('P5', W, H, 1023, tenBit), 'x10.pgm');
  assert.equal(frame.data[0], 255, '10-bit full scale is white');
  const worst = Math.max(...tenBit.map((v, i) => Math.abs(frame.data[i * 3]! - (v * 255) / 1023)));
  assert.ok(worst <= 0.5 + 1e-9, `10-bit PGM off by ${worst}`);
});

test('BMP, lossless WebP and palette PNG decode to the exact pixels Pillow wrote', () => {
  const out = runPython<{ rgb: number[]; files: Record<string, string> }>(
    `import json,sys,base64,io
import numpy as np
from PIL import Image
rng = np.random.default_rng(9)
a = rng.integers(0, 256, (${H}, ${W}, 3), dtype=np.uint8)
im = Image.fromarray(a)
files = {}
for name, save in {'bmp': lambda b: im.save(b, 'BMP'), 'webp': lambda b: im.save(b, 'WEBP', lossless=True),
                   'palette.png': lambda b: im.quantize(256).save(b, 'PNG')}.items():
    b = io.BytesIO(); save(b); files[name] = base64.b64encode(b.getvalue()).decode()
pal = np.asarray(im.quantize(256).convert('RGB'))
print(json.dumps({'rgb': a.reshape(-1).tolist(), 'palette': pal.reshape(-1).tolist(), 'files': files}))`,
  ) as { rgb: number[]; palette?: number[]; files: Record<string, string> };
  for (const [name, b64] of Object.entries(out.files)) {
    const source = name === 'palette.png' ? out.palette! : out.rgb;
    assertPixels(decodeImage(Buffer.from(b64, 'base64'), name), bgrFrom((i) => [source[i * 3]!, source[i * 3 + 1]!, source[i * 3 + 2]!]), name);
  }
});

test('GIF (own decoder): palettes, interlace, transparency and full 12-bit LZW tables match Pillow exactly', () => {
  const cases = runPython<{ name: string; gif: string; rgb: number[]; width: number; height: number; transparent: number[] | null }[]>(
    `import json,base64,io
import numpy as np
from PIL import Image
rng = np.random.default_rng(11)
out = []
def add(name, im, **kw):
    b = io.BytesIO(); im.save(b, 'GIF', **kw)
    back = Image.open(io.BytesIO(b.getvalue())); back.seek(0)
    rgb = np.asarray(back.convert('RGB'))
    t = back.info.get('transparency')
    mask = (np.asarray(back) == t).reshape(-1).astype(int).tolist() if t is not None else None
    out.append({'name': name, 'gif': base64.b64encode(b.getvalue()).decode(), 'rgb': rgb.reshape(-1).tolist(),
                'width': back.width, 'height': back.height, 'transparent': mask})
smooth = np.zeros((61, 83, 3), np.uint8)
smooth[..., 0] = np.arange(83)[None, :] * 3; smooth[..., 1] = np.arange(61)[:, None] * 4; smooth[..., 2] = 90
add('quantized', Image.fromarray(smooth).quantize(64))
add('interlaced', Image.fromarray(smooth).quantize(64), interlace=True)
add('grey', Image.fromarray(smooth[..., 1]))
noise = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)  # forces full code tables and clear codes
add('noise-256', Image.fromarray(noise).quantize(256))
add('transparent', Image.fromarray(smooth).quantize(16), transparency=3)
tiny = Image.fromarray(rng.integers(0, 2, (9, 13), dtype=np.uint8) * 255).convert('1')
add('1-bit', tiny)
print(json.dumps(out))`,
  );
  assert.equal(cases.length, 6);
  for (const c of cases) {
    const bytes = Buffer.from(c.gif, 'base64');
    const frame = decodeImage(bytes, `${c.name}.gif`);
    assert.deepEqual([frame.width, frame.height], [c.width, c.height], c.name);
    const expected = Array.from({ length: c.width * c.height }, (_, i) => [c.rgb[i * 3 + 2]!, c.rgb[i * 3 + 1]!, c.rgb[i * 3]!]).flat();
    assert.deepEqual([...frame.data], expected, `${c.name}: pixels`);
    if (c.transparent) {
      const painted = decodeImage(bytes, `${c.name}.gif`, { alpha: 'white' });
      const count = c.transparent.filter(Boolean).length;
      assert.ok(count > 0, 'fixture has transparent pixels');
      c.transparent.forEach((t, i) => {
        if (t) assert.deepEqual([...painted.data.subarray(i * 3, i * 3 + 3)], [255, 255, 255], `${c.name}: transparent pixel ${i} painted white`);
      });
    }
    assert.throws(() => decodeImage(bytes.subarray(0, Math.floor(bytes.length * 0.6)), c.name), (e) => isArcEdgeError(e, 'IMAGE_CORRUPT'));
  }
});

test('decodeImage accepts a Buffer view into a larger ArrayBuffer (byteOffset respected)', () => {
  const jpeg = readFileSync(assetFace('debian', 'messi5.jpg'));
  const padded = new Uint8Array(jpeg.length + 100);
  padded.set(jpeg, 37);
  const frame = decodeImage(padded.subarray(37, 37 + jpeg.length), 'view.jpg');
  assert.deepEqual([...frame.data.subarray(0, 30)], [...decodeImage(jpeg).data.subarray(0, 30)]);
});
