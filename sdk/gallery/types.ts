/**
 * The Gallery contract: who is enrolled, with which templates, and how a probe becomes an
 * identity or `unknown`. One implementation today (SQLite, sqlite-gallery.ts); the contract
 * test suite (test/gallery/contract.ts) is written against this interface only.
 *
 * Ids are unique and never reused; names need not be unique (two people can share a name).
 * Every template keeps its aligned 112x112 BGR crop, so a new recognizer can re-embed the
 * gallery without collecting photos again.
 */
import type { Frame } from '../image/frame.ts';
import type { Aggregation, DecisionReason, EmbeddingStorage } from '../match/types.ts';

/** The model a gallery's embeddings come from. */
export interface GalleryModel {
  /** Model id from its manifest (e.g. "faceplugin-feature-512"). */
  readonly id: string;
  readonly embeddingSize: number;
  /** The recognizer's recommended threshold (manifest `recommendedThreshold.threshold`), used until calibrated. */
  readonly recommendedThreshold?: number;
  /** The FAR that recommendation was measured at (1e-3 for every manifest in models/sets). */
  readonly recommendedFar?: number;
}

export interface GalleryOptions {
  /**
   * The model whose embeddings will be enrolled and searched. Required to create a gallery;
   * when opening an existing one it must match the stored model id and size, or opening fails
   * with GALLERY_MODEL_MISMATCH (re-embed the gallery with `reembed()` instead). Omit it to
   * open whatever the file holds.
   */
  readonly model?: GalleryModel;
  /** Create the file when missing (default true). The file is created with mode 0600. */
  readonly create?: boolean;
  /** Open read-only: every write fails with GALLERY_READ_ONLY. */
  readonly readOnly?: boolean;
  /**
   * Encryption key (SQLCipher-compatible, through better-sqlite3-multiple-ciphers). Default:
   * $ARCEDGE_GALLERY_KEY, else the contents of the 0600 file named by $ARCEDGE_GALLERY_KEY_FILE;
   * none means a plaintext gallery.
   */
  readonly key?: string;
  /** In-memory search matrix precision (default float32; see docs/gallery.md for accuracy cost). */
  readonly storage?: EmbeddingStorage;
  /** Per-identity score: the best template (default) or a trimmed mean of template scores. */
  readonly aggregation?: Aggregation;
  /**
   * Cap on the file size in bytes (SQLite max_page_count): a write that would pass it fails
   * with GALLERY_WRITE_FAILED exactly as a full disk does, and nothing committed is lost.
   */
  readonly maxBytes?: number;
  /**
   * Run SQLite's quick_check when opening, so a damaged file fails at open with GALLERY_CORRUPT
   * rather than on the first query that touches a bad page. Default: on for files up to
   * 256 MiB (about 6,000 templates with crops; ~0.1 s), off above (run check() yourself).
   */
  readonly verify?: boolean;
  /**
   * How identify() and rank() search: 'exact' scans every template; 'hnsw' proposes candidates
   * with an HNSW graph and scores them exactly; 'auto' (default) uses the graph from
   * `annMinTemplates` templates on (default 100,000, the measured crossover; docs/gallery.md
   * "Large galleries"). The graph is kept beside the file as `<file>.ann` (not for encrypted
   * galleries), checked at open and rebuilt when stale. It serves 'best' aggregation only.
   */
  readonly search?: 'auto' | 'exact' | 'hnsw';
  readonly annMinTemplates?: number;
  /** Where search-graph notes go (rebuilt, and why). Default console.warn. */
  readonly logger?: (line: string) => void;
}

export interface IdentityRef {
  readonly id: string;
  readonly name: string;
}

export interface Identity extends IdentityRef {
  readonly metadata: Readonly<Record<string, unknown>>;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** Templates in the serving generation. */
  readonly templateCount: number;
}

export interface TemplateInfo {
  readonly id: string;
  readonly identityId: string;
  /** Model the serving embedding came from. */
  readonly modelId: string;
  readonly generation: number;
  /** 0..1, from the quality gate (1 when the caller did not say). */
  readonly quality: number;
  /** Where it came from: a file path, "camera:door", ... */
  readonly source: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
}

