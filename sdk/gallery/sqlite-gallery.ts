/**
 * The SQLite Gallery. Every mutation is one transaction, and the in-memory MatchIndex is
 * updated only after it commits, so the index never shows what the file does not hold.
 */
import { randomUUID } from 'node:crypto';
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import { MatchIndex } from '../match/index.ts';
import { attachSearchGraph, saveSearchGraph, TemplateFingerprint, type GraphContext } from './search-graph.ts';
import { GALLERY_DEFAULTS } from './defaults.ts';
import { checkName, checkTemplateInput, checkedEmbedding, cropFromRow, nowIso, toIdentity, toTemplate, type IdentityRow, type TemplateRow } from './records.ts';
import { missingTemplates, runReembed, switchTo } from './reembed.ts';
import { blobToVector, readMeta, servingGeneration, vectorToBlob, writeMeta, SCHEMA_VERSION, type GenerationRow } from './schema.ts';
import type { Database } from './sqlite.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import type * as T from './types.ts';

const IDENTITY_SELECT = `SELECT i.*, (SELECT count(*) FROM templates t JOIN embeddings e ON e.template_id = t.id AND e.generation = ? WHERE t.identity_id = i.id) AS template_count FROM identities i`;
const TEMPLATE_SELECT = `SELECT t.id, t.identity_id, t.quality, t.source, t.created_at, g.model_id, g.generation FROM templates t JOIN embeddings e ON e.template_id = t.id JOIN generations g ON g.generation = e.generation AND g.state = 'serving'`;

export interface SqliteGalleryInit {
  readonly db: Database;
  readonly path: string;
  readonly encrypted: boolean;
  readonly readOnly: boolean;
  readonly storage: T.GalleryOptions['storage'];
  readonly aggregation: T.GalleryOptions['aggregation'];
  readonly search: NonNullable<T.GalleryOptions['search']>;
  readonly annMinTemplates: number | undefined;
  readonly log: (line: string) => void;
}

export class SqliteGallery implements T.Gallery {
  readonly path: string;
  readonly #db: Database;
  readonly #init: SqliteGalleryInit;
  #index!: MatchIndex;
  #names = new Map<string, string>();
  #serving!: GenerationRow;
  #dataVersion = 0;
  #closed = false;
  /** Set while the in-memory graph has changes its saved file lacks (saved on close()). */
  #graph: GraphContext | undefined;
  #graphDirty = false;

  constructor(init: SqliteGalleryInit) {
    this.#db = init.db;
    this.#init = init;
    this.path = init.path;
    this.#load();
  }

  #live(write = false): void {
    if (this.#closed) throw new ArcEdgeError('GALLERY_CLOSED', `the gallery ${this.path} was used after close()`, { fix: 'open it again with openGallery()' });
    if (write && this.#init.readOnly) {
      throw new ArcEdgeError('GALLERY_READ_ONLY', `the gallery ${this.path} was opened read-only`, { fix: 'open it without readOnly to change it' });
    }
  }

