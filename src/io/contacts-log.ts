/**
 * The contacts log: who a run selected, with which action and channel, and whether they were contacted
 * (group `treatment`) or held out (group `control`). It uses the `campaigns` table's columns first
 * (subscriber_id, date, action, group), so it can be loaded as a campaigns table, then run_id, channel and
 * cost. Each run writes its own `RUN_DIR/contacts.csv`; the runs folder keeps `contacts_log.csv`, the union over
 * runs (a re-run replaces its run's rows), which the next runs learn effects and contact rules from.
 *
 * Parse vs load: `parseContactsCsv(text, file)` is pure; `readContacts(path)` reads the file.
 *
 * The runs folder's log grows every night (months of nightly runs at 1M+ subscribers hold millions of rows), so it is
 * read, kept, merged and written by column (`ContactLog`): the ids as strings, every other column as a code into a
 * dictionary of its few distinct values. As row objects, a 1M-row log took 1.5 GB and 12.6 s a night to read,
 * digest and rewrite, and a 3M-row log ran out of JavaScript heap (scripts/bench/contacts-log.mjs).
 */
import { createHash } from "node:crypto";
import { isAscii } from "node:buffer";
import { closeSync, copyFileSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { ensureDir, fileExists, readText, removePath, tempPathFor } from "./files.js";

export const CONTACTS_FILE = "contacts.csv";
export const CONTACTS_LOG = "contacts_log.csv";
export const CONTACT_COLUMNS = ["subscriber_id", "date", "action", "group", "run_id", "channel", "cost"] as const;
const REQUIRED = ["subscriber_id", "date", "action", "group"] as const;

export interface ContactRow {
  subscriber_id: string;
  /** Day of the contact (for control: the day it would have been), YYYY-MM-DD. */
  date: string;
  action: string;
  group: "treatment" | "control";
  /** The run that selected the subscriber ("" for rows from elsewhere). */
  run_id: string;
  channel: string;
  /** Cost of the contact (0 for control: nothing was spent). */
  cost: number;
}

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** CSV text with a header, rows in the given order. */
export function formatContactsCsv(rows: readonly ContactRow[]): string {
  const lines = [CONTACT_COLUMNS.join(",")];
  for (const r of rows) lines.push([r.subscriber_id, r.date, r.action, r.group, r.run_id, r.channel, String(r.cost)].map(quote).join(","));
  return `${lines.join("\n")}\n`;
}

/** RFC 4180 fields of one CSV text (quoted fields may hold commas, quotes and line breaks). */
export function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      out.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parse a contacts file (a run's contacts.csv, the runs folder's contacts_log.csv, or any file in the
 * campaigns table's format). Columns are found by header name; run_id, channel and cost are optional.
 * A bad row stops with an InputDataError naming the file, row, column and value.
 */
export function parseContactsCsv(text: string, file: string): ContactRow[] {
  const records = csvRecords(text).filter((r) => !(r.length === 1 && r[0] === ""));
  const header = records[0]?.map((h) => h.trim());
  if (!header) throw new InputDataError(msg.contactsEmpty(file));
  for (const c of REQUIRED) if (!header.includes(c)) throw new InputDataError(msg.contactsMissingColumn(file, c, header));
  const at = (name: string) => header.indexOf(name);
  const iId = at("subscriber_id");
  const iDate = at("date");
  const iAction = at("action");
  const iGroup = at("group");
  const iRun = at("run_id");
  const iChannel = at("channel");
  const iCost = at("cost");
  const rows: ContactRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const f = records[r]!;
    const get = (k: number) => (k >= 0 ? (f[k] ?? "") : "");
    const bad = (column: string, value: string, expected: string) => new InputDataError(msg.contactsBadValue(file, r, column, value, expected));
    if (f.length !== header.length) throw bad("(row)", f.join(","), `${header.length} fields as in the header, not ${f.length}`);
    const id = get(iId);
    if (!id) throw bad("subscriber_id", id, "a subscriber id");
    const date = get(iDate);
    if (!ISO.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw bad("date", date, "a date YYYY-MM-DD");
    const action = get(iAction);
    if (!action) throw bad("action", action, "an action id");
    const group = get(iGroup);
    if (group !== "treatment" && group !== "control") throw bad("group", group, "treatment or control");
    const costText = get(iCost);
    const cost = costText === "" ? 0 : Number(costText);
    if (!Number.isFinite(cost) || cost < 0) throw bad("cost", costText, "a non-negative amount");
    rows.push({ subscriber_id: id, date, action, group, run_id: get(iRun), channel: get(iChannel), cost });
  }
  return rows;
}

/** Read a contacts file; [] when it does not exist. */
export function readContacts(path: string): ContactRow[] {
  return fileExists(path) ? parseContactsCsv(readText(path), path) : [];
}

/** Write a contacts file atomically (in pieces: a 10M-subscriber run's contacts are hundreds of MB of text). */
export function writeContacts(path: string, rows: readonly ContactRow[]): void {
  ContactLog.fromRows(rows).write(path);
}

/** The log with run `runId`'s rows replaced by `rows` (a re-run replaces, never adds); ordered by date, run, subscriber. */
export function mergeRunContacts(log: readonly ContactRow[], runId: string, rows: readonly ContactRow[]): ContactRow[] {
  const out = log.filter((r) => r.run_id !== runId).concat(rows);
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.subscriber_id < b.subscriber_id ? -1 : a.subscriber_id > b.subscriber_id ? 1 : 0));
}

