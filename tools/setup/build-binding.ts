/**
 * Compiles @u4/opencv4nodejs against the system OpenCV into arcedge's own folder
 * ($ARCEDGE_HOME/opencv/<binding>-<node ABI>-<platform>-<arch>, see sdk/image/opencv/loader.ts).
 *
 * The package has no install script of its own: npm runs `node-gyp rebuild` because it ships a
 * binding.gyp, and that binding.gyp asks the package's bin/install.js for defines, include dirs
 * and libraries. That helper reads OPENCV4NODEJS_DISABLE_AUTOBUILD and OPENCV_{INCLUDE,LIB,BIN}_DIR
 * from the environment, and the `opencv4nodejs` section only of the package.json in the current
 * directory (its own folder during npm's install), never the application's. Without them it
 * starts its auto-build: a git clone and full compile of OpenCV and opencv_contrib. So the
 * variables are set here, for this child npm only, and the user sets nothing.
 *
 * The build happens in a staging folder and is loaded in a child process before it replaces the
 * old one, so a failed or interrupted build never leaves a half-built binding where the loader looks.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';
import { OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION } from '../../sdk/internal.ts';
import type { SystemOpenCV } from './locate-opencv.ts';

export interface BuildProgress {
  /** Called as the compiler reports each file (`CXX(target)` lines); total once the package is unpacked. */
  (compiled: number, total: number | undefined): void;
}

/**
 * The private folder's package.json. allowScripts: npm 11.19 runs unreviewed dependency install
 * scripts with a notice and documents blocking them by default; the binding's build *is* its
 * install script, so it is approved here, where nothing else is installed.
 */
const STAGING_PACKAGE = {
  name: 'arcedge-opencv-binding',
  private: true,
  description: 'built by `arcedge setup`; safe to delete (run it again to rebuild)',
  allowScripts: { [OPENCV_BINDING_PACKAGE]: true },
};

/** npm of the running CLI when started through npm/npx, else the `npm` on PATH. */
function npmCommand(): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && basename(execPath) === 'npm-cli.js') return { command: process.execPath, args: [execPath] };
  if (execPath && basename(execPath) === 'npx-cli.js' && existsSync(join(dirname(execPath), 'npm-cli.js'))) {
    return { command: process.execPath, args: [join(dirname(execPath), 'npm-cli.js')] };
  }
  return { command: 'npm', args: [] };
}

/** The child's environment: the caller's, minus npm settings that would redirect or skip the install. */
function childEnv(opencv: SystemOpenCV): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const dropped = /^(npm_config_(global|location|prefix|local_prefix|ignore_scripts|dry_run|package_lock_only|save.*|omit|include|workspaces?)|npm_package_.*|npm_lifecycle_.*|INIT_CWD)$/i;
  for (const [k, v] of Object.entries(process.env)) if (!dropped.test(k)) env[k] = v;
  return {
    ...env,
    OPENCV4NODEJS_DISABLE_AUTOBUILD: '1',
    OPENCV_INCLUDE_DIR: opencv.includeDir,
    OPENCV_LIB_DIR: opencv.libDir,
    OPENCV_BIN_DIR: opencv.binDir,
    JOBS: env.JOBS ?? 'max', // node-gyp compiles on every core
  };
}

function tail(text: string, lines: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}

