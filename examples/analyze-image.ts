/**
 * Analyse one photo: print every face as JSON (box, landmarks, quality verdict, liveness,
 * the first values of the embedding) and write an annotated JPEG next to it.
 *
 *   npx tsx examples/analyze-image.ts photo.jpg [out.jpg] [--models default|buffalo_sc|local:<dir>] [--liveness]
 *
 * Outside this repo, import from 'arcedge' instead of the relative sdk paths.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFaceAnalyzer, decodeImage, drawAnnotations, encodeJpeg, isArcEdgeError } from '../sdk/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { models: { type: 'string', default: 'default' }, liveness: { type: 'boolean', default: false } },
});
const [input, output = input?.replace(/\.[^.]+$/, '') + '.faces.jpg'] = positionals;
if (!input) {
  console.error('usage: tsx examples/analyze-image.ts <image> [out.jpg] [--models default] [--liveness]');
  process.exit(2);
}

const analyzer = await createFaceAnalyzer({ models: values.models, liveness: values.liveness });
try {
  // Decode once here (instead of passing the path) so the same frame is annotated.
  const frame = decodeImage(readFileSync(input));
  const faces = await analyzer.analyze(frame);
  const round = (v: number) => Math.round(v * 10) / 10;
  const report = faces.map((f) => ({
    box: { x1: round(f.box.x1), y1: round(f.box.y1), x2: round(f.box.x2), y2: round(f.box.y2) },
    score: round(f.score * 1000) / 1000,
    landmarks: f.landmarks.map((p) => [round(p.x), round(p.y)]),
    quality: { ok: f.quality.ok, reasons: f.quality.reasons, metrics: Object.fromEntries(Object.entries(f.quality.metrics).map(([k, v]) => [k, round(v)])) },
    ...(f.liveness !== undefined ? { liveness: Math.round(f.liveness * 1000) / 1000 } : {}),
    embedding: { size: f.embedding.length, head: Array.from(f.embedding.slice(0, 4), (v) => Math.round(v * 1e4) / 1e4) },
  }));
  console.log(JSON.stringify({ image: input, models: analyzer.models, faces: report }, null, 2));
  const annotated = drawAnnotations(
    frame,
    faces.map((f, i) => ({
      box: f.box,
      points: f.landmarks,
      label: `#${i} ${f.score.toFixed(2)}${f.liveness !== undefined ? ` live ${f.liveness.toFixed(2)}` : ''}${f.quality.ok ? '' : ' ' + f.quality.reasons.join(',')}`,
      color: f.quality.ok ? [0, 200, 0] : [0, 140, 255],
    })),
  );
  writeFileSync(output!, encodeJpeg(annotated));
  console.error(`wrote ${output}`);
} catch (error) {
  // ArcEdgeErrors carry a code and the fix in their message: print that, not a stack.
  console.error(isArcEdgeError(error) ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await analyzer.dispose();
}