/**
 * A list of subscriber ids (the do-not-contact list): a CSV whose header has a `subscriber_id` column, or one id
 * per line (blank lines and lines starting with # are skipped). `key` names the config option in messages.
 */
export function parseIdList(text: string, path: string, key: string): Set<string> {
  const records = csvRecords(text).filter((r) => !(r.length === 1 && (r[0] ?? "").trim() === ""));
  const header = records[0]?.map((h) => h.trim());
  const col = header ? header.indexOf("subscriber_id") : -1;
  const ids = new Set<string>();
  if (col >= 0) {
    for (let r = 1; r < records.length; r++) {
      const v = (records[r]![col] ?? "").trim();
      if (v) ids.add(v);
    }
    return ids;
  }
  if (header && header.length > 1) throw new InputDataError(msg.idListColumns(path, key, header));
  for (const r of records) {
    const v = (r[0] ?? "").trim();
    if (v && !v.startsWith("#")) ids.add(v);
  }
  return ids;
}

/** Read an id list; a missing file is a config error (the config names it). */
export function readIdList(path: string, key: string): Set<string> {
  if (!fileExists(path)) throw new ConfigError(msg.idListMissing(path, key));
  return parseIdList(readText(path), path, key);
}

/**
 * Write `path` through a temp file beside it, renamed into place at the end (a killed run leaves the old file):
 * `start(tmp)` may put bytes there first (a copy of the old file), then `body(fd)` writes (appends after them).
 */
function writeThroughTemp(path: string, start: ((tmp: string) => void) | null, body: (fd: number) => void): void {
  ensureDir(dirname(path));
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    start?.(tmp);
    fd = openSync(tmp, start ? "a" : "w");
    body(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    removePath(tmp);
    throw new ConfigError(msg.notWritable(path, (e as Error).message));
  }
}

/** A column's distinct values and each value's code (its position). */
class Dict {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(v: string): number {
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.index.set(v, c);
    }
    return c;
  }
  /** Each code's rank among the values in JavaScript string order (`<`), for sorting by the value. */
  ranks(): Int32Array {
    const order = this.values.map((_, i) => i).sort((a, b) => (this.values[a]! < this.values[b]! ? -1 : this.values[a]! > this.values[b]! ? 1 : 0));
    const rank = new Int32Array(this.values.length);
    order.forEach((code, r) => {
      rank[code] = r;
    });
    return rank;
  }
}

const TREATMENT = 0;
const CONTROL = 1;
const GROUPS = ["treatment", "control"] as const;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Contacts-log rows by column: `ids` as strings, date, action, run id and channel as codes into dictionaries, the
 * group as 0 (treatment) / 1 (control), cost as a number. Rows keep their order; `replaceRun` orders them as
 * `mergeRunContacts` does. Row values are exactly the file's text (dates are kept as written), so a log read and
 * written again is the same bytes.
 */
export class ContactLog {
  private n = 0;
  /**
   * The file this log was read from, when it holds exactly these rows as `write` would write them (churn's own
   * format: the header, no blank lines, numbers as written back): then a run's rows can be added by copying the
   * file and appending them, instead of writing every row again (recordRun).
   */
  private source: string | null = null;
  private ids: string[] = [];
  private date = new Uint32Array(1024);
  private action = new Uint32Array(1024);
  private group = new Uint8Array(1024);
  private run = new Uint32Array(1024);
  private channel = new Uint32Array(1024);
  private cost = new Float64Array(1024);
  private constructor(
    private readonly dates: Dict,
    private readonly actions: Dict,
    private readonly runs: Dict,
    private readonly channels: Dict,
  ) {}

