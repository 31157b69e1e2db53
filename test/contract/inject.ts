/**
 * Bad rows of every kind, injected into a generated world's CSV tables (deterministic): every reject reason
 * of the contract, plus the near misses that must stay valid or distinct (values padded with spaces, "1.50"
 * next to "1.5", blank optional values), spread through each file (not only at its end).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Edit = (cols: string[], header: string[]) => string[] | null;

/** A small deterministic generator (LCG), so the injected rows are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const set = (header: string[], cols: string[], name: string, value: string): string[] => put(header, cols, { [name]: value });
/** The row with some columns replaced (columns the file does not have are ignored). */
const put = (header: string[], cols: string[], values: Record<string, string>): string[] => {
  const out = [...cols];
  for (const [name, value] of Object.entries(values)) {
    const i = header.indexOf(name);
    if (i >= 0) out[i] = value;
  }
  return out;
};
const get = (header: string[], cols: string[], name: string) => cols[header.indexOf(name)] ?? "";
const shiftDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Per table: edits applied to copies of existing rows (null: copy as is, an exact duplicate). */
const EDITS: Record<string, Edit[]> = {
  subscribers: [
    (c, h) => set(h, c, "subscriber_id", "  "), // empty_id
    (c, h) => set(h, c, "plan", ""), // missing_value
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X1`, activation_date: "2024-13-40" }), // bad_date
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X2`, monthly_fee: "abc" }), // bad_number
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X3`, contract_type: "weekly" }), // bad_enum
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X4`, monthly_fee: "-5" }), // negative
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X5`, monthly_fee: "1e13" }), // out_of_range
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X6`, deactivation_date: shiftDays(get(h, c, "activation_date"), -3) }), // date_order
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X7`, activation_date: "2031-01-01" }), // future_date
    () => null, // duplicate_row
    (c, h) => set(h, c, "plan", "other_plan"), // duplicate_id (same id, another plan)
    (c, h) => set(h, c, "region", ` ${get(h, c, "region")} `), // padded: a duplicate once trimmed
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X8`, monthly_fee: `${get(h, c, "monthly_fee")}0` }), // valid, "x.x0"
    (c, h) => put(h, c, { subscriber_id: `${get(h, c, "subscriber_id")}X9`, preferred_channel: "   " }), // blank optional: valid
    (c, h) => put(h, c, { subscriber_id: ` ${get(h, c, "subscriber_id")}XA `, contract_type: "PREPAID" }), // padded id, upper-case enum: valid
  ],
  usage: [
    (c, h) => set(h, c, "subscriber_id", "NOBODY"), // unknown_subscriber
    (c, h) => set(h, c, "date", "2019-01-01"), // before_activation
    (c, h) => set(h, c, "date", "2031-02-01"), // future_date
    (c, h) => set(h, c, "sms", "2.5"), // bad_integer
    (c, h) => set(h, c, "voice_minutes", "-1"), // negative
    (c, h) => set(h, c, "data_mb", "1e13"), // out_of_range
    (c, h) => set(h, c, "date", ""), // missing_value
    (c, h) => set(h, c, "date", "2025-02-30"), // bad_date
    (c, h) => set(h, c, "voice_minutes", "nan"), // bad_number
    () => null, // duplicate_row
    (c, h) => set(h, c, "data_mb", ` ${get(h, c, "data_mb")} `), // padded number: a duplicate once trimmed
    (c, h) => set(h, c, "sms", `${get(h, c, "sms")}.0`), // "1.0" next to "1": same value, not a duplicate
    (c, h) => set(h, c, "sessions", ""), // blank nullable: valid, a distinct row
    (c, h) => set(h, c, "subscriber_id", `${get(h, c, "subscriber_id")}X4`), // a rejected subscriber's row: unknown
  ],
  billing: [
    (c, h) => set(h, c, "paid_late", "maybe"), // bad_boolean
    (c, h) => set(h, c, "amount_billed", "-3"), // negative
    (c, h) => set(h, c, "month", "2018-01-01"), // before_activation (by month)
    (c, h) => set(h, c, "amount_billed", ""), // missing_value
    () => null, // duplicate_row
    (c, h) => set(h, c, "paid_late", "YES"), // valid boolean spelling
  ],
  complaints: [
    (c, h) => set(h, c, "category", "weather"), // bad_enum
    (c, h) => set(h, c, "resolved_at", shiftDays(get(h, c, "opened_at"), -2)), // date_order
    () => null,
  ],
  products: [(c, h) => set(h, c, "end_date", shiftDays(get(h, c, "start_date"), -1)), () => null, (c, h) => set(h, c, "product", "")],
  surveys: [(c, h) => set(h, c, "nps", "11"), (c, h) => set(h, c, "nps", "7.5"), () => null],
  campaigns: [(c, h) => set(h, c, "group", "holdout"), () => null, (c, h) => set(h, c, "date", "2031-01-01")],
};

/**
 * Rewrite each `<table>.csv` of `dir` with injected rows: each edit applied to `perEdit` copies of rows
 * picked at random, each copy inserted at a random place. Returns how many rows were added per table.
 * (A plain CSV split on commas: the generator quotes nothing.)
 */
export function injectBadRows(dir: string, seed = 18, perEdit = 3): Record<string, number> {
  const rand = lcg(seed);
  const added: Record<string, number> = {};
  for (const [table, edits] of Object.entries(EDITS)) {
    const path = join(dir, `${table}.csv`);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    const lines = text.replace(/\n$/, "").split("\n");
    const header = (lines[0] ?? "").split(",");
    const rows = lines.slice(1);
    if (rows.length === 0) continue;
    const out = [...rows];
    let n = 0;
    for (const edit of edits) {
      for (let k = 0; k < perEdit; k++) {
        const src = (rows[Math.floor(rand() * rows.length)] ?? "").split(",");
        const row = edit(src, header) ?? src;
        out.splice(Math.floor(rand() * (out.length + 1)), 0, row.join(","));
        n++;
      }
    }
    writeFileSync(path, `${[lines[0], ...out].join("\n")}\n`);
    added[table] = n;
  }
  return added;
}
