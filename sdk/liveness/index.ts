/** Passive liveness: P(real) per face from a wide, in-frame crop. */
export { createLivenessScorer, softmax } from './liveness.ts';
export type { LivenessScorer } from './liveness.ts';
export { livenessCropRect } from './crop-rect.ts';
