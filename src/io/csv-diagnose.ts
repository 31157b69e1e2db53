/**
 * Find the first line that makes a CSV file unreadable, to name it in the error message. Runs only after
 * DuckDB refused the file (the error path), so a plain byte scan is fast enough: it stops at the first
 * problem, and reads at most `maxBytes`.
 *
 * Problems, in the order met while scanning: binary content (a NUL or other control byte), a byte
 * sequence that is not UTF-8 (when the encoding is utf-8), a line ending that differs from the first
 * line's (CRLF vs LF), a line with another number of fields than the header, a quote never closed.
 */
import { closeSync, openSync, readSync } from "node:fs";

export type CsvProblem =
  | { kind: "binary"; line: number; byte: number }
  | { kind: "encoding"; line: number; column: string; value: string }
  | { kind: "line_ending"; line: number; found: "CRLF" | "LF"; expected: "CRLF" | "LF" }
  | { kind: "field_count"; line: number; found: number; expected: number; text: string; last: boolean }
  | { kind: "unterminated_quote"; line: number };

const CAP = 200;

/** Scan `path` for the first problem; undefined when none is found in the first `maxBytes`. */
export function diagnoseCsv(
  path: string,
  opts: { delimiter?: string | undefined; utf8?: boolean; maxBytes?: number } = {},
): CsvProblem | undefined {
  const fd = openSync(path, "r");
  try {
    const scan = new Scanner(opts.delimiter, opts.utf8 ?? true);
    const buf = Buffer.allocUnsafe(1 << 20);
    let offset = 0;
    const max = opts.maxBytes ?? 512 * 1024 * 1024;
    while (offset < max) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) break;
      const found = scan.feed(buf.subarray(0, n), offset);
      if (found) return found;
      offset += n;
    }
    return offset < max ? scan.end() : undefined;
  } finally {
    closeSync(fd);
  }
}

class Scanner {
  private line = 1;
  private quoteLine = 0;
  private inQuote = false;
  private atFieldStart = true;
  private quoteClosed = false;
  private fields = 1;
  private lineBytes: number[] = [];
  private fieldBytes: number[] = [];
  private header: string[] = [];
  private headerFields: number[][] = [];
  private firstEnding: "CRLF" | "LF" | undefined;
  private delim: number | undefined;
  private prevCR = false;
  private utf8Need = 0;
  private utf8Bad = false;

  constructor(
    delimiter: string | undefined,
    private readonly utf8: boolean,
  ) {
    this.delim = delimiter?.charCodeAt(0);
  }

