/**
 * A host-built gallery pushed to the device (`arcedge gallery push`): validated as an SDK gallery
 * (integrity, format, a serving generation), re-embedded with the device's recognizer when it
 * was built with another one, then swapped in for the configured gallery file between frames:
 * the old file is kept as <gallery>.previous and the new one moved over it by one rename, so a
 * crash leaves one complete gallery or the other. The new file is 0600 before it is renamed in;
 * `forget` deletes .previous (agent/deploy/gallery-previous.ts).
 */
import { chmodSync, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ArcEdgeError, openGallery } from '../../sdk/index.ts';
import type { DeployAgent } from './types.ts';
import type { StagedTransfer } from './staged.ts';
import { fsyncPath } from './store.ts';

/**
 * A closed gallery's -wal is empty (close() checkpoints with TRUNCATE). Left beside a file it no
 * longer belongs to, SQLite would read it as that file's log, so it goes; a non-empty one means
 * the checkpoint failed and the swap stops before anything moved.
 */
function dropCheckpointedWal(path: string): void {
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new ArcEdgeError('GALLERY_WRITE_FAILED', `${wal} still holds changes after closing the gallery, so it cannot be swapped now`, { fix: 'free disk space and push again; nothing was replaced' });
  }
  rmSync(wal, { force: true });
  rmSync(`${path}-shm`, { force: true });
}

/** Opens the pushed file read-only: a foreign or damaged file is refused before anything changes. */
async function inspect(path: string): Promise<{ modelId: string; embeddingSize: number; identities: number; templates: number }> {
  let gallery;
  try {
    gallery = await openGallery(path, { create: false, readOnly: true, verify: true });
  } catch (error) {
    const e = error as ArcEdgeError;
    throw new ArcEdgeError('GALLERY_CORRUPT', `the pushed gallery is not a usable arcedge gallery: ${e.message}`, {
      fix: 'push a file written by `arcedge enroll` / `arcedge gallery` (plaintext, or encrypted with the device\'s key)',
      details: { code: e.code },
      cause: error,
    });
  }
  try {
    const m = gallery.metadata();
    return { modelId: m.modelId, embeddingSize: m.embeddingSize, identities: m.identities, templates: m.templates };
  } finally {
    gallery.close();
  }
}

export async function applyGallery(agent: DeployAgent, staged: StagedTransfer): Promise<{ identities: number; templates: number; generation: number; reembedded: boolean }> {
  const host = agent.host;
  if (!host?.serving) throw new ArcEdgeError('BACKEND_DISPOSED', 'the pipeline is restarting', { fix: 'retry in a few seconds' });
  const pushed = await inspect(staged.path);
  const device = host.serving;
  const reembedded = pushed.modelId !== device.modelId || pushed.embeddingSize !== device.embeddingSize;
  if (reembedded) {
    agent.logger.log('info', 'pushed gallery built with another recognizer: re-embedding it', { from: pushed.modelId, to: device.modelId, templates: pushed.templates });
    await host.call('galleryReembed', { path: staged.path }, { worker: 0, timeoutMs: 600_000 });
  }
  const target = agent.config.gallery;
  const reopen = async () => {
    let info: { identities: number; templates: number; generation: number } | undefined;
    for (let worker = 0; worker < host.workerThreads; worker++) info = await host.call('galleryOpen', {}, { worker });
    host.servingChanged({ serving: { ...device, gallery: info! } });
  };
  await host.hold();
  try {
    for (let worker = 0; worker < host.workerThreads; worker++) await host.call('galleryClose', {}, { worker });
    try {
      // Closed everywhere and checkpointed: the old file is whole; keep it, then one rename commits.
      dropCheckpointedWal(staged.path);
      dropCheckpointedWal(target);
      if (existsSync(target)) {
        rmSync(`${target}.previous`, { force: true });
        linkSync(target, `${target}.previous`);
      }
      // Biometric templates: owner-only, whatever mode the transfer left (and a umask gives).
      chmodSync(staged.path, 0o600);
      renameSync(staged.path, target);
      fsyncPath(dirname(target));
    } catch (error) {
      await reopen();
      throw error;
    }
    try {
      await reopen();
    } catch (error) {
      // The new file cannot be served after all: the kept one goes back, so the device never
      // ends up without a gallery.
      agent.logger.log('error', 'the pushed gallery could not be opened; putting the previous one back', { error: String(error) });
      renameSync(`${target}.previous`, target);
      fsyncPath(dirname(target));
      await reopen();
      throw error;
    }
  } finally {
    host.release();
  }
  agent.logger.log('info', 'gallery replaced', { ...host.serving.gallery, reembedded, previous: `${target}.previous` });
  return { ...host.serving.gallery, reembedded };
}