  static empty(): ContactLog {
    return new ContactLog(new Dict(), new Dict(), new Dict(), new Dict());
  }

  /** A log of these rows, in this order. */
  static fromRows(rows: readonly ContactRow[]): ContactLog {
    const log = ContactLog.empty();
    for (const r of rows) log.push(r);
    return log;
  }

  /** Read a contacts file by column ([] when it does not exist); the same checks and messages as parseContactsCsv. */
  static read(path: string): ContactLog {
    if (!fileExists(path)) return ContactLog.empty();
    const buf = readFileSync(path);
    // churn writes no quotes and no CR: anything else (a hand-edited or foreign file) takes the general parser
    if (buf.includes(0x22) || buf.includes(0x0d)) return ContactLog.fromRows(parseContactsCsv(buf.toString("utf8"), path));
    const { log, canonical } = parseLogBuffer(buf, path);
    if (canonical) log.source = path;
    return log;
  }

  get size(): number {
    return this.n;
  }

  /** Room for at least `rows` rows without growing. */
  reserve(rows: number): void {
    while (this.date.length < rows) this.grow(rows);
  }

  private grow(atLeast = 0): void {
    const cap = Math.max(this.date.length * 2, atLeast);
    const grown = <T extends Uint32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.date = grown(this.date, (k) => new Uint32Array(k));
    this.action = grown(this.action, (k) => new Uint32Array(k));
    this.group = grown(this.group, (k) => new Uint8Array(k));
    this.run = grown(this.run, (k) => new Uint32Array(k));
    this.channel = grown(this.channel, (k) => new Uint32Array(k));
    this.cost = grown(this.cost, (k) => new Float64Array(k));
  }

  /** Append a row given by its codes (this log's dictionaries). */
  pushCodes(id: string, date: number, action: number, group: number, run: number, channel: number, cost: number): void {
    if (this.n === this.date.length) this.grow();
    const i = this.n++;
    this.ids.push(id);
    this.date[i] = date;
    this.action[i] = action;
    this.group[i] = group;
    this.run[i] = run;
    this.channel[i] = channel;
    this.cost[i] = cost;
  }

  push(r: ContactRow): void {
    this.pushCodes(
      r.subscriber_id,
      this.dates.code(r.date),
      this.actions.code(r.action),
      r.group === "treatment" ? TREATMENT : CONTROL,
      this.runs.code(r.run_id),
      this.channels.code(r.channel),
      r.cost,
    );
  }

  /** Codes of the dictionaries (for the parser). */
  codes(): { dates: Dict; actions: Dict; runs: Dict; channels: Dict } {
    return { dates: this.dates, actions: this.actions, runs: this.runs, channels: this.channels };
  }

  subscriberId(i: number): string {
    return this.ids[i]!;
  }
  dateOf(i: number): string {
    return this.dates.values[this.date[i]!]!;
  }
  actionOf(i: number): string {
    return this.actions.values[this.action[i]!]!;
  }
  groupOf(i: number): "treatment" | "control" {
    return GROUPS[this.group[i]!]!;
  }
  runOf(i: number): string {
    return this.runs.values[this.run[i]!]!;
  }

  /** Row `i` as an object. */
  row(i: number): ContactRow {
    return {
      subscriber_id: this.ids[i]!,
      date: this.dateOf(i),
      action: this.actionOf(i),
      group: this.groupOf(i),
      run_id: this.runOf(i),
      channel: this.channels.values[this.channel[i]!]!,
      cost: this.cost[i]!,
    };
  }

  /** Every row as an object (small logs and tests). */
  rows(): ContactRow[] {
    return Array.from({ length: this.n }, (_, i) => this.row(i));
  }

  /** The run ids that have rows. */
  runIds(): Set<string> {
    const seen = new Uint8Array(this.runs.values.length);
    for (let i = 0; i < this.n; i++) seen[this.run[i]!] = 1;
    return new Set(this.runs.values.filter((_, c) => seen[c] === 1));
  }

