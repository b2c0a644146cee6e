/** Types shared by the pure search stage (no I/O, no SQLite, no models). */

/** How embeddings are held in the search matrix. float16 halves and int8 quarters the memory. */
export const EMBEDDING_STORAGES = ['float32', 'float16', 'int8'] as const;
export type EmbeddingStorage = (typeof EMBEDDING_STORAGES)[number];

/**
 * How an identity's template scores become one score: `best` takes the highest template, and
 * `trimmed-mean` averages the template scores after dropping the highest and lowest
 * `trimFraction` of them (outlier rejection; Frigate's face library anchors this: it averages
 * a person's embeddings after trimming outliers, frigate/data_processing/common/face/model.py).
 */
export const AGGREGATIONS = ['best', 'trimmed-mean'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** One template's score against a probe. */
export interface TemplateHit {
  readonly templateId: string;
  readonly identityId: string;
  /** Cosine similarity (dot product of unit vectors), -1..1. */
  readonly score: number;
}

/** One identity's aggregated score against a probe. */
export interface IdentityScore {
  readonly identityId: string;
  readonly score: number;
  /** The template that scored highest for this identity. */
  readonly bestTemplateId: string;
  /** How many of its templates took part. */
  readonly templates: number;
}

export interface OpenSetOptions {
  /** Scores below this are `unknown` (cosine similarity). */
  readonly threshold: number;
  /** `unknown` when the best and second-best identities are closer than this (0 turns it off). */
  readonly margin: number;
}

/** Why a decision came out the way it did. */
export type DecisionReason = 'match' | 'below-threshold' | 'ambiguous' | 'empty-gallery';

export interface OpenSetDecision {
  /** The identity, or null for `unknown`. */
  readonly identityId: string | null;
  /** The best identity's score (0 for an empty gallery). */
  readonly score: number;
  /**
   * Best minus second-best identity score. With a single identity in the gallery the second
   * score is taken as 0 (an unrelated face scores about 0 on ArcFace-family models).
   */
  readonly margin: number;
  /** The best candidate even when the decision is unknown (null for an empty gallery). */
  readonly candidateId: string | null;
  readonly reason: DecisionReason;
}
