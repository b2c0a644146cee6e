/**
 * Finds what compiling @u4/opencv4nodejs against the system OpenCV needs: the OpenCV headers,
 * the folder holding libopencv_core.so (the -dev symlink, present only with libopencv-dev), a
 * bin folder, and a C++ toolchain for node-gyp (make, a compiler, python3). The binding's own
 * detection looks under /usr/local only; Debian puts OpenCV under /usr/lib/<triplet> and JetPack
 * under /usr/lib/aarch64-linux-gnu, hence this search.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export interface SystemOpenCV {
  readonly includeDir: string;
  readonly libDir: string;
  readonly binDir: string;
}

export interface LocateResult {
  readonly found?: SystemOpenCV;
  /** Everything missing, each as one sentence; empty when `found` is set and the toolchain is there. */
  readonly problems: string[];
}

/** The apt line that provides everything this file looks for (Debian/Ubuntu; JetPack ships its own libopencv-dev). */
export const APT_PREREQUISITES = 'sudo apt-get install -y libopencv-dev build-essential python3';

const LIB_ROOTS = ['/usr/lib', '/usr/local/lib', '/usr/lib64', '/opt/homebrew/lib'];
const CORE_LIB = /^libopencv_core\.(so|dylib)$/;

/** Breadth-first, a few levels deep: /usr/lib/x86_64-linux-gnu is depth 1; no crawling of python trees. */
export function findLibDir(roots: readonly string[] = LIB_ROOTS, maxDepth = 2): string | undefined {
  let level = roots.filter((r) => existsSync(r));
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      if (names.some((n) => CORE_LIB.test(n))) return dir;
      for (const n of names) {
        const child = join(dir, n);
        try {
          if (statSync(child).isDirectory()) next.push(child);
        } catch {
          // dangling link or no permission: not where OpenCV lives
        }
      }
    }
    level = next;
  }
  return undefined;
}

/** `/usr/lib/x86_64-linux-gnu` -> `/usr`: where the matching include/ and bin/ live. */
function prefixOf(libDir: string): string {
  let dir = libDir;
  while (dir !== dirname(dir) && !/^lib(64|32)?$/.test(dir.split('/').pop() ?? '')) dir = dirname(dir);
  return dir === dirname(dir) ? '/usr' : dirname(dir);
}

export function findIncludeDir(libDir: string | undefined): string | undefined {
  const prefixes = [...(libDir ? [prefixOf(libDir)] : []), '/usr', '/usr/local', '/opt/homebrew'];
  return prefixes.map((p) => join(p, 'include', 'opencv4')).find((d) => existsSync(join(d, 'opencv2', 'core.hpp')));
}

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

export function locateSystemOpenCV(overrides: { includeDir?: string; libDir?: string } = {}): LocateResult {
  const problems: string[] = [];
  const libDir = overrides.libDir ?? findLibDir();
  if (!libDir) problems.push(`no libopencv_core.so under ${LIB_ROOTS.join(', ')} (the OpenCV development files are not installed)`);
  else if (overrides.libDir && !readdirSafe(libDir).some((n) => CORE_LIB.test(n))) problems.push(`--lib-dir ${libDir} holds no libopencv_core.so`);
  const includeDir = overrides.includeDir ?? findIncludeDir(libDir);
  if (!includeDir) problems.push('no opencv4/opencv2/core.hpp under /usr/include, /usr/local/include or /opt/homebrew/include');
  else if (!existsSync(join(includeDir, 'opencv2', 'core.hpp'))) problems.push(`--include-dir ${includeDir} holds no opencv2/core.hpp`);
  if (!onPath('make')) problems.push('make is not installed');
  if (!['c++', 'g++', 'clang++'].some((c) => onPath(c))) problems.push('no C++ compiler (c++, g++ or clang++) on PATH');
  if (!onPath('python3')) problems.push('python3 is not installed (node-gyp needs it)');
  if (!libDir || !includeDir || problems.length > 0) return { problems };
  const prefixBin = join(prefixOf(libDir), 'bin');
  return { found: { includeDir, libDir, binDir: existsSync(prefixBin) ? prefixBin : '/usr/bin' }, problems };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
