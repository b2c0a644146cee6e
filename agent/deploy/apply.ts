/**
 * Applying a model package on the device, in this order (docs/deploy.md, "On the device"):
 *   1. read the staged transfer; verify the package (sizes, hashes, Ed25519 signature against
 *      deploy.trustedKeys); refuse a version not above the serving one of the same name, below
 *      its signing key's floor or deploy.minVersion, or revoked (agent/deploy/trust.ts)
 *   2. install a copy into <dataDir>/models/<name>-v<version>/ and verify the copy
 *   3. every worker loads the recognizer beside the serving one, warms it up and runs the
 *      golden self-test
 *   4. the first worker re-embeds the gallery from its stored crops into a new generation
 *      (complete, not serving yet)
 *   5. COMMIT: models/current.json names the new model and that generation (one rename)
 *   6. each worker switches the gallery generation and its pipeline between two batches and
 *      releases the old sessions; old folders beyond deploy.keep are removed
 * Any failure before 5 leaves the old model serving and drops what was prepared; after a crash,
 * startup (reconcile.ts) finishes 6 or cleans up 2-4. A rollback runs 3-6 with the newest kept model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ArcEdgeError, isArcEdgeError, verifyPackage, type ModelPackageManifest } from '../../sdk/index.ts';
import { checkTrust, raiseKeyFloor } from './trust.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { RecognizerOverride } from '../pipeline/messages.ts';
import type { PipelineHost } from '../pipeline/pipeline-host.ts';
import { applyGallery } from './gallery-push.ts';
import { saveDeployStatus } from './reconcile.ts';
import { readStaged, removeStaged, type StagedTransfer } from './staged.ts';
import { cleanStore, installPackage, packageDirOf, recognizerOf, writePointer, type ModelEntry, type ModelPointer } from './store.ts';

import type { DeployAgent, DeployState, DeployStatus } from './types.ts';

export type { DeployAgent, DeployState, DeployStatus } from './types.ts';

/** Codes that mean "this package is not acceptable" rather than "something broke while applying". */
const REFUSALS = new Set(['PACKAGE_REVOKED', 'PACKAGE_INVALID', 'PACKAGE_TAMPERED', 'PACKAGE_SIGNATURE_INVALID', 'PACKAGE_SELF_TEST_FAILED', 'PACKAGE_VERSION_OLDER', 'MODEL_IO_MISMATCH', 'MODEL_MANIFEST_INVALID', 'DEPLOY_NOT_STAGED', 'GALLERY_CORRUPT', 'GALLERY_MODEL_MISMATCH', 'ROLLBACK_UNAVAILABLE']);

/**
 * Test-only: ARCEDGE_TEST_APPLY_PAUSE=<step> makes an apply stop for good at that step (logged as
 * "apply paused"), so a test can kill -9 the agent exactly there. Steps: verified, installed,
 * self-tested, reembedding (in the worker, with the new generation half written), reembedded,
 * committed.
 */
async function step(logger: Logger, name: string): Promise<void> {
  logger.log('debug', 'apply step', { step: name });
  if (process.env.ARCEDGE_TEST_APPLY_PAUSE === name) {
    logger.log('warn', 'apply paused', { step: name });
    await new Promise(() => {});
  }
}

export function readTrustedKeys(config: AgentConfig): string[] {
  if (config.deploy.trustedKeys.length === 0) {
    throw new ArcEdgeError('PACKAGE_SIGNATURE_INVALID', 'this device trusts no signing key (deploy.trustedKeys is empty), so every package is refused', {
      fix: 'copy the public.pem written by `arcedge keys generate` to the device and list it in the agent config under deploy.trustedKeys, then reload',
      details: { reason: 'no-trusted-keys' },
    });
  }
  return config.deploy.trustedKeys.map((path) => {
    if (!existsSync(path)) throw new ArcEdgeError('CONFIG_INVALID', `deploy.trustedKeys: ${path} does not exist`, { fix: 'copy the public.pem there or fix the path in the config' });
    return readFileSync(path, 'utf8');
  });
}

export class Deployer {
  status: DeployStatus | undefined;
  private busy = false;

  constructor(
    private readonly agent: DeployAgent,
    public pointer: ModelPointer | undefined,
    status: DeployStatus | undefined,
  ) {
    this.status = status;
  }

  get applying(): boolean {
    return this.busy;
  }

