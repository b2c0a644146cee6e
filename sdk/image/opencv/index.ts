/**
 * sdk/image/opencv: every OpenCV job, one file each, over one loader (loader.ts, the only file
 * that loads @u4/opencv4nodejs). Functions take and return plain Frames / typed arrays; no cv.Mat
 * leaves this folder. Capture (video files, RTSP, V4L2) will add its own file here.
 */
export { cv, ensureOpenCV, findOpenCVBinding, openCVInfo, opencvBuildDir, OPENCV_BINDING_PACKAGE, OPENCV_BINDING_VERSION, OPENCV_SETUP_COMMAND } from './loader.ts';
export type { BindingCandidate } from './loader.ts';
export { decodeWithOpenCV, type ReduceFactor } from './decode.ts';
export { encodeJpeg, encodePng } from './encode.ts';
export { resizeFrame, warpAffine, type Interpolation } from './geometry.ts';
export { frameToPlanarTensor, type PlanarTensorLayout } from './planar-tensor.ts';
export { laplacianVariance, toGrey, type GreyImage } from './grey.ts';
export { drawAnnotations, type Annotation } from './draw.ts';