/** Builds into `<finalDir>.staging-<pid>`, checks it loads, then moves it to `finalDir`. Returns the OpenCV version. */
export async function buildBinding(opencv: SystemOpenCV, finalDir: string, onProgress: BuildProgress, verbose: boolean): Promise<{ version: string; logFile: string }> {
  const staging = `${finalDir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify(STAGING_PACKAGE, null, 2));
  const logFile = join(staging, 'setup.log');
  const log = createWriteStream(logFile);
  const npm = npmCommand();
  const args = [...npm.args, 'install', `${OPENCV_BINDING_PACKAGE}@${OPENCV_BINDING_VERSION}`, '--prefix', staging, '--ignore-scripts=false', '--foreground-scripts', '--no-audit', '--no-fund', '--no-save', '--loglevel=http'];
  log.write(`$ ${npm.command} ${args.join(' ')}\nOPENCV_INCLUDE_DIR=${opencv.includeDir} OPENCV_LIB_DIR=${opencv.libDir} OPENCV_BIN_DIR=${opencv.binDir}\n`);
  const gyp = join(staging, 'node_modules', ...OPENCV_BINDING_PACKAGE.split('/'), 'binding.gyp');
  let recent = '';
  let compiled = 0;
  let total: number | undefined;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(npm.command, args, { cwd: staging, env: childEnv(opencv), stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      log.write(text);
      if (verbose) process.stderr.write(text);
      recent = (recent + text).slice(-20_000);
      const files = text.match(/CXX\(target\)/g)?.length ?? 0;
      if (files > 0) {
        compiled += files;
        total ??= existsSync(gyp) ? (readFileSync(gyp, 'utf8').match(/"cc\/[^"]+\.cc"/g)?.length ?? undefined) : undefined;
        onProgress(compiled, total);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (status) => resolve(status ?? 1));
  }).catch((cause: unknown) => {
    throw new ArcEdgeError('OPENCV_BUILD_FAILED', `could not start npm (${npm.command}): ${(cause as Error).message}`, { cause, fix: 'install npm (it comes with Node.js) and run `npx arcedge setup` again' });
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    throw new ArcEdgeError('OPENCV_BUILD_FAILED', `npm install ${OPENCV_BINDING_PACKAGE}@${OPENCV_BINDING_VERSION} failed (exit ${code}); last lines:\n${tail(recent, 25)}`, {
      fix: `read ${logFile}; check the OpenCV development files and the compiler (see the README's prerequisites) and run \`npx arcedge setup\` again`,
      details: { logFile },
    });
  }
  const packageDir = join(staging, 'node_modules', ...OPENCV_BINDING_PACKAGE.split('/'));
  const loaded = await probeBinding(packageDir);
  if (!loaded.ok) {
    throw new ArcEdgeError('OPENCV_BUILD_FAILED', `the binding compiled but does not load: ${loaded.error}`, { fix: `read ${logFile}, then run \`npx arcedge setup --force\``, details: { logFile } });
  }
  // Swap in: the old build (broken, or replaced with --force) goes aside first, then away.
  const old = `${finalDir}.old-${process.pid}`;
  if (existsSync(finalDir)) renameSync(finalDir, old);
  renameSync(staging, finalDir);
  rmSync(old, { recursive: true, force: true });
  return { version: loaded.version, logFile: join(finalDir, 'setup.log') };
}

/**
 * Loads the binding in a child process and reports its OpenCV version: a crash or a dlopen error
 * there (missing libopencv_*.so after an OpenCV upgrade, an ABI mismatch) cannot take this process down.
 */
export async function probeBinding(packageDir: string): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  const script = [
    "process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD = '1';",
    "const { createRequire } = require('node:module');",
    "const req = createRequire(require('node:path').join(process.argv[1], 'package.json'));",
    "try { req('@u4/opencv-build').Log.silence = true; } catch {}",
    'const v = req(process.argv[1]).cv.version;',
    "console.log('ARCEDGE_OPENCV_VERSION=' + [v.major, v.minor, v.revision].join('.'));",
  ].join('\n');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script, packageDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', (error) => resolve({ ok: false, error: error.message }));
    child.on('close', (status) => {
      const version = /ARCEDGE_OPENCV_VERSION=(\S+)/.exec(out)?.[1];
      // The error line, not the stack under it (node prints "Error: <why>" then "    at ..." frames).
      const why = out.split('\n').find((l) => /Error\b/.test(l) && !/^\s+at /.test(l));
      resolve(status === 0 && version ? { ok: true, version } : { ok: false, error: why?.trim() || tail(out, 5) || `exit ${status}` });
    });
  });
}
