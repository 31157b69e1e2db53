import { describe, expect, it } from "vitest";
import { ConfigError, InputDataError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.js";
import { loadData } from "../../src/contract/load.js";
import { withDb } from "../../src/io/duckdb.js";
import { AS_OF, loadError, loadFiles, SUB_HEADER, SUBS, tempDir, USAGE, USAGE_HEADER } from "./helpers.js";

/** Rejects of one table as [row, reason, column, value] tuples. */
const rej = (rows: Record<string, unknown>[], table: string) =>
  rows.filter((r) => r["table_name"] === table).map((r) => [r["row"], r["reason"], r["column_name"], r["value"]]);

describe("loadData: a clean data set", () => {
  it("loads every row with canonical names and types, and reconciles counts", async () => {
    const l = await loadFiles({ "subscribers.csv": SUBS, "usage.csv": USAGE });
    expect(l.rejects).toEqual([]);
    const s = l.result.tables.subscribers;
    expect(s).toMatchObject({ present: true, format: "csv", rows: 3, loaded: 3, rejected: 0, storage: "table" });
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.minDate?.toISOString().slice(0, 10)).toBe("2023-05-05");
    expect(s.maxDate?.toISOString().slice(0, 10)).toBe("2025-06-30");
    expect(l.result.tables.billing).toMatchObject({ present: false, rows: 0 });
    const s2 = l.tables["subscribers"]?.find((r) => r["subscriber_id"] === "S2");
    expect(s2).toMatchObject({ monthly_fee: 20, contract_type: "fixed_12m", region: "south" });
    expect(s2?.["deactivation_date"]).toEqual(new Date(Date.UTC(2025, 5, 30)));
    const u = l.tables["usage"]?.find((r) => r["subscriber_id"] === "S1");
    expect(u).toMatchObject({ voice_minutes: 1.5, data_mb: 100, sms: 2, sessions: 1, dropped_calls: null });
  });

  it("creates no table for an absent optional input", async () => {
    const l = await loadFiles({ "subscribers.csv": SUBS });
    expect(Object.keys(l.tables)).toEqual(["subscribers"]);
  });
});

