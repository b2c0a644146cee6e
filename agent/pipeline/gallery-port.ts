/**
 * What the agent needs from a gallery, and the one place that opens it (the SDK's SQLite
 * gallery, sdk/gallery). The worker that owns the pipeline owns the gallery too: identify runs
 * next to embed, and enroll/forget/list arrive as RPCs. The threshold is the gallery's own
 * (the recognizer's recommended one unless calibrated) unless the config overrides it.
 */
import { galleryModelOf, openGallery, type FacePipeline, type Frame, type Gallery } from '../../sdk/index.ts';

export interface AgentIdentifyResult {
  readonly identity: { id: string; name: string } | null;
  /** Cosine similarity of the best identity (even when the answer is unknown). */
  readonly score: number;
  readonly margin: number;
}

export interface PersonSummary {
  readonly id: string;
  readonly name: string;
  readonly faces: number;
}

export interface AgentGallery {
  readonly threshold: number;
  identify(embedding: Float32Array): AgentIdentifyResult;
  enroll(person: { id: string; name: string }, faces: readonly { crop: Frame; embedding: Float32Array; quality: number; source: string }[]): PersonSummary & { added: number; skipped: number };
  /** False when nobody has this id. */
  forget(personId: string): boolean;
  list(): PersonSummary[];
  /** People, templates and serving generation, for the status topic. */
  info(): { identities: number; templates: number; generation: number };
  /** Picks up changes another worker or the CLI committed; cheap when there are none. */
  refresh(): void;
  close(): void;
}

export async function openAgentGallery(path: string, pipeline: FacePipeline, thresholdOverride: number | undefined): Promise<AgentGallery> {
  const gallery: Gallery = await openGallery(path, { model: galleryModelOf(pipeline) });
  const options = thresholdOverride === undefined ? undefined : { threshold: thresholdOverride };
  return {
    threshold: thresholdOverride ?? gallery.metadata().threshold,
    identify(embedding) {
      const r = gallery.identify(embedding, options);
      return { identity: r.identity ? { id: r.identity.id, name: r.identity.name } : null, score: r.score, margin: r.margin };
    },
    enroll(person, faces) {
      const result = gallery.enroll({ id: person.id, name: person.name }, faces);
      const identity = gallery.getIdentity(result.identity.id)!;
      return { id: identity.id, name: identity.name, faces: identity.templateCount, added: result.added.length, skipped: result.skipped.length };
    },
    forget: (personId) => gallery.removeIdentity(personId),
    list: () => gallery.listIdentities().map((i) => ({ id: i.id, name: i.name, faces: i.templateCount })),
    info() {
      const m = gallery.metadata();
      return { identities: m.identities, templates: m.templates, generation: m.generation };
    },
    refresh: () => void gallery.reload(),
    close: () => gallery.close(),
  };
}
