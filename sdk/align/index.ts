/** The align stage's public surface. */
export { alignFace, type AlignedFace } from './align.ts';
export { ARCFACE_TEMPLATE_112, arcfaceTemplate } from './arcface-template.ts';
export { estimateSimilarity } from './umeyama.ts';
export { applyAffine, invertAffine } from './affine.ts';
