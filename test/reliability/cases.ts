/**
 * The bad-input corpus: each case takes a copy of the tiny valid world, changes one file the way an
 * exporting system might, and states what churn must do. corpus.test.ts runs every case through
 * `churn validate` and `churn features`; docs/reliability.md is generated from this same list (doc.ts),
 * so the documented behaviour is the tested behaviour.
 *
 * Both commands run with validation.maxRejectShare 0.5, so a single bad row loads (exit 0) with the row
 * in the rejects file; at the default 0.01 a table with more rejected rows than that stops with exit 3.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { firstRejectText } from "../../src/contract/load.js";
import { msg } from "../../src/messages.js";
import { getRow, setCell } from "./helpers.js";

export interface ExpectedReject {
  table: string;
  row: number;
  column: string | null;
  value: string | null;
  reason: string;
}

/** What a case must produce: rows in the rejects file (exit 0), or a stop with exit 3 and this message. */
export type Expectation =
  | { exit: 0; rejects: ExpectedReject[]; stderr?: string }
  | { exit: 3; message: string }
  | { exit: 2; message: string };

export interface DataCase {
  id: string;
  /** Short name, as in issue 7. */
  title: string;
  /** What was done to the valid world (for the doc). */
  change: string;
  /** What churn does (for the doc). */
  result: string;
  /** Extra config (merged over the suite's). */
  config?: Record<string, unknown>;
  /** Apply the change to `dir` (a copy of the world); return what must happen. */
  setup(dir: string): Expectation;
}

const file = (dir: string, table: string) => join(dir, `${table}.csv`);
const lines = (dir: string, table: string) => readFileSync(file(dir, table), "utf8").split("\n");
const put = (dir: string, table: string, l: string[] | Buffer) => writeFileSync(file(dir, table), Array.isArray(l) ? l.join("\n") : l);

/** A cell change rejected with `reason`: the rejects file names the row, column and value. */
const cellCase = (table: string, row: number, column: string, value: string, reason: string) => (dir: string): Expectation => {
  setCell(dir, table, row, column, value);
  return { exit: 0, rejects: [{ table, row, column, value, reason }] };
};

