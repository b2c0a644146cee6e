/** Quality gate: face size, blur, 5-point pose and detector score, judged against one defaults literal. */
export { assessQuality, measureQuality, judgeQuality } from './assess.ts';
export type { QualityInput, QualityMetrics, QualityReason, QualityVerdict } from './assess.ts';
export { QUALITY_DEFAULTS, QualityThresholdsSchema } from './defaults.ts';
export type { QualityThresholds } from './defaults.ts';
export { estimatePose } from './pose.ts';
export type { PoseDeg } from './pose.ts';
export { laplacianVarianceOfFrame } from './blur.ts';
export { describeQualityReason, describeQualityReasons } from './reasons.ts';
export { estimatePose68, fitHeadPose, projectHeadModel } from './pose68.ts';
export { HEAD_MODEL_CM, HEAD_MODEL_IBUG68 } from './head-model.ts';
