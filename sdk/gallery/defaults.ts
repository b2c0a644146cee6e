/** Gallery defaults, in one literal (STYLE.md #6). */
export const GALLERY_DEFAULTS = {
  /**
   * Used only for a recognizer whose manifest has no recommendedThreshold: a cosine value
   * that keeps strangers out on the ArcFace-family models measured here (docs/gallery.md).
   */
  threshold: 0.4,
  /**
   * Best minus second-best identity score below which the answer is unknown. 0.03 rejected
   * no correct match on the dev identities and catches near ties (docs/gallery.md).
   */
  margin: 0.03,
  /** Cosine at or above which a new template duplicates one already enrolled for that person. */
  duplicateThreshold: 0.95,
  /** Crops per embed() call while re-embedding; each batch is one committed transaction. */
  reembedBatchSize: 32,
  storage: 'float32',
  aggregation: 'best',
} as const;

/** Environment variables that carry the encryption key (the value, or a 0600 file holding it). */
export const KEY_ENV = 'ARCEDGE_GALLERY_KEY';
export const KEY_FILE_ENV = 'ARCEDGE_GALLERY_KEY_FILE';