describe("loadData: one reject reason per tiny file", () => {
  const sub = (line: string) => ({ "subscribers.csv": `${SUBS}\n${line}\n` });
  const cases: [string, Record<string, string>, string, [number, string, string | null, string | null]][] = [
    ["bad date", sub("S4,2024-13-01,,basic,prepaid,,10,north,sms"), "subscribers", [4, "bad_date", "activation_date", "2024-13-01"]],
    ["bad number", sub("S4,2024-01-01,,basic,prepaid,,ten,north,sms"), "subscribers", [4, "bad_number", "monthly_fee", "ten"]],
    ["negative fee", sub("S4,2024-01-01,,basic,prepaid,,-5,north,sms"), "subscribers", [4, "negative", "monthly_fee", "-5"]],
    ["enum value", sub("S4,2024-01-01,,basic,weekly,,5,north,sms"), "subscribers", [4, "bad_enum", "contract_type", "weekly"]],
    ["empty id", sub(" ,2024-01-01,,basic,prepaid,,5,north,sms"), "subscribers", [4, "empty_id", "subscriber_id", ""]],
    ["missing required value", sub("S4,2024-01-01,,,prepaid,,5,north,sms"), "subscribers", [4, "missing_value", "plan", ""]],
    ["deactivation before activation", sub("S4,2024-01-01,2023-12-31,basic,prepaid,,5,north,sms"), "subscribers", [4, "date_order", "deactivation_date", "2023-12-31"]],
    ["future date", sub("S4,2026-01-02,,basic,prepaid,,5,north,sms"), "subscribers", [4, "future_date", "activation_date", "2026-01-02"]],
    ["duplicate id", sub("S1,2024-03-01,,other,prepaid,,7,west,sms"), "subscribers", [4, "duplicate_id", "subscriber_id", "S1"]],
    ["exact duplicate row", sub("S2,2024-02-01,2025-06-30,plus,fixed_12m,2025-02-01,20,south,email"), "subscribers", [4, "duplicate_row", null, null]],
    ["unknown subscriber", { "subscribers.csv": SUBS, "usage.csv": `${USAGE}\nS9,2025-01-01,1,1,1,1` }, "usage", [3, "unknown_subscriber", "subscriber_id", "S9"]],
    ["event before activation", { "subscribers.csv": SUBS, "usage.csv": `${USAGE}\nS1,2024-01-09,1,1,1,1` }, "usage", [3, "before_activation", "date", "2024-01-09"]],
    ["event after deactivation", { "subscribers.csv": SUBS, "usage.csv": `${USAGE}\nS2,2025-07-01,1,1,1,1` }, "usage", [3, "after_deactivation", "date", "2025-07-01"]],
    ["future event", { "subscribers.csv": SUBS, "usage.csv": `${USAGE}\nS1,2026-02-01,1,1,1,1` }, "usage", [3, "future_date", "date", "2026-02-01"]],
    ["negative amount", { "subscribers.csv": SUBS, "billing.csv": "subscriber_id,month,amount_billed\nS1,2025-01-01,-3" }, "billing", [1, "negative", "amount_billed", "-3"]],
    ["not a whole number", { "subscribers.csv": SUBS, "usage.csv": `${USAGE}\nS1,2025-01-02,1,1,2.5,1` }, "usage", [3, "bad_integer", "sms", "2.5"]],
    ["bad boolean", { "subscribers.csv": SUBS, "billing.csv": "subscriber_id,month,amount_billed,paid_late\nS1,2025-01-01,3,maybe" }, "billing", [1, "bad_boolean", "paid_late", "maybe"]],
    ["nps out of range", { "subscribers.csv": SUBS, "surveys.csv": "subscriber_id,date,nps\nS1,2025-01-01,11" }, "surveys", [1, "out_of_range", "nps", "11"]],
    ["resolved before opened", { "subscribers.csv": SUBS, "complaints.csv": "subscriber_id,opened_at,category,resolved_at\nS1,2025-01-05,network,2025-01-04" }, "complaints", [1, "date_order", "resolved_at", "2025-01-04"]],
  ];
  for (const [name, files, table, expected] of cases) {
    it(name, async () => {
      const l = await loadFiles(files);
      expect(rej(l.rejects, table)).toEqual([expected]);
      const t = l.result.tables[table as "subscribers"];
      expect(t.loaded + t.rejected).toBe(t.rows);
      expect(l.tables[table]).toHaveLength(t.loaded);
    });
  }

  it("names the kept row for duplicates", async () => {
    const l = await loadFiles(sub("S1,2024-03-01,,other,prepaid,,7,west,sms"));
    expect(l.rejects[0]?.["detail"]).toBe("first row 1 kept");
    expect(l.tables["subscribers"]?.find((r) => r["subscriber_id"] === "S1")?.["plan"]).toBe("basic");
  });

  it("keeps the first valid row of a duplicated id when an earlier one is invalid", async () => {
    const l = await loadFiles({ "subscribers.csv": `${SUB_HEADER}\nS1,2024-01-01,,basic,prepaid,,-1,north,sms\nS1,2024-01-01,,basic,prepaid,,9,north,sms` });
    expect(rej(l.rejects, "subscribers")).toEqual([[1, "negative", "monthly_fee", "-1"]]);
    expect(l.result.tables.subscribers.loaded).toBe(1);
  });

  it("compares billing months with activation and deactivation by month", async () => {
    // S1 activated 2024-01-10: the January 2024 bill is in; S2 left 2025-06-30: June in, July out.
    const billing = "subscriber_id,month,amount_billed\nS1,2024-01-01,5\nS1,2023-12-01,5\nS2,2025-06-01,5\nS2,2025-07-01,5";
    const l = await loadFiles({ "subscribers.csv": SUBS, "billing.csv": billing });
    expect(rej(l.rejects, "billing")).toEqual([
      [2, "before_activation", "month", "2023-12-01"],
      [4, "after_deactivation", "month", "2025-07-01"],
    ]);
  });

  it("rejects events of a rejected subscriber as unknown", async () => {
    const l = await loadFiles({ "subscribers.csv": `${SUBS}\nS4,2024-01-01,,basic,prepaid,,-1,north,sms`, "usage.csv": `${USAGE_HEADER}\nS4,2025-01-01,1,1,1,1` });
    expect(rej(l.rejects, "usage")).toEqual([[1, "unknown_subscriber", "subscriber_id", "S4"]]);
  });

  it("reconciles counts on a file with many kinds of problems", async () => {
    const lines = [
      "S4,2024-13-01,,basic,prepaid,,10,north,sms",
      "S5,2024-01-01,,basic,prepaid,,-1,north,sms",
      "S1,2024-01-10,,basic,prepaid,,10.5,north,sms",
      ",2024-01-01,,basic,prepaid,,1,north,sms",
      "S6,2024-01-01,,basic,yearly,,1,north,sms",
      "S7,2024-01-01,,basic,prepaid,,1,north,sms",
    ];
    const l = await loadFiles({ "subscribers.csv": `${SUBS}\n${lines.join("\n")}`, "usage.csv": `${USAGE}\nS5,2025-01-01,1,1,1,1\nS7,2025-01-01,x,1,1,1` });
    for (const t of Object.values(l.result.tables)) expect(t.loaded + t.rejected).toBe(t.rows);
    expect(l.result.tables.subscribers).toMatchObject({ rows: 9, loaded: 4, rejected: 5 });
    expect(l.result.tables.usage).toMatchObject({ rows: 4, loaded: 2, rejected: 2 });
    const reasons = l.result.rejectsByReason.map((g) => `${g.table}.${g.reason}=${g.count}`).sort();
    expect(reasons).toEqual([
      "subscribers.bad_date=1",
      "subscribers.bad_enum=1",
      "subscribers.duplicate_row=1",
      "subscribers.empty_id=1",
      "subscribers.negative=1",
      "usage.bad_number=1",
      "usage.unknown_subscriber=1",
    ]);
    expect(new Set(l.rejects.map((r) => `${r["table_name"]}:${r["row"]}`)).size).toBe(l.rejects.length);
  });
});

