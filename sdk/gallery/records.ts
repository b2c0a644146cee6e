/** Row <-> object conversions and input validation for the SQLite gallery. */
import { ArcEdgeError } from '../errors.ts';
import type { Frame } from '../image/frame.ts';
import type { Identity, TemplateInfo, TemplateInput } from './types.ts';

export interface IdentityRow {
  id: string;
  name: string;
  metadata: string;
  created_at: string;
  template_count: number;
}

export interface TemplateRow {
  id: string;
  identity_id: string;
  quality: number;
  source: string;
  created_at: string;
  model_id: string;
  generation: number;
}

export function toIdentity(row: IdentityRow): Identity {
  return { id: row.id, name: row.name, metadata: JSON.parse(row.metadata) as Record<string, unknown>, createdAt: row.created_at, templateCount: row.template_count };
}

export function toTemplate(row: TemplateRow): TemplateInfo {
  return { id: row.id, identityId: row.identity_id, modelId: row.model_id, generation: row.generation, quality: row.quality, source: row.source, createdAt: row.created_at };
}

export function cropFromRow(row: { crop_width: number; crop_height: number; crop: Uint8Array }): Frame {
  return { width: row.crop_width, height: row.crop_height, data: new Uint8Array(row.crop) };
}

/** Unit-length copy of an embedding, after checking its size and values. */
export function checkedEmbedding(embedding: unknown, size: number, modelId: string, what: string): Float32Array {
  if (!(embedding instanceof Float32Array)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${what} must be a Float32Array; got ${Object.prototype.toString.call(embedding)}`);
  }
  if (embedding.length !== size) {
    throw new ArcEdgeError('GALLERY_MODEL_MISMATCH', `${what} has ${embedding.length} values; this gallery holds ${size}-value embeddings from ${modelId}`, {
      fix: `embed with ${modelId}, or re-embed the gallery for the new model (arcedge gallery reembed)`,
      details: { expected: size, got: embedding.length, modelId },
    });
  }
  let sum = 0;
  for (let i = 0; i < embedding.length; i++) sum += embedding[i]! * embedding[i]!;
  if (!Number.isFinite(sum) || sum === 0) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `${what} is zero or contains NaN/Infinity`, { fix: 'pass the embedding the recognizer returned for a real face' });
  }
  const out = new Float32Array(embedding.length);
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < embedding.length; i++) out[i] = embedding[i]! * inv;
  return out;
}

export function checkTemplateInput(t: TemplateInput, index: number): void {
  const crop = t?.crop;
  if (!crop || !(crop.data instanceof Uint8Array) || !Number.isInteger(crop.width) || !Number.isInteger(crop.height) || crop.data.length !== crop.width * crop.height * 3) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `templates[${index}].crop is not a BGR Frame (width * height * 3 bytes)`, {
      fix: 'pass the aligned crop the embedding came from (Face.crop from analyze(), or pipeline.align(...).crop)',
    });
  }
  if (t.quality !== undefined && !(t.quality >= 0 && t.quality <= 1)) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `templates[${index}].quality must be within 0..1; got ${t.quality}`);
  }
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new ArcEdgeError('INVALID_ARGUMENT', `an identity name must be a non-empty string of at most 200 characters; got ${JSON.stringify(name)}`);
  }
  return name.trim();
}

export function nowIso(): string {
  return new Date().toISOString();
}