  /** Runs fn in one transaction; SQLite failures become typed gallery errors. */
  #write<R>(what: string, fn: () => R): R {
    this.#live(true);
    try {
      return this.#db.transaction(fn)();
    } catch (error) {
      throw mapSqliteError(error, this.path, what);
    }
  }

  #load(): void {
    try {
      const serving = servingGeneration(this.#db);
      if (!serving) throw new ArcEdgeError('GALLERY_CORRUPT', `the gallery ${this.path} has no serving generation`, { fix: 'restore it from an export or a backup' });
      const { search } = this.#init;
      // 'hnsw' asks for the graph at any size; 'auto' from the measured crossover on (match-index.ts).
      const annMinTemplates = search === 'hnsw' ? 0 : this.#init.annMinTemplates;
      const index = new MatchIndex({ dim: serving.embedding_size, storage: this.#init.storage, aggregation: this.#init.aggregation, ...(annMinTemplates !== undefined ? { annMinTemplates } : {}) });
      // The template's rowid is its key in the graph: stable while it exists, so a saved graph
      // still names the same templates at the next open (the fingerprint proves it).
      const fingerprint = new TemplateFingerprint();
      const rows = this.#db.prepare('SELECT t.rowid AS key, e.template_id, t.identity_id, e.vector FROM embeddings e JOIN templates t ON t.id = e.template_id WHERE e.generation = ?').iterate(serving.generation);
      for (const row of rows as Iterable<{ key: number; template_id: string; identity_id: string; vector: Uint8Array }>) {
        index.add(row.template_id, row.identity_id, blobToVector(row.vector), row.key);
        fingerprint.add(row.key, row.template_id);
      }
      this.#graph = undefined;
      this.#graphDirty = false;
      const wantGraph = search !== 'exact' && index.aggregation === 'best' && index.size >= index.annMinTemplates;
      if (wantGraph) {
        const context: GraphContext = {
          galleryPath: this.path,
          modelId: serving.model_id,
          generation: serving.generation,
          fingerprint: fingerprint.value,
          persist: !this.#init.readOnly && !this.#init.encrypted,
          log: this.#init.log,
        };
        if (attachSearchGraph(index, context) !== 'unavailable') this.#graph = context;
      }
      const names = new Map<string, string>();
      for (const r of this.#db.prepare('SELECT id, name FROM identities').all() as { id: string; name: string }[]) names.set(r.id, r.name);
      this.#serving = serving;
      this.#index = index;
      this.#names = names;
      this.#dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    } catch (error) {
      throw mapSqliteError(error, this.path, 'reading');
    }
  }

  #ref(id: string): T.IdentityRef {
    return { id, name: this.#names.get(id) ?? id };
  }

  metadata(): T.GalleryMetadata {
    this.#live();
    const meta = readMeta(this.#db);
    return {
      schemaVersion: Number(meta.schema_version ?? SCHEMA_VERSION),
      modelId: this.#serving.model_id,
      embeddingSize: this.#serving.embedding_size,
      threshold: Number(meta.threshold ?? GALLERY_DEFAULTS.threshold),
      far: meta.far === undefined || meta.far === '' ? null : Number(meta.far),
      thresholdSource: (meta.threshold_source ?? 'default') as T.ThresholdSource,
      margin: Number(meta.margin ?? GALLERY_DEFAULTS.margin),
      generation: this.#serving.generation,
      identities: this.#names.size,
      templates: this.#index.size,
      encrypted: this.#init.encrypted,
      createdAt: meta.created_at ?? '',
    };
  }

  enroll(target: T.EnrollTarget, templates: readonly T.TemplateInput[], options: T.EnrollOptions = {}): T.EnrollResult {
    this.#live(true);
    if (!Array.isArray(templates) || templates.length === 0) {
      throw new ArcEdgeError('INVALID_ARGUMENT', 'enroll() needs at least one template', { fix: 'pass [{ embedding, crop, quality, source }]' });
    }
    const { model_id: modelId, embedding_size: size, generation } = this.#serving;
    const vectors = templates.map((t, i) => {
      checkTemplateInput(t, i);
      return checkedEmbedding(t.embedding, size, modelId, `templates[${i}].embedding`);
    });
    const duplicate = options.duplicateThreshold ?? GALLERY_DEFAULTS.duplicateThreshold;
    const result = this.#write('enrolling', () => {
      const { id, name, created } = this.#resolveTarget(target);
      const existing = (this.#db.prepare('SELECT t.id, e.vector FROM templates t JOIN embeddings e ON e.template_id = t.id AND e.generation = ? WHERE t.identity_id = ?').all(generation, id) as { id: string; vector: Uint8Array }[])
        .map((r) => ({ id: r.id, vector: blobToVector(r.vector) }));
      const added: T.TemplateInfo[] = [];
      const skipped: T.SkippedTemplate[] = [];
      const accepted: { id: string; vector: Float32Array }[] = [];
      const keys: number[] = [];
      const insertTemplate = this.#db.prepare('INSERT INTO templates (id, identity_id, quality, source, created_at, crop_width, crop_height, crop) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const insertEmbedding = this.#db.prepare('INSERT INTO embeddings (template_id, generation, vector) VALUES (?, ?, ?)');
      vectors.forEach((vector, index) => {
        const input = templates[index]!;
        const source = input.source ?? '';
        const near = nearest(vector, [...existing, ...accepted]);
        if (near && near.score >= duplicate) {
          skipped.push({ index, source, reason: 'near-duplicate', duplicateOf: near.id, score: near.score });
          return;
        }
        const templateId = randomUUID();
        const createdAt = nowIso();
        const { lastInsertRowid } = insertTemplate.run(templateId, id, input.quality ?? 1, source, createdAt, input.crop.width, input.crop.height, input.crop.data);
        keys.push(Number(lastInsertRowid));
        insertEmbedding.run(templateId, generation, vectorToBlob(vector));
        accepted.push({ id: `input:${index}`, vector });
        added.push({ id: templateId, identityId: id, modelId, generation, quality: input.quality ?? 1, source, createdAt });
      });
      return { identity: { id, name }, created, added, skipped, vectors: accepted.map((a) => a.vector), keys };
    });
    this.#names.set(result.identity.id, result.identity.name);
    result.added.forEach((t, i) => this.#index.add(t.id, t.identityId, result.vectors[i]!, result.keys[i]!));
    if (result.added.length > 0) this.#graphDirty = true;
    this.#dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    return { identity: result.identity, created: result.created, added: result.added, skipped: result.skipped };
  }

  #resolveTarget(target: T.EnrollTarget): { id: string; name: string; created: boolean } {
    const insert = (id: string, name: string, metadata: Record<string, unknown> = {}): { id: string; name: string; created: boolean } => {
      this.#db.prepare('INSERT INTO identities (id, name, metadata, created_at) VALUES (?, ?, ?, ?)').run(id, name, JSON.stringify(metadata), nowIso());
      return { id, name, created: true };
    };
    if ('id' in target && target.id !== undefined) {
      if (typeof target.id !== 'string' || target.id.trim() === '') throw new ArcEdgeError('INVALID_ARGUMENT', `identity id must be a non-empty string; got ${JSON.stringify(target.id)}`);
      const row = this.#db.prepare('SELECT id, name FROM identities WHERE id = ?').get(target.id) as { id: string; name: string } | undefined;
      if (row) return { id: row.id, name: row.name, created: false };
      if (target.name === undefined) throw notFound(target.id);
      return insert(target.id, checkName(target.name), target.metadata);
    }
    const name = checkName((target as { name: unknown }).name);
    if (!('newIdentity' in target && target.newIdentity)) {
      const rows = this.#db.prepare('SELECT id, name FROM identities WHERE name = ?').all(name) as { id: string; name: string }[];
      if (rows.length === 1) return { ...rows[0]!, created: false };
      if (rows.length > 1) {
        throw new ArcEdgeError('GALLERY_NAME_AMBIGUOUS', `${rows.length} identities are named "${name}" (${rows.map((r) => r.id).join(', ')})`, {
          fix: 'enroll by id (--id <id>) to add to one of them, or ask for a new identity (--new)',
          details: { ids: rows.map((r) => r.id) },
        });
      }
    }
    return insert(randomUUID(), name, target.metadata);
  }

  identify(embedding: Float32Array, options: T.IdentifyOptions = {}): T.IdentifyResult {
    this.#live();
    const probe = checkedEmbedding(embedding, this.#serving.embedding_size, this.#serving.model_id, 'the probe embedding');
    const meta = this.metadata();
    const d = this.#index.identify(probe, { threshold: options.threshold ?? meta.threshold, margin: options.margin ?? meta.margin });
    return {
      identity: d.identityId === null ? null : this.#ref(d.identityId),
      score: d.score,
      margin: d.margin,
      reason: d.reason,
      candidate: d.candidateId === null ? null : this.#ref(d.candidateId),
    };
  }

  rank(embedding: Float32Array, k = 5): T.RankedIdentity[] {
    this.#live();
    const probe = checkedEmbedding(embedding, this.#serving.embedding_size, this.#serving.model_id, 'the probe embedding');
    return this.#index.rank(probe, k).map((r) => ({ identity: this.#ref(r.identityId), score: r.score, templates: r.templates }));
  }

  listIdentities(): T.Identity[] {
    this.#live();
    return (this.#db.prepare(`${IDENTITY_SELECT} ORDER BY i.name, i.id`).all(this.#serving.generation) as IdentityRow[]).map(toIdentity);
  }

  getIdentity(id: string): T.IdentityDetails | undefined {
    this.#live();
    const row = this.#db.prepare(`${IDENTITY_SELECT} WHERE i.id = ?`).get(this.#serving.generation, id) as IdentityRow | undefined;
    if (!row) return undefined;
    const templates = (this.#db.prepare(`${TEMPLATE_SELECT} WHERE t.identity_id = ? ORDER BY t.created_at, t.id`).all(id) as TemplateRow[]).map(toTemplate);
    return { ...toIdentity(row), templates };
  }

  findByName(name: string): T.Identity[] {
    this.#live();
    return (this.#db.prepare(`${IDENTITY_SELECT} WHERE i.name = ? ORDER BY i.created_at`).all(this.#serving.generation, name) as IdentityRow[]).map(toIdentity);
  }

  renameIdentity(id: string, name: string): T.Identity {
    const clean = checkName(name);
    const changed = this.#write('renaming', () => this.#db.prepare('UPDATE identities SET name = ? WHERE id = ?').run(clean, id).changes);
    if (changed === 0) throw notFound(id);
    this.#names.set(id, clean);
    return this.getIdentity(id)!;
  }

  setIdentityMetadata(id: string, metadata: Record<string, unknown>): T.Identity {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new ArcEdgeError('INVALID_ARGUMENT', 'identity metadata must be a plain object');
    const changed = this.#write('updating metadata', () => this.#db.prepare('UPDATE identities SET metadata = ? WHERE id = ?').run(JSON.stringify(metadata), id).changes);
    if (changed === 0) throw notFound(id);
    return this.getIdentity(id)!;
  }

  removeIdentity(id: string): boolean {
    const changed = this.#write('removing an identity', () => this.#db.prepare('DELETE FROM identities WHERE id = ?').run(id).changes);
    if (changed === 0) return false;
    this.#index.removeIdentity(id);
    this.#graphDirty = true;
    this.#names.delete(id);
    // The WAL still holds the deleted pages' old content until a checkpoint copies the new
    // pages back; do it now (best effort: a reader in the middle of a read delays it).
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return true;
  }

  removeTemplate(templateId: string): boolean {
    const changed = this.#write('removing a template', () => this.#db.prepare('DELETE FROM templates WHERE id = ?').run(templateId).changes);
    if (changed === 0) return false;
    this.#index.remove(templateId);
    this.#graphDirty = true;
    return true;
  }

  getCrop(templateId: string): Frame | undefined {
    this.#live();
    const row = this.#db.prepare('SELECT crop_width, crop_height, crop FROM templates WHERE id = ?').get(templateId) as Parameters<typeof cropFromRow>[0] | undefined;
    return row ? cropFromRow(row) : undefined;
  }

  *templates(): Iterable<T.TemplateRecord> {
    this.#live();
    const rows = this.#db.prepare(`SELECT t.*, e.vector, g.model_id, g.generation FROM templates t JOIN embeddings e ON e.template_id = t.id JOIN generations g ON g.generation = e.generation AND g.state = 'serving' ORDER BY t.identity_id, t.created_at`).all();
    for (const row of rows as (TemplateRow & { vector: Uint8Array; crop_width: number; crop_height: number; crop: Uint8Array })[]) {
      yield { ...toTemplate(row), embedding: blobToVector(row.vector), crop: cropFromRow(row) };
    }
  }

  setThreshold(setting: T.ThresholdSetting): T.GalleryMetadata {
    const { threshold, far = null, source = 'user', margin } = setting;
    if (!(threshold >= -1 && threshold <= 1)) throw new ArcEdgeError('INVALID_ARGUMENT', `threshold must be a cosine similarity within -1..1; got ${threshold}`);
    if (margin !== undefined && !(margin >= 0 && margin <= 2)) throw new ArcEdgeError('INVALID_ARGUMENT', `margin must be within 0..2; got ${margin}`);
    if (far !== null && !(far > 0 && far < 1)) throw new ArcEdgeError('INVALID_ARGUMENT', `far must be within (0, 1); got ${far}`);
    this.#write('setting the threshold', () =>
      writeMeta(this.#db, {
        threshold: String(threshold),
        far: far === null ? '' : String(far),
        threshold_source: source,
        threshold_model_id: this.#serving.model_id,
        ...(margin !== undefined ? { margin: String(margin) } : {}),
      }),
    );
    return this.metadata();
  }

  async reembed(recognizer: T.Reembedder, options: T.ReembedOptions = {}): Promise<T.ReembedResult> {
    this.#live(true);
    const result = await runReembed(this.#db, this.path, recognizer, options, () => this.#live(true));
    this.#load();
    return result;
  }

  generations(): T.GenerationInfo[] {
    this.#live();
    const total = (this.#db.prepare('SELECT count(*) AS n FROM templates').get() as { n: number }).n;
    const rows = this.#db.prepare('SELECT g.*, (SELECT count(*) FROM embeddings e WHERE e.generation = g.generation) AS embedded FROM generations g ORDER BY g.generation').all() as (GenerationRow & { embedded: number })[];
    return rows.map((g) => ({ generation: g.generation, modelId: g.model_id, embeddingSize: g.embedding_size, state: g.state, embedded: g.embedded, complete: g.embedded >= total && missingTemplates(this.#db, g.generation) === 0 }));
  }

  activateGeneration(generation: number, options: { keepPrevious?: boolean } = {}): T.GalleryMetadata {
    this.#write('switching generations', () => {
      const target = this.#db.prepare('SELECT * FROM generations WHERE generation = ?').get(generation) as GenerationRow | undefined;
      if (!target) throw new ArcEdgeError('GALLERY_GENERATION_INCOMPLETE', `the gallery ${this.path} has no generation ${generation}`, { details: { generation } });
      if (!switchTo(this.#db, target, { keepPrevious: options.keepPrevious === true })) {
        throw new ArcEdgeError('GALLERY_GENERATION_INCOMPLETE', `generation ${generation} of ${this.path} lacks vectors for ${missingTemplates(this.#db, generation)} template(s)`, {
          fix: `finish it with reembed() using ${target.model_id} (it resumes the work), then switch`,
          details: { generation },
        });
      }
    });
    this.#load();
    return this.metadata();
  }

  dropGeneration(generation: number): boolean {
    return this.#write('dropping a generation', () => this.#db.prepare("DELETE FROM generations WHERE generation = ? AND state <> 'serving'").run(generation).changes > 0);
  }

  reload(): boolean {
    this.#live();
    const version = this.#db.pragma('data_version', { simple: true }) as number;
    if (version === this.#dataVersion) return false;
    this.#load();
    return true;
  }

  /** The fingerprint of the serving generation's templates as the file holds them now. */
  #fingerprint(): string {
    const fingerprint = new TemplateFingerprint();
    const rows = this.#db.prepare('SELECT t.rowid AS key, e.template_id FROM embeddings e JOIN templates t ON t.id = e.template_id WHERE e.generation = ?').iterate(this.#serving.generation);
    for (const row of rows as Iterable<{ key: number; template_id: string }>) fingerprint.add(row.key, row.template_id);
    return fingerprint.value;
  }

  /** 'hnsw' when identify() and rank() search through the graph, else 'exact'. */
  get searchPath(): 'hnsw' | 'exact' {
    return this.#index.searchPath;
  }

  check(): string[] {
    this.#live();
    const rows = this.#db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The graph file is a cache of what the gallery holds: brought up to date here so the next
    // open loads it instead of rebuilding (a crash before this only costs that rebuild).
    if (this.#graph && this.#graphDirty) saveSearchGraph(this.#index, { ...this.#graph, fingerprint: this.#fingerprint() });
    try {
      // Folds the WAL into the file; if that fails (full disk) the WAL still holds every
      // commit and the next open replays it, so it is not an error worth failing close() for.
      if (!this.#init.readOnly) this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // see above
    }
    try {
      this.#db.close();
    } catch (error) {
      throw mapSqliteError(error, this.path, 'closing');
    }
  }
}

function notFound(id: string): ArcEdgeError {
  return new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no identity with id "${id}" in the gallery`, { fix: 'list ids with `arcedge gallery list`', details: { id } });
}

function nearest(v: Float32Array, others: readonly { id: string; vector: Float32Array }[]): { id: string; score: number } | undefined {
  let best: { id: string; score: number } | undefined;
  for (const o of others) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * o.vector[i]!;
    if (!best || dot > best.score) best = { id: o.id, score: dot };
  }
  return best;
}
