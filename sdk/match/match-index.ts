/**
 * MatchIndex: the in-memory search a gallery keeps beside its store. Templates (id, identity,
 * embedding) in one EmbeddingMatrix; search() is an exact scan of every row, then per-identity
 * aggregation, then the open-set decision.
 */
import { ArcEdgeError } from '../errors.ts';
import { rankIdentities } from './aggregate.ts';
import { decideOpenSet } from './decide.ts';
import { EmbeddingMatrix } from './matrix.ts';
import type { Aggregation, EmbeddingStorage, IdentityScore, OpenSetDecision, OpenSetOptions, TemplateHit } from './types.ts';

export interface MatchIndexOptions {
  readonly dim: number;
  readonly storage?: EmbeddingStorage;
  readonly aggregation?: Aggregation;
  /** trimmed-mean only: fraction of template scores dropped from each end. */
  readonly trimFraction?: number;
  readonly initialCapacity?: number;
}

export class MatchIndex {
  readonly matrix: EmbeddingMatrix;
  readonly aggregation: Aggregation;
  readonly trimFraction: number;
  #templateIds: string[] = [];
  #labels = new Int32Array(64);
  #rowOf = new Map<string, number>();
  #identityOrdinal = new Map<string, number>();
  #identityIds: string[] = [];
  #scores = new Float32Array(0);

  constructor(options: MatchIndexOptions) {
    this.matrix = new EmbeddingMatrix(options);
    this.aggregation = options.aggregation ?? 'best';
    this.trimFraction = options.trimFraction ?? 0.2;
  }

  get dim(): number {
    return this.matrix.dim;
  }
  get size(): number {
    return this.matrix.size;
  }
  get identities(): number {
    return new Set(this.#templateIds.map((_, r) => this.#labels[r])).size;
  }

  add(templateId: string, identityId: string, embedding: ArrayLike<number>): void {
    if (this.#rowOf.has(templateId)) throw new ArcEdgeError('INVALID_ARGUMENT', `template ${templateId} is already in the index`);
    const row = this.matrix.push(embedding);
    let ordinal = this.#identityOrdinal.get(identityId);
    if (ordinal === undefined) {
      ordinal = this.#identityIds.length;
      this.#identityIds.push(identityId);
      this.#identityOrdinal.set(identityId, ordinal);
    }
    if (row >= this.#labels.length) {
      const labels = new Int32Array(this.#labels.length * 2);
      labels.set(this.#labels);
      this.#labels = labels;
    }
    this.#labels[row] = ordinal;
    this.#templateIds[row] = templateId;
    this.#rowOf.set(templateId, row);
  }

  has(templateId: string): boolean {
    return this.#rowOf.has(templateId);
  }

  remove(templateId: string): boolean {
    const row = this.#rowOf.get(templateId);
    if (row === undefined) return false;
    const moved = this.matrix.swapRemove(row);
    this.#rowOf.delete(templateId);
    if (moved >= 0) {
      const movedId = this.#templateIds[moved]!;
      this.#templateIds[row] = movedId;
      this.#labels[row] = this.#labels[moved]!;
      this.#rowOf.set(movedId, row);
    }
    this.#templateIds.length = this.matrix.size;
    return true;
  }

  /** Removes every template of an identity; returns how many. */
  removeIdentity(identityId: string): number {
    const ordinal = this.#identityOrdinal.get(identityId);
    if (ordinal === undefined) return 0;
    const doomed = this.#templateIds.filter((_, r) => this.#labels[r] === ordinal);
    for (const t of doomed) this.remove(t);
    return doomed.length;
  }

  clear(): void {
    this.matrix.clear();
    this.#templateIds = [];
    this.#rowOf.clear();
    this.#identityOrdinal.clear();
    this.#identityIds = [];
  }

  #scan(query: Float32Array): Float32Array {
    if (this.#scores.length < this.size) this.#scores = new Float32Array(Math.max(this.size, this.#scores.length * 2));
    return this.matrix.scores(query, this.#scores.subarray(0, this.size));
  }

  /** The k best templates (exact). */
  searchTemplates(query: Float32Array, k = 1): TemplateHit[] {
    const scores = this.#scan(query);
    const best = topK(scores, k);
    return best.map((r) => ({ templateId: this.#templateIds[r]!, identityId: this.#identityIds[this.#labels[r]!]!, score: scores[r]! }));
  }

  /** The k best identities after per-identity aggregation (exact). */
  rank(query: Float32Array, k = 2): IdentityScore[] {
    const scores = this.#scan(query);
    return rankIdentities(scores, this.#labels.subarray(0, this.size), this.#identityIds, this.#templateIds, k, {
      aggregation: this.aggregation,
      trimFraction: this.trimFraction,
    });
  }

  identify(query: Float32Array, options: OpenSetOptions): OpenSetDecision {
    return decideOpenSet(this.rank(query, 2), options);
  }
}

/** Row indices of the k largest scores, best first (a partial selection, O(n k)). */
export function topK(scores: Float32Array, k: number): number[] {
  const best: number[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < scores.length; r++) {
    const s = scores[r]!;
    if (best.length === k && s <= floor) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(r);
    while (i > 0 && scores[best[i - 1]!]! < s) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = r;
    if (best.length === k) floor = scores[best[k - 1]!]!;
  }
  return best;
}
