/**
 * One entry point for every detector: the manifest's family picks the decoder, so callers
 * (pipeline, agent, CLI) never name a model file or family themselves.
 */
import { ArcEdgeError } from '../errors.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { InferenceSession } from '../runtime/types.ts';
import type { DetectorOptions } from './options.ts';
import { ScrfdDetector } from './scrfd.ts';
import type { FaceDetector } from './types.ts';
import { UltraFaceDetector } from './ultraface.ts';
import { YunetDetector } from './yunet.ts';

const DETECTOR_FAMILIES = ['scrfd', 'yunet', 'ultraface'] as const;

/**
 * Builds the detector for `manifest.family`. The detector takes ownership of `session`
 * (and of `options.landmarks.session`): its dispose() releases them.
 */
export function createDetector(manifest: ModelManifest, session: InferenceSession, options?: DetectorOptions): FaceDetector {
  if (manifest.task !== 'detect') {
    throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model ${manifest.id} has task "${manifest.task}"; a detector needs task "detect"`, {
      fix: "pick the model set's detect model (manifest.task === 'detect')",
    });
  }
  switch (manifest.family) {
    case 'scrfd':
      return new ScrfdDetector(manifest, session, options);
    case 'yunet':
      return new YunetDetector(manifest, session, options);
    case 'ultraface':
      return new UltraFaceDetector(manifest, session, options);
    default:
      throw new ArcEdgeError('MODEL_MANIFEST_INVALID', `model ${manifest.id} is family "${manifest.family}"; no detector decodes it`, {
        fix: `use a detect model of family ${DETECTOR_FAMILIES.join(', ')}`,
      });
  }
}
