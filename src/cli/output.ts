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

/**
 * A plain-text table: a header row, a rule, then rows; columns padded to their widest cell, numbers (cells
 * matching a number with optional sign, % or interval) right-aligned.
 */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => /^[-+−]?[\d.,]+%?( \([\d.,\-–]+\))?$|^—$|^$/.test(r[j] ?? "")));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
