/**
 * `arcedge identify <image|folder>... --gallery <file> [--json]`: every face in every photo,
 * each an identity or unknown. --json prints one line per image:
 *   {"file": "...", "faces": [{"box": {...}, "identity": {"id": "...", "name": "..."} | null, "score": 0.0, "margin": 0.0}]}
 * An unreadable image prints {"file": "...", "error": {"code": ..., "message": ...}} and the exit code is 1.
 */
import { identifyPhoto, isArcEdgeError, openGallery } from '../../sdk/index.ts';
import { defineCommand, EXIT, parseNumber } from '../cli/command.ts';
import { collectImages, GALLERY_OPTION, KEY_HELP, DETECTOR_OPTION, EMBEDDER_OPTION, loadPipeline, MODELS_OPTION, openForPipeline, requireGallery } from './gallery/common.ts';

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

export const identifyCommand = defineCommand({
  name: 'identify',
  summary: 'identify every face in photos against a gallery (identity or unknown)',
  args: '<image|folder>...',
  details: KEY_HELP,
  options: {
    gallery: GALLERY_OPTION,
    models: MODELS_OPTION,
    detector: DETECTOR_OPTION,
    embedder: EMBEDDER_OPTION,
    threshold: { type: 'string', valueName: 'cosine', description: "override the gallery's threshold for this run" },
    margin: { type: 'string', valueName: 'cosine', description: "override the gallery's best-vs-second margin for this run" },
  },
  positionals: { min: 1 },
  async run({ values, positionals, json }) {
    const galleryPath = requireGallery(values.gallery);
    const threshold = parseNumber('threshold', values.threshold);
    const margin = parseNumber('margin', values.margin);
    const images = collectImages(positionals);
    // Fail on a missing gallery before loading any model.
    (await openGallery(galleryPath, { create: false, readOnly: true })).close();
    const pipeline = await loadPipeline(values.models, undefined, values);
    const gallery = await openForPipeline(galleryPath, pipeline, false);
    let failed = 0;
    try {
      for (const file of images) {
        try {
          const faces = await identifyPhoto(gallery, pipeline, file, { ...(threshold !== undefined ? { threshold } : {}), ...(margin !== undefined ? { margin } : {}) });
          const out = faces.map((f) => ({
            box: { x1: round(f.box.x1, 1), y1: round(f.box.y1, 1), x2: round(f.box.x2, 1), y2: round(f.box.y2, 1) },
            identity: f.identity,
            score: round(f.score),
            margin: round(f.margin),
          }));
          if (json) console.log(JSON.stringify({ file, faces: out }));
          else {
            console.log(`${file}: ${faces.length} face(s)`);
            for (const f of out) console.log(`  (${f.box.x1},${f.box.y1})-(${f.box.x2},${f.box.y2})  ${f.identity ? `${f.identity.name} [${f.identity.id}]` : 'unknown'}  score=${f.score} margin=${f.margin}`);
          }
        } catch (error) {
          if (!isArcEdgeError(error) || !error.code.startsWith('IMAGE_')) throw error;
          failed++;
          if (json) console.log(JSON.stringify({ file, error: { code: error.code, message: error.toJSON().message } }));
          else console.error(`${file}: [${error.code}] ${error.toJSON().message}`);
        }
      }
    } finally {
      gallery.close();
      await pipeline.dispose();
    }
    return failed > 0 ? EXIT.FAILURE : EXIT.OK;
  },
});
