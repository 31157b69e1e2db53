/**
 * How commands hand back their result: JSON with --json (for machines), a readable text otherwise; to
 * stdout, or atomically to --out when the command writes its result to a file.
 */
import { writeAtomic } from "../io/files.js";

export interface OutputOptions {
  json?: boolean | undefined;
  /** Write the result here instead of stdout. */
  out?: string | undefined;
}

/** Stable JSON: Dates as ISO dates (YYYY-MM-DD when at midnight UTC), 2-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === "bigint") return Number(v);
      return v;
    },
    2,
  );
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function emit(result: unknown, text: () => string, opts: OutputOptions): void {
  const body = opts.json ? `${toJson(result)}\n` : `${text()}\n`;
  if (opts.out) writeAtomic(opts.out, body);
  else process.stdout.write(body);
}
