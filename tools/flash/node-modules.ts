/**
 * Copies installed npm packages and their runtime dependencies from this machine's node_modules
 * into a bundle, keeping npm's layout (nested node_modules stay nested), so the device needs no
 * registry for pure-JS dependencies. Build leftovers (object files, C++ sources, other
 * platforms' binaries) are left out: onnxruntime-node alone is 288 MB with every platform.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';

/** Build-time only dependencies: never needed to load a package. */
const BUILD_ONLY = new Set(['node-gyp', 'nan', 'prebuild-install', 'node-addon-api', 'adm-zip', 'global-agent']);

/** Paths inside a package that a loaded package never reads (relative, '/'-separated prefixes). */
const PRUNE: Record<string, readonly string[]> = {
  'better-sqlite3': ['deps', 'src', 'build/Release/test_extension.node', 'build/deps'],
  '@u4/opencv4nodejs': ['src', 'cc'],
};
/** node-gyp's intermediates, in every package that compiles something. */
const BUILD_LEFTOVERS = ['build/Release/obj', 'build/Release/obj.target', 'build/Release/.deps'];

/**
 * Where `name` resolves from `fromDir` (a package folder), walking up node_modules like Node
 * does: past `root` too, since an installed arcedge's dependencies are hoisted next to it.
 */
function resolvePackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Package folders of `names` and everything they depend on at run time. */
export function packageClosure(root: string, names: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (name: string, from: string, required: boolean): void => {
    if (BUILD_ONLY.has(name)) return;
    const dir = resolvePackage(name, from);
    if (!dir) {
      if (required) {
        throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `${name}, which the agent needs, is not installed next to arcedge on this machine (searched node_modules from ${from} up)`, {
          fix: 'run `npm install` in the project that holds arcedge, then flash again',
        });
      }
      return; // an optional dependency for another platform
    }
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, !(dep in (pkg.optionalDependencies ?? {})));
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, false);
  };
  for (const name of names) visit(name, root, true);
  return [...found].sort();
}

export interface CopyOptions {
  /** onnxruntime-node: keep only these `<platform>/<arch>` binary folders, e.g. ['linux/arm64']. */
  readonly onnxruntimeTargets?: readonly string[];
}

/**
 * The package's path below the node_modules it was resolved from: `root/node_modules` (a
 * checkout) or, for an installed arcedge, the application's node_modules above it.
 */
function pathInNodeModules(root: string, dir: string): string {
  for (let base = root; ; base = dirname(base)) {
    const modules = join(base, 'node_modules');
    if (dir.startsWith(`${modules}${sep}`)) return relative(modules, dir);
    if (dirname(base) === base) throw new Error(`${dir} is not under a node_modules above ${root}`);
  }
}

/** Copies `packageDirs` (from packageClosure) under `destNodeModules`, at the same relative paths. */
export function copyPackages(root: string, packageDirs: readonly string[], destNodeModules: string, options: CopyOptions = {}): void {
  for (const dir of packageDirs) {
    const rel = pathInNodeModules(root, dir);
    const name = packageNameOf(rel);
    const prune = [...BUILD_LEFTOVERS, ...(PRUNE[name] ?? [])];
    cpSync(dir, join(destNodeModules, rel), {
      recursive: true,
      dereference: true,
      filter: (source) => {
        const inside = relative(dir, source).split(sep).join('/');
        if (inside === '') return true;
        // A nested node_modules is copied as a package of its own (only the ones in the closure).
        if (inside === 'node_modules' || inside.startsWith('node_modules/')) return false;
        if (prune.some((p) => inside === p || inside.startsWith(`${p}/`))) return false;
        if (name === 'onnxruntime-node' && inside.startsWith('bin/napi-v6/') && options.onnxruntimeTargets) {
          const target = inside.split('/').slice(2, 4).join('/'); // '<platform>/<arch>' or a prefix of it
          return options.onnxruntimeTargets.some((t) => t === target || t.startsWith(`${target}/`));
        }
        return !inside.endsWith('.o') && !inside.endsWith('.a');
      },
    });
  }
}

/** 'a/node_modules/@scope/b' -> '@scope/b' (the innermost package). */
function packageNameOf(relativeDir: string): string {
  const parts = relativeDir.split(sep);
  const at = parts.lastIndexOf('node_modules');
  const tail = at >= 0 ? parts.slice(at + 1) : parts;
  return tail[0]!.startsWith('@') ? `${tail[0]}/${tail[1]}` : tail[0]!;
}
