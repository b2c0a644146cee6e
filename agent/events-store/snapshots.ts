/**
 * Event snapshot files: `<dataDir>/snapshots/<yyyy-mm-dd>/<event id>.jpg`, mode 0600 (faces
 * are personal data). One folder per day keeps folders small and makes the age of a file
 * obvious to someone looking at the disk. Paths stored in the database are relative to the root.
 * The full frame of an event (the face boxed) lies beside its face: `<event id>.frame.jpg`. It is
 * never named in the database: removing a snapshot removes its frame too, so retention, forget
 * and orphan clean-up cover both without a schema change.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { isSealed, SnapshotCipher } from './encryption.ts';

const SAFE_ID = /^[A-Za-z0-9_.-]{1,80}$/;

/** The full frame's path beside a face snapshot's (day/id.jpg -> day/id.frame.jpg). */
export const frameFileOf = (snapshot: string) => snapshot.replace(/\.jpg$/, '.frame.jpg');
const isFrameFile = (file: string) => file.endsWith('.frame.jpg');

export class SnapshotFiles {
  readonly root: string;

  constructor(root: string, private readonly cipher?: SnapshotCipher) {
    this.root = resolve(root);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
  }

  /** Writes the JPEG; returns its relative path, or undefined when the id cannot be a file name. */
  write(eventId: string, ts: Date, jpeg: Uint8Array): string | undefined {
    if (!SAFE_ID.test(eventId) || eventId.startsWith('.') || eventId.endsWith('.frame')) return undefined;
    const day = ts.toISOString().slice(0, 10);
    mkdirSync(join(this.root, day), { recursive: true, mode: 0o700 });
    const relative = `${day}/${eventId}.jpg`;
    writeFileSync(this.path(relative), this.cipher ? this.cipher.seal(jpeg) : jpeg, { mode: 0o600 });
    return relative;
  }

  /** Writes the full frame beside the snapshot at `snapshot` (sealed like it when encrypting). */
  writeFrame(snapshot: string, jpeg: Uint8Array): void {
    writeFileSync(this.path(frameFileOf(snapshot)), this.cipher ? this.cipher.seal(jpeg) : jpeg, { mode: 0o600 });
  }

  read(relative: string): Buffer | undefined {
    try {
      const stored = readFileSync(this.path(relative));
      if (this.cipher) return this.cipher.open(stored);
      return isSealed(stored) ? undefined : stored; // sealed, and no key to open it
    } catch {
      return undefined;
    }
  }

  exists(relative: string): boolean {
    return existsSync(this.path(relative));
  }

  /**
   * True when a file was removed (a missing file is not an error: it is already gone). A face
   * snapshot's full frame goes with it.
   */
  remove(relative: string): boolean {
    if (!isFrameFile(relative)) this.remove(frameFileOf(relative));
    try {
      unlinkSync(this.path(relative));
      return true;
    } catch {
      return false;
    }
  }

  /** Every snapshot file, as relative paths (day/file.jpg). */
  list(): string[] {
    const out: string[] = [];
    for (const day of readdirSync(this.root, { withFileTypes: true })) {
      if (!day.isDirectory() || !/^\d{4}-\d\d-\d\d$/.test(day.name)) continue;
      for (const file of readdirSync(join(this.root, day.name))) if (file.endsWith('.jpg')) out.push(`${day.name}/${file}`);
    }
    return out;
  }

  /** Removes day folders left empty by retention. */
  removeEmptyDays(days: readonly string[]): void {
    for (const day of days) {
      try {
        rmdirSync(join(this.root, day));
      } catch {
        // not empty (or already gone): keep it
      }
    }
  }

  private path(relative: string): string {
    const full = resolve(this.root, relative);
    if (!full.startsWith(this.root + sep)) throw new Error(`snapshot path escapes the snapshot folder: ${relative}`);
    return full;
  }
}
