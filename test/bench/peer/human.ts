/**
 * The peer: `@vladmandic/human` 3.3.6 on tfjs-wasm in Node, set up as its docs lead a
 * TypeScript user (the one file that imports it). Its package `exports` map hides the
 * node-wasm build, so it is loaded by path; wasm binaries and models come from the installed
 * packages as file:// URLs, and Node's fetch, which has no file:// support, gets a shim for
 * exactly those URLs (docs/ARCHITECTURE notes, "human in Node").
 *
 * Config: face detector + mesh (human aligns its crops with the mesh) + description (the
 * `faceres` embedding); iris, emotion, liveness, antispoof, body, hands, objects, gestures and
 * segmentation off: only what detect+embed needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Frame } from '../../../sdk/index.ts';

const require = createRequire(import.meta.url);

export interface HumanFace {
  readonly embedding: number[];
  readonly box: [number, number, number, number];
}

export interface HumanPeer {
  readonly version: string;
  readonly backend: string;
  detect(frame: Frame): Promise<HumanFace[]>;
  /** human's own similarity (0..1) for two of its embeddings. */
  similarity(a: readonly number[], b: readonly number[]): number;
  dispose(): void;
}

function installFileFetch(): void {
  const original = globalThis.fetch;
  if ((original as { arcedgeFileShim?: boolean }).arcedgeFileShim) return;
  const shim = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    const body = await readFile(fileURLToPath(url));
    const type = url.endsWith('.json') ? 'application/json' : url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
    return new Response(body, { status: 200, headers: { 'content-type': type } });
  };
  (shim as { arcedgeFileShim?: boolean }).arcedgeFileShim = true;
  globalThis.fetch = shim as typeof fetch;
}

/** A package's folder (its `exports` may hide package.json): walk up from its main file. */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json for ${name} above ${require.resolve(name)}`);
    dir = up;
  }
  return dir;
}

export async function loadHuman(): Promise<HumanPeer> {
  installFileFetch();
  const root = packageRoot('@vladmandic/human');
  const wasmDir = join(packageRoot('@tensorflow/tfjs-backend-wasm'), 'dist');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require(join(root, 'dist', 'human.node-wasm.js')) as { Human: new (config: object) => any; default?: unknown };
  const human = new lib.Human({
    backend: 'wasm',
    wasmPath: pathToFileURL(wasmDir).href + '/',
    modelBasePath: pathToFileURL(join(root, 'models')).href + '/',
    debug: false,
    async: true,
    cacheSensitivity: 0, // every frame is a new photo: no result caching between calls
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { enabled: true, maxDetected: 20, rotation: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      description: { enabled: true },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  await human.warmup();
  const tf = human.tf;
  return {
    version: human.version,
    backend: tf.getBackend(),
    async detect(frame) {
      // BGR -> RGB tensor [1, h, w, 3], the input human takes in Node.
      const rgb = new Int32Array(frame.width * frame.height * 3);
      const d = frame.data;
      for (let p = 0; p < rgb.length; p += 3) (rgb[p] = d[p + 2]!), (rgb[p + 1] = d[p + 1]!), (rgb[p + 2] = d[p]!);
      const tensor = tf.tensor4d(rgb, [1, frame.height, frame.width, 3], 'int32');
      try {
        const result = await human.detect(tensor);
        return (result.face as { embedding?: number[]; box: [number, number, number, number] }[])
          .filter((f) => f.embedding && f.embedding.length > 0)
          .map((f) => ({ embedding: f.embedding!, box: f.box }));
      } finally {
        tf.dispose(tensor);
      }
    },
    similarity: (a, b) => human.match.similarity(a, b),
    dispose: () => undefined,
  };
}