export interface IdentityDetails extends Identity {
  readonly templates: readonly TemplateInfo[];
}

/** One template to enroll: the embedding and the aligned crop it came from. */
export interface TemplateInput {
  /** Unit-length embedding from the gallery's model. */
  readonly embedding: Float32Array;
  /** The aligned crop that was embedded (112x112 BGR for ArcFace models), kept for re-embedding. */
  readonly crop: Frame;
  readonly quality?: number;
  readonly source?: string;
}

/**
 * Whom to enroll into:
 * - `{ id }`: an existing identity (GALLERY_IDENTITY_NOT_FOUND when it does not exist), or a
 *   new one with this id when `name` is given too;
 * - `{ name }`: the one identity with this name, created when there is none;
 *   GALLERY_NAME_AMBIGUOUS when several share it (enroll by id then);
 * - `{ name, newIdentity: true }`: always a new identity, even when the name is taken.
 */
export type EnrollTarget =
  | { readonly id: string; readonly name?: string; readonly metadata?: Record<string, unknown> }
  | { readonly name: string; readonly newIdentity?: boolean; readonly metadata?: Record<string, unknown> };

export interface EnrollOptions {
  /**
   * A template whose cosine similarity to one already enrolled for the same identity (or
   * earlier in the same call) is at least this is skipped as a near-duplicate. Default 0.95.
   */
  readonly duplicateThreshold?: number;
}

export interface SkippedTemplate {
  /** Index in the `templates` array passed to enroll(). */
  readonly index: number;
  readonly source: string;
  readonly reason: 'near-duplicate';
  /** The template it duplicated (an existing id, or `input:<index>` for one earlier in the call). */
  readonly duplicateOf: string;
  readonly score: number;
}

export interface EnrollResult {
  readonly identity: IdentityRef;
  /** True when the identity was created by this call. */
  readonly created: boolean;
  readonly added: readonly TemplateInfo[];
  readonly skipped: readonly SkippedTemplate[];
}

export interface IdentifyOptions {
  /** Override the gallery's threshold for this call. */
  readonly threshold?: number;
  /** Override the gallery's margin for this call. */
  readonly margin?: number;
}

export interface IdentifyResult {
  /** The identity, or null for unknown. */
  readonly identity: IdentityRef | null;
  /** Best identity's cosine similarity. */
  readonly score: number;
  /** Best minus second-best identity score. */
  readonly margin: number;
  readonly reason: DecisionReason;
  /** The best candidate even when the answer is unknown (null for an empty gallery). */
  readonly candidate: IdentityRef | null;
}

export interface RankedIdentity {
  readonly identity: IdentityRef;
  readonly score: number;
  readonly templates: number;
}

/** Where the serving threshold came from. */
export type ThresholdSource = 'recognizer' | 'calibrated' | 'user' | 'default';

export interface GalleryMetadata {
  /** Format version of the file. */
  readonly schemaVersion: number;
  readonly modelId: string;
  readonly embeddingSize: number;
  /** Cosine similarity below which a probe is unknown. */
  readonly threshold: number;
  /** False accept rate the threshold was chosen at, when known. */
  readonly far: number | null;
  readonly thresholdSource: ThresholdSource;
  readonly margin: number;
  /** The serving generation; re-embedding writes generation + 1 and switches atomically. */
  readonly generation: number;
  readonly identities: number;
  readonly templates: number;
  readonly encrypted: boolean;
  readonly createdAt: string;
}

export interface ThresholdSetting {
  readonly threshold: number;
  readonly far?: number | null;
  readonly source?: ThresholdSource;
  readonly margin?: number;
}

/** A recognizer for re-embedding: what createFacePipeline({ stages: ['embed'] }) provides. */
export interface Reembedder {
  readonly model: GalleryModel;
  embed(crops: readonly Frame[]): Promise<Float32Array[]>;
}

