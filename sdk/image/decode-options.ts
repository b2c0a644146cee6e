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

/**
 * Options of decodeImage and readImage: pixel limit, transparency, EXIF orientation, downscaling
 * while decoding.
 */
export interface DecodeOptions {
  /** Refuse images with more pixels than this (IMAGE_TOO_LARGE), checked from the header before decoding. */
  readonly maxPixels?: number;
  /** See AlphaPolicy. */
  readonly alpha?: AlphaPolicy;
  /** Apply the EXIF orientation tag (JPEG APP1, PNG eXIf, WebP EXIF) so the face is upright. */
  readonly applyExifOrientation?: boolean;
  /**
   * JPEG only: decode at 1/2, 1/4 or 1/8 of the size (libjpeg's DCT scaling, much cheaper than a
   * full decode and a resize) when the image's longer side stays at least this many pixels; the
   * largest such reduction is taken. 0 (default): always full size. decodeImageScaled() says
   * which scale was used.
   */
  readonly reduceToLongSidePx?: number;
}

/** Every default of DecodeOptions, in one place. */
export const DECODE_DEFAULTS = {
  maxPixels: 100_000_000,
  alpha: 'drop',
  applyExifOrientation: true,
  reduceToLongSidePx: 0,
} as const satisfies Required<DecodeOptions>;
