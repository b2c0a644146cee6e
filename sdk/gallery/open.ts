/**
 * openGallery(): create or open a gallery file, in this order: resolve the key; create the file
 * 0600 when missing; tell an encrypted file from a plaintext one by its header; open it (WAL,
 * synchronous=FULL, foreign keys); create or validate the schema; check the model; load the
 * search index. Every failure is a typed error and leaves the file as it was.
 */
import { accessSync, chmodSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ArcEdgeError } from '../errors.ts';
import { AGGREGATIONS, EMBEDDING_STORAGES } from '../match/types.ts';
import { GALLERY_DEFAULTS } from './defaults.ts';
import { resolveKey } from './key.ts';
import { nowIso } from './records.ts';
import { DDL, FORMAT, readMeta, SCHEMA_VERSION, servingGeneration, writeMeta } from './schema.ts';
import { loadSqlite, quoteLiteral, sqliteCode, type Database } from './sqlite.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import { SqliteGallery } from './sqlite-gallery.ts';
import type { Gallery, GalleryModel, GalleryOptions } from './types.ts';

const ModelSchema = z
  .object({
    id: z.string().min(1).describe('model id from the recognizer manifest'),
    embeddingSize: z.number().int().positive().describe('embedding length'),
    recommendedThreshold: z.number().min(-1).max(1).optional().describe('manifest recommendedThreshold.threshold'),
    recommendedFar: z.number().gt(0).lt(1).optional().describe('FAR the recommendation was measured at'),
  })
  .strict();

export const GalleryOptionsSchema = z
  .object({
    model: ModelSchema.optional().describe('the recognizer; required to create, checked when opening'),
    create: z.boolean().optional().describe('create the file when missing (default true)'),
    readOnly: z.boolean().optional().describe('open read-only'),
    key: z.string().optional().describe('encryption key (default $ARCEDGE_GALLERY_KEY or $ARCEDGE_GALLERY_KEY_FILE)'),
    storage: z.enum(EMBEDDING_STORAGES).optional().describe('search matrix precision (default float32)'),
    aggregation: z.enum(AGGREGATIONS).optional().describe('per-identity score: best or trimmed-mean (default best)'),
    maxBytes: z.number().int().positive().optional().describe('cap on the file size; writes past it fail like a full disk'),
    verify: z.boolean().optional().describe('quick_check on open (default: files up to 256 MiB)'),
    search: z.enum(['auto', 'exact', 'hnsw']).optional().describe("identify()/rank() search: exact scan, HNSW graph, or auto (graph from annMinTemplates on; default)"),
    annMinTemplates: z.number().int().min(0).optional().describe('search "auto": templates from which the HNSW graph is used (default 100000, the measured crossover)'),
    logger: z
      .custom<(line: string) => void>((v) => typeof v === 'function', 'a function (line: string) => void')
      .optional()
      .describe('where search-graph notes go (rebuilt, not used and why); default console.warn'),
  })
  .strict();

const VERIFY_LIMIT_BYTES = 256 * 1024 * 1024;

