/**
 * The host side's view of the agent it installs: the package root, the rollup bundle (built
 * here when a checkout's sources are newer than it), and the agent's own config check, run
 * from that bundle so tools/ never imports agent/ (the dependency rule) and the check is exactly
 * the one the installed agent will make.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArcEdgeError } from '../../sdk/index.ts';

/** The arcedge package root: the checkout, or the installed package (dist/bin/chunks/ -> root). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'tools', 'flash', 'install.sh')) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'arcedge') return dir;
  }
  throw new ArcEdgeError('DEVICE_INSTALL_FAILED', 'cannot find the arcedge package root (package.json + tools/flash/install.sh) above this command', {
    fix: 'run arcedge flash from an arcedge checkout or an installed arcedge package',
  });
}

const AGENT_ENTRY = join('dist', 'bin', 'arcedge-agent.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'trainer' && entry.name !== 'build') newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/bin with rollup when it is missing, or older than the sources of a checkout. */
export function ensureAgentBundle(root: string, say: (line: string) => void): 'reused' | 'built' {
  const entry = join(root, AGENT_ENTRY);
  const isCheckout = existsSync(join(root, 'rollup.config.ts')) && existsSync(join(root, 'agent', 'main.ts'));
  if (existsSync(entry)) {
    if (!isCheckout) return 'reused';
    const built = statSync(entry).mtimeMs;
    if (['agent', 'sdk', 'tools'].every((d) => newestSource(join(root, d)) <= built)) return 'reused';
    say('the agent bundle is older than the sources: rebuilding it (npm run build)');
  } else if (!isCheckout) {
    throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `${entry} is missing from this arcedge package`, { fix: 'reinstall arcedge (npm install arcedge); the published package ships dist/bin' });
  } else say('building the agent bundle (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(entry)) {
    throw new ArcEdgeError('DEVICE_INSTALL_FAILED', `npm run build failed in ${root}: ${(result.stderr || result.stdout || result.error?.message || '').trim().split('\n').slice(-8).join('\n')}`, {
      fix: 'run `npm run build` yourself and fix what it reports (`npm run typecheck` helps)',
    });
  }
  return 'built';
}

/** The parts of the effective config flash needs on the host. */
export interface CheckedConfig {
  readonly device: { readonly id: string };
  readonly mqtt: { readonly url?: string; readonly embedded: { readonly host: string; readonly port: number } };
}

/**
 * Runs the bundled agent's `--check-config` on the file: the schema, every problem at once. The
 * secrets it names (env variables, 0600 files) are the device's, so they are not checked here.
 */
export function checkAgentConfig(root: string, configFile: string): CheckedConfig {
  const result = spawnSync(process.execPath, [join(root, AGENT_ENTRY), '--check-config', '--config', configFile], { encoding: 'utf8', env: { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: '1' } });
  if (result.status === 0) return JSON.parse(result.stdout) as CheckedConfig;
  const text = (result.stderr || result.stdout).trim();
  throw new ArcEdgeError('CONFIG_INVALID', `the agent config ${configFile} fails the agent's checks; nothing was copied:\n${text.replace(/^\[CONFIG_INVALID\] /, '')}`, {
    fix: 'fix every problem listed (docs/agent-config.md documents each field), then run arcedge flash again',
  });
}
