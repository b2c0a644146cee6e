/**
 * The project's only door to OpenCV: it alone loads @u4/opencv4nodejs (7.1.2, a Node binding
 * compiled against the system OpenCV 4.x). Every other file in this folder asks it for `cv()`
 * and imports the binding's types from here, so a swap or a workaround touches one place.
 *
 * Where the binding comes from, first found wins:
 *   1. the package next to arcedge (node_modules/@u4/opencv4nodejs): the checkout, where
 *      scripts/setup.sh builds it, or an application that installed and built it itself;
 *   2. arcedge's own build, made by `npx arcedge setup` under $ARCEDGE_HOME/opencv/<key>/.
 * A plain `npm install arcedge` never compiles it (see docs/install.md for why), so neither may
 * exist: then the first use throws OPENCV_UNAVAILABLE naming `npx arcedge setup`.
 *
 * Loading is lazy (on the first pixel operation; `import 'arcedge'` stays cheap) and synchronous
 * (createRequire on the CommonJS build), so every pixel function stays synchronous.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Mat } from '@u4/opencv4nodejs';
import { ArcEdgeError } from '../../errors.ts';
import { arcedgeHome } from '../../storage/paths.ts';

export type { Mat };
export type OpenCV = (typeof import('@u4/opencv4nodejs'))['cv'];

export const OPENCV_BINDING_PACKAGE = '@u4/opencv4nodejs';
/** The binding version `arcedge setup` builds; test/package checks it against package.json. */
export const OPENCV_BINDING_VERSION = '7.1.2';
/** The one command that makes OpenCV available; every OPENCV_UNAVAILABLE error names it. */
export const OPENCV_SETUP_COMMAND = 'npx arcedge setup';

/**
 * Folder `arcedge setup` installs the binding into. The compiled addon is tied to the Node ABI,
 * platform and CPU, so they are in the name; the system OpenCV is not (a build that no longer
 * loads after an OpenCV upgrade is detected by loading it, and `arcedge setup` rebuilds it).
 */
/**
 * Where `arcedge setup` builds the binding and the loader finds it: $ARCEDGE_OPENCV_HOME/opencv/<key>,
 * else $ARCEDGE_HOME/opencv/<key>. A flashed device keeps this code in a root-owned folder apart
 * from the service's writable ARCEDGE_HOME (docs/security.md: root never loads code the service
 * account could have planted).
 */
export function opencvBuildDir(env: NodeJS.ProcessEnv = process.env): string {
  const key = `opencv4nodejs-${OPENCV_BINDING_VERSION}-node${process.versions.modules}-${process.platform}-${process.arch}`;
  return join(env.ARCEDGE_OPENCV_HOME ? env.ARCEDGE_OPENCV_HOME : arcedgeHome(env), 'opencv', key);
}

export interface BindingCandidate {
  /** 'project': resolved next to arcedge; 'setup': built by `arcedge setup`. */
  readonly origin: 'project' | 'setup';
  /** The package folder (holds package.json and, once compiled, build/Release/opencv4nodejs.node). */
  readonly packageDir: string;
  /** Whether the compiled addon file exists (a package installed with --ignore-scripts has none). */
  readonly compiled: boolean;
}

const addonFile = (packageDir: string): string => join(packageDir, 'build', 'Release', 'opencv4nodejs.node');

/** Every place the binding may be, in load order, and whether each holds a compiled addon. */
export function findOpenCVBinding(env: NodeJS.ProcessEnv = process.env): BindingCandidate[] {
  const candidates: BindingCandidate[] = [];
  const projectDir = resolvePackageDir();
  if (projectDir) candidates.push({ origin: 'project', packageDir: projectDir, compiled: existsSync(addonFile(projectDir)) });
  const packageDir = join(opencvBuildDir(env), 'node_modules', ...OPENCV_BINDING_PACKAGE.split('/'));
  if (existsSync(join(packageDir, 'package.json'))) candidates.push({ origin: 'setup', packageDir, compiled: existsSync(addonFile(packageDir)) });
  return candidates;
}

/** The package folder next to arcedge, if any (its exports map hides package.json, so walk up from its entry). */
function resolvePackageDir(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(OPENCV_BINDING_PACKAGE);
  } catch {
    return undefined; // not installed next to arcedge: the usual case for an application
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
  }
  return undefined;
}

let loaded: { cv: OpenCV; from: BindingCandidate } | undefined;

/** The OpenCV namespace, loaded on first call; throws OPENCV_UNAVAILABLE with the fix. */
export function cv(): OpenCV {
  return (loaded ??= loadOpenCV()).cv;
}

/**
 * Loads OpenCV now, so that a program fails at startup (createFaceAnalyzer) with the fix,
 * rather than at its first image minutes later.
 */
export function ensureOpenCV(): void {
  cv();
}

/** Where the loaded binding came from and which OpenCV it runs (loads it if needed). */
export function openCVInfo(): { origin: BindingCandidate['origin']; packageDir: string; version: string } {
  const { cv: c, from } = (loaded ??= loadOpenCV());
  const { major, minor, revision } = c.version as { major: number; minor: number; revision: number };
  return { origin: from.origin, packageDir: from.packageDir, version: `${major}.${minor}.${revision}` };
}

function loadOpenCV(): { cv: OpenCV; from: BindingCandidate } {
  const candidates = findOpenCVBinding();
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!candidate.compiled) {
      failures.push(`${candidate.packageDir}: not compiled (no ${addonFile(candidate.packageDir)})`);
      continue;
    }
    try {
      return { cv: requireBinding(candidate.packageDir), from: candidate };
    } catch (error) {
      failures.push(`${candidate.packageDir}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (candidates.length === 0) failures.push(`${OPENCV_BINDING_PACKAGE} is not installed next to arcedge, and ${opencvBuildDir()} does not exist`);
  throw new ArcEdgeError('OPENCV_UNAVAILABLE', `the OpenCV binding (${OPENCV_BINDING_PACKAGE}) is not built for this machine or does not load: ${failures.join('; ')}`, {
    fix: `run \`${OPENCV_SETUP_COMMAND}\` once (it compiles the binding against the system OpenCV in a few minutes; on Debian/Ubuntu install \`libopencv-dev build-essential python3\` first)`,
    details: { searched: candidates.map((c) => c.packageDir), failures },
  });
}

/**
 * Requires the package's CommonJS build with its two load-time traps defused, for the load only:
 * - without OPENCV4NODEJS_DISABLE_AUTOBUILD its loader treats a missing auto-build as a reason
 *   to look for (and offer to start) a from-source OpenCV build, so it is set while loading and
 *   restored afterwards, leaving the application's environment (and its child processes) as it was;
 * - its build helper logs the host application's package.json on every load (as coloured
 *   "Error:" lines when there is none); Log.silence is that helper's own switch.
 */
function requireBinding(packageDir: string): OpenCV {
  const requireThere = createRequire(join(packageDir, 'package.json'));
  let log: { silence?: boolean } | undefined;
  try {
    log = (requireThere('@u4/opencv-build') as { Log?: { silence?: boolean } }).Log;
  } catch {
    // a different package layout: the load still works, only noisier
  }
  const wasSilent = log?.silence;
  const autobuild = process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD;
  process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD = '1';
  if (log) log.silence = true;
  try {
    return (requireThere(packageDir) as { cv: OpenCV }).cv;
  } finally {
    if (log) log.silence = wasSilent;
    if (autobuild === undefined) delete process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD;
    else process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD = autobuild;
  }
}
