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

export interface LoggedProblem {
  readonly ts: string;
  readonly level: 'warn' | 'error';
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}

/** The same logger, also keeping the last `keep` warnings and errors (the web Device page shows them). */
export function keepingProblems(logger: Logger, problems: LoggedProblem[], keep = 50): Logger {
  return {
    log(level, msg, fields) {
      if (level === 'warn' || level === 'error') {
        problems.push({ ts: new Date().toISOString(), level, msg, ...(fields ? { fields } : {}) });
        if (problems.length > keep) problems.splice(0, problems.length - keep);
      }
      logger.log(level, msg, fields);
    },
    setLevel: (level) => logger.setLevel(level),
  };
}
