/**
 * `<gallery>.previous`, the file a gallery push keeps so a bad push can be undone
 * (agent/deploy/gallery-push.ts). It still holds everyone enrolled before the push, so a
 * `forget` (the right to erasure) deletes it: a person forgotten must not survive in a backup
 * copy the agent keeps itself. The cost is that a push can no longer be undone after a forget.
 */
import { existsSync, rmSync } from 'node:fs';

/** Deletes <gallery>.previous and its SQLite side files; returns whether there was one. */
export function purgePreviousGallery(gallery: string): boolean {
  const previous = `${gallery}.previous`;
  const existed = existsSync(previous);
  for (const p of [previous, `${previous}-wal`, `${previous}-shm`, `${previous}-journal`]) rmSync(p, { force: true });
  return existed;
}
