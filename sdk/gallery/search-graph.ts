/**
 * The HNSW graph a large gallery keeps beside its file (`<gallery>.ann` + `<gallery>.ann.json`):
 * loaded at open when its header matches the gallery (model, generation, dim, settings and a
 * fingerprint of every template it holds) and its bytes match their sha256; otherwise rebuilt
 * from the gallery, with one log line saying why. The gallery, not the graph, is the truth: a
 * stale, foreign, half-written or damaged graph costs a rebuild, never a wrong identity.
 *
 * Written like the gallery's own commits are durable: graph to a temp file, fsync, rename, then
 * the header the same way. A crash between the two renames leaves a header whose sha256 does not
 * match the new graph: rebuilt at the next open. Encrypted galleries never write one (the graph
 * holds the embeddings in the clear): their graph is built in memory at open.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { HNSW_DEFAULTS, HnswIndex, hnswUnavailableReason } from '../match/hnsw.ts';
import type { MatchIndex } from '../match/match-index.ts';

export const GRAPH_FORMAT = 'arcedge-ann';
export const GRAPH_VERSION = 1;

export interface GraphHeader {
  readonly format: string;
  readonly version: number;
  readonly library: string;
  readonly modelId: string;
  readonly generation: number;
  readonly dim: number;
  readonly count: number;
  readonly fingerprint: string;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface GraphContext {
  readonly galleryPath: string;
  readonly modelId: string;
  readonly generation: number;
  /** Order-independent digest of (key, template id) over every template (templateFingerprint). */
  readonly fingerprint: string;
  /** Write the graph file (false for read-only and encrypted galleries). */
  readonly persist: boolean;
  readonly log: (line: string) => void;
}

export const graphPaths = (galleryPath: string): { graph: string; header: string } => ({ graph: `${galleryPath}.ann`, header: `${galleryPath}.ann.json` });

/**
 * Digest of a set of (key, template id) pairs, independent of their order: two 32-bit FNV-1a
 * hashes per pair, summed and xored. A template deleted and another inserted under the reused
 * rowid changes it, as does any template added or removed.
 */
export class TemplateFingerprint {
  #sum = 0;
  #xor = 0;
  #count = 0;

  add(key: number, templateId: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ key;
    const text = `${key}:${templateId}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    this.#sum = (this.#sum + (h1 >>> 0)) >>> 0;
    this.#xor = (this.#xor ^ h2) >>> 0;
    this.#count++;
  }

  get value(): string {
    return `${this.#count}:${this.#sum.toString(16)}:${this.#xor.toString(16)}`;
  }
}

function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(8 << 20);
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Why the saved graph cannot be used, or '' when it can. */
function staleReason(header: GraphHeader, context: GraphContext, index: MatchIndex, graphPath: string): string {
  const expected: Partial<GraphHeader> = {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    modelId: context.modelId,
    generation: context.generation,
    dim: index.dim,
    count: index.size,
    fingerprint: context.fingerprint,
    connectivity: HNSW_DEFAULTS.connectivity,
    expansionAdd: HNSW_DEFAULTS.expansionAdd,
  };
  for (const [field, value] of Object.entries(expected)) {
    const actual = (header as unknown as Record<string, unknown>)[field];
    if (actual !== value) return `${field} is ${JSON.stringify(actual)}, the gallery has ${JSON.stringify(value)}`;
  }
  const bytes = statSync(graphPath).size;
  if (bytes !== header.bytes) return `the graph file has ${bytes} bytes, its header says ${header.bytes} (half written?)`;
  if (sha256File(graphPath) !== header.sha256) return 'the graph file does not match its sha256 (damaged or half written)';
  return '';
}

/**
 * Gives `index` its graph: the saved one when it matches, else a fresh build (saved when
 * `persist`). Returns what happened; 'unavailable' leaves the index on the exact scan.
 */
export function attachSearchGraph(index: MatchIndex, context: GraphContext): 'loaded' | 'built' | 'unavailable' {
  const paths = graphPaths(context.galleryPath);
  if (existsSync(paths.header) && existsSync(paths.graph)) {
    let reason: string;
    try {
      const header = JSON.parse(readFileSync(paths.header, 'utf8')) as GraphHeader;
      reason = staleReason(header, context, index, paths.graph);
      if (!reason) {
        const graph = HnswIndex.load(paths.graph, index.dim);
        if (graph && graph.size === index.size) {
          index.attachHnsw(graph);
          return 'loaded';
        }
        reason = graph ? `the graph holds ${graph.size} templates, the gallery ${index.size}` : hnswUnavailableReason();
      }
    } catch (error) {
      reason = `it cannot be read (${error instanceof Error ? error.message : String(error)})`;
    }
    context.log(`arcedge: search graph ${paths.graph} not used: ${reason}; rebuilding it from the gallery (${index.size} templates)`);
  }
  const graph = HnswIndex.create(index.dim);
  if (!graph) {
    context.log(`arcedge: exact search for ${context.galleryPath} (${index.size} templates): ${hnswUnavailableReason()}`);
    return 'unavailable';
  }
  const start = performance.now();
  index.fillHnsw(graph);
  index.attachHnsw(graph);
  context.log(`arcedge: built the search graph for ${context.galleryPath}: ${index.size} templates in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  if (context.persist) saveSearchGraph(index, context);
  return 'built';
}

/** Writes the index's graph and its header beside the gallery (temp file, fsync, rename). */
export function saveSearchGraph(index: MatchIndex, context: GraphContext): void {
  const graph = index.hnsw;
  if (!graph || !context.persist) return;
  const paths = graphPaths(context.galleryPath);
  // Per-process temp names: the agent and the CLI may both save on close.
  const tmp = `${paths.graph}.${process.pid}.tmp`;
  const headerTmp = `${paths.header}.${process.pid}.tmp`;
  try {
    graph.save(tmp);
    chmodSync(tmp, 0o600); // the embeddings, as private as the gallery file
    syncFile(tmp);
    const header: GraphHeader = {
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      library: 'usearch',
      modelId: context.modelId,
      generation: context.generation,
      dim: index.dim,
      count: index.size,
      fingerprint: context.fingerprint,
      connectivity: graph.settings.connectivity,
      expansionAdd: graph.settings.expansionAdd,
      bytes: statSync(tmp).size,
      sha256: sha256File(tmp),
    };
    renameSync(tmp, paths.graph);
    writeFileSync(headerTmp, JSON.stringify(header, null, 1), { mode: 0o600 });
    syncFile(headerTmp);
    renameSync(headerTmp, paths.header);
  } catch (error) {
    // The graph is a cache: failing to write it (full disk) costs a rebuild at the next open.
    rmSync(tmp, { force: true });
    rmSync(headerTmp, { force: true });
    context.log(`arcedge: could not save the search graph ${paths.graph}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
