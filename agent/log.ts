/**
 * Logs as JSON lines on stdout ({ ts, level, msg, ...fields }): systemd's journal stores them
 * as-is and `journalctl -o cat | jq` reads them back.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  setLevel(level: LogLevel): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  let min = ORDER[level];
  return {
    log(l, msg, fields) {
      if (ORDER[l] < min) return;
      write(JSON.stringify({ ts: new Date().toISOString(), level: l, msg, ...fields }));
    },
    setLevel(l) {
      min = ORDER[l];
    },
  };
}
