/** Glue between a loaded recognizer (createFacePipeline) and a gallery. */
import type { FacePipeline } from '../analyzer/pipeline.ts';
import { ArcEdgeError } from '../errors.ts';
import type { GalleryModel, Reembedder } from './types.ts';

/** The gallery model of a pipeline's recognizer: id, embedding size, recommended threshold. */
export function galleryModelOf(pipeline: Pick<FacePipeline, 'manifests' | 'embeddingSize'>): GalleryModel {
  const manifest = pipeline.manifests.embed;
  if (!manifest || pipeline.embeddingSize === undefined) {
    throw new ArcEdgeError('STAGE_NOT_LOADED', 'the pipeline has no embed stage, so it has no recognizer to build a gallery for', {
      fix: "create it with stages: ['embed'] (or the default stages)",
    });
  }
  const recommended = manifest.recommendedThreshold;
  return {
    id: manifest.id,
    embeddingSize: pipeline.embeddingSize,
    ...(recommended ? { recommendedThreshold: recommended.threshold, recommendedFar: recommended.far } : {}),
  };
}

/** A Reembedder over a pipeline's embed stage (createFacePipeline({ stages: ['embed'] })). */
export function reembedderOf(pipeline: FacePipeline): Reembedder {
  return { model: galleryModelOf(pipeline), embed: (crops) => pipeline.embed(crops) };
}