function quickCheck(db: Database, file: string): void {
  const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw new ArcEdgeError('GALLERY_CORRUPT', `${file} is damaged: ${problems.join('; ')}`, {
      fix: 'restore it from a backup or an `arcedge gallery export`; `sqlite3 <file> .recover` may salvage rows',
      details: { path: file, problems },
    });
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Opens (or creates) the gallery at `path`. */
export async function openGallery(path: string, options: GalleryOptions = {}): Promise<Gallery> {
  const parsed = GalleryOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ArcEdgeError('CONFIG_INVALID', `gallery options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, {
      details: { issues: parsed.error.issues },
    });
  }
  const file = resolve(path);
  const { create = true, readOnly = false, model } = options;
  const key = resolveKey(options.key);
  const exists = existsSync(file) && statSync(file).size > 0;
  if (!exists) {
    if (!create || readOnly) {
      throw new ArcEdgeError('GALLERY_NOT_FOUND', `no gallery at ${file}`, { fix: 'check the path, or create one by enrolling (arcedge enroll ... --gallery <file>)' });
    }
    if (!model) {
      throw new ArcEdgeError('CONFIG_INVALID', `creating the gallery ${file} needs options.model ({ id, embeddingSize, recommendedThreshold })`, {
        fix: 'pass the recognizer that will fill it (createGalleryModel(pipeline) builds it from a pipeline)',
      });
    }
    createPrivateFile(file);
  } else {
    const plaintext = readHeader(file).equals(SQLITE_HEADER);
    if (!plaintext && key === undefined) {
      throw new ArcEdgeError('GALLERY_KEY_REQUIRED', `${file} is not a plaintext SQLite file: it is an encrypted gallery (give its key) or a damaged file`, {
        fix: 'set ARCEDGE_GALLERY_KEY (or ARCEDGE_GALLERY_KEY_FILE, a 0600 file) to the key it was created with',
        details: { path: file },
      });
    }
    if (plaintext && key !== undefined) {
      throw new ArcEdgeError('GALLERY_KEY_INVALID', `${file} is a plaintext (unencrypted) gallery, but a key was given`, {
        fix: 'open it without a key (unset ARCEDGE_GALLERY_KEY / ARCEDGE_GALLERY_KEY_FILE); to encrypt it, export it and import into a new gallery opened with the key',
        details: { path: file },
      });
    }
  }
  const Database = loadSqlite(key === undefined ? 'better-sqlite3' : 'better-sqlite3-multiple-ciphers');
  let db: Database | undefined;
  try {
    db = new Database(file, { readonly: readOnly, fileMustExist: true, timeout: 5000 });
    if (key !== undefined) unlock(db, key, file);
    if (!readOnly && exists && !canWrite(db, file)) {
      throw new ArcEdgeError('GALLERY_READ_ONLY', `${file} can only be opened read-only here (read-only file system or permissions)`, {
        fix: 'remount the disk read-write or fix the permissions; to serve from it as it is, open it with readOnly',
        details: { path: file },
      });
    }
    // Everything that can refuse the file runs before the first write (the WAL switch rewrites
    // the header), so a refused file is left byte-for-byte as it was.
    if (exists) {
      if (options.verify ?? statSync(file).size <= VERIFY_LIMIT_BYTES) quickCheck(db, file);
      checkFormat(db, file);
      checkModel(db, file, model);
    }
    // WAL: readers (the agent) never block the writer (the CLI); FULL: a committed transaction
    // is fsynced before commit returns, so it survives power loss too (docs/gallery.md).
    if (!readOnly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Deleted templates (a forgotten person's crops and embeddings) are overwritten with zeros,
    // not just unlinked into the free list where the bytes would stay readable.
    db.pragma('secure_delete = ON');
    if (options.maxBytes !== undefined) {
      const page = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / page))}`);
    }
    if (!exists) initialise(db, model!);
    const gallery = new SqliteGallery({
      db,
      path: file,
      encrypted: key !== undefined,
      readOnly,
      storage: options.storage ?? GALLERY_DEFAULTS.storage,
      aggregation: options.aggregation ?? GALLERY_DEFAULTS.aggregation,
      search: options.search ?? 'auto',
      annMinTemplates: options.annMinTemplates,
      log: options.logger ?? ((line: string) => console.warn(line)),
    });
    return gallery;
  } catch (error) {
    db?.close();
    throw mapSqliteError(error, file, 'opening');
  }
}

/** SQLite silently opens an unwritable file read-only; ask for a write lock to find out early. */
function canWrite(db: Database, file: string): boolean {
  // The file system first: SQLite can open a read-only file whose -wal and -shm survive
  // (e.g. a full disk, then a read-only remount) and still grant the write lock.
  for (const path of [file, dirname(file)]) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      return false;
    }
  }
  try {
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
    return true;
  } catch (error) {
    if (sqliteCode(error)?.startsWith('SQLITE_READONLY')) return false;
    throw error;
  }
}

