/** Every way an input can be unusable maps to one exact error code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { decodeImage, readImage } from '../../sdk/image/index.ts';
import { isArcEdgeError, type ArcEdgeErrorCode } from '../../sdk/errors.ts';
import { assetFace } from '../helpers/assets.ts';
import { runPython } from './python.ts';
import { tempDir } from './fixtures.ts';
import { chunk, concat, writePng } from '../helpers/png.ts';

const tmp = tempDir('image-errors');
test.after(() => tmp.remove());

async function rejectsWith(path: string, code: ArcEdgeErrorCode, options = {}): Promise<Error> {
  let caught: unknown;
  try {
    await readImage(path, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(isArcEdgeError(caught, code), `${path}: expected ${code}, got ${caught instanceof Error ? `${(caught as { code?: string }).code}: ${caught.message}` : String(caught)}`);
  return caught as Error;
}

test('a missing path or a directory is IMAGE_NOT_FOUND', async () => {
  await rejectsWith(tmp.file('no-such-file.jpg'), 'IMAGE_NOT_FOUND');
  mkdirSync(tmp.file('a-dir.jpg'));
  const error = await rejectsWith(tmp.file('a-dir.jpg'), 'IMAGE_NOT_FOUND');
  assert.match(error.message, /directory/);
});

test('a 0-byte file is IMAGE_EMPTY', async () => {
  writeFileSync(tmp.file('empty.jpg'), new Uint8Array(0));
  await rejectsWith(tmp.file('empty.jpg'), 'IMAGE_EMPTY');
});

test('text and unknown formats are IMAGE_UNSUPPORTED, and the message lists the supported ones', async () => {
  writeFileSync(tmp.file('notes.jpg'), 'these are not the pixels you are looking for\n');
  const error = await rejectsWith(tmp.file('notes.jpg'), 'IMAGE_UNSUPPORTED');
  for (const format of ['JPEG', 'PNG', 'WebP', 'GIF', 'BMP', 'PNM']) assert.match(error.message, new RegExp(format));
  assert.match(error.message, /"these ar"/, 'names the first bytes it saw');
  // A real image in a format we do not take (TIFF, made by Pillow) is refused the same way.
  runPython("import json,sys\nfrom PIL import Image\na=json.load(sys.stdin)\nImage.open(a['src']).save(a['dst'])\nprint('null')", {
    src: assetFace('debian', 'messi5.jpg'),
    dst: tmp.file('photo.tiff'),
  });
  await rejectsWith(tmp.file('photo.tiff'), 'IMAGE_UNSUPPORTED');
});

test('a JPEG cut in half is IMAGE_CORRUPT (libjpeg would half-decode it with only a warning)', async () => {
  const jpeg = readFileSync(assetFace('debian', 'messi5.jpg'));
  writeFileSync(tmp.file('half.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  await rejectsWith(tmp.file('half.jpg'), 'IMAGE_CORRUPT');
  // Cut inside the headers, and cut just before the end-of-image marker.
  assert.throws(() => decodeImage(jpeg.subarray(0, 40)), (e) => isArcEdgeError(e, 'IMAGE_CORRUPT'));
  assert.throws(() => decodeImage(jpeg.subarray(0, jpeg.length - 2)), (e) => isArcEdgeError(e, 'IMAGE_CORRUPT'));
  // Trailing bytes after the end-of-image marker are common (camera padding) and harmless.
  const padded = concat([jpeg, new Uint8Array(64)]);
  assert.equal(decodeImage(padded).width, 548);
});

test('truncated PNG, GIF, WebP, BMP and PNM files are IMAGE_CORRUPT', async () => {
  const png = readFileSync(assetFace('debian', 'astronaut.png'));
  const made = runPython<Record<string, string>>(
    `import json,sys,base64,io\nfrom PIL import Image\nim=Image.open(json.load(sys.stdin))\nout={}\nfor f in ['GIF','WEBP','BMP','PPM']:\n  b=io.BytesIO(); (im.convert('P') if f=='GIF' else im).save(b,f); out[f]=base64.b64encode(b.getvalue()).decode()\nprint(json.dumps(out))`,
    assetFace('debian', 'astronaut.png'),
  );
  const files: Record<string, Uint8Array> = { png, ...Object.fromEntries(Object.entries(made).map(([k, v]) => [k, Buffer.from(v, 'base64')])) };
  for (const [format, bytes] of Object.entries(files)) {
    assert.equal(decodeImage(bytes, format).width, 512, `${format} whole file decodes`);
    for (const fraction of [0.5, 0.9]) {
      assert.throws(() => decodeImage(bytes.subarray(0, Math.floor(bytes.length * fraction)), format), (e) => isArcEdgeError(e, 'IMAGE_CORRUPT'), `${format} cut at ${fraction}`);
    }
  }
});

test('images over the pixel limit are IMAGE_TOO_LARGE before any decoding', async () => {
  // A header-only PNG that claims 20000x20000: the limit check must come from the header,
  // because decoding it would need 1.2 GB.
  const ihdr = readFileSync(assetFace('debian', 'astronaut.png')).subarray(8, 8 + 25);
  const claim = Uint8Array.from(ihdr.subarray(8, 21));
  new DataView(claim.buffer).setUint32(0, 20000);
  new DataView(claim.buffer).setUint32(4, 20000);
  const huge = concat([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', claim), chunk('IEND', new Uint8Array(0))]);
  assert.throws(() => decodeImage(huge, 'huge.png'), (e) => isArcEdgeError(e, 'IMAGE_TOO_LARGE') && /400\.0 megapixels/.test(e.message));
  // The limit is an option.
  await rejectsWith(assetFace('debian', 'messi5.jpg'), 'IMAGE_TOO_LARGE', { maxPixels: 548 * 342 - 1 });
  assert.equal((await readImage(assetFace('debian', 'messi5.jpg'), { maxPixels: 548 * 342 })).height, 342);
});

test('a 1x1 image decodes (rejecting it is the analyser’s job)', () => {
  const frame = decodeImage(writePng(1, 1, 2, 8, [10, 20, 30]), '1x1.png');
  assert.deepEqual([frame.width, frame.height, [...frame.data]], [1, 1, [30, 20, 10]]);
});