describe("loadData: file formats", () => {
  it("accepts a UTF-8 BOM", async () => {
    const l = await loadFiles({ "subscribers.csv": `\uFEFF${SUBS}` });
    expect(l.result.tables.subscribers.loaded).toBe(3);
  });

  it("reads latin-1 when configured", async () => {
    const body = Buffer.from(SUBS.replace("north", "nörd"), "latin1");
    const l = await loadFiles({ "subscribers.csv": body }, { data: { csv: { encoding: "latin-1" } } });
    expect(l.tables["subscribers"]?.find((r) => r["subscriber_id"] === "S1")?.["region"]).toBe("nörd");
  });

  it("says how to read a latin-1 file read as UTF-8", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": Buffer.from(SUBS.replace("north", "nörd"), "latin1") });
    expect(error).toBeInstanceOf(InputDataError);
    // the line, column and value are named (src/io/csv-diagnose.ts)
    expect(error.message).toBe(msg.csvBadEncodingAt(join(dir, "subscribers.csv"), "subscribers", 2, "region", "nörd"));
  });

  it("reads a semicolon file with comma decimals (config)", async () => {
    const body = SUBS.replaceAll(",", ";").replace("10.5", "10,5");
    const l = await loadFiles({ "subscribers.csv": body }, { data: { csv: { delimiter: ";", decimal: "," } } });
    expect(l.tables["subscribers"]?.find((r) => r["subscriber_id"] === "S1")?.["monthly_fee"]).toBe(10.5);
  });

  it("reads another date format (config)", async () => {
    const body = SUBS.replace("2024-01-10", "10/01/2024").replace("2024-02-01,2025-06-30", "01/02/2024,30/06/2025").replace("2025-02-01", "01/02/2025").replace("2023-05-05", "05/05/2023");
    const l = await loadFiles({ "subscribers.csv": body }, { data: { csv: { dateFormat: "%d/%m/%Y" } } });
    expect(l.rejects).toEqual([]);
    expect(l.tables["subscribers"]?.find((r) => r["subscriber_id"] === "S1")?.["activation_date"]).toEqual(new Date(Date.UTC(2024, 0, 10)));
  });

  it("detects a tab delimiter", async () => {
    const l = await loadFiles({ "subscribers.tsv": SUBS.replaceAll(",", "\t") });
    expect(l.result.tables.subscribers.loaded).toBe(3);
  });

  it("maps the operator's column names", async () => {
    const body = SUBS.replace("subscriber_id", "CustomerID").replace("monthly_fee", "fee");
    const l = await loadFiles({ "subscribers.csv": body }, { data: { columns: { subscribers: { subscriber_id: "CustomerID", monthly_fee: "fee" } } } });
    expect(l.result.tables.subscribers.columns).toMatchObject({ subscriber_id: "CustomerID", monthly_fee: "fee" });
    expect(l.tables["subscribers"]?.[0]).toHaveProperty("monthly_fee");
  });

  it("matches column names ignoring case", async () => {
    const l = await loadFiles({ "subscribers.csv": SUBS.replace("monthly_fee", "Monthly_Fee") });
    expect(l.result.tables.subscribers.loaded).toBe(3);
  });

  it("loads and checks Parquet input", async () => {
    const { withDb } = await import("../../src/io/duckdb.js");
    const { tempDir } = await import("./helpers.js");
    const { configSchema } = await import("../../src/config/schema.js");
    const { loadData } = await import("../../src/contract/load.js");
    const dir = tempDir();
    await withDb(async (db) => {
      await db.run(
        `COPY (SELECT * FROM (VALUES ('S1', DATE '2024-01-10', NULL::DATE, 'basic', 'prepaid', NULL::DATE, 10.5, 'north', 'sms'),
                                     ('S2', DATE '2024-02-01', NULL::DATE, 'plus', 'FIXED_12M', NULL::DATE, -1.0, 'south', NULL))
               t(subscriber_id, activation_date, deactivation_date, plan, contract_type, contract_end_date, monthly_fee, region, preferred_channel))
         TO '${join(dir, "subscribers.parquet")}' (FORMAT parquet)`,
      );
      await db.run(
        `COPY (SELECT * FROM (VALUES (1::BIGINT, 'S1', DATE '2025-01-01', 1.5, 2.0, 1::BIGINT, 0::BIGINT), (2, 'S1', DATE '2023-01-01', 1, 1, 1, 1),
                                     (3, 'S1', DATE '2025-01-01', 1.5, 2.0, 1, 0), (4, 'S3', DATE '2025-01-01', 1, 1, 1, 1))
               t(k, subscriber_id, date, voice_minutes, data_mb, sms, sessions) ORDER BY k)
         TO '${join(dir, "usage.parquet")}' (FORMAT parquet)`,
      );
    });
    const config = configSchema.parse({});
    const out = await withDb(async (db) => {
      const result = await loadData(db, { dir, config, asOf: new Date(Date.UTC(2026, 0, 1)), materializeMaxRows: 2 });
      return { result, rejects: await db.all("SELECT * FROM rejects ORDER BY table_name, row"), usage: await db.all("SELECT * FROM usage") };
    });
    expect(rej(out.rejects, "subscribers")).toEqual([[2, "negative", "monthly_fee", "-1.0"]]);
    expect(rej(out.rejects, "usage")).toEqual([
      [2, "before_activation", "date", "2023-01-01"],
      [3, "duplicate_row", null, null],
      [4, "unknown_subscriber", "subscriber_id", "S3"],
    ]);
    expect(out.result.tables.usage).toMatchObject({ format: "parquet", rows: 4, loaded: 1, rejected: 3, storage: "view" });
    expect(out.result.tables.subscribers.storage).toBe("table");
    expect(out.usage).toEqual([{ subscriber_id: "S1", date: new Date(Date.UTC(2025, 0, 1)), voice_minutes: 1.5, data_mb: 2, sms: 1, sessions: 0, dropped_calls: null }]);
  });
});

