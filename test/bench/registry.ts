/**
 * Which parts `npm run bench` reports, and where each part's rows live. A part whose file is
 * not in test/bench/rows/ yet gets one row saying it has not landed (and on which branch it is
 * being built), so the table always shows every figure the issue asks for.
 */
export interface BenchPart {
  readonly part: string;
  /** File under test/bench/rows/ that default-exports a RowProvider. */
  readonly file: string;
  /** What the rows will measure, for the "not landed" row. */
  readonly measures: string;
  readonly landsWith?: string;
}

export const BENCH_PARTS: readonly BenchPart[] = [
  { part: 'stages', file: 'stages.ts', measures: 'per-stage latency and the overhead ratio against raw session.run' },
  { part: 'peer', file: 'peer-human.ts', measures: 'faces/s detect+embed and dev-pair AUC against @vladmandic/human' },
  { part: 'levers', file: 'levers.ts', measures: 'speed levers: detector input size, threads (with recall and AUC kept)' },
  { part: 'gallery', file: 'gallery.ts', measures: 'gallery search against the memory-bandwidth bound; identify latency' },
  { part: 'decode', file: 'decode.ts', measures: 'JPEG decode ms per photo by size class, full vs reduced (DCT scaling)' },
  { part: 'ann', file: 'ann.ts', measures: 'identify through the HNSW graph vs the exact scan at 100k / 1M identities: p50/p99, recall@1, build, RAM/disk' },
  { part: 'quantize', file: 'quantize.ts', measures: 'FP32 vs FP16 vs INT8 recognizer latency' },
  { part: 'training', file: 'training.ts', measures: 'trainer img/s against raw PyTorch', landsWith: 'branch training' },
  { part: 'agent', file: 'agent.ts', measures: 'agent frames/s on a 1080p clip', landsWith: 'branch agent' },
  { part: 'web', file: 'web.ts', measures: 'agent frames/s with the web server on and no client, against without it', landsWith: 'branch web-core' },
];
