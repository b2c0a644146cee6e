/**
 * The durable event outbox. Every event is written to its own file (fsynced, then renamed into
 * place) BEFORE it is handed to MQTT, and deleted only when the broker's PUBACK arrives. A broker
 * outage, an agent crash or a power cut therefore loses nothing: whatever is on disk is sent
 * again on the next connection. Delivery is at least once; subscribers dedupe on event.id.
 *
 * File names sort in creation order (time, then a counter), so events go out in order.
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

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // A crash between write and rename leaves a .tmp: it was never acknowledged to anyone, drop it.
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) unlinkSync(join(dir, f));
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
    return { file: name, payload };
  }

  /** File names of every pending entry, oldest first. */
  pendingFiles(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort();
  }

  /** An entry's payload, or undefined when it was acknowledged and deleted meanwhile. */
  read(file: string): string | undefined {
    try {
      return readFileSync(join(this.dir, file), 'utf8');
    } catch {
      return undefined;
    }
  }

  size(): number {
    return readdirSync(this.dir).filter((f) => f.endsWith('.json')).length;
  }

  /** Called on PUBACK. A second delete (a duplicate delivery was acknowledged too) is fine. */
  remove(file: string): void {
    try {
      unlinkSync(join(this.dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
