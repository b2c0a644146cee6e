/**
 * At startup, before the workers load anything: make the model store and the gallery agree with
 * models/current.json, the one commit point of an apply (store.ts).
 *   - the pointer's model serves (it wins over the config's `models`; logged);
 *   - partial copies and installed folders the pointer does not name are removed;
 *   - the gallery: when its serving generation belongs to another model (a crash between the
 *     pointer commit and the switch), the complete generation of the pointer's model is switched
 *     in; generations being built for a model the pointer does not name are dropped;
 *   - an apply the crash interrupted is reported: applied when the pointer names it, else failed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGallery } from '../../sdk/index.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { RecognizerOverride } from '../pipeline/messages.ts';
import type { DeployStatus } from './types.ts';
import { cleanStore, modelsDir, readPointer, recognizerOf, type ModelPointer } from './store.ts';

const STATUS_FILE = 'deploy-status.json';

/** The last deploy status survives restarts, so the retained status keeps telling it. */
export function saveDeployStatus(dataDir: string, status: DeployStatus): void {
  try {
    mkdirSync(modelsDir(dataDir), { recursive: true });
    const path = join(modelsDir(dataDir), STATUS_FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(status));
    renameSync(`${path}.tmp`, path);
  } catch {
    // Informational only: the pointer, not this file, decides what serves.
  }
}

function loadDeployStatus(dataDir: string): DeployStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(modelsDir(dataDir), STATUS_FILE), 'utf8')) as DeployStatus;
  } catch {
    return undefined;
  }
}

export interface Reconciled {
  readonly pointer: ModelPointer | undefined;
  readonly recognizer: RecognizerOverride | undefined;
  readonly status: DeployStatus | undefined;
}

export async function reconcileAtStartup(config: AgentConfig, logger: Logger, options: { clean: boolean }): Promise<Reconciled> {
  const { dataDir } = config;
  const pointer = readPointer(dataDir);
  if (!options.clean) return { pointer, recognizer: pointer ? recognizerOf(dataDir, pointer.current) : undefined, status: loadDeployStatus(dataDir) };
  const removed = cleanStore(dataDir, pointer);
  if (removed.length > 0) logger.log('info', 'removed leftovers of an unfinished apply', { removed });
  const recognizer = pointer ? recognizerOf(dataDir, pointer.current) : undefined;
  if (pointer) {
    logger.log('info', 'serving the deployed model: models/current.json overrides the config\'s models', { package: pointer.current.package, version: pointer.current.version, modelId: pointer.current.modelId });
  }
  if (existsSync(config.gallery)) {
    const gallery = await openGallery(config.gallery, { create: false });
    try {
      const wanted = pointer?.current;
      const serving = gallery.generations().find((g) => g.state === 'serving');
      if (wanted && serving && serving.modelId !== wanted.modelId) {
        const ready = gallery
          .generations()
          .filter((g) => g.modelId === wanted.modelId && g.embeddingSize === wanted.embeddingSize && g.complete && g.state !== 'serving')
          .sort((a, b) => b.generation - a.generation)[0];
        if (ready) {
          gallery.activateGeneration(ready.generation, { keepPrevious: true });
          logger.log('warn', 'gallery switched to the generation of the committed model (the last apply was interrupted after its commit)', { generation: ready.generation, modelId: wanted.modelId });
        } else {
          logger.log('error', 'the gallery has no complete generation for the committed model', { modelId: wanted.modelId, serving: serving.modelId });
        }
      }
      const known = new Set([pointer?.current, ...(pointer?.history ?? [])].flatMap((e) => (e ? [e.modelId] : [])));
      for (const g of gallery.generations()) {
        if (g.state === 'building' && !known.has(g.modelId)) {
          gallery.dropGeneration(g.generation);
          logger.log('info', 'dropped a gallery generation an unfinished apply was building', { generation: g.generation, modelId: g.modelId });
        }
      }
    } finally {
      gallery.close();
    }
  }
  let status = loadDeployStatus(dataDir);
  if (status?.state === 'applying') {
    const done = pointer && status.package !== undefined && pointer.current.package === status.package && pointer.current.version === status.version;
    status = done
      ? { ...status, state: 'applied', ts: new Date().toISOString() }
      : { ...status, state: 'failed', reason: { code: 'DEPLOY_INTERRUPTED', message: 'the agent stopped before the apply committed; the previous model serves' }, ts: new Date().toISOString() };
    saveDeployStatus(dataDir, status);
  }
  return { pointer, recognizer, status };
}
