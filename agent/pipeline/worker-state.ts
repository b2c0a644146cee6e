/** What a pipeline process holds between messages: its models, gallery, trackers and last frames. */
import type { FacePipeline, Frame } from '../../sdk/index.ts';
import type { CameraDecisions } from '../track/decisions.ts';
import type { AgentGallery } from './gallery-port.ts';
import type { MotionGate } from './motion.ts';
import type { WorkerInit } from './messages.ts';

export interface WorkerState {
  readonly pipeline: FacePipeline;
  readonly gallery: AgentGallery;
  readonly lastFrames: Map<string, { frame: Frame; ts: number }>;
  readonly decisions: Map<string, CameraDecisions>;
  readonly motion: Map<string, MotionGate>;
  readonly init: WorkerInit;
}