  /** The status topic's model field: the pointer's package (or the config's models) and what the worker reports. */
  modelStatus(): { package: string; version: number; modelId: string; embeddingSize: number; backend: string } | undefined {
    const serving = this.agent.host?.serving;
    if (!serving) return undefined;
    const current = this.pointer?.current;
    return {
      package: current?.package ?? 'config',
      version: current?.version ?? 0,
      modelId: serving.modelId,
      embeddingSize: serving.embeddingSize,
      backend: (this.agent.config.inference?.backend?.targets ?? ['cpu']).join(','),
    };
  }

  private host(): PipelineHost {
    if (!this.agent.host) throw new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is restarting', { fix: 'retry in a few seconds' });
    return this.agent.host;
  }

  private setStatus(status: Omit<DeployStatus, 'ts'>): void {
    this.status = { ...status, ts: new Date().toISOString() };
    saveDeployStatus(this.agent.config.dataDir, this.status);
    this.agent.statusChanged();
  }

  private async exclusive<T>(what: { package?: string; version?: number; transfer?: string }, run: () => Promise<T>, done: DeployState): Promise<T> {
    if (this.busy) throw new ArcEdgeError('DEPLOY_BUSY', 'another apply or rollback is running on this device', { fix: 'wait for its reply, then retry' });
    this.busy = true;
    this.setStatus({ state: 'applying', ...what });
    try {
      const result = await run();
      const r = result as { package?: string; version?: number };
      this.setStatus({ state: done, ...what, ...(r.package !== undefined ? { package: r.package } : {}), ...(r.version !== undefined ? { version: r.version } : {}) });
      return result;
    } catch (error) {
      const e = isArcEdgeError(error) ? error : new ArcEdgeError('BACKEND_RUN_FAILED', String((error as Error)?.message ?? error));
      this.agent.logger.log('warn', 'apply refused or failed; the old model keeps serving', { code: e.code, message: e.message, ...what });
      const known = { ...(this.status?.package !== undefined ? { package: this.status.package } : {}), ...(this.status?.version !== undefined ? { version: this.status.version } : {}) };
      this.setStatus({ state: REFUSALS.has(e.code) ? 'refused' : 'failed', ...known, ...what, reason: { code: e.code, message: e.message } });
      throw e;
    } finally {
      this.busy = false;
    }
  }

  async apply(transfer: string): Promise<unknown> {
    return this.exclusive({ transfer }, async () => {
      const staged = readStaged(this.agent.config.dataDir, transfer);
      try {
        return await this.applyStaged(staged);
      } catch (error) {
        // Refused for good (the host still has it); a transient failure keeps it for a retry.
        if (isArcEdgeError(error) && REFUSALS.has(error.code)) removeStaged(staged);
        throw error;
      }
    }, 'applied');
  }

  private async applyStaged(staged: StagedTransfer): Promise<unknown> {
    const transfer = staged.id;
    if (staged.kind === 'gallery') {
      const result = await applyGallery(this.agent, staged);
      removeStaged(staged);
      return { applied: true, package: 'gallery', ...result };
    }
    const keys = readTrustedKeys(this.agent.config);
    const verified = await verifyPackage(staged.path, keys);
    const manifest = verified.manifest;
    const signer = keys[verified.keyIndex]!;
    const { dataDir, deploy } = this.agent.config;
    checkTrust({ dataDir, minVersion: deploy.minVersion ?? 0, revoked: deploy.revoked ?? [] }, manifest, signer);
    const current = this.pointer?.current;
    if (current && current.package === manifest.name && manifest.version <= current.version) {
      throw new ArcEdgeError('PACKAGE_VERSION_OLDER', `package ${manifest.name} version ${manifest.version} is not newer than the serving version ${current.version}`, {
        details: { package: manifest.name, version: manifest.version, serving: current.version },
      });
    }
    this.setStatus({ state: 'applying', transfer, package: manifest.name, version: manifest.version });
    await step(this.agent.logger, 'verified');
    const installed = installPackage(this.agent.config.dataDir, staged.path, manifest);
    const dir = packageDirOf(this.agent.config.dataDir, installed)!;
    await verifyPackage(dir, keys); // the copy, byte for byte
    await step(this.agent.logger, 'installed');
    const result = await this.switchTo(installed, recognizerOf(this.agent.config.dataDir, installed), { dir, manifest }, 'apply');
    raiseKeyFloor(dataDir, signer, manifest.version);
    removeStaged(staged);
    return result;
  }

