/**
 * The face library: recent unknown faces grouped by identity, so that a stranger seen twenty
 * times is named once. Each unknown event's snapshot is embedded once (by the pipeline worker,
 * the same recognizer the gallery uses) and kept in memory only; the groups come from
 * agglomerative clustering with average linkage, stopped when the closest two groups are less
 * similar than the recognizer's threshold: the same rule that says "same person" everywhere
 * else. Ignored groups (a painting, a poster: "not a face") are kept as centroids in
 * <dataDir>/face-library-ignored.json; unknown faces like them no longer show in the library.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LibraryFace {
  readonly eventId: string;
  readonly ts: string;
  readonly camera: string;
  readonly embedding: Float32Array;
  /** Ranks the faces of a group: quality verdict first, then face size in the snapshot. */
  readonly rank: number;
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * Average-linkage agglomerative clustering of unit vectors by cosine similarity: merges the two
 * most similar groups while their mean pairwise similarity is at least `threshold`. O(n^2)
 * memory and O(n^2) work per merge (Lance-Williams update); n is a few hundred here.
 */
export function clusterByThreshold(vectors: readonly Float32Array[], threshold: number): number[][] {
  const n = vectors.length;
  const sim: number[][] = vectors.map((a) => vectors.map((b) => dot(a, b)));
  const members: (number[] | null)[] = vectors.map((_, i) => [i]);
  for (;;) {
    let best = -Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!members[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (members[j] && sim[i]![j]! > best) (best = sim[i]![j]!), (bi = i), (bj = j);
      }
    }
    if (bi < 0 || best < threshold) break;
    const ni = members[bi]!.length;
    const nj = members[bj]!.length;
    for (let k = 0; k < n; k++) {
      if (!members[k] || k === bi || k === bj) continue;
      const s = (ni * sim[bi]![k]! + nj * sim[bj]![k]!) / (ni + nj);
      sim[bi]![k] = s;
      sim[k]![bi] = s;
    }
    members[bi] = [...members[bi]!, ...members[bj]!];
    members[bj] = null;
  }
  return members.filter((m): m is number[] => m !== null).sort((a, b) => b.length - a.length);
}

export function centroid(vectors: readonly Float32Array[]): Float32Array {
  const c = new Float32Array(vectors[0]?.length ?? 0);
  for (const v of vectors) for (let i = 0; i < c.length; i++) c[i]! += v[i]!;
  const norm = Math.sqrt(dot(c, c)) || 1;
  for (let i = 0; i < c.length; i++) c[i]! /= norm;
  return c;
}

export interface IgnoredGroup {
  readonly centroid: Float32Array;
  readonly faces: number;
  readonly at: string;
}

/** The "not a face" list, on disk so it outlives a restart. */
export class IgnoredFaces {
  private list: IgnoredGroup[] = [];

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { groups?: { centroid: number[]; faces: number; at: string }[] };
      this.list = (data.groups ?? []).map((g) => ({ centroid: Float32Array.from(g.centroid), faces: g.faces, at: g.at }));
    } catch {
      this.list = []; // unreadable: nothing is hidden, nothing is lost but the ignore marks
    }
  }

  get groups(): readonly IgnoredGroup[] {
    return this.list;
  }

  add(vectors: readonly Float32Array[]): void {
    this.list.push({ centroid: centroid(vectors), faces: vectors.length, at: new Date().toISOString() });
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, groups: this.list.map((g) => ({ centroid: [...g.centroid], faces: g.faces, at: g.at })) }), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** True when the face is at least `threshold`-similar to an ignored group's centroid. */
  matches(embedding: Float32Array, threshold: number): boolean {
    return this.list.some((g) => g.centroid.length === embedding.length && dot(g.centroid, embedding) >= threshold);
  }
}

/** The face library's memory: the unknown events' faces embedded so far, and the ignored groups. */
export class LibraryCache {
  /** eventId -> face (null: no face found in the snapshot). Memory only: embeddings of strangers are not written to disk. */
  readonly faces = new Map<string, LibraryFace | null>();

  constructor(readonly ignored: IgnoredFaces) {}
}
