/**
 * What the agent needs from a gallery, and the one place that opens it. The worker that owns
 * the pipeline owns the gallery too (identify runs next to embed; enroll/forget arrive as RPCs).
 *
 * INTERIM: until the SDK gallery (sdk/gallery, openGallery) lands, this file keeps enrolled
 * embeddings in a JSON file at the configured path. Only this file changes when it does.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileSync, renameSync } from 'node:fs';
import type { Frame } from '../../sdk/index.ts';

export interface IdentifyResult {
  readonly identity: { id: string; name: string } | null;
  /** Cosine similarity of the best match (even when below the threshold). */
  readonly score: number;
  /** Best score minus the best score of another person. */
  readonly margin: number;
}

export interface PersonSummary {
  readonly id: string;
  readonly name: string;
  readonly faces: number;
}

export interface AgentGallery {
  identify(embedding: Float32Array): IdentifyResult;
  enroll(person: { id: string; name: string }, faces: readonly { crop: Frame; embedding: Float32Array }[]): PersonSummary;
  forget(personId: string): boolean;
  list(): PersonSummary[];
  close(): void;
}

interface StoredPerson {
  id: string;
  name: string;
  embeddings: number[][];
}

export function openAgentGallery(path: string, options: { threshold: number }): AgentGallery {
  let people: StoredPerson[] = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredPerson[]) : [];
  const save = () => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(people));
    renameSync(`${path}.tmp`, path);
  };
  return {
    identify(embedding) {
      let best = { person: undefined as StoredPerson | undefined, score: -1 };
      let second = -1;
      for (const person of people) {
        let top = -1;
        for (const e of person.embeddings) {
          let dot = 0;
          for (let i = 0; i < embedding.length; i++) dot += embedding[i]! * e[i]!;
          top = Math.max(top, dot);
        }
        if (top > best.score) {
          second = best.score;
          best = { person, score: top };
        } else if (top > second) second = top;
      }
      const identity = best.person && best.score >= options.threshold ? { id: best.person.id, name: best.person.name } : null;
      return { identity, score: best.score, margin: best.score - second };
    },
    enroll(person, faces) {
      const existing = people.find((p) => p.id === person.id);
      const embeddings = faces.map((f) => Array.from(f.embedding));
      if (existing) {
        existing.name = person.name;
        existing.embeddings.push(...embeddings);
      } else people.push({ ...person, embeddings });
      save();
      const stored = people.find((p) => p.id === person.id)!;
      return { id: stored.id, name: stored.name, faces: stored.embeddings.length };
    },
    forget(personId) {
      const before = people.length;
      people = people.filter((p) => p.id !== personId);
      if (people.length !== before) save();
      return people.length !== before;
    },
    list: () => people.map((p) => ({ id: p.id, name: p.name, faces: p.embeddings.length })),
    close() {},
  };
}
