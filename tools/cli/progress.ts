/**
 * The one progress bar for long CLI work (model downloads, enroll, pack, train, quantize,
 * deploy), on cli-progress. It draws on stderr so stdout stays parseable, and it is silent
 * when stderr is not a TTY or the command runs with --json: logs and pipes get no bar noise.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the position (and optionally a new total and a short status text). */
  update(value: number, status?: { total?: number; text?: string }): void;
  increment(by?: number, text?: string): void;
  /** Ends the bar (it stays on screen as a finished line). Safe to call twice. */
  stop(): void;
}

export interface ProgressOptions {
  /** Left-hand label, e.g. "fetch fr_feature.onnx". */
  readonly label: string;
  readonly total: number;
  /** 'bytes' renders MB values; 'items' renders counts (default). */
  readonly unit?: 'bytes' | 'items';
  /** Force silence (e.g. --json). */
  readonly silent?: boolean;
  /** Where to draw; default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
}

const SILENT: Progress = { update() {}, increment() {}, stop() {} };

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.silent || !stream.isTTY) return SILENT;
  const bytes = options.unit === 'bytes';
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label} [{bar}] {percentage}% | ${bytes ? '{valueMb}/{totalMb} MB' : '{value}/{total}'} | ETA {eta_formatted} {text}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  let total = options.total;
  let value = 0;
  let stopped = false;
  bar.start(total, 0, { text: '', valueMb: mb(0), totalMb: mb(total) });
  return {
    update(next, status) {
      if (stopped) return;
      value = next;
      if (status?.total !== undefined && status.total !== total) {
        total = status.total;
        bar.setTotal(total);
      }
      bar.update(value, { text: status?.text ?? '', valueMb: mb(value), totalMb: mb(total) });
    },
    increment(by = 1, text) {
      if (stopped) return;
      value += by;
      bar.update(value, { text: text ?? '', valueMb: mb(value), totalMb: mb(total) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** Several bars at once (one per device in `arcedge deploy`), drawn together on one stream. */
export interface ProgressGroup {
  bar(label: string, total: number): Progress;
  stop(): void;
}

export function createProgressGroup(options: { silent?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressGroup {
  const stream = options.stream ?? process.stderr;
  if (options.silent || !stream.isTTY) return { bar: () => SILENT, stop() {} };
  const multi = new cliProgress.MultiBar(
    { stream, format: '{label} [{bar}] {percentage}% | {value}/{total} | {text}', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  return {
    bar(label, total) {
      const bar = multi.create(total, 0, { label, text: '' });
      let stopped = false;
      return {
        update(value, status) {
          if (stopped) return;
          if (status?.total !== undefined) bar.setTotal(status.total);
          bar.update(value, { label, text: status?.text ?? '' });
        },
        increment(by = 1, text) {
          if (!stopped) bar.increment(by, { label, text: text ?? '' });
        },
        stop() {
          if (stopped) return;
          stopped = true;
          bar.stop();
        },
      };
    },
    stop: () => multi.stop(),
  };
}
