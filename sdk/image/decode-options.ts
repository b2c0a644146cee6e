/** Options for decodeImage / readImage, with their defaults in one literal. */

/**
 * What to do with transparency (PNG/WebP alpha, GIF transparent index):
 * - 'drop' (default): ignore it and keep the stored colour, exactly what cv2.imread does and
 *   therefore what insightface saw when its models were evaluated; embeddings of the same
 *   file then match a Python insightface pipeline.
 * - 'white' / 'black': composite over that colour (useful for cut-out portraits whose
 *   transparent pixels hold arbitrary colours).
 */
export type AlphaPolicy = 'drop' | 'white' | 'black';

export interface DecodeOptions {
  /** Refuse images with more pixels than this (IMAGE_TOO_LARGE), checked from the header before decoding. */
  readonly maxPixels?: number;
  /** See AlphaPolicy. */
  readonly alpha?: AlphaPolicy;
  /** Apply the EXIF orientation tag (JPEG APP1, PNG eXIf, WebP EXIF) so the face is upright. */
  readonly applyExifOrientation?: boolean;
}

export const DECODE_DEFAULTS = {
  maxPixels: 100_000_000,
  alpha: 'drop',
  applyExifOrientation: true,
} as const satisfies Required<DecodeOptions>;