  feed(chunk: Buffer, base: number): CsvProblem | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127) return { kind: "binary", line: this.line, byte: base + i + 1 };
      if (this.utf8 && !this.utf8Bad) this.checkUtf8(b);
      if (this.delim === undefined && this.line === 1 && b === 10) this.guessDelimiter();
      if (b === 10 && !this.inQuote) {
        const found = this.endLine(this.prevCR ? "CRLF" : "LF", false);
        if (found) return found;
        this.prevCR = false;
        continue;
      }
      this.prevCR = b === 13;
      if (b === 13 && !this.inQuote) continue;
      this.push(b);
      if (b === 34 /* " */) {
        if (this.inQuote) {
          this.inQuote = false;
          this.quoteClosed = true;
        } else if (this.atFieldStart) {
          this.inQuote = true;
          this.quoteLine = this.line;
        } else if (this.quoteClosed) {
          this.inQuote = true; // "" inside a quoted field
        }
        this.atFieldStart = false;
        continue;
      }
      if (b === 10) this.line++; // a line break inside quotes
      if (!this.inQuote && this.delim !== undefined && b === this.delim) {
        if (this.line === 1) this.headerFields.push(this.fieldBytes.slice(0, -1));
        this.fields++;
        this.fieldBytes = [];
        this.atFieldStart = true;
        this.quoteClosed = false;
        continue;
      }
      this.atFieldStart = false;
      this.quoteClosed = false;
    }
    return undefined;
  }

  end(): CsvProblem | undefined {
    if (this.inQuote) return { kind: "unterminated_quote", line: this.quoteLine };
    if (this.lineBytes.length > 0) return this.endLine(undefined, true);
    return undefined;
  }

  private push(b: number): void {
    if (this.lineBytes.length < CAP || this.line === 1) this.lineBytes.push(b);
    if (this.fieldBytes.length < CAP) this.fieldBytes.push(b);
  }

  private checkUtf8(b: number): void {
    if (this.utf8Need > 0) {
      if ((b & 0xc0) === 0x80) {
        this.utf8Need--;
        return;
      }
      this.utf8Bad = true;
    } else if (b >= 0x80) {
      if (b >= 0xc2 && b <= 0xdf) this.utf8Need = 1;
      else if (b >= 0xe0 && b <= 0xef) this.utf8Need = 2;
      else if (b >= 0xf0 && b <= 0xf4) this.utf8Need = 3;
      else this.utf8Bad = true;
    }
    if (this.utf8Bad) this.badByteLine = this.line;
  }

  private badByteLine = 0;

  private guessDelimiter(): void {
    const text = Buffer.from(this.lineBytes).toString("latin1");
    let best: number | undefined;
    let bestCount = 0;
    for (const d of [",", ";", "\t", "|"]) {
      const count = text.split(d).length - 1;
      if (count > bestCount) {
        best = d.charCodeAt(0);
        bestCount = count;
      }
    }
    this.delim = best;
    // re-split the header now that the delimiter is known
    if (best !== undefined) {
      const parts = text.split(String.fromCharCode(best));
      this.headerFields = parts.slice(0, -1).map((p) => [...Buffer.from(p, "latin1")]);
      this.fieldBytes = [...Buffer.from(parts[parts.length - 1] ?? "", "latin1")];
      this.fields = parts.length;
    }
  }

  private endLine(ending: "CRLF" | "LF" | undefined, last: boolean): CsvProblem | undefined {
    const line = this.line;
    const text = Buffer.from(this.lineBytes).toString("utf8").replace(/[\r\n]+/g, " ");
    if (line === 1) {
      this.headerFields.push(this.fieldBytes);
      this.header = this.headerFields.map((f) => Buffer.from(f).toString("utf8").replace(/^\uFEFF/, "").replace(/^"|"$/g, "").trim());
      this.firstEnding = ending;
    }
    if (this.utf8Bad && this.badByteLine === line) return this.encodingProblem(line);
    if (line > 1) {
      const blank = this.lineBytes.length === 0;
      if (!blank && this.fields !== this.header.length) {
        return { kind: "field_count", line, found: this.fields, expected: this.header.length, text, last };
      }
      if (ending !== undefined && this.firstEnding !== undefined && ending !== this.firstEnding) {
        return { kind: "line_ending", line, found: ending, expected: this.firstEnding };
      }
    }
    this.line++;
    this.fields = 1;
    this.lineBytes = [];
    this.fieldBytes = [];
    this.atFieldStart = true;
    this.quoteClosed = false;
    return undefined;
  }

  /** The field holding the first non-UTF-8 byte, re-split from the line (latin-1 shown as such). */
  private encodingProblem(line: number): CsvProblem {
    const text = Buffer.from(this.lineBytes).toString("latin1");
    const parts = this.delim !== undefined ? text.split(String.fromCharCode(this.delim)) : [text];
    let idx = parts.findIndex((p) => !Buffer.from(p, "latin1").equals(Buffer.from(Buffer.from(p, "latin1").toString("utf8"), "utf8")));
    if (idx < 0) idx = 0;
    return { kind: "encoding", line, column: this.header[idx] ?? `field ${idx + 1}`, value: (parts[idx] ?? "").replace(/\r$/, "") };
  }
}

/**
 * The names in a CSV file's first line, split on `delimiter` (or the most frequent of , ; tab |), quotes
 * honoured, BOM removed. Reads at most the first 1 MB.
 */
export function readHeaderLine(path: string, delimiter?: string | undefined): string[] {
  const fd = openSync(path, "r");
  let text: string;
  try {
    const buf = Buffer.alloc(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
  const nl = text.search(/\r?\n/);
  const line = (nl >= 0 ? text.slice(0, nl) : text).replace(/^\uFEFF/, "");
  const d = delimiter ?? [",", ";", "\t", "|"].reduce((best, c) => (line.split(c).length > line.split(best).length ? c : best), ",");
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === "") q = true;
    else if (ch === d) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