  async rollback(): Promise<unknown> {
    return this.exclusive({}, async () => {
      const target = this.pointer?.history[0];
      if (!this.pointer || !target) {
        throw new ArcEdgeError('ROLLBACK_UNAVAILABLE', 'this device has no previous model to roll back to', { fix: 'deploy the model you want with `arcedge deploy`' });
      }
      this.setStatus({ state: 'applying', package: target.package, version: target.version });
      const dir = packageDirOf(this.agent.config.dataDir, target);
      let selfTest: { dir: string; manifest: ModelPackageManifest } | undefined;
      if (dir) selfTest = { dir, manifest: (await verifyPackage(dir, readTrustedKeys(this.agent.config))).manifest };
      return this.switchTo(target, recognizerOf(this.agent.config.dataDir, target), selfTest, 'rollback');
    }, 'rolled-back');
  }

  /** Steps 3-6 of the file comment, for an installed (or the config's) model. */
  private async switchTo(entry: ModelEntry, recognizer: RecognizerOverride | undefined, selfTest: { dir: string; manifest: ModelPackageManifest } | undefined, why: 'apply' | 'rollback'): Promise<unknown> {
    const host = this.host();
    const { logger, config } = this.agent;
    const started = Date.now();
    let prepared: { modelId: string; embeddingSize: number; warmupMs: number; selfTest?: { minCosine: number; tolerance: number } } | undefined;
    let pointer: ModelPointer | undefined;
    try {
      for (let worker = 0; worker < host.workerThreads; worker++) {
        prepared = await host.call('modelPrepare', { recognizer, ...(selfTest ? { selfTest } : {}) }, { worker, timeoutMs: 600_000 });
      }
      logger.log('info', 'model loaded and self-tested', { package: entry.package, version: entry.version, ...prepared });
      await step(logger, 'self-tested');
      const built = await host.call('modelBuildGallery', {}, { worker: 0, timeoutMs: 600_000 });
      logger.log('info', 'gallery re-embedded into a new generation', { ...built, modelId: prepared!.modelId });
      await step(logger, 'reembedded');
      const previous = this.pointer?.current ?? this.configEntry();
      const history = why === 'rollback' ? [previous, ...this.pointer!.history.slice(1)] : [previous, ...(this.pointer?.history ?? [])];
      pointer = {
        format: 'arcedge-model-pointer',
        current: { ...entry, modelId: prepared!.modelId, embeddingSize: prepared!.embeddingSize },
        history: history.filter((h) => h.package !== entry.package || h.version !== entry.version).slice(0, config.deploy.keep - 1),
        generation: built.generation,
        committedAt: new Date().toISOString(),
      };
      writePointer(config.dataDir, pointer); // THE commit point
    } catch (error) {
      for (let worker = 0; worker < host.workerThreads; worker++) await host.call('modelDiscard', {}, { worker }).catch(() => {});
      cleanStore(config.dataDir, this.pointer);
      throw error;
    }
    this.pointer = pointer;
    await step(logger, 'committed');
    let committed: { models: Record<string, string>; threshold: number; gallery: { identities: number; templates: number; generation: number } } | undefined;
    try {
      for (let worker = 0; worker < host.workerThreads; worker++) {
        const result = await host.call('modelCommit', worker === 0 ? { generation: pointer.generation } : {}, { worker, timeoutMs: 120_000 });
        committed ??= result;
      }
    } catch (error) {
      // The pointer names the new model: a restart serves it completely (reconcile.ts). Until
      // then the status keeps naming what this process really runs.
      logger.log('error', 'the model is committed but the running pipeline could not switch; restart the agent to serve it', { error: String(error) });
      throw error;
    }
    host.servingChanged({ models: committed!.models, threshold: committed!.threshold, serving: { modelId: prepared!.modelId, embeddingSize: prepared!.embeddingSize, gallery: committed!.gallery } });
    host.setRecognizer(recognizer); // a pipeline process restarted from now on loads this one
    const removed = cleanStore(config.dataDir, pointer);
    logger.log('info', why === 'apply' ? 'model applied' : 'model rolled back', { package: entry.package, version: entry.version, modelId: prepared!.modelId, generation: pointer.generation, removed });
    return {
      applied: true,
      package: entry.package,
      version: entry.version,
      modelId: prepared!.modelId,
      ...(prepared!.selfTest ? { selfTest: prepared!.selfTest } : {}),
      gallery: { generation: committed!.gallery.generation, templates: committed!.gallery.templates },
      ms: Date.now() - started,
    };
  }

  /** The config's own models, as a pointer entry (what a rollback past the first package goes back to). */
  private configEntry(): ModelEntry {
    const serving = this.agent.host?.serving;
    return { package: 'config', version: 0, modelId: serving?.modelId ?? 'unknown', embeddingSize: serving?.embeddingSize ?? 1 };
  }
}
