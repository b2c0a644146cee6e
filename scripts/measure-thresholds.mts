/**
 * Measures a recognizer's recommended threshold (FAR 1e-3) on the dev pairs and the open-set
 * DIR@FPIR, for the manifests' `recommendedThreshold` and docs/gallery.md:
 *
 *   ARCEDGE_ASSETS=../shared/assets npx tsx scripts/measure-thresholds.ts fr_feature_512.onnx mobilefacenet_paddle_128.onnx
 *
 * Dev pairs: every pair within faceapi_bbt and face_recognition knn_examples/train, plus
 * deepface's master.csv pairs (test/analyzer/dev-sets.ts). Faces are detected with det_500m.
 */
import { createFaceAnalyzer, recommendThresholds } from '../sdk/index.ts';
import { devSets } from '../test/analyzer/dev-sets.ts';
import { scorePairs } from '../test/analyzer/embed-photos.ts';
import { localAssetSet } from '../test/analyzer/model-sets.ts';
import { openSetEvaluation } from '../test/gallery/open-set.ts';

for (const file of process.argv.slice(2)) {
  const analyzer = await createFaceAnalyzer({ models: localAssetSet(`measure-${file}`, ['det_500m.onnx', file]), backend: { threads: 1 } });
  const cache = new Map<string, Float32Array | null>();
  const same: number[] = [];
  const different: number[] = [];
  for (const set of devSets()) {
    const scores = await scorePairs(analyzer, set, cache);
    same.push(...scores.same);
    different.push(...scores.different);
    if (scores.missed.length) console.error(`${file}: no face in ${scores.missed.join(', ')}`);
  }
  const calibration = recommendThresholds(same, different);
  const openSet = await openSetEvaluation(analyzer, cache);
  console.log(JSON.stringify({ file, model: analyzer.models.embed, ...calibration, openSet }, null, 1));
  await analyzer.dispose();
}