describe("loadData: file-level errors (exit 3) name the file, the column and the fix", () => {
  it("missing column", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": SUBS.replace("monthly_fee", "fee") });
    expect(error).toBeInstanceOf(InputDataError);
    const found = SUB_HEADER.replace("monthly_fee", "fee").split(",");
    expect(error.message).toBe(msg.missingColumn(join(dir, "subscribers.csv"), "subscribers", "monthly_fee", found));
    expect(error.message).toContain("data.columns.subscribers.monthly_fee");
  });

  it("a mapping to a column the file does not have", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": SUBS }, { data: { columns: { subscribers: { monthly_fee: "fee" } } } });
    expect(error.message).toBe(msg.mappedColumnMissing(join(dir, "subscribers.csv"), "subscribers", "monthly_fee", "fee", SUB_HEADER.split(",")));
  });

  it("a mapping key that is not a canonical column (exit 2)", async () => {
    const { error } = await loadError({ "subscribers.csv": SUBS }, { data: { columns: { subscribers: { fee: "monthly_fee" } } } });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("data.columns.subscribers.fee");
  });

  it("missing required file", async () => {
    const { error, dir } = await loadError({ "usage.csv": USAGE });
    expect(error).toBeInstanceOf(InputDataError);
    expect(error.message).toContain(`required table subscribers not found in ${dir}`);
  });

  it("empty file", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": "" });
    expect(error.message).toBe(msg.emptyFile(join(dir, "subscribers.csv"), "subscribers"));
  });

  it("header only", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": `${SUB_HEADER}\n` });
    expect(error.message).toBe(msg.noDataRows(join(dir, "subscribers.csv"), "subscribers"));
  });

  it("a header-only optional table loads empty", async () => {
    const l = await loadFiles({ "subscribers.csv": SUBS, "usage.csv": `${USAGE_HEADER}\n` });
    expect(l.result.tables.usage).toMatchObject({ present: true, rows: 0, loaded: 0 });
  });

  it("wrong delimiter: one column found", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": SUBS.replaceAll(",", ";") }, { data: { csv: { delimiter: "," } } });
    expect(error.message).toBe(msg.oneColumnFound(join(dir, "subscribers.csv"), SUB_HEADER.replaceAll(",", ";"), ","));
    expect(error.message).toContain("data.csv.delimiter");
  });

  it("an unreadable Parquet file", async () => {
    const { error, dir } = await loadError({ "subscribers.parquet": "not parquet at all" });
    expect(error).toBeInstanceOf(InputDataError);
    expect(error.message.startsWith(`cannot read ${join(dir, "subscribers.parquet")} (table subscribers)`)).toBe(true);
  });

  it("a damaged partition among Parquet partitions checked together is named", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "subscribers.csv"), SUBS);
    mkdirSync(join(dir, "usage"));
    await withDb(async (db) => {
      for (const k of [1, 2, 3]) {
        await db.run(
          `COPY (SELECT 'S1' AS subscriber_id, DATE '2024-02-01' + CAST(i % 300 AS INTEGER) AS date, i * 1.5 AS voice_minutes, i * 2.5 AS data_mb, i % 7 AS sms, i % 5 AS sessions
                 FROM range(${k * 20000}, ${k * 20000 + 20000}) t(i)) TO '${join(dir, "usage", `part-${k}.parquet`)}' (FORMAT parquet)`,
        );
      }
    });
    // bytes in the middle of part 2's data pages overwritten; its footer (all that reading its header needs) intact: the
    // one scan of the three fails, and checking them one by one names the damaged file
    const bad = join(dir, "usage", "part-2.parquet");
    const bytes = readFileSync(bad);
    bytes.fill(0x55, Math.floor(bytes.length / 4), Math.floor(bytes.length / 4) + 400);
    writeFileSync(bad, bytes);
    const error = await withDb((db) => loadData(db, { dir, config: configSchema.parse({}), asOf: AS_OF })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(InputDataError);
    expect(error?.message.startsWith(`cannot read ${bad} (table usage)`)).toBe(true);
  });

  it("clean Parquet partitions are read as one scan, with the same rows as file by file", async () => {
    // four daily-style partitions of one shape; part 3 has a reject (a negative minute count), so it stays on its
    // own between the one-scan groups: parts 1-2 and part 4 (a group of one)
    const dir = tempDir();
    writeFileSync(join(dir, "subscribers.csv"), SUBS);
    mkdirSync(join(dir, "usage"));
    await withDb(async (db) => {
      for (const k of [1, 2, 3, 4]) {
        await db.run(
          `COPY (SELECT CASE WHEN i % 3 = 0 THEN 'S1' ELSE 'S2' END AS subscriber_id, DATE '2024-02-01' + CAST(i % 300 AS INTEGER) AS date,
                        CASE WHEN ${k} = 3 AND i % 1000 = 7 THEN -1.0 ELSE i * 1.5 END AS voice_minutes, i * 2.5 AS data_mb, i % 7 AS sms, i % 5 AS sessions
                 FROM range(${k * 3000}, ${k * 3000 + 3000}) t(i)) TO '${join(dir, "usage", `part-${k}.parquet`)}' (FORMAT parquet)`,
        );
      }
    });
    const config = configSchema.parse({});
    // materializeMaxRows 0: the table is a view over the files
    const rowsOf = (o: { materializeMaxRows: number }) =>
      withDb(async (db) => {
        const r = await loadData(db, { dir, config, asOf: AS_OF, ...o });
        const view = String((await db.one("SELECT sql FROM duckdb_views() WHERE view_name = 'usage'"))?.["sql"] ?? "");
        // in a fixed order: a scan of several files does not promise theirs (DuckDB's order preservation covers a
        // single table); nothing reads the table in row order (features aggregate, outputs are sorted)
        return { rows: await db.all("SELECT * FROM usage ORDER BY ALL"), rejected: r.tables.usage.rejected, view };
      });
    const asView = await rowsOf({ materializeMaxRows: 0 });
    const asTable = await rowsOf({ materializeMaxRows: Number.MAX_SAFE_INTEGER });
    // (DuckDB keeps the view's SQL with the list as list_value(...))
    expect(asView.view).toMatch(/read_parquet\(main\.list_value\('[^']*part-1\.parquet', '[^']*part-2\.parquet'\)/);
    expect(asView.view.match(/read_parquet\(/g)).toHaveLength(3);
    expect(asView.rejected).toBe(3);
    expect(asView.rows.length).toBe(12000 - 3);
    expect(asView.rows).toEqual(asTable.rows);
  });

  it("a CSV line with more fields than the header stops the run", async () => {
    const { error, dir } = await loadError({ "subscribers.csv": `${SUBS}\nS4,2024-01-01,,basic,prepaid,,5,north,sms,extra,more` });
    expect(error).toBeInstanceOf(InputDataError);
    expect(error.message).toBe(msg.csvFieldCount(join(dir, "subscribers.csv"), "subscribers", 5, 11, 9, "S4,2024-01-01,,basic,prepaid,,5,north,sms,extra,more", true));
  });

  it("two candidate files for one table", async () => {
    const { error } = await loadError({ "subscribers.csv": SUBS, "subscribers.tsv": SUBS });
    expect(error.message).toContain("are both candidates for table subscribers");
  });
});