export const DATA_CASES: DataCase[] = [
  {
    id: "empty-file",
    title: "empty file",
    change: "complaints.csv is 0 bytes",
    result: "stops: the file is empty (no header, no rows); export it again or remove it",
    setup(dir) {
      put(dir, "complaints", []);
      return { exit: 3, message: msg.emptyFile(file(dir, "complaints"), "complaints") };
    },
  },
  {
    id: "header-only-optional",
    title: "header only (optional table)",
    change: "complaints.csv keeps its header, no rows",
    result: "loads; a warning says the table is empty",
    setup(dir) {
      put(dir, "complaints", [lines(dir, "complaints")[0] ?? "", ""]);
      return { exit: 0, rejects: [], stderr: msg.noDataRowsWarning(file(dir, "complaints"), "complaints") };
    },
  },
  {
    id: "header-only-subscribers",
    title: "header only (subscribers)",
    change: "subscribers.csv keeps its header, no rows",
    result: "stops: the required table has no rows",
    setup(dir) {
      put(dir, "subscribers", [lines(dir, "subscribers")[0] ?? "", ""]);
      return { exit: 3, message: msg.noDataRows(file(dir, "subscribers"), "subscribers") };
    },
  },
  {
    id: "missing-table",
    title: "missing required file",
    change: "subscribers.csv deleted",
    result: "stops: names the folder and the file names looked for",
    setup(dir) {
      rmSync(file(dir, "subscribers"));
      return {
        exit: 3,
        message: msg.requiredTableMissing("subscribers", dir, [".csv", ".parquet", ".csv.gz", ".tsv", ".txt"].map((e) => `subscribers${e}`)),
      };
    },
  },
  {
    id: "missing-column",
    title: "missing required column",
    change: "subscribers.csv header says `fee` instead of `monthly_fee`",
    result: "stops: names the column, the columns found, and the mapping to set",
    setup(dir) {
      const l = lines(dir, "subscribers");
      l[0] = (l[0] ?? "").replace("monthly_fee", "fee");
      put(dir, "subscribers", l);
      return { exit: 3, message: msg.missingColumn(file(dir, "subscribers"), "subscribers", "monthly_fee", (l[0] ?? "").split(",")) };
    },
  },
  {
    id: "truncated-last-line",
    title: "truncated last line",
    change: "billing.csv cut 12 bytes before its end (no final line break)",
    result: "stops: names the line, shows it, and says the export was cut short (loading the rest would silently lose the missing rows)",
    setup(dir) {
      const text = readFileSync(file(dir, "billing"), "utf8").replace(/\n$/, "");
      const cut = text.slice(0, -12);
      put(dir, "billing", Buffer.from(cut));
      const all = cut.split("\n");
      const last = all[all.length - 1] ?? "";
      return { exit: 3, message: msg.csvFieldCount(file(dir, "billing"), "billing", all.length, last.split(",").length, 5, last, true) };
    },
  },
  {
    id: "stray-quote",
    title: "unbalanced quote (stray)",
    change: 'surveys.csv row 3: subscriber_id starts with a lone `"`',
    result: "loads; the row is rejected (unknown_subscriber) with its value",
    setup(dir) {
      const id = getRow(dir, "surveys", 3)["subscriber_id"] ?? "";
      setCell(dir, "surveys", 3, "subscriber_id", `"${id}`);
      return { exit: 0, rejects: [{ table: "surveys", row: 3, column: "subscriber_id", value: `"${id}`, reason: "unknown_subscriber" }] };
    },
  },
  {
    id: "unterminated-quote",
    title: "unbalanced quote (unterminated, quoted file)",
    change: "campaigns.csv with every field quoted; line 6 loses its closing quote",
    result:
      "stops: DuckDB's sniffer falls back to no quoting, so the header names keep their quotes and the message says `subscriber_id` is missing, listing the quoted names (the bad line itself is not named: a known gap)",
    setup(dir) {
      const l = lines(dir, "campaigns").map((x) => (x === "" ? x : x.split(",").map((f) => `"${f}"`).join(",")));
      l[5] = (l[5] ?? "").replace(/"$/, "");
      put(dir, "campaigns", l);
      const found = (l[0] ?? "").split(",");
      return { exit: 3, message: msg.missingColumn(file(dir, "campaigns"), "campaigns", "subscriber_id", found) };
    },
  },
  {
    id: "binary",
    title: "binary garbage",
    change: "surveys.csv replaced by 4 KB of binary (a zip/xlsx file saved as .csv)",
    result: "stops: says the file holds binary data, at which byte",
    setup(dir) {
      const bytes = Buffer.alloc(4096);
      let x = 12345;
      for (let i = 0; i < bytes.length; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        bytes[i] = x >> 23;
      }
      Buffer.from([0x50, 0x4b, 0x03, 0x04]).copy(bytes, 0);
      put(dir, "surveys", bytes);
      return { exit: 3, message: msg.csvBinary(file(dir, "surveys"), "surveys", 1, 3) };
    },
  },
  {
    id: "huge-field-text",
    title: "100 KB field (text column)",
    change: "subscribers.csv row 8: plan is 100 000 characters",
    result: "loads: a long text is a valid plan name",
    setup(dir) {
      setCell(dir, "subscribers", 8, "plan", "p".repeat(100_000));
      return { exit: 0, rejects: [] };
    },
  },
  {
    id: "huge-field-number",
    title: "100 KB field (number column)",
    change: "billing.csv row 7: amount_billed is 100 000 characters",
    result: "loads; the row is rejected (bad_number) with the whole value",
    setup: cellCase("billing", 7, "amount_billed", "9".repeat(50_000) + "x".repeat(50_000), "bad_number"),
  },
  {
    id: "mixed-line-endings",
    title: "mixed line endings",
    change: "billing.csv: lines from 200 on end in CRLF, the first ones in LF",
    result: "stops: names the first line whose ending differs, and how to convert",
    setup(dir) {
      const l = lines(dir, "billing");
      const out = l.map((x, i) => (i >= 199 && i < l.length - 1 ? `${x}\r` : x));
      put(dir, "billing", out);
      return { exit: 3, message: msg.csvLineEnding(file(dir, "billing"), "billing", 200, "CRLF", "LF") };
    },
  },
  {
    id: "all-crlf",
    title: "CRLF line endings throughout",
    change: "billing.csv: every line ends in CRLF (a Windows export)",
    result: "loads: CRLF is a line ending like LF",
    setup(dir) {
      const l = lines(dir, "billing");
      put(dir, "billing", l.map((x, i) => (i < l.length - 1 ? `${x}\r` : x)));
      return { exit: 0, rejects: [] };
    },
  },
  {
    id: "latin1",
    title: "Latin-1 bytes",
    change: "subscribers.csv row 9: region `München` written in Latin-1 (byte 0xFC)",
    result: "stops: names line, column and value, and the setting data.csv.encoding: latin-1",
    setup(dir) {
      const raw = readFileSync(file(dir, "subscribers"));
      const l = raw.toString("latin1").split("\n");
      const f = (l[9] ?? "").split(",");
      f[7] = "M\u00fcnchen";
      l[9] = f.join(",");
      put(dir, "subscribers", Buffer.from(l.join("\n"), "latin1"));
      return { exit: 3, message: msg.csvBadEncodingAt(file(dir, "subscribers"), "subscribers", 10, "region", "M\u00fcnchen") };
    },
  },
  {
    id: "latin1-configured",
    title: "Latin-1 file, encoding set",
    change: "the same Latin-1 file, with data.csv.encoding: latin-1",
    result: "loads; München is read correctly",
    config: { data: { csv: { encoding: "latin-1" } } },
    setup(dir) {
      const l = readFileSync(file(dir, "subscribers")).toString("latin1").split("\n");
      const f = (l[9] ?? "").split(",");
      f[7] = "M\u00fcnchen";
      l[9] = f.join(",");
      put(dir, "subscribers", Buffer.from(l.join("\n"), "latin1"));
      return { exit: 0, rejects: [] };
    },
  },
  {
    id: "bom",
    title: "UTF-8 BOM",
    change: "subscribers.csv starts with the bytes EF BB BF",
    result: "loads: the BOM is not part of the first column name",
    setup(dir) {
      put(dir, "subscribers", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(file(dir, "subscribers"))]));
      return { exit: 0, rejects: [] };
    },
  },
  {
    id: "comma-decimal",
    title: "comma decimal separator",
    change: 'billing.csv row 3: amount_billed `"12,5"`',
    result: "loads; the row is rejected (bad_number); data.csv.decimal: \",\" reads such files",
    setup(dir) {
      setCell(dir, "billing", 3, "amount_billed", '"12,5"');
      return { exit: 0, rejects: [{ table: "billing", row: 3, column: "amount_billed", value: "12,5", reason: "bad_number" }] };
    },
  },
  {
    id: "other-date-format",
    title: "other date format",
    change: "surveys.csv row 4: date `26/05/2026`",
    result: "loads; the row is rejected (bad_date); data.csv.dateFormat reads other formats",
    setup: cellCase("surveys", 4, "date", "26/05/2026", "bad_date"),
  },
  {
    id: "future-date",
    title: "date in the future",
    change: "surveys.csv row 5: date 2031-01-15 (as-of 2026-07-01)",
    result: "loads; the row is rejected (future_date)",
    setup: cellCase("surveys", 5, "date", "2031-01-15", "future_date"),
  },
  {
    id: "deactivation-before-activation",
    title: "deactivation before activation",
    change: "subscribers.csv row 5: deactivation_date 1990-01-01",
    result: "loads; the subscriber is rejected (date_order) and so are its events (unknown_subscriber): nothing about it is used",
    setup: cellCase("subscribers", 5, "deactivation_date", "1990-01-01", "date_order"),
  },
  {
    id: "nan",
    title: "NaN",
    change: "billing.csv row 4: amount_billed `NaN`",
    result: "loads; the row is rejected (bad_number)",
    setup: cellCase("billing", 4, "amount_billed", "NaN", "bad_number"),
  },
  {
    id: "infinity",
    title: "Infinity",
    change: "billing.csv row 5: amount_billed `-Infinity`",
    result: "loads; the row is rejected (bad_number)",
    setup: cellCase("billing", 5, "amount_billed", "-Infinity", "bad_number"),
  },
  {
    id: "huge-number",
    title: "huge number",
    change: "usage.csv row 6: data_mb `1e308`",
    result: "loads; the row is rejected (out_of_range: beyond 1e12); before, sums overflowed to Infinity and features held inf/NaN",
    setup: cellCase("usage", 6, "data_mb", "1e308", "out_of_range"),
  },
  {
    id: "negative-fee",
    title: "negative fee",
    change: "subscribers.csv row 7: monthly_fee -20",
    result: "loads; the subscriber is rejected (negative), its events too (unknown_subscriber)",
    setup: cellCase("subscribers", 7, "monthly_fee", "-20", "negative"),
  },
  {
    id: "duplicate-column",
    title: "duplicated header name",
    change: "surveys.csv header `subscriber_id,date,nps,nps` (an extra nps on every row)",
    result: "stops: names the column and its positions; churn does not pick one silently",
    setup(dir) {
      const l = lines(dir, "surveys").map((x, i) => (x === "" ? x : i === 0 ? `${x},nps` : `${x},5`));
      put(dir, "surveys", l);
      return { exit: 3, message: msg.duplicateColumn(file(dir, "surveys"), "surveys", "nps", [3, 4]) };
    },
  },
  {
    id: "header-repeated",
    title: "header line repeated inside",
    change: "usage.csv: the header line inserted again as data row 99 (two exports concatenated)",
    result: "loads; that row is rejected (bad_date, value `date`)",
    setup(dir) {
      const l = lines(dir, "usage");
      l.splice(99, 0, l[0] ?? "");
      put(dir, "usage", l);
      return { exit: 0, rejects: [{ table: "usage", row: 99, column: "date", value: "date", reason: "bad_date" }] };
    },
  },
  {
    id: "duplicate-id",
    title: "duplicate subscriber ids",
    change: "subscribers.csv row 6 takes row 5's subscriber_id",
    result: "loads; row 6 is rejected (duplicate_id, first row kept); the events of row 6's own id become unknown_subscriber",
    setup(dir) {
      const id = getRow(dir, "subscribers", 5)["subscriber_id"] ?? "";
      setCell(dir, "subscribers", 6, "subscriber_id", id);
      return { exit: 0, rejects: [{ table: "subscribers", row: 6, column: "subscriber_id", value: id, reason: "duplicate_id" }] };
    },
  },
  {
    id: "unknown-subscriber",
    title: "events for unknown subscribers",
    change: "usage.csv row 10: subscriber_id S9999999",
    result: "loads; the row is rejected (unknown_subscriber)",
    setup: cellCase("usage", 10, "subscriber_id", "S9999999", "unknown_subscriber"),
  },
  {
    id: "shifted-columns",
    title: "columns present but shifted",
    change: "billing.csv: header unchanged, every data row's values rotated one place right",
    result: "stops (every row rejected, above any reject share): names the first rejected row, column and value, and asks whether the export is shifted",
    setup(dir) {
      const l = lines(dir, "billing");
      const rows = l.filter((x, i) => i > 0 && x !== "");
      const first = (rows[0] ?? "").split(",");
      const rotated = l.map((x, i) => {
        if (i === 0 || x === "") return x;
        const f = x.split(",");
        return [f[f.length - 1], ...f.slice(0, -1)].join(",");
      });
      put(dir, "billing", rotated);
      const last = first[first.length - 1] ?? "";
      const ex = last === "" ? { column: "subscriber_id", value: "", reason: "empty_id" } : { column: "month", value: first[0] ?? "", reason: "bad_date" };
      const example = firstRejectText([{ table: "billing", reason: ex.reason, examples: [{ row: 1, column: ex.column, value: ex.value, detail: null }] }], "billing", true);
      return { exit: 3, message: msg.tooManyRejects("billing", file(dir, "billing"), rows.length, rows.length, 0.5, example) };
    },
  },
];
