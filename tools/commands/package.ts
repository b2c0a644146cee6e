/**
 * `arcedge package <model.onnx|training-package-dir> --key <private.pem> --out <dir>`: build and
 * sign a model package; `arcedge package verify <dir> --pubkey <public.pem>`: check one (exit 1
 * naming the failing file or the signature). Format: sdk/package/manifest.ts, docs/packages.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isArcEdgeError, verifyPackage } from '../../sdk/index.ts';
import { defineCommand, EXIT, parsePositiveInt, UsageError, type CommandRunner } from '../cli/command.ts';
import { createProgress } from '../cli/progress.ts';
import { buildPackage } from '../package/build.ts';

function readKey(path: string | undefined, flag: string): string {
  if (!path) throw new UsageError(`--${flag} <pem> is required`);
  if (!existsSync(path)) throw new UsageError(`--${flag} ${path} does not exist`);
  return readFileSync(path, 'utf8');
}

const verify = defineCommand({
  name: 'package verify',
  summary: 'check a package: signature over manifest.json, SHA256SUMS = manifest, every file size and sha256; exit 1 naming what failed',
  args: '<package dir>',
  options: { pubkey: { type: 'string', multiple: true, valueName: 'public.pem', description: 'trusted public key (repeat for several)' } },
  positionals: { min: 1, max: 1 },
  run: async ({ values, positionals, json }) => {
    if (values.pubkey.length === 0) throw new UsageError('--pubkey <public.pem> is required');
    const keys = values.pubkey.map((path) => readKey(path, 'pubkey'));
    try {
      const result = await verifyPackage(positionals[0]!, keys);
      const m = result.manifest;
      if (json) console.log(JSON.stringify({ ok: true, name: m.name, version: m.version, files: m.files.length, key: values.pubkey[result.keyIndex] }));
      else console.log(`ok: ${m.name} version ${m.version}, ${m.files.length} files, signed by ${values.pubkey[result.keyIndex]}`);
      return EXIT.OK;
    } catch (error) {
      if (!isArcEdgeError(error)) throw error;
      if (json) console.log(JSON.stringify({ ok: false, ...error.toJSON() }));
      else console.error(`NOT ok: [${error.code}] ${error.message}`);
      return EXIT.FAILURE;
    }
  },
});

const build = defineCommand({
  name: 'package',
  summary: 'build a signed model package from a recognizer (.onnx with a manifest) or a training package dir; `arcedge package verify <dir>` checks one',
  args: '<model.onnx | training-package-dir>',
  options: {
    key: { type: 'string', valueName: 'private.pem', description: 'Ed25519 signing key (arcedge keys generate)' },
    out: { type: 'string', valueName: 'dir', description: 'package folder to create (must not exist or be empty)' },
    version: { type: 'string', valueName: 'N', description: 'package version, an integer above the last one deployed (default: the current Unix time)' },
    name: { type: 'string', description: 'package name (default: the model id)' },
    faces: { type: 'string', valueName: 'folder', description: 'photos for the golden self-test (default: ../shared/assets/faces)', default: '../shared/assets/faces' },
    'faces-models': { type: 'string', valueName: 'set', description: 'model set whose detector aligns the golden faces', default: 'default' },
    detector: { type: 'string', valueName: 'id', description: 'detector id or file when that set holds several' },
  },
  positionals: { min: 1, max: 1 },
  run: async ({ values, positionals, json }) => {
    const privateKeyPem = readKey(values.key, 'key');
    if (!values.out) throw new UsageError('--out <dir> is required');
    const version = parsePositiveInt('version', values.version) ?? Math.floor(Date.now() / 1000);
    const bar = createProgress({ label: 'golden faces', total: 4, silent: json });
    try {
      const { dir, manifest } = await buildPackage({
        model: positionals[0]!,
        out: values.out,
        privateKeyPem,
        version,
        ...(values.name ? { name: values.name } : {}),
        facesDir: values.faces,
        detectorModels: values['faces-models'],
        ...(values.detector ? { detector: values.detector } : {}),
        onProgress: (done) => bar.update(done),
      });
      bar.stop();
      if (json) console.log(JSON.stringify({ dir, name: manifest.name, version: manifest.version, files: manifest.files }));
      else console.log(`wrote ${dir}: ${manifest.name} version ${manifest.version}, ${manifest.files.length} files, ${manifest.selfTest.faces.length} golden faces, signed`);
      return EXIT.OK;
    } finally {
      bar.stop();
    }
  },
});

/** `package verify ...` dispatches to verify; anything else builds. */
// `package` builds and `package verify` checks; the build spec's summary names both for `arcedge --help`.
export const packageCommand: CommandRunner & { spec: typeof build.spec } = Object.assign((argv: string[]) => (argv[0] === 'verify' ? verify(argv.slice(1)) : build(argv)), { spec: build.spec });
