/**
 * The durable event outbox. Every event is written to its own file (fsynced, then renamed into
 * place) BEFORE it is handed to MQTT, and deleted only when the broker's PUBACK arrives. A broker
 * outage, an agent crash or a power cut therefore loses nothing: whatever is on disk is sent
 * again on the next connection. Delivery is at least once; subscribers dedupe on event.id.
 *
 * File names sort in creation order (time, then a counter), so events go out in order. The
 * directory is listed once, at construction; from then on an in-memory index (a Map, which keeps
 * insertion order) is the truth for "what is pending", so add, remove and count are O(1). Listing
 * and sorting the directory per publish made a drain after a long outage O(N^2).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ArcEdgeError } from '../../sdk/index.ts';

export interface OutboxEntry {
  readonly file: string;
  readonly payload: string;
}

export class Outbox {
  private counter = 0;
  /** Pending file names, oldest first (loaded sorted; later names are always greater). */
  private readonly pending = new Map<string, true>();
  private readonly listeners: ((file: string) => void)[] = [];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir);
    // A crash between write and rename leaves a .tmp: it was never acknowledged to anyone, drop it.
    for (const f of names) if (f.endsWith('.tmp')) unlinkSync(join(dir, f));
    for (const f of names.filter((n) => n.endsWith('.json')).sort()) this.pending.set(f, true);
  }

  /** Persists one payload; returns its entry once it is on disk. */
  add(payload: string): OutboxEntry {
    const name = `${Date.now().toString().padStart(15, '0')}-${(this.counter++).toString().padStart(8, '0')}-${process.pid}.json`;
    const tmp = join(this.dir, `${name}.tmp`);
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, payload);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(this.dir, name));
    } catch (error) {
      throw new ArcEdgeError('STORAGE_WRITE_FAILED', `cannot write the event outbox in ${this.dir}: ${(error as Error).message}`, { cause: error, details: { dir: this.dir } });
    }
    this.pending.set(name, true);
    for (const listener of this.listeners) listener(name);
    return { file: name, payload };
  }

  /** Called with each new entry's file name once it is on disk (the publisher queues it). */
  onAdded(listener: (file: string) => void): void {
    this.listeners.push(listener);
  }

  /** File names of every pending entry, oldest first (O(N): for a reconnect or a test, not per event). */
  pendingFiles(): string[] {
    return [...this.pending.keys()];
  }

  has(file: string): boolean {
    return this.pending.has(file);
  }

  /** An entry's payload, or undefined when it was acknowledged and deleted meanwhile. */
  read(file: string): string | undefined {
    if (!this.pending.has(file)) return undefined;
    try {
      return readFileSync(join(this.dir, file), 'utf8');
    } catch {
      this.pending.delete(file); // removed behind our back: nothing left to send
      return undefined;
    }
  }

  /** Pending entries, O(1). */
  size(): number {
    return this.pending.size;
  }

  /** Called on PUBACK. A second delete (a duplicate delivery was acknowledged too) is fine. */
  remove(file: string): void {
    this.pending.delete(file);
    try {
      unlinkSync(join(this.dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
