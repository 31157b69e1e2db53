/**
 * The contacts log: who a run selected, with which action and channel, and whether they were contacted
 * (group `treatment`) or held out (group `control`). It uses the `campaigns` table's columns first
 * (subscriber_id, date, action, group), so it can be loaded as a campaigns table, then run_id, channel and
 * cost. Each run writes its own `RUN_DIR/contacts.csv`; the runs folder keeps `contacts_log.csv`, the union over
 * runs (a re-run replaces its run's rows), which the next runs learn effects and contact rules from.
 *
 * Parse vs load: `parseContactsCsv(text, file)` is pure; `readContacts(path)` reads the file.
 */
import { ConfigError, InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { fileExists, readText, writeAtomic } from "./files.js";

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

/** Write a contacts file atomically. */
export function writeContacts(path: string, rows: readonly ContactRow[]): void {
  writeAtomic(path, formatContactsCsv(rows));
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
