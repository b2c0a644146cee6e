/**
 * Decode rows: ms per JPEG by size class, full decode against the reduced decode analyze() uses
 * (sdk/image decodeImageScaled with reduceToLongSidePx 640: libjpeg DCT scaling at 1/2, 1/4 or
 * 1/8). The size classes are real photos (obama.jpg, bbt1.jpg, messi5.jpg) enlarged and encoded
 * at quality 92, since the assets hold no camera-size JPEGs. Full and reduced alternate per photo;
 * each figure is the median of the rounds.
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeImage, decodeImageScaled, encodeJpeg, resizeFrame } from '../../../sdk/image/index.ts';
import { REDUCED_MIN_LONG_SIDE_PX } from '../../../sdk/analyzer/pipeline.ts';
import { assetFace } from '../../helpers/assets.ts';
import type { BenchContext, BenchRow, RowProvider } from '../types.ts';

const SOURCES = [assetFace('debian', 'messi5.jpg'), assetFace('face_recognition', 'examples', 'knn_examples', 'train', 'obama', 'obama.jpg'), assetFace('faceapi_bbt', 'bbt1.jpg')];
const CLASSES: readonly { label: string; maxMp: number }[] = [
  { label: '< 1 MP', maxMp: 1 },
  { label: '1-4 MP', maxMp: 4 },
  { label: '4-12 MP', maxMp: 12 },
  { label: '12-24 MP', maxMp: 24 },
];

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const provider: RowProvider = {
  part: 'decode',
  async run(context: BenchContext) {
    const photos: { bytes: Uint8Array; mp: number }[] = [];
    for (const path of SOURCES) {
      const frame = decodeImage(readFileSync(path));
      for (const times of [1, 2, 3, 4, 5]) {
        const big = times === 1 ? frame : resizeFrame(frame, frame.width * times, frame.height * times, 'cubic');
        photos.push({ bytes: encodeJpeg(big, 92), mp: (big.width * big.height) / 1e6 });
      }
    }
    const rounds = context.quick ? 3 : 7;
    const load = loadavg()[0]!;
    const rows: BenchRow[] = [];
    let lower = 0;
    for (const c of CLASSES) {
      const members = photos.filter((p) => p.mp >= lower && p.mp < c.maxMp);
      lower = c.maxMp;
      if (members.length === 0) continue;
      const full: number[] = [];
      const reduced: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let fullMs = 0;
        let reducedMs = 0;
        for (const p of members) {
          let t = performance.now();
          decodeImage(p.bytes);
          fullMs += performance.now() - t;
          t = performance.now();
          decodeImageScaled(p.bytes, 'bench', { reduceToLongSidePx: REDUCED_MIN_LONG_SIDE_PX });
          reducedMs += performance.now() - t;
        }
        full.push(fullMs / members.length);
        reduced.push(reducedMs / members.length);
      }
      const mps = members.map((m) => m.mp.toFixed(1)).join(', ');
      rows.push(
        { section: 'decode', name: `JPEG decode ${c.label}, full size`, value: median(full), unit: 'ms/photo', note: `${members.length} photos (${mps} MP), median of ${rounds}; load ${load.toFixed(1)}` },
        { section: 'decode', name: `JPEG decode ${c.label}, reduced (long side >= ${REDUCED_MIN_LONG_SIDE_PX})`, value: median(reduced), unit: 'ms/photo', baseline: { name: 'full size', value: median(full) }, better: 'lower', note: 'IMREAD_REDUCED_COLOR_2/4/8 where it keeps the long side' },
      );
    }
    return rows;
  },
};
export default provider;
