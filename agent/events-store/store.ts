/**
 * The event history: every event the agent publishes, in SQLite (`<dataDir>/events.db`, WAL,
 * mode 0600), with the face snapshot as a file (snapshots.ts). The web Events page and the MQTT
 * `events` command read it with the same filters and cursor. Retention (retention.ts) deletes
 * by age and by size, oldest first. Forgetting a person deletes their snapshots and removes
 * their identity from their events, and keeps an erasure record without biometric data.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArcEdgeError, type EventsPage, type EventsQuery, type RecognitionEvent, type StoredEvent } from '../../sdk/index.ts';
import { openSqliteDatabase, type SqliteDatabase } from '../../sdk/internal.ts';
import { frameFileOf, SnapshotFiles } from './snapshots.ts';
import { SnapshotCipher } from './encryption.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  camera TEXT NOT NULL,
  person_id TEXT,
  name TEXT,
  score REAL NOT NULL,
  track INTEGER NOT NULL,
  snapshot TEXT,
  snapshot_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts_ms);
CREATE INDEX IF NOT EXISTS events_person ON events (person_id, seq);
CREATE INDEX IF NOT EXISTS events_camera ON events (camera, seq);
CREATE TABLE IF NOT EXISTS erasures (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  person_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  templates INTEGER NOT NULL,
  snapshots INTEGER NOT NULL,
  events INTEGER NOT NULL
);`;

interface Row {
  seq: number;
  id: string;
  type: StoredEvent['type'];
  ts_ms: number;
  camera: string;
  person_id: string | null;
  name: string | null;
  score: number;
  track: number;
  snapshot: string | null;
}

export interface ErasureRecord {
  readonly ts: string;
  readonly personId: string;
  readonly actor: string;
  readonly templates: number;
  readonly snapshots: number;
  readonly events: number;
}

export class EventsStore {
  readonly db: SqliteDatabase;
  readonly snapshots: SnapshotFiles;
  readonly path: string;
  /** Sum of snapshot file sizes, kept in memory so the size check on insert costs nothing. */
  snapshotBytes = 0;

  /** key: encrypt events.db and the snapshots (events.encrypt; agent/events-store/encryption.ts). */
  constructor(dataDir: string, options: { key?: string } = {}) {
    this.path = join(dataDir, 'events.db');
    try {
      if (!existsSync(this.path)) writeFileSync(this.path, '', { mode: 0o600 });
      chmodSync(this.path, 0o600);
      this.db = openSqliteDatabase(this.path, options.key !== undefined ? { key: options.key } : {});
      // Before any table exists, so that deleted pages can be handed back to the file system.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      // The main thread writes here: NORMAL skips the fsync per insert (WAL stays consistent; a
      // power cut can lose the last events of the history, never the MQTT outbox's copy).
      this.db.pragma('synchronous = NORMAL');
      // Deleted rows are overwritten, not just unlinked: forgetting a person must not leave
      // their data in free pages.
      this.db.pragma('secure_delete = ON');
      this.db.exec(SCHEMA);
    } catch (error) {
      throw new ArcEdgeError('EVENTS_STORE_FAILED', `cannot open the event history ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.snapshots = new SnapshotFiles(join(dataDir, 'snapshots'), options.key !== undefined ? new SnapshotCipher(options.key) : undefined);
    this.snapshotBytes = (this.db.prepare('SELECT COALESCE(SUM(snapshot_bytes), 0) AS b FROM events').get() as { b: number }).b;
    this.orphans = this.removeOrphans();
  }

  /** Snapshot files without a row (a crash between writing the file and the row) removed at open. */
  readonly orphans: number;

  private removeOrphans(): number {
    const known = new Set((this.db.prepare('SELECT snapshot FROM events WHERE snapshot IS NOT NULL').all() as { snapshot: string }[]).map((r) => r.snapshot));
    let removed = 0;
    for (const file of this.snapshots.list()) {
      const owner = file.endsWith('.frame.jpg') ? file.slice(0, -'.frame.jpg'.length) + '.jpg' : file; // a full frame belongs to its snapshot's row
      if (!known.has(owner) && this.snapshots.remove(file)) removed += 1;
    }
    return removed;
  }

  /**
   * Stores one event (its face snapshot JPEG, and the full frame with the face boxed beside it);
   * a repeated id (at-least-once) is ignored. A frame without a face snapshot is not kept.
   */
  insert(event: RecognitionEvent, jpeg: Uint8Array | undefined, frame?: Uint8Array): boolean {
    const ts = new Date(event.ts);
    const known = this.db.prepare('SELECT 1 FROM events WHERE id = ?').get(event.id);
    if (known) return false;
    const snapshot = jpeg ? this.snapshots.write(event.id, ts, jpeg) : undefined;
    // snapshot_bytes counts both files, so events.maxMb and the size pruning see the frame too.
    const bytes = snapshot ? jpeg!.byteLength + (frame?.byteLength ?? 0) : 0;
    try {
      if (snapshot && frame) this.snapshots.writeFrame(snapshot, frame);
      this.db
        .prepare('INSERT INTO events (id, type, ts_ms, camera, person_id, name, score, track, snapshot, snapshot_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(event.id, event.type, ts.getTime(), event.camera, event.identity?.id ?? null, event.identity?.name ?? null, event.score, event.track, snapshot ?? null, bytes);
    } catch (error) {
      if (snapshot) this.snapshots.remove(snapshot); // no file without its row
      throw new ArcEdgeError('EVENTS_STORE_FAILED', `cannot store event ${event.id}: ${(error as Error).message}`, { cause: error });
    }
    this.snapshotBytes += bytes;
    return true;
  }

  query(query: EventsQuery): EventsPage {
    const { where, params } = filters(query);
    if (query.before) where.push('seq < ?'), params.push(Number(query.before));
    const rows = this.db.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(...params, query.limit + 1) as Row[];
    const page = rows.slice(0, query.limit);
    return { events: page.map((r) => this.toEvent(r)), next: rows.length > query.limit ? String(page[page.length - 1]!.seq) : null };
  }

  /** Events matching the query's filters over all pages (the web's "1-25 of 312"). */
  count(query: EventsQuery): number {
    const { where, params } = filters(query);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n;
  }

  get(id: string): StoredEvent | undefined {
    const row = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toEvent(row) : undefined;
  }

  snapshot(id: string): Buffer | undefined {
    const row = this.db.prepare('SELECT snapshot FROM events WHERE id = ?').get(id) as { snapshot: string | null } | undefined;
    return row?.snapshot ? this.snapshots.read(row.snapshot) : undefined;
  }

  /** The full frame with the face boxed, stored beside the snapshot (undefined when none was kept). */
  frame(id: string): Buffer | undefined {
    const row = this.db.prepare('SELECT snapshot FROM events WHERE id = ?').get(id) as { snapshot: string | null } | undefined;
    return row?.snapshot ? this.snapshots.read(frameFileOf(row.snapshot)) : undefined;
  }

  private toEvent(row: Row): StoredEvent {
    const event = toEvent(row);
    return row.snapshot && this.snapshots.exists(frameFileOf(row.snapshot)) ? { ...event, frameUrl: `/api/events/${encodeURIComponent(row.id)}/frame.jpg` } : event;
  }

  /**
   * The right to erasure for one person: their snapshot files are deleted, their events keep
   * time and camera but lose the identity, and a record of what was done is kept.
   */
  forgetPerson(personId: string, actor: string, templates: number): ErasureRecord {
    const rows = this.db.prepare('SELECT seq, snapshot, snapshot_bytes AS bytes FROM events WHERE person_id = ?').all(personId) as { seq: number; snapshot: string | null; bytes: number }[];
    let snapshots = 0;
    for (const row of rows) {
      if (!row.snapshot) continue;
      this.snapshots.remove(row.snapshot);
      snapshots += 1;
      this.snapshotBytes -= row.bytes;
    }
    const record = { ts: new Date().toISOString(), personId, actor, templates, snapshots, events: rows.length };
    this.db.transaction(() => {
      this.db.prepare('UPDATE events SET person_id = NULL, name = NULL, snapshot = NULL, snapshot_bytes = 0 WHERE person_id = ?').run(personId);
      this.db.prepare('INSERT INTO erasures (ts, person_id, actor, templates, snapshots, events) VALUES (?, ?, ?, ?, ?, ?)').run(record.ts, personId, actor, templates, snapshots, rows.length);
    })();
    // The WAL holds copies of the changed pages until a checkpoint: write them back and truncate.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return record;
  }

  erasures(): ErasureRecord[] {
    return (this.db.prepare('SELECT ts, person_id AS personId, actor, templates, snapshots, events FROM erasures ORDER BY seq').all() as ErasureRecord[]).map((r) => ({ ...r }));
  }

  /** A rename or merge in the gallery, carried into the history so pages show the current name. */
  relabel(fromPersonId: string, to: { id: string; name: string }): number {
    return this.db.prepare('UPDATE events SET person_id = ?, name = ? WHERE person_id = ?').run(to.id, to.name, fromPersonId).changes;
  }

  /**
   * The event a face was enrolled from now names that person, so a later forget erases its
   * snapshot too (it was an "unknown" event, which forgetPerson would otherwise not find).
   */
  claimEvent(eventId: string, to: { id: string; name: string }): boolean {
    return this.db.prepare('UPDATE events SET person_id = ?, name = ? WHERE id = ?').run(to.id, to.name, eventId).changes > 0;
  }

  /** Bytes on disk that count against events.maxMb: used database pages plus snapshot files. */
  sizeBytes(): number {
    const page = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * page + this.snapshotBytes;
  }

  /** Deletes the given events (oldest first from retention); returns how many. */
  deleteRows(where: 'ts_ms < ?' | '1 = 1', params: unknown[], limit: number): number {
    const rows = this.db.prepare(`SELECT seq, snapshot, snapshot_bytes AS bytes FROM events WHERE ${where} ORDER BY seq LIMIT ?`).all(...params, limit) as { seq: number; snapshot: string | null; bytes: number }[];
    if (rows.length === 0) return 0;
    const days = new Set<string>();
    for (const row of rows) {
      if (!row.snapshot) continue;
      this.snapshots.remove(row.snapshot);
      this.snapshotBytes -= row.bytes;
      days.add(row.snapshot.split('/')[0]!);
    }
    this.db.prepare('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))').run(JSON.stringify(rows.map((r) => r.seq)));
    this.snapshots.removeEmptyDays([...days]);
    return rows.length;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toEvent(row: Row): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    ts: new Date(row.ts_ms).toISOString(),
    camera: row.camera,
    personId: row.person_id,
    name: row.name,
    score: row.score,
    trackId: row.track,
    snapshotUrl: row.snapshot ? `/api/events/${encodeURIComponent(row.id)}/snapshot.jpg` : null,
  };
}

function filters(query: EventsQuery): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.person) where.push('person_id = ?'), params.push(query.person);
  if (query.camera) where.push('camera = ?'), params.push(query.camera);
  if (query.from) where.push('ts_ms >= ?'), params.push(Date.parse(query.from));
  if (query.to) where.push('ts_ms < ?'), params.push(Date.parse(query.to));
  if (query.type) where.push('type = ?'), params.push(query.type);
  else where.push("type IN ('recognized', 'unknown')");
  return { where, params };
}
