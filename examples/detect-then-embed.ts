/**
 * The stage API in the shape a camera loop needs: detect on every frame, and embed a face only
 * when it is new (no box in the previous frame overlaps it) — never every face of every frame.
 * The detector and recognizer sessions are loaded once and shared by every stage call.
 *
 *   npx tsx examples/detect-then-embed.ts [--models default] photo.jpg [more frames...]
 *
 * Each photo stands for one video frame; pass the same photo several times to see faces being
 * tracked instead of re-embedded. Outside this repo, import from 'arcedge'.
 */
import { parseArgs } from 'node:util';
import { compare, createFacePipeline, intersectionOverUnion, isArcEdgeError, type Box } from '../sdk/index.ts';

interface Track {
  readonly id: number;
  box: Box;
  readonly embedding: Float32Array;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { models: { type: 'string', default: 'default' } } });
if (positionals.length === 0) {
  console.error('usage: npx tsx examples/detect-then-embed.ts [--models <set>] <frame image>...');
  process.exit(2);
}

const pipeline = await createFacePipeline({ models: values.models! });
let tracks: Track[] = [];
let nextId = 1;
let embedded = 0;
let detected = 0;
try {
  for (const path of positionals) {
    const { frame } = await pipeline.loadFrame(path);
    const faces = await pipeline.detect(frame);
    detected += faces.length;
    // Match each face to the track it overlaps most (IoU >= 0.3); only the rest need an embedding.
    const matched = faces.map((face) => tracks.find((t) => intersectionOverUnion(t.box, face.box) >= 0.3));
    const fresh = faces.filter((_, i) => !matched[i]);
    const embeddings = await pipeline.embed(fresh.map((face) => pipeline.align(frame, face).crop));
    embedded += embeddings.length;
    const next: Track[] = [];
    faces.forEach((face, i) => {
      const track = matched[i];
      if (track) {
        track.box = face.box;
        next.push(track);
      } else {
        const embedding = embeddings[fresh.indexOf(face)]!;
        // A new face that looks like a track we just lost is probably the same person moving fast.
        const similar = tracks.find((t) => compare(t.embedding, embedding) > 0.5);
        next.push({ id: similar?.id ?? nextId++, box: face.box, embedding });
      }
    });
    tracks = next;
    console.log(`${path}: ${faces.length} face(s), ${fresh.length} embedded, tracks ${tracks.map((t) => t.id).join(', ') || '-'}`);
  }
  console.log(`done: ${detected} detections, ${embedded} embeddings (models: ${Object.values(pipeline.models).join(', ')})`);
} catch (error) {
  if (!isArcEdgeError(error)) throw error;
  console.error(`[${error.code}] ${error.message}`);
  process.exitCode = 1;
} finally {
  await pipeline.dispose();
}
