/**
 * What the agent needs from a gallery, and the one place that opens it (the SDK's SQLite
 * gallery, sdk/gallery). The worker that owns the pipeline owns the gallery too: identify runs
 * next to embed, and enroll/forget/list arrive as RPCs. The threshold is the gallery's own
 * (the recognizer's recommended one unless calibrated) unless the config overrides it.
 */
import { ArcEdgeError, galleryModelOf, openGallery, type FacePipeline, type Frame, type Gallery } from '../../sdk/index.ts';

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

export interface PersonDetails {
  readonly id: string;
  readonly name: string;
  readonly templates: readonly { id: string; createdAt: string; quality: number; source: string }[];
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
  /** Every person with their templates (for the web People page). */
  people(): PersonDetails[];
  /** A template's aligned crop; undefined when that person has no such template. */
  crop(personId: string, templateId: string): Frame | undefined;
  rename(personId: string, name: string): PersonSummary;
  /** Moves every template of `personId` to `into` (re-using the stored embeddings and crops), then removes `personId`. */
  merge(personId: string, into: string): PersonSummary & { moved: number };
  /** False when that person has no such template. */
  removeTemplate(personId: string, templateId: string): boolean;
  /** Every template with its embedding (the web's enroll checks compare a face with each person). */
  templates(): Iterable<{ readonly id: string; readonly identityId: string; readonly embedding: Float32Array }>;
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
    people: () =>
      gallery.listIdentities().map((i) => ({
        id: i.id,
        name: i.name,
        templates: (gallery.getIdentity(i.id)?.templates ?? []).map((t) => ({ id: t.id, createdAt: t.createdAt, quality: t.quality, source: t.source })),
      })),
    crop(personId, templateId) {
      const owns = gallery.getIdentity(personId)?.templates.some((t) => t.id === templateId);
      return owns ? gallery.getCrop(templateId) : undefined;
    },
    rename(personId, name) {
      const i = gallery.renameIdentity(personId, name);
      return { id: i.id, name: i.name, faces: i.templateCount };
    },
    merge(personId, into) {
      if (personId === into) throw new ArcEdgeError('INVALID_ARGUMENT', 'a person cannot be merged into themselves', { fix: 'choose another person to merge into' });
      const target = gallery.getIdentity(into);
      if (!target) throw new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no person "${into}" in the gallery`, { details: { personId: into } });
      if (!gallery.getIdentity(personId)) throw new ArcEdgeError('GALLERY_IDENTITY_NOT_FOUND', `no person "${personId}" in the gallery`, { details: { personId } });
      const moving = [...gallery.templates()].filter((t) => t.identityId === personId);
      // Near-duplicates of the target's own templates are skipped; every template of the merged
      // person goes with the person, so nothing of them stays behind.
      gallery.enroll({ id: into }, moving.map((t) => ({ crop: t.crop, embedding: t.embedding, quality: t.quality, source: t.source })));
      gallery.removeIdentity(personId);
      const after = gallery.getIdentity(into)!;
      return { id: after.id, name: after.name, faces: after.templateCount, moved: after.templateCount - target.templateCount };
    },
    removeTemplate(personId, templateId) {
      const owns = gallery.getIdentity(personId)?.templates.some((t) => t.id === templateId);
      return owns ? gallery.removeTemplate(templateId) : false;
    },
    templates: () => gallery.templates(),
    refresh: () => void gallery.reload(),
    close: () => gallery.close(),
  };
}