  /** The distinct dates of the rows, ascending. */
  dateValues(): string[] {
    const seen = new Uint8Array(this.dates.values.length);
    for (let i = 0; i < this.n; i++) seen[this.date[i]!] = 1;
    return this.dates.values.filter((_, c) => seen[c] === 1).sort();
  }

  /** The rows whose positions are `keep`, in that order (the dictionaries are shared). */
  private select(keep: ArrayLike<number>): ContactLog {
    const out = new ContactLog(this.dates, this.actions, this.runs, this.channels);
    for (let k = 0; k < keep.length; k++) {
      const i = keep[k]!;
      out.pushCodes(this.ids[i]!, this.date[i]!, this.action[i]!, this.group[i]!, this.run[i]!, this.channel[i]!, this.cost[i]!);
    }
    return out;
  }

  /** Positions of the rows that are not run `runId`'s. */
  private rowsNotOf(runId: string): number[] {
    const code = this.runs.values.indexOf(runId);
    const keep: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.run[i] !== code) keep.push(i);
    return keep;
  }

  /** The log without run `runId`'s rows. */
  withoutRun(runId: string): ContactLog {
    const keep = this.rowsNotOf(runId);
    return keep.length === this.n ? this : this.select(keep);
  }

  /** Compares rows `a` and `b` by date, run and subscriber (string order), the order of the log's file. */
  private rowOrder(): (a: number, b: number) => number {
    const dr = this.dates.ranks();
    const rr = this.runs.ranks();
    return (a, b) => dr[this.date[a]!]! - dr[this.date[b]!]! || rr[this.run[a]!]! - rr[this.run[b]!]! || cmp(this.ids[a]!, this.ids[b]!);
  }

  /**
   * The log with run `runId`'s rows replaced by `rows`, ordered by date, run and subscriber (a stable sort of the
   * kept rows followed by the new ones): the same rows in the same order as mergeRunContacts. When the kept rows are
   * in order already (a log churn wrote), only the new ones are sorted, and merged in.
   */
  replaceRun(runId: string, rows: readonly ContactRow[]): ContactLog {
    const all = this.select(this.rowsNotOf(runId));
    const kept = all.n;
    for (const r of rows) all.push(r);
    const order0 = all.rowOrder();
    const before = (a: number, b: number) => order0(a, b) || a - b;
    const sorted = (from: number, to: number) => {
      for (let i = from + 1; i < to; i++) if (before(i - 1, i) > 0) return false;
      return true;
    };
    let order: number[];
    if (sorted(0, kept)) {
      // the kept rows are in order (a log churn wrote): sort the run's rows alone, then merge (kept first on ties)
      const fresh = Array.from({ length: all.n - kept }, (_, k) => kept + k).sort(before);
      order = new Array(all.n);
      let a = 0;
      let b = 0;
      for (let k = 0; k < all.n; k++) order[k] = b >= fresh.length || (a < kept && before(a, fresh[b]!) < 0) ? a++ : fresh[b++]!;
    } else order = Array.from({ length: all.n }, (_, i) => i).sort(before);
    return all.select(order);
  }

  /** Write the log as CSV (header, rows in order), atomically and in pieces: no single string holds the file. */
  write(path: string): void {
    writeThroughTemp(path, null, (fd) => this.writeRows(fd, `${CONTACT_COLUMNS.join(",")}\n`, Array.from({ length: this.n }, (_, i) => i)));
  }

  /** Rows `order` as CSV lines into file `fd` after `head`, in pieces of about 1 MB. */
  private writeRows(fd: number, head: string, order: readonly number[]): void {
    const quotedOf = (d: Dict) => d.values.map(quote);
    const dates = quotedOf(this.dates);
    const actions = quotedOf(this.actions);
    const runs = quotedOf(this.runs);
    const channels = quotedOf(this.channels);
    let chunk = head;
    for (const i of order) {
      chunk += `${quote(this.ids[i]!)},${dates[this.date[i]!]},${actions[this.action[i]!]},${GROUPS[this.group[i]!]},${runs[this.run[i]!]},${channels[this.channel[i]!]},${quote(String(this.cost[i]))}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = "";
      }
    }
    if (chunk) writeSync(fd, chunk);
  }

  /**
   * Write to `path` this log with run `runId`'s rows replaced by `rows`: the bytes `replaceRun(runId, rows).write(path)`
   * writes. When this log is exactly the file at `path`, in order, without rows of `runId`, and the new rows all sort
   * after its last row (a nightly run's contacts, dated after every earlier run's), the file is copied and the new
   * rows appended to the copy: the earlier rows are not formatted again. Atomic either way (a temp file, renamed).
   */
  recordRun(path: string, runId: string, rows: readonly ContactRow[]): void {
    const appendable = this.source === path && this.n > 0 && rows.length > 0 && !this.runIds().has(runId) && this.inOrder();
    if (!appendable) {
      this.replaceRun(runId, rows).write(path);
      return;
    }
    // the new rows in the order replaceRun gives them (a stable sort by date, run and subscriber)
    const fresh = [...rows].sort((a, b) => cmp(a.date, b.date) || cmp(a.run_id, b.run_id) || cmp(a.subscriber_id, b.subscriber_id));
    const last = this.n - 1;
    const first = fresh[0]!;
    const order = cmp(this.dateOf(last), first.date) || cmp(this.runOf(last), first.run_id) || cmp(this.ids[last]!, first.subscriber_id);
    if (order > 0) {
      this.replaceRun(runId, rows).write(path);
      return;
    }
    const add = ContactLog.fromRows(fresh);
    writeThroughTemp(
      path,
      (tmp) => copyFileSync(path, tmp),
      (fd) => add.writeRows(fd, "", Array.from({ length: add.n }, (_, i) => i)),
    );
  }

  /** Are the rows ordered by date, run and subscriber (as replaceRun orders them)? */
  private inOrder(): boolean {
    const order = this.rowOrder();
    for (let i = 1; i < this.n; i++) if (order(i - 1, i) > 0) return false;
    return true;
  }

  /**
   * The rows dated on or before `asOf` (all with null) as a digest: the SHA-256 of their `id\0date\0action\0group`
   * lines in string order, joined by newlines: what a shard manifest records of the log (`contacts_log`) and `churn plan
   * --merge` checks against its runs folder.
   */
  digest(asOf: string | null): { rows: number; sha256: string } {
    const inRange = this.dates.values.map((d) => asOf === null || d <= asOf);
    const keep: number[] = [];
    for (let i = 0; i < this.n; i++) if (inRange[this.date[i]!]) keep.push(i);
    const line = (i: number) => `${this.ids[i]}\u0000${this.dateOf(i)}\u0000${this.actionOf(i)}\u0000${this.groupOf(i)}`;
    const hash = createHash("sha256");
    // field by field is the order of the joined lines when no field holds a NUL (the separator sorts first)
    if (this.actions.values.some((a) => a.includes("\u0000")) || keep.some((i) => this.ids[i]!.includes("\u0000"))) {
      hash.update(keep.map(line).sort().join("\n"));
      return { rows: keep.length, sha256: hash.digest("hex") };
    }
    const dr = this.dates.ranks();
    const ar = this.actions.ranks();
    // "control" < "treatment"
    keep.sort((a, b) => cmp(this.ids[a]!, this.ids[b]!) || dr[this.date[a]!]! - dr[this.date[b]!]! || ar[this.action[a]!]! - ar[this.action[b]!]! || this.group[b]! - this.group[a]!);
    let chunk = "";
    keep.forEach((i, k) => {
      chunk += k === 0 ? line(i) : `\n${line(i)}`;
      if (chunk.length > 1 << 20) {
        hash.update(chunk);
        chunk = "";
      }
    });
    hash.update(chunk);
    return { rows: keep.length, sha256: hash.digest("hex") };
  }

}

/** Do bytes [a, b) and [c, d) of `buf` hold the same values? (short fields: cheaper than a Buffer.compare call) */
function sameBytes(buf: Buffer, a: number, b: number, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (let k = 0; k < b - a; k++) if (buf[a + k] !== buf[c + k]) return false;
  return true;
}

/**
 * A contacts file without quotes or CRs (as churn writes them), parsed from its bytes line by line: columns by header
 * name; the checks and messages of parseContactsCsv (row numbers count the non-blank lines after the header). Every
 * column but the id is coded through its dictionary; a value equal to the previous row's (bytes) is neither decoded
 * nor looked up again. `canonical`: the file is exactly what ContactLog.write writes for these rows.
 */
function parseLogBuffer(buf: Buffer, path: string): { log: ContactLog; canonical: boolean } {
  const log = ContactLog.empty();
  const { dates, actions, runs, channels } = log.codes();
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  // as `write` writes it: no byte order mark, no blank line, a newline at the end, numbers as String(number)
  let canonical = pos === 0 && buf.length > 0 && buf[buf.length - 1] === 0x0a;
  let ls = 0;
  let le = 0;
  /** The next non-blank line into [ls, le); false at the end. */
  const nextLine = (): boolean => {
    if (buf[pos] === 0x0a) canonical = false;
    while (pos < buf.length && buf[pos] === 0x0a) pos++; // blank lines are skipped, as parseContactsCsv does
    if (pos >= buf.length) return false;
    ls = pos;
    const end = buf.indexOf(0x0a, pos);
    le = end < 0 ? buf.length : end;
    pos = le + 1;
    return true;
  };
  // ASCII (ids as most operators write them) decodes faster as latin1, to the same text
  const encoding = isAscii(buf) ? "latin1" : "utf8";
  if (!nextLine()) throw new InputDataError(msg.contactsEmpty(path));
  const headerText = buf.toString("utf8", ls, le);
  if (headerText !== CONTACT_COLUMNS.join(",")) canonical = false;
  const header = headerText.split(",").map((h) => h.trim());
  for (const c of REQUIRED) if (!header.includes(c)) throw new InputDataError(msg.contactsMissingColumn(path, c, header));
  const width = header.length;
  // the file column of each contact column (-1: absent), in CONTACT_COLUMNS order
  const col = Int32Array.from(CONTACT_COLUMNS, (c) => header.indexOf(c));
  // about as many rows as lines of the first data line's length: one allocation instead of doubling
  log.reserve(Math.ceil((buf.length - pos) / Math.max(16, buf.indexOf(0x0a, pos) - pos + 1)) + 16);
  const starts = new Int32Array(width);
  const ends = new Int32Array(width);
  const lastStart = new Int32Array(7).fill(-1);
  const lastEnd = new Int32Array(7);
  const lastCode = new Float64Array(7);
  const costs = new Map<string, number>();
  const code = new Float64Array(7);
  for (let r = 1; nextLine(); r++) {
    let f = 0;
    let s = ls;
    for (let p = ls; p <= le; p++) {
      if (p === le || buf[p] === 0x2c) {
        if (f < width) {
          starts[f] = s;
          ends[f] = p;
        }
        f++;
        s = p + 1;
      }
    }
    if (f !== width) throw new InputDataError(msg.contactsBadValue(path, r, "(row)", buf.toString("utf8", ls, le), `${width} fields as in the header, not ${f}`));
    const id = buf.toString(encoding, starts[col[0]!]!, ends[col[0]!]!);
    if (!id) throw new InputDataError(msg.contactsBadValue(path, r, "subscriber_id", id, "a subscriber id"));
    for (let k = 1; k < 7; k++) {
      const c = col[k]!;
      const a = c >= 0 ? starts[c]! : 0;
      const b = c >= 0 ? ends[c]! : 0;
      if (lastStart[k]! >= 0 && sameBytes(buf, lastStart[k]!, lastEnd[k]!, a, b)) {
        code[k] = lastCode[k]!;
        continue;
      }
      const v = c >= 0 ? buf.toString(encoding, a, b) : "";
      const bad = (expected: string) => new InputDataError(msg.contactsBadValue(path, r, CONTACT_COLUMNS[k]!, v, expected));
      let x: number;
      if (k === 1) {
        if (!ISO.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw bad("a date YYYY-MM-DD");
        x = dates.code(v);
      } else if (k === 2) {
        if (!v) throw bad("an action id");
        x = actions.code(v);
      } else if (k === 3) {
        if (v !== "treatment" && v !== "control") throw bad("treatment or control");
        x = v === "treatment" ? TREATMENT : CONTROL;
      } else if (k === 4) x = runs.code(v);
      else if (k === 5) x = channels.code(v);
      else {
        const known = costs.get(v);
        if (known === undefined) {
          x = v === "" ? 0 : Number(v);
          if (!Number.isFinite(x) || x < 0) throw bad("a non-negative amount");
          if (String(x) !== v) canonical = false;
          costs.set(v, x);
        } else x = known;
      }
      code[k] = x;
      if (c >= 0) {
        lastStart[k] = a;
        lastEnd[k] = b;
        lastCode[k] = x;
      }
    }
    log.pushCodes(id, code[1]!, code[2]!, code[3]!, code[4]!, code[5]!, code[6]!);
  }
  return { log, canonical };
}
