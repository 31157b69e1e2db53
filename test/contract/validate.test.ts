import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { summaryText, validateData } from "../../src/cli/commands/validate.js";
import { configSchema } from "../../src/config/schema.js";
import { checkRejectShare, firstRejectText, loadData, writeRejects } from "../../src/contract/load.js";
import { ConfigError, InputDataError, UsageError } from "../../src/errors.js";
import { withDb } from "../../src/io/duckdb.js";
import { findTableFiles } from "../../src/io/tables.js";
import { msg } from "../../src/messages.js";
import { AS_OF, SUBS, USAGE, writeDir } from "./helpers.js";

const BAD_USAGE = `${USAGE}\nS9,2025-01-01,1,1,1,1\nS1,2025-01-02,-4,1,1,1`;

describe("validateData", () => {
  it("summarises rows, loaded, rejected, dates and rejects by reason, with ISO dates", async () => {
    const dir = writeDir({ "subscribers.csv": SUBS, "usage.csv": BAD_USAGE });
    const rejects = join(dir, "out", "rejects.csv");
    const s = await validateData({ data: dir, config: configSchema.parse({}), rejects, asOf: AS_OF });
    expect(s.asOf).toBe("2026-01-01");
    expect(s.ok).toBe(false);
    const usage = s.tables.find((t) => t.table === "usage");
    expect(usage).toMatchObject({ rows: 4, loaded: 2, rejected: 2, minDate: "2025-01-01", maxDate: "2025-03-01", rejectedShare: 0.5 });
    expect(s.rejectsByReason.map((g) => [g.table, g.reason, g.count])).toEqual([
      ["usage", "negative", 1],
      ["usage", "unknown_subscriber", 1],
    ]);
    expect(s.rejectsByReason[0]?.description).toBe(msg.rejectReason("negative"));
    expect(s.rejectsByReason[0]?.examples).toEqual([{ row: 4, column: "voice_minutes", value: "-4", detail: null }]);
    const text = summaryText(s);
    expect(text).toContain("usage negative");
    expect(text).toContain("row 4: voice_minutes = \"-4\"");
    expect(text).toContain("FAIL");
    const csv = readFileSync(rejects, "utf8").trim().split("\n");
    expect(csv[0]).toBe("table,file,row,column,value,reason,detail");
    expect(csv.slice(1)).toEqual([
      `usage,${join(dir, "usage.csv")},3,subscriber_id,S9,unknown_subscriber,`,
      `usage,${join(dir, "usage.csv")},4,voice_minutes,-4,negative,`,
    ]);
  });

  it("passes a clean data set and rejects an out-of-range --max-reject-share", async () => {
    const dir = writeDir({ "subscribers.csv": SUBS, "usage.csv": USAGE });
    const s = await validateData({ data: dir, config: configSchema.parse({}), asOf: AS_OF });
    expect(s.ok).toBe(true);
    await expect(validateData({ data: dir, config: configSchema.parse({}), maxRejectShare: 2 })).rejects.toBeInstanceOf(UsageError);
  });
});

describe("checkRejectShare", () => {
  it("throws InputDataError naming the table above the threshold, not at or below it", async () => {
    const dir = writeDir({ "subscribers.csv": SUBS, "usage.csv": BAD_USAGE });
    const result = await withDb((db) => loadData(db, { dir, config: configSchema.parse({}), asOf: AS_OF }));
    expect(() => checkRejectShare(result, 0.5)).not.toThrow();
    expect(() => checkRejectShare(result, 0.49)).toThrow(InputDataError);
    expect(() => checkRejectShare(result, 0.49)).toThrow(msg.tooManyRejects("usage", join(dir, "usage.csv"), 2, 4, 0.49, firstRejectText(result.rejectsByReason, "usage", false)));
  });
});

describe("a decimal-comma export without the config for it", () => {
  it("says which setting reads it, instead of guessing a shifted export", async () => {
    // semicolon-separated with decimal commas, read with the default dialect (the delimiter is sniffed)
    const semi = (t: string) => t.replaceAll(",", ";").replace(/(\d)\.(\d)/g, "$1,$2");
    const dir = writeDir({ "subscribers.csv": semi(SUBS), "usage.csv": semi(USAGE) });
    const result = await withDb((db) => loadData(db, { dir, config: configSchema.parse({}), asOf: AS_OF }));
    let text = "";
    try {
      checkRejectShare(result, 0.01);
    } catch (e) {
      text = (e as Error).message;
    }
    expect(text).toContain("column `monthly_fee` = '10,5' (bad_number)");
    expect(text).toContain('set `data.csv.decimal: ","` in the config');
    expect(text).not.toContain("shifted export");
    // with the setting, nothing is rejected
    const ok = await withDb((db) => loadData(db, { dir, config: configSchema.parse({ data: { csv: { delimiter: ";", decimal: "," } } }), asOf: AS_OF }));
    expect(Object.values(ok.tables).reduce((a, t) => a + t.rejected, 0)).toBe(0);
  });
});

describe("finding files and safety", () => {
  it("takes explicit table files over the directory and refuses unknown table names", () => {
    const dir = writeDir({ "subscribers.csv": SUBS, "subs2.csv": SUBS });
    const found = findTableFiles({ dir, tables: { subscribers: join(dir, "subs2.csv") } });
    expect(found.subscribers?.path).toBe(join(dir, "subs2.csv"));
    expect(() => findTableFiles({ dir, tables: { customers: "x.csv" } })).toThrow(ConfigError);
    expect(() => findTableFiles({ tables: { subscribers: join(dir, "nope.csv") } })).toThrow(msg.tableFileNotFound("subscribers", join(dir, "nope.csv")));
    expect(() => findTableFiles({ dir: join(dir, "missing") })).toThrow(msg.dataDirMissing(join(dir, "missing")));
  });

  it("reads and writes paths with quotes and SQL in them as data", async () => {
    const dir = writeDir({});
    const odd = join(dir, "it's'); DROP TABLE x; --");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(odd);
    writeFileSync(join(odd, "subscribers.csv"), SUBS);
    const out = join(odd, "rej'ects.csv");
    await withDb(async (db) => {
      const r = await loadData(db, { dir: odd, config: configSchema.parse({}), asOf: AS_OF });
      expect(r.tables.subscribers.loaded).toBe(3);
      await writeRejects(db, out);
    });
    expect(readFileSync(out, "utf8").trim()).toBe("table,file,row,column,value,reason,detail");
  });

  it("config column names that are not plain identifiers never reach SQL", () => {
    const r = configSchema.safeParse({ data: { columns: { subscribers: { monthly_fee: 'fee" FROM x; --' } } } });
    expect(r.success).toBe(false);
  });

  it("a bad validation.asOf is a config error", async () => {
    const dir = writeDir({ "subscribers.csv": SUBS });
    await expect(withDb((db) => loadData(db, { dir, config: configSchema.parse({ validation: { asOf: "2026-13-01" } }) }))).rejects.toThrow(
      msg.badAsOf("2026-13-01"),
    );
  });
});