export interface ReembedProgress {
  readonly done: number;
  readonly total: number;
}

export interface ReembedOptions {
  /** Crops per embed() call (default 32). Each batch is committed, so work survives a crash. */
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReembedProgress) => void;
  /** Abort between batches; the old generation keeps serving. */
  readonly signal?: AbortSignal;
  /**
   * false: build the generation completely but leave the old one serving; switch later with
   * activateGeneration() (the agent commits a model swap first, then the gallery). Default true.
   */
  readonly activate?: boolean;
  /** Retire the old generation instead of dropping it, so a rollback re-uses its vectors. Default false. */
  readonly keepPrevious?: boolean;
}

/** One embedding generation of the gallery file. */
export interface GenerationInfo {
  readonly generation: number;
  readonly modelId: string;
  readonly embeddingSize: number;
  /** building: being written (or complete, waiting for activateGeneration); retired: the previous serving one. */
  readonly state: 'building' | 'serving' | 'retired';
  /** Templates with a vector in this generation. */
  readonly embedded: number;
  /** Every template of the gallery has a vector in this generation. */
  readonly complete: boolean;
}

export interface ReembedResult {
  readonly generation: number;
  readonly modelId: string;
  readonly templates: number;
  /** Templates whose embeddings were already written by an interrupted run and reused. */
  readonly resumed: number;
}

/** One template with its payload, for export/import. */
export interface TemplateRecord extends TemplateInfo {
  readonly embedding: Float32Array;
  readonly crop: Frame;
}

export interface Gallery {
  /** Absolute path of the database file. */
  readonly path: string;
  metadata(): GalleryMetadata;
  enroll(target: EnrollTarget, templates: readonly TemplateInput[], options?: EnrollOptions): EnrollResult;
  /** The open-set decision for one probe embedding. */
  identify(embedding: Float32Array, options?: IdentifyOptions): IdentifyResult;
  /** The k best identities (aggregated), best first, without a decision. */
  rank(embedding: Float32Array, k?: number): RankedIdentity[];
  listIdentities(): Identity[];
  getIdentity(id: string): IdentityDetails | undefined;
  findByName(name: string): Identity[];
  renameIdentity(id: string, name: string): Identity;
  setIdentityMetadata(id: string, metadata: Record<string, unknown>): Identity;
  /** Removes the identity and all its templates; false when it did not exist. */
  removeIdentity(id: string): boolean;
  /** False when it did not exist. */
  removeTemplate(templateId: string): boolean;
  /** The stored aligned crop of a template. */
  getCrop(templateId: string): Frame | undefined;
  /** Every serving template with embedding and crop, for export. */
  templates(): Iterable<TemplateRecord>;
  /** Stores the threshold (and the FAR it was chosen at) with the gallery and its model id. */
  setThreshold(setting: ThresholdSetting): GalleryMetadata;
  /**
   * Recomputes every template from its stored crop with a new recognizer into a new
   * generation; switches to it atomically only when every template is done. Interrupted, the
   * old generation keeps serving and a later call resumes the work.
   */
  reembed(recognizer: Reembedder, options?: ReembedOptions): Promise<ReembedResult>;
  /** Every generation in the file, oldest first. */
  generations(): GenerationInfo[];
  /**
   * Makes a complete generation the serving one, in one transaction (GALLERY_GENERATION_INCOMPLETE
   * when a template has no vector in it). keepPrevious retires the old one instead of dropping it.
   */
  activateGeneration(generation: number, options?: { keepPrevious?: boolean }): GalleryMetadata;
  /** Drops a building or retired generation and its vectors; false when there is none by that number. */
  dropGeneration(generation: number): boolean;
  /**
   * Reloads the search index when another process (the CLI, while the agent serves) committed
   * a change since; returns true when it did. Cheap when nothing changed (PRAGMA data_version).
   */
  reload(): boolean;
  /** SQLite's integrity check over the whole file (slow on big galleries); [] when sound. */
  check(): string[];
  /** Checkpoints the WAL and closes the file; idempotent. */
  close(): void;
}
