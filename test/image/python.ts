/**
 * Runs a Python snippet with JSON on stdin and JSON on stdout: the tests' independent
 * reference (Pillow for decoding, scikit-image for transforms). Debian's python3-pil and
 * python3-skimage live under /usr/bin/python3, which a pyenv shim may hide, so that one is
 * preferred. Missing modules fail the test with the install command; they never skip it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const python = process.env.ARCEDGE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

export function runPython<T>(script: string, input: unknown = null): T {
  try {
    const out = execFileSync(python, ['-c', script], { input: JSON.stringify(input), maxBuffer: 256 << 20, encoding: 'utf8' });
    return JSON.parse(out) as T;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `${python} reference script failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}\n` +
        'The image/align tests need Pillow, numpy and scikit-image: apt-get install python3-pil python3-skimage ' +
        '(or set ARCEDGE_PYTHON to an interpreter that has them)',
      { cause: error },
    );
  }
}
