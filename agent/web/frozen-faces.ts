/**
 * Faces frozen at the user's first click (Live "Enroll this face", an uploaded photo, an event
 * snapshot), kept on the main thread until the user has typed a name: Enroll then saves that
 * exact crop and embedding, never whoever is on camera by then. Each face has an unguessable
 * token; an expired or unknown token is refused (NOT_FOUND), and the oldest entries make room
 * so that clicking Enroll all day cannot grow memory.
 */
import { randomBytes } from 'node:crypto';
import { ArcEdgeError } from '../../sdk/index.ts';
import type { FacesResult } from '../commands/context.ts';
import type { FoundFace } from '../pipeline/face-types.ts';

/** Long enough to type a name and read a warning; short enough that a stale face is not enrolled by surprise. */
export const FROZEN_FACE_TTL_MS = 10 * 60_000;
const MAX_FROZEN = 256;

interface Frozen {
  readonly face: FoundFace;
  readonly source: string;
  readonly expiresAt: number;
}

export interface FrozenFaceView {
  readonly token: string;
  readonly box: FoundFace['box'];
  readonly crop: string;
  readonly quality: FoundFace['quality'];
  readonly match: (NonNullable<FoundFace['match']> & { cropUrl: string }) | null;
}

export const templateCropUrl = (personId: string, templateId: string): string => `/api/people/${encodeURIComponent(personId)}/templates/${encodeURIComponent(templateId)}/crop.jpg`;

export class FrozenFaces {
  private readonly faces = new Map<string, Frozen>();

  constructor(private readonly ttlMs = FROZEN_FACE_TTL_MS) {}

  /** Keeps every face of one frame; answers what the page shows (crops as data: URLs, no embeddings). */
  freeze(result: FacesResult, source: string, now = Date.now()): { frame: string; width: number; height: number; expiresAt: string; faces: FrozenFaceView[] } {
    this.sweep(now);
    const expiresAt = now + this.ttlMs;
    const views = result.faces.map((face) => {
      while (this.faces.size >= MAX_FROZEN) this.faces.delete(this.faces.keys().next().value!);
      const token = randomBytes(18).toString('base64url');
      this.faces.set(token, { face, source, expiresAt });
      return {
        token,
        box: face.box,
        crop: `data:image/jpeg;base64,${face.cropJpeg}`,
        quality: face.quality,
        match: face.match ? { ...face.match, cropUrl: templateCropUrl(face.match.personId, face.match.templateId) } : null,
      };
    });
    return { frame: `data:image/jpeg;base64,${result.frameJpeg}`, width: result.width, height: result.height, expiresAt: new Date(expiresAt).toISOString(), faces: views };
  }

  take(token: string, now = Date.now()): Frozen {
    const frozen = this.faces.get(token);
    if (!frozen || frozen.expiresAt <= now) {
      this.faces.delete(token);
      throw new ArcEdgeError('NOT_FOUND', 'this face is no longer held (it expired or the agent restarted)', { fix: 'press Enroll again to freeze the face on screen now' });
    }
    return frozen;
  }

  /** After a successful enroll the face is spent: a second Enroll would only add a duplicate. */
  drop(token: string): void {
    this.faces.delete(token);
  }

  private sweep(now: number): void {
    for (const [token, f] of this.faces) if (f.expiresAt <= now) this.faces.delete(token);
  }
}
