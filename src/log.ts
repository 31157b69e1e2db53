/**
 * Logs and progress go to stderr; results go to stdout or --out. When stderr is a terminal, progress is a
 * bar redrawn in place; otherwise (cron, CI, pipes) it is a plain line at most every few seconds.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Start a progress report for `total` units of `label`. */
  progress(label: string, total: number): Progress;
}

export interface Progress {
  tick(done: number): void;
  done(): void;
}

export interface LoggerOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum seconds between plain progress lines when not on a terminal. */
  plainEverySeconds?: number;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const quiet = opts.quiet ?? false;
  const tty = Boolean(stream.isTTY);
  const every = (opts.plainEverySeconds ?? 5) * 1000;
  const write = (s: string) => {
    if (!quiet) stream.write(s);
  };
  return {
    info: (m) => write(`${m}\n`),
    warn: (m) => write(`warning: ${m}\n`),
    progress(label, total) {
      const start = Date.now();
      let last = 0;
      return {
        tick(done) {
          const now = Date.now();
          if (tty) {
            if (now - last < 100) return;
            last = now;
            const frac = total > 0 ? Math.min(1, done / total) : 0;
            const width = 30;
            const filled = Math.round(frac * width);
            write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(frac * 100).toFixed(0)}%`);
          } else if (now - last >= every) {
            last = now;
            write(`${label}: ${done}/${total} (${((now - start) / 1000).toFixed(0)} s)\n`);
          }
        },
        done() {
          const secs = ((Date.now() - start) / 1000).toFixed(1);
          write(tty ? `\r${label} done in ${secs} s${" ".repeat(30)}\n` : `${label}: done in ${secs} s\n`);
        },
      };
    },
  };
}

/** A logger that discards everything (tests, --quiet). */
export const silentLogger: Logger = createLogger({ quiet: true });
