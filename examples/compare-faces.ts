/**
 * Are two photos the same person? Embeds the most prominent face of each and prints the
 * cosine similarity and a verdict at a threshold.
 *
 *   npx tsx examples/compare-faces.ts a.jpg b.jpg [--threshold 0.40] [--models default]
 *
 * The default threshold 0.40 is about the threshold at a false-accept rate of 1e-3 measured on the
 * dev photos (0.33-0.41 depending on the models; same-person pairs scored 0.35-0.90, see
 * docs/analyzer.md). Calibrate it on your own data before relying on it.
 */
import { parseArgs } from 'node:util';
import { compare, createFaceAnalyzer, isArcEdgeError, type Face } from '../sdk/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { models: { type: 'string', default: 'default' }, threshold: { type: 'string', default: '0.40' } },
});
const [first, second] = positionals;
const threshold = Number(values.threshold);
if (!first || !second || !Number.isFinite(threshold)) {
  console.error('usage: tsx examples/compare-faces.ts <image-a> <image-b> [--threshold 0.40] [--models default]');
  process.exit(2);
}

// The largest face: in a portrait that is the subject, not someone in the background.
const mainFace = (faces: Face[]): Face | undefined =>
  faces.reduce<Face | undefined>((best, f) => {
    const area = (g: Face) => (g.box.x2 - g.box.x1) * (g.box.y2 - g.box.y1);
    return !best || area(f) > area(best) ? f : best;
  }, undefined);

const analyzer = await createFaceAnalyzer({ models: values.models });
try {
  const [a, b] = [mainFace(await analyzer.analyze(first)), mainFace(await analyzer.analyze(second))];
  if (!a || !b) {
    console.error(`no face found in ${!a ? first : second}`);
    process.exitCode = 1;
  } else {
    const cosine = compare(a.embedding, b.embedding);
    const same = cosine >= threshold;
    console.log(JSON.stringify({ a: first, b: second, cosine: Math.round(cosine * 1e4) / 1e4, threshold, same }));
    console.log(same ? 'same person' : 'different people');
    if (!a.quality.ok || !b.quality.ok) console.error(`warning: low quality face (${[...a.quality.reasons, ...b.quality.reasons].join(', ')})`);
  }
} catch (error) {
  console.error(isArcEdgeError(error) ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await analyzer.dispose();
}