function createPrivateFile(file: string): void {
  try {
    // 'wx' fails if another process created it meanwhile; SQLite gives the -wal and -shm files
    // the database file's permissions, so 0600 here keeps all three private.
    closeSync(openSync(file, existsSync(file) ? 'r+' : 'wx', 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArcEdgeError(code === 'ENOSPC' ? 'GALLERY_WRITE_FAILED' : 'GALLERY_READ_ONLY', `cannot create the gallery ${file}: ${(error as Error).message}`, {
      fix: code === 'ENOSPC' ? 'free space on that file system' : 'create it in a folder you can write to',
      details: { path: file, errno: code },
      cause: error,
    });
  }
}

function unlock(db: Database, key: string, file: string): void {
  // SQLCipher 4 format, so the file also opens with the sqlcipher CLI and SQLCipher libraries.
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.pragma(`key = ${quoteLiteral(key)}`);
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw new ArcEdgeError('GALLERY_KEY_INVALID', `the key does not open ${file} (wrong key, or the file is damaged)`, {
      fix: 'use the key the gallery was created with (ARCEDGE_GALLERY_KEY or ARCEDGE_GALLERY_KEY_FILE); without it the data cannot be recovered',
      details: { path: file },
      cause: error,
    });
  }
}

function initialise(db: Database, model: GalleryModel): void {
  db.transaction(() => {
    db.exec(DDL);
    writeMeta(db, {
      format: FORMAT,
      schema_version: String(SCHEMA_VERSION),
      threshold: String(model.recommendedThreshold ?? GALLERY_DEFAULTS.threshold),
      far: model.recommendedFar === undefined ? '' : String(model.recommendedFar),
      threshold_source: model.recommendedThreshold === undefined ? 'default' : 'recognizer',
      threshold_model_id: model.id,
      margin: String(GALLERY_DEFAULTS.margin),
      created_at: nowIso(),
    });
    db.prepare("INSERT INTO generations (generation, model_id, embedding_size, state, recommended_threshold, recommended_far, created_at) VALUES (1, ?, ?, 'serving', ?, ?, ?)").run(
      model.id,
      model.embeddingSize,
      model.recommendedThreshold ?? null,
      model.recommendedFar ?? null,
      nowIso(),
    );
  })();
}

function checkFormat(db: Database, file: string): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  const meta = hasMeta ? readMeta(db) : {};
  if (meta.format !== FORMAT) {
    throw new ArcEdgeError('GALLERY_CORRUPT', `${file} is an SQLite database but not an arcedge gallery`, { fix: 'pass the gallery file (created by arcedge enroll or openGallery)', details: { path: file } });
  }
  if (Number(meta.schema_version) > SCHEMA_VERSION) {
    throw new ArcEdgeError('GALLERY_OPEN_FAILED', `${file} has gallery format ${meta.schema_version}; this arcedge reads up to ${SCHEMA_VERSION}`, { fix: 'upgrade arcedge', details: { path: file } });
  }
}

function checkModel(db: Database, file: string, model: GalleryModel | undefined): void {
  const serving = servingGeneration(db);
  if (!serving) throw new ArcEdgeError('GALLERY_CORRUPT', `${file} has no serving generation`, { fix: 'restore it from an export or a backup' });
  if (model && (serving.model_id !== model.id || serving.embedding_size !== model.embeddingSize)) {
    throw new ArcEdgeError('GALLERY_MODEL_MISMATCH', `${file} holds ${serving.embedding_size}-value embeddings from ${serving.model_id}; the recognizer is ${model.id} (${model.embeddingSize})`, {
      fix: `use ${serving.model_id}, or re-embed the gallery for ${model.id}: arcedge gallery reembed --gallery ${file} --models <set>`,
      details: { path: file, galleryModel: serving.model_id, gallerySize: serving.embedding_size, model: model.id, size: model.embeddingSize },
    });
  }
}
