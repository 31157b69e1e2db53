import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { readCsv, readShape } from "../../src/contract/pass.js";
import { Params } from "../../src/contract/sql.js";
import { TABLES } from "../../src/contract/tables.js";
import { withDb } from "../../src/io/duckdb.js";
import type { TableFile } from "../../src/io/tables.js";

const dir = mkdtempSync(join(tmpdir(), "churn-dialect-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): TableFile => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, table: "surveys", format: "csv", bytes: statSync(path).size } as TableFile;
};

// files whose dialect the sniffer has to find: plain, quoted fields with the delimiter and doubled quotes inside,
// semicolons with CRLF line ends, tabs, a header name with a quote in it
const cases: [string, string][] = [
  ["plain.csv", "subscriber_id,date,nps\nS1,2026-01-02,7\nS2,2026-01-03,9\n"],
  ["quoted.csv", 'subscriber_id,date,nps,"note, ""free"" text"\n"S1",2026-01-02,7,"a, b"\nS2,2026-01-03,9,"say ""hi"""\n'],
  ["semicolon.csv", "subscriber_id;date;nps\r\nS1;2026-01-02;7\r\nS2;2026-01-03;9\r\n"],
  ["tab.csv", "subscriber_id\tdate\tnps\tit's\nS1\t2026-01-02\t7\tx\n"],
];

describe("a CSV file's dialect, sniffed once", () => {
  it("reads every row and column as sniffing it again would", async () => {
    await withDb(async (db) => {
      for (const [name, text] of cases) {
        const f = file(name, text);
        const config = defaultConfig();
        const shape = await readShape(db, TABLES.surveys, f, config);
        expect(shape.dialect, name).toBeDefined();
        const again = new Params();
        const once = new Params();
        const sniffed = await db.all(`SELECT * FROM ${readCsv(f, config.data.csv, shape.delimiter, again)}`, again.values);
        const reused = await db.all(`SELECT * FROM ${readCsv(f, config.data.csv, shape.delimiter, once, shape.dialect)}`, once.values);
        expect(reused, name).toEqual(sniffed);
        expect(sniffed.length, name).toBeGreaterThan(0);
      }
    });
  });
});
