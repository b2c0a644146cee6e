/**
 * The bench's one row shape, and the interface every row provider implements. A provider is a
 * file in test/bench/rows/ (one per part: stages, peer, gallery, quantize, training, agent) that
 * default-exports a RowProvider; run.ts runs the ones registry.ts lists plus any other file
 * found there, so a new part plugs in by adding its file.
 *
 * Every figure is printed with its baseline and the ratio value / baseline, measured in the
 * same run: on a shared machine absolute numbers drift, ratios within one run much less.
 */
export interface BenchRow {
  /** Table section: "stages", "peer", "limits: gallery", ... */
  readonly section: string;
  readonly name: string;
  /** null when the part could not be measured here (see note). */
  readonly value: number | null;
  readonly unit: string;
  /** What the value is compared with, measured in the same run; absent for a baseline row itself. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** Whether a higher ratio is better (throughput, accuracy) or a lower one (latency, overhead). */
  readonly better?: 'higher' | 'lower';
  /** A target for the ratio, e.g. ">= 10" or "<= 1.10". */
  readonly target?: string;
  readonly note?: string;
}

export interface BenchContext {
  /** --quick: one round, fewer model sets: the whole run stays under 3 minutes. */
  readonly quick: boolean;
  /** Intra-op threads for our sessions. */
  readonly threads: number;
  readonly rounds: number;
  /** Progress lines (stderr). */
  log(line: string): void;
  /** Facts about the run a provider learned (peer version, backend), for the JSON's conditions. */
  note(key: string, value: string | number): void;
}

export interface RowProvider {
  /** The part of arcedge these rows measure. */
  readonly part: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

export const ratioOf = (row: BenchRow): number | null => (row.value !== null && row.baseline && row.baseline.value !== 0 ? row.value / row.baseline.value : null);
