/**
 * Keeps the event history within events.retentionDays and events.maxMb: by age first, then,
 * while still too large, the oldest events in batches. Runs on a timer and after inserts that
 * push the size over the limit, so a burst of events cannot fill the disk between two timer runs.
 */
import type { EventsStore } from './store.ts';

/** Age: large batches. Size: small ones, so no more than about this many events too many go. */
const AGE_BATCH = 500;
const SIZE_BATCH = 25;

export interface RetentionLimits {
  readonly retentionDays: number;
  readonly maxMb: number;
}

export interface PruneResult {
  readonly byAge: number;
  readonly bySize: number;
}

export function pruneEvents(store: EventsStore, limits: RetentionLimits, now = Date.now()): PruneResult {
  const cutoff = now - limits.retentionDays * 86_400_000;
  let byAge = 0;
  for (let n; (n = store.deleteRows('ts_ms < ?', [cutoff], AGE_BATCH)) > 0; ) byAge += n;
  const maxBytes = limits.maxMb * 1024 * 1024;
  let bySize = 0;
  while (store.sizeBytes() > maxBytes) {
    const n = store.deleteRows('1 = 1', [], SIZE_BATCH);
    if (n === 0) break; // nothing left to delete: the empty database itself is the floor
    bySize += n;
    store.db.pragma('incremental_vacuum');
  }
  if (byAge > 0) store.db.pragma('incremental_vacuum');
  return { byAge, bySize };
}
