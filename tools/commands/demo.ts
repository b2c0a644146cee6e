/**
 * `arcedge demo [paths...]`: the main job until the agent lands. Analyses every photo it is
 * pointed at (files or folders, recursively) with a model set (default: `default`, pulled on
 * first use) and prints each face found. A photo that cannot be read is reported and skipped.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { createFaceAnalyzer, isArcEdgeError, type Face } from '../../sdk/index.ts';
import { defineCommand, EXIT, UsageError } from '../cli/command.ts';
import { IMAGE_EXTENSIONS, walkImages } from '../cli/images.ts';


/** The shared assets sit beside the checkout (../shared/assets) in development. */
function defaultPhotoDir(): string | undefined {
  const candidates = [resolve('..', 'shared', 'assets', 'faces'), resolve('shared', 'assets', 'faces')];
  return candidates.find((dir) => existsSync(dir));
}

function describeFace(face: Face, index: number): string {
  const { x1, y1, x2, y2 } = face.box;
  const box = `box=(${x1.toFixed(0)},${y1.toFixed(0)})-(${x2.toFixed(0)},${y2.toFixed(0)})`;
  const quality = face.quality.ok ? 'quality=ok' : `quality=fail(${face.quality.reasons.join(',')})`;
  const liveness = face.liveness === undefined ? '' : ` liveness=${face.liveness.toFixed(2)}`;
  return `  #${index + 1} ${box} score=${face.score.toFixed(3)} ${quality}${liveness} embedding=${face.embedding.length}-d`;
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'analyse photos and print every face found (default: ../shared/assets/faces); unreadable files are reported and skipped',
  args: '<photo or folder>...',
  options: {
    models: { type: 'string', default: 'default', valueName: 'set', description: 'model set: a registry name or local:<dir>' },
    detector: { type: 'string', valueName: 'id', description: 'detector id or file name, when the set holds several' },
    embedder: { type: 'string', valueName: 'id', description: 'recognizer id or file name, when the set holds several' },
    liveness: { type: 'boolean', description: 'also score liveness (the set needs a liveness model)' },
  },
  run: ({ values, positionals }) => demo(values, positionals),
});

async function demo(
  values: { models: string; detector: string | undefined; embedder: string | undefined; liveness: boolean; json: boolean },
  positionals: string[],
): Promise<number> {
  const fallback = defaultPhotoDir();
  const roots = positionals.length > 0 ? positionals : fallback ? [fallback] : [];
  if (roots.length === 0) {
    // `arcedge demo` on a machine without the dev photos: one line that says what to pass.
    console.error('usage: arcedge demo [--models <set>] [--liveness] [--json] <photo or folder>... (arcedge demo --help for more)');
    return EXIT.USAGE;
  }
  const images: string[] = [];
  for (const root of roots) {
    if (!existsSync(root)) throw new UsageError(`${root} does not exist`);
    walkImages(root, images);
  }
  if (images.length === 0) throw new UsageError(`no images (${[...IMAGE_EXTENSIONS].join(' ')}) under ${roots.join(', ')}`);

  if (!values.json) console.log(`arcedge demo: ${images.length} image(s), model set "${values.models}"`);
  const use = {
    ...(values.detector !== undefined ? { detect: values.detector } : {}),
    ...(values.embedder !== undefined ? { embed: values.embedder } : {}),
  };
  const analyzer = await createFaceAnalyzer({ models: values.models, liveness: values.liveness, use });
  let faces = 0;
  let failures = 0;
  const started = performance.now();
  try {
    for (const image of images) {
      const name = relative(process.cwd(), image) || image;
      try {
        const found = await analyzer.analyze(image);
        faces += found.length;
        if (values.json) {
          const rows = found.map(({ box, score, landmarks, quality, liveness }) => ({ box, score, landmarks, quality, liveness }));
          console.log(JSON.stringify({ image: name, faces: rows }));
        } else {
          console.log(`${name}: ${found.length} face(s)`);
          found.forEach((face, index) => console.log(describeFace(face, index)));
        }
      } catch (error) {
        // One bad photo must not stop the run; typed errors already carry the fix.
        if (!isArcEdgeError(error)) throw error;
        failures += 1;
        console.error(`${name}: [${error.code}] ${error.message.split('\n')[0]}`);
      }
    }
  } finally {
    await analyzer.dispose();
  }
  const perImageMs = (performance.now() - started) / images.length;
  if (!values.json) {
    console.log(
      `done: ${images.length} image(s), ${faces} face(s), ${failures} unreadable, ${perImageMs.toFixed(1)} ms/image (models: ${Object.values(analyzer.models).join(', ')})`,
    );
  }
  return failures > 0 && failures === images.length ? EXIT.FAILURE : EXIT.OK;
}
