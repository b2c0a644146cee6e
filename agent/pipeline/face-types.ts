/**
 * The faces the web's enroll flow works with (agent/pipeline/worker-faces.ts finds and saves
 * them): types only, so the RPC map, commands and web import them without the pipeline's state.
 */
import type { Box } from '../../sdk/index.ts';

export interface FaceMatch {
  readonly personId: string;
  readonly name: string;
  readonly score: number;
  /** The person's template most like this face: the UI shows it beside the new one. */
  readonly templateId: string;
}

export interface FoundFace {
  readonly box: Box;
  readonly crop: { readonly width: number; readonly height: number; readonly data: Uint8Array };
  readonly cropJpeg: string;
  readonly embedding: Float32Array;
  readonly quality: { readonly ok: boolean; readonly reasons: readonly string[] };
  /** The best match at or above the threshold, else null. */
  readonly match: FaceMatch | null;
}

export interface EnrollFaceParams {
  readonly personId: string;
  readonly name: string;
  readonly crop: { readonly width: number; readonly height: number; readonly data: Uint8Array };
  readonly embedding: Float32Array;
  readonly quality: { readonly ok: boolean; readonly reasons: readonly string[] };
  readonly source: string;
  /** The user saw the warning and enrolls anyway. */
  readonly confirm?: boolean;
}
