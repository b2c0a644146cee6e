/**
 * `arcedge setup [--force] [--include-dir <dir>] [--lib-dir <dir>] [--verbose] [--json]`: makes
 * OpenCV usable by arcedge on this machine. `npm install arcedge` deliberately compiles nothing
 * (docs/install.md says why); this is the one command the OPENCV_UNAVAILABLE error names.
 *
 * Order: a binding that already loads is kept (next to arcedge, or an earlier setup's, which
 * every project on the machine shares); otherwise find the system OpenCV and a toolchain, then
 * compile the binding into $ARCEDGE_HOME/opencv/<key> (tools/setup/build-binding.ts).
 */
import { performance } from 'node:perf_hooks';
import { ArcEdgeError } from '../../sdk/index.ts';
import { findOpenCVBinding, opencvBuildDir, OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION, type BindingCandidate } from '../../sdk/internal.ts';
import { defineCommand, EXIT } from '../cli/command.ts';
import { createProgress, type Progress } from '../cli/progress.ts';
import { buildBinding, probeBinding } from '../setup/build-binding.ts';
import { APT_PREREQUISITES, locateSystemOpenCV } from '../setup/locate-opencv.ts';

export const setupCommand = defineCommand({
  name: 'setup',
  summary: `build the OpenCV binding (${OPENCV_BINDING_PACKAGE}) against the system OpenCV, once per machine`,
  details: `Prerequisites (Debian/Ubuntu): ${APT_PREREQUISITES}
The binding is compiled (a few minutes) into $ARCEDGE_HOME/opencv (default ~/.cache/arcedge/opencv)
and shared by every project on the machine that uses this Node.js version. A binding that
already loads is kept unless --force is given.`,
  options: {
    force: { type: 'boolean', description: 'rebuild even if a working binding is found' },
    'include-dir': { type: 'string', valueName: 'dir', description: 'OpenCV headers (the folder holding opencv2/); default: found under /usr and /usr/local' },
    'lib-dir': { type: 'string', valueName: 'dir', description: 'folder holding libopencv_core.so; default: found under /usr/lib and /usr/local/lib' },
    verbose: { type: 'boolean', description: 'stream the compiler output to stderr' },
  },
  positionals: { max: 0 },
  run: ({ values, json }) => setup({ force: values.force, includeDir: values['include-dir'], libDir: values['lib-dir'], verbose: values.verbose && !json }, json),
});

interface SetupReport {
  status: 'ready' | 'built';
  origin: BindingCandidate['origin'];
  packageDir: string;
  opencvVersion: string;
  seconds: number;
  includeDir?: string;
  libDir?: string;
  logFile?: string;
}

async function setup(options: { force: boolean; includeDir?: string; libDir?: string; verbose: boolean }, json: boolean): Promise<number> {
  const started = performance.now();
  const say = (line: string): void => {
    if (!json) console.error(line);
  };
  if (!options.force) {
    for (const candidate of findOpenCVBinding().filter((c) => c.compiled)) {
      const probe = await probeBinding(candidate.packageDir);
      if (probe.ok) return report({ status: 'ready', origin: candidate.origin, packageDir: candidate.packageDir, opencvVersion: probe.version, seconds: (performance.now() - started) / 1000 }, json);
      say(`${candidate.packageDir} does not load (${probe.error.split('\n')[0]}); rebuilding`);
    }
  }

  const located = locateSystemOpenCV({ includeDir: options.includeDir, libDir: options.libDir });
  if (!located.found) {
    throw new ArcEdgeError('OPENCV_UNAVAILABLE', `cannot build the OpenCV binding: ${located.problems.join('; ')}`, {
      fix: `${APT_PREREQUISITES}, then run \`npx arcedge setup\` again`,
      details: { problems: located.problems },
    });
  }
  const target = opencvBuildDir();
  say(`building ${OPENCV_BINDING_PACKAGE}@${OPENCV_BINDING_VERSION} against OpenCV in ${located.found.libDir} (headers ${located.found.includeDir})`);
  say(`into ${target}; this compiles ~100 C++ files: a few minutes on a desktop, longer on a Jetson`);
  let bar: Progress | undefined;
  const built = await buildBinding(
    located.found,
    target,
    (compiled, total) => {
      if (total === undefined) return;
      bar ??= createProgress({ label: 'compiling', total, silent: json || options.verbose });
      bar.update(Math.min(compiled, total));
    },
    options.verbose,
  );
  bar?.stop();
  const packageDir = findOpenCVBinding().find((c) => c.origin === 'setup')?.packageDir ?? target;
  return report({ status: 'built', origin: 'setup', packageDir, opencvVersion: built.version, seconds: (performance.now() - started) / 1000, includeDir: located.found.includeDir, libDir: located.found.libDir, logFile: built.logFile }, json);
}

function report(result: SetupReport, json: boolean): number {
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    const how = result.status === 'ready' ? 'already built' : `built in ${result.seconds.toFixed(0)} s`;
    console.log(`OpenCV ${result.opencvVersion} ready (${how}): ${result.packageDir}`);
  }
  return EXIT.OK;
}
