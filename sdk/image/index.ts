/** The image folder's public surface: decoding, encoding and pixel operations on BGR Frames. */
export { createFrame, type AffineMatrix, type Frame } from './frame.ts';
export { decodeImage, decodeImageScaled, readImage, readImageScaled, type ScaledImage } from './decode.ts';
export { DECODE_DEFAULTS, type AlphaPolicy, type DecodeOptions } from './decode-options.ts';
export { SUPPORTED_FORMATS, type ImageFormat } from './header.ts';
export { cropFrame, type PixelRect } from './crop.ts';
export { fillPolygons, insidePolygon, meanGrey, type MaskPolygon } from './polygon.ts';
export {
  drawAnnotations,
  encodeJpeg,
  ensureOpenCV,
  encodePng,
  frameToPlanarTensor,
  laplacianVariance,
  resizeFrame,
  toGrey,
  warpAffine,
  type Annotation,
  type GreyImage,
  type Interpolation,
  type PlanarTensorLayout,
} from './opencv/index.ts';
