/**
 * The gallery file's schema. One row per identity and per template (with its aligned crop as
 * raw BGR bytes: lossless and free of any image codec); embeddings live in their own table
 * keyed by (template, generation), so a re-embed writes a whole new generation beside the
 * serving one and switches with one UPDATE.
 */
import type { Database } from './sqlite.ts';

export const FORMAT = 'arcedge-gallery';
export const SCHEMA_VERSION = 1;

export const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS identities (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS identities_by_name ON identities(name);
CREATE TABLE IF NOT EXISTS templates (
  id TEXT PRIMARY KEY,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  quality REAL NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  crop_width INTEGER NOT NULL,
  crop_height INTEGER NOT NULL,
  crop BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS templates_by_identity ON templates(identity_id);
CREATE TABLE IF NOT EXISTS generations (
  generation INTEGER PRIMARY KEY,
  model_id TEXT NOT NULL,
  embedding_size INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('building', 'serving', 'retired')),
  recommended_threshold REAL,
  recommended_far REAL,
  created_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS embeddings (
  template_id TEXT NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL REFERENCES generations(generation) ON DELETE CASCADE,
  vector BLOB NOT NULL,
  PRIMARY KEY (template_id, generation)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS embeddings_by_generation ON embeddings(generation);
`;

/** Meta keys and what they hold (all stored as text). */
export type MetaKey = 'format' | 'schema_version' | 'threshold' | 'far' | 'threshold_source' | 'threshold_model_id' | 'margin' | 'created_at';

export function readMeta(db: Database): Partial<Record<MetaKey, string>> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: MetaKey; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function writeMeta(db: Database, values: Partial<Record<MetaKey, string>>): void {
  const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  for (const [key, value] of Object.entries(values)) if (value !== undefined) put.run(key, value);
}

export interface GenerationRow {
  generation: number;
  model_id: string;
  embedding_size: number;
  state: 'building' | 'serving' | 'retired';
  recommended_threshold: number | null;
  recommended_far: number | null;
  created_at: string;
}

export function servingGeneration(db: Database): GenerationRow | undefined {
  return db.prepare("SELECT * FROM generations WHERE state = 'serving'").get() as GenerationRow | undefined;
}

/** Embeddings are stored as little-endian float32 (every platform arcedge targets is LE). */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(blob: Uint8Array): Float32Array {
  // Copy: a BLOB Buffer's byteOffset need not be 4-aligned.
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
