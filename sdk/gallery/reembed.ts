/**
 * Re-embedding: every template's stored crop through a new recognizer, into a new generation
 * written beside the serving one. Each batch commits, so a crash keeps the work done so far
 * and the next run resumes it; the switch is one transaction that runs only when every
 * template has a vector, so until then the old generation keeps serving.
 */
import { ArcEdgeError } from '../errors.ts';
import { GALLERY_DEFAULTS } from './defaults.ts';
import { checkedEmbedding, cropFromRow, nowIso } from './records.ts';
import { servingGeneration, vectorToBlob, writeMeta, type GenerationRow } from './schema.ts';
import type { Database } from './sqlite.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import type { ReembedOptions, ReembedResult, Reembedder } from './types.ts';

export async function runReembed(db: Database, path: string, recognizer: Reembedder, options: ReembedOptions, live: () => void): Promise<ReembedResult> {
  const { model } = recognizer;
  if (!model || typeof model.id !== 'string' || !Number.isInteger(model.embeddingSize) || model.embeddingSize <= 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', 'reembed() needs a recognizer with model { id, embeddingSize }', {
      fix: 'pass { model: { id, embeddingSize, recommendedThreshold }, embed } (tools build it from createFacePipeline({ stages: ["embed"] }))',
    });
  }
  const batchSize = options.batchSize ?? GALLERY_DEFAULTS.reembedBatchSize;
  const guard = <R>(what: string, fn: () => R): R => {
    try {
      return fn();
    } catch (error) {
      throw mapSqliteError(error, path, what);
    }
  };
  const target = guard('starting a re-embed', () => db.transaction(() => buildingGeneration(db, recognizer))());
  const total = (db.prepare('SELECT count(*) AS n FROM templates').get() as { n: number }).n;
  const countDone = (): number => (db.prepare('SELECT count(*) AS n FROM embeddings WHERE generation = ?').get(target.generation) as { n: number }).n;
  const resumed = countDone();
  const missing = db.prepare(
    'SELECT t.id, t.crop_width, t.crop_height, t.crop FROM templates t WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.template_id = t.id AND e.generation = ?) ORDER BY t.rowid LIMIT ?',
  );
  const insert = db.prepare('INSERT OR REPLACE INTO embeddings (template_id, generation, vector) VALUES (?, ?, ?)');
  options.onProgress?.({ done: resumed, total });
  for (;;) {
    options.signal?.throwIfAborted();
    live();
    const rows = missing.all(target.generation, batchSize) as { id: string; crop_width: number; crop_height: number; crop: Uint8Array }[];
    if (rows.length === 0) {
      // Enrollments that landed while we worked are picked up by the query above; switch only
      // when a check inside the switching transaction finds nothing missing.
      if (options.activate === false) break; // complete: the caller switches with activateGeneration()
      const switched = guard('switching generations', () => db.transaction(() => switchTo(db, target, { keepPrevious: options.keepPrevious === true }))());
      if (switched) break;
      continue;
    }
    const vectors = await recognizer.embed(rows.map(cropFromRow));
    if (vectors.length !== rows.length) {
      throw new ArcEdgeError('BACKEND_RUN_FAILED', `the recognizer returned ${vectors.length} embeddings for ${rows.length} crops`);
    }
    const checked = vectors.map((v, i) => checkedEmbedding(v, model.embeddingSize, model.id, `embedding of template ${rows[i]!.id}`));
    live();
    guard('writing re-embedded templates', () =>
      db.transaction(() => rows.forEach((r, i) => insert.run(r.id, target.generation, vectorToBlob(checked[i]!))))(),
    );
    options.onProgress?.({ done: countDone(), total });
  }
  return { generation: target.generation, modelId: model.id, templates: total, resumed };
}

/**
 * The building generation for this model (resumed), or a new one; stale ones are dropped. A
 * retired generation of the same model (kept for a rollback) is revived as the building one, so
 * going back re-embeds only the templates enrolled since it retired.
 */
function buildingGeneration(db: Database, recognizer: Reembedder): GenerationRow {
  const { id, embeddingSize } = recognizer.model;
  const building = db.prepare("SELECT * FROM generations WHERE state = 'building'").all() as GenerationRow[];
  const resumable = building.find((g) => g.model_id === id && g.embedding_size === embeddingSize);
  for (const g of building) if (g !== resumable) db.prepare('DELETE FROM generations WHERE generation = ?').run(g.generation);
  if (resumable) return resumable;
  const retired = db.prepare("SELECT * FROM generations WHERE state = 'retired' AND model_id = ? AND embedding_size = ? ORDER BY generation DESC").get(id, embeddingSize) as GenerationRow | undefined;
  if (retired) {
    db.prepare("UPDATE generations SET state = 'building' WHERE generation = ?").run(retired.generation);
    return { ...retired, state: 'building' };
  }
  const next = ((db.prepare('SELECT max(generation) AS g FROM generations').get() as { g: number | null }).g ?? 0) + 1;
  db.prepare("INSERT INTO generations (generation, model_id, embedding_size, state, recommended_threshold, recommended_far, created_at) VALUES (?, ?, ?, 'building', ?, ?, ?)").run(
    next,
    id,
    embeddingSize,
    recognizer.model.recommendedThreshold ?? null,
    recognizer.model.recommendedFar ?? null,
    nowIso(),
  );
  return db.prepare('SELECT * FROM generations WHERE generation = ?').get(next) as GenerationRow;
}

/** Templates of the gallery that have no vector in this generation. */
export function missingTemplates(db: Database, generation: number): number {
  return (db.prepare('SELECT count(*) AS n FROM templates t WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.template_id = t.id AND e.generation = ?)').get(generation) as { n: number }).n;
}

/**
 * Inside one transaction: false when templates are still missing, else the atomic switch. The
 * old serving generation is retired (kept for a rollback, at most one retired generation) with
 * keepPrevious, else dropped.
 */
export function switchTo(db: Database, target: GenerationRow, options: { keepPrevious: boolean }): boolean {
  if (missingTemplates(db, target.generation) > 0) return false;
  const old = servingGeneration(db);
  if (old && old.generation !== target.generation) {
    db.prepare("DELETE FROM generations WHERE state = 'retired' AND generation <> ?").run(target.generation);
    if (options.keepPrevious) db.prepare("UPDATE generations SET state = 'retired' WHERE generation = ?").run(old.generation);
    else db.prepare('DELETE FROM generations WHERE generation = ?').run(old.generation);
  }
  db.prepare("UPDATE generations SET state = 'serving' WHERE generation = ?").run(target.generation);
  // A calibrated threshold belongs to the old model's score scale: fall back to the new
  // recognizer's recommendation (stored with its generation) until the gallery is calibrated again.
  const threshold = target.recommended_threshold;
  writeMeta(db, {
    threshold: String(threshold ?? GALLERY_DEFAULTS.threshold),
    far: target.recommended_far === null ? '' : String(target.recommended_far),
    threshold_source: threshold === null ? 'default' : 'recognizer',
    threshold_model_id: target.model_id,
  });
  return true;
}
