/**
 * Shared by the deploy e2e tests: a signed package of fr_feature_512 (built once per checkout
 * under test/.tmp, with the golden faces aligned by det_500m), a second key pair the devices do
 * not trust, a quiet way to run the CLI in-process, and agents with their own data folders.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { assetModel, repoRoot, requireAssets } from '../helpers/assets.ts';
import { AgentProcess, TEST_MODELS, writeConfig } from '../agent/harness.ts';

export const DEPLOY_TMP = join(repoRoot, 'test', '.tmp', 'deploy');

export { cli };

/** keys/ (trusted by the test devices), other-keys/ (not), and packages signed by each (v100 and v102 trusted, v101 not). */
export async function packages(): Promise<{ keys: string; trusted: string; untrusted: string; newer: string; publicPem: string }> {
  const root = join(DEPLOY_TMP, 'packages');
  const keys = join(root, 'keys');
  const other = join(root, 'other-keys');
  const trusted = join(root, 'pkg-trusted');
  const untrusted = join(root, 'pkg-untrusted');
  const newer = join(root, 'pkg-trusted-v102');
  mkdirSync(root, { recursive: true });
  for (const k of [keys, other]) if (!existsSync(join(k, 'public.pem'))) assertOk(await cli(['keys', 'generate', '--out', k]), 'keys generate');
  const build = async (out: string, key: string, version: string) => {
    if (existsSync(join(out, 'signature.sig'))) return;
    assertOk(
      await cli([
        'package', assetModel('fr_feature_512.onnx'), '--key', join(key, 'private.pem'), '--out', out, '--version', version,
        '--faces', join(requireAssets(), 'faces', 'deepface'), '--faces-models', `local:${join(requireAssets(), 'models')}`, '--detector', 'det_500m.onnx',
      ]),
      `package ${out}`,
    );
  };
  await build(trusted, keys, '100');
  await build(untrusted, other, '101');
  await build(newer, keys, '102');
  return { keys, trusted, untrusted, newer, publicPem: readFileSync(join(keys, 'public.pem'), 'utf8') };
}

function assertOk(r: { code: number; stdout: string; stderr: string }, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

export interface TestAgent {
  readonly id: string;
  readonly dataDir: string;
  readonly configPath: string;
  process: AgentProcess;
  restart(): Promise<void>;
}

/** An agent (child process) with its camera off: deploys need the MQTT side only. */
export function startAgent(dir: string, id: string, brokerUrl: string, extra: Record<string, unknown> = {}): TestAgent {
  const dataDir = join(dir, `data-${id}`);
  const configPath = writeConfig(join(dir, `agent-${id}.json`), {
    device: { id },
    mqtt: { url: brokerUrl, reconnectMs: 300, keepaliveSec: 10 },
    models: TEST_MODELS(),
    inference: { backend: { threads: 1 } },
    gallery: join(dir, `gallery-${id}.db`),
    dataDir,
    cameras: [{ id: 'door', source: 'folder:///nonexistent', enabled: false }],
    ...extra,
  });
  const agent: TestAgent = {
    id,
    dataDir,
    configPath,
    process: new AgentProcess(configPath),
    async restart() {
      await agent.process.kill('SIGKILL');
      agent.process = new AgentProcess(configPath);
    },
  };
  return agent;
}
