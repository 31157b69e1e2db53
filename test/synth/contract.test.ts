import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS, DUCKDB_TYPE, TABLE_NAMES, TABLES } from "../../src/contract/tables.js";
import { type Db, quoteLiteral, withDb } from "../../src/io/duckdb.js";
import { tempWorld } from "./helpers.js";


describe("generated tables match the contract", () => {
  let pq: Awaited<ReturnType<typeof tempWorld>>;
  let csv: Awaited<ReturnType<typeof tempWorld>>;
  beforeAll(async () => {
    pq = await tempWorld({ subscribers: 1500, months: 6, seed: 3, format: "parquet" });
    csv = await tempWorld({ subscribers: 1500, months: 6, seed: 3, format: "csv" });
  });
  afterAll(() => {
    pq.cleanup();
    csv.cleanup();
  });

  it("the output folder holds the seven tables, and the truth only under truth/", () => {
    expect(readdirSync(pq.dir).sort()).toEqual([...TABLE_NAMES.map((t) => `${t}.parquet`), "truth"].sort());
    expect(readdirSync(`${pq.dir}/truth`).sort()).toEqual(["action_effects.parquet", "monthly.parquet", "subscribers.parquet", "world.json"]);
  });

  it("Parquet columns have the contract's names, order and types", async () => {
    await withDb(async (db) => {
      for (const t of TABLE_NAMES) {
        const cols = await db.describe(`SELECT * FROM read_parquet(${quoteLiteral(`${pq.dir}/${t}.parquet`)})`);
        expect(cols, t).toEqual(TABLES[t].columns.map((c) => ({ name: c.name, type: DUCKDB_TYPE[c.type] })));
      }
    });
  });

  it("CSV headers match, dates are YYYY-MM-DD, nulls are empty", () => {
    for (const t of TABLE_NAMES) {
      const lines = readFileSync(`${csv.dir}/${t}.csv`, "utf8").split("\n").slice(0, 2000);
      expect(lines[0], t).toBe(TABLES[t].columns.map((c) => c.name).join(","));
      const dateIdx = TABLES[t].columns.flatMap((c, i) => (c.type === "date" ? [i] : []));
      for (const line of lines.slice(1).filter((l) => l.length > 0)) {
        const cells = line.split(",");
        expect(cells.length, `${t}: ${line}`).toBe(TABLES[t].columns.length);
        for (const i of dateIdx) expect(cells[i], `${t}.${TABLES[t].columns[i]!.name}`).toMatch(/^(\d{4}-\d{2}-\d{2})?$/);
        expect(line).not.toMatch(/NULL|null|NaN/);
      }
    }
  });

  it("required values are present, enums and ranges hold, in both formats", async () => {
    for (const [dir, ext] of [
      [pq.dir, "parquet"],
      [csv.dir, "csv"],
    ] as const) {
      await withDb(async (db) => {
        for (const t of TABLE_NAMES) {
          const src = ext === "parquet" ? `read_parquet(${quoteLiteral(`${dir}/${t}.parquet`)})` : `read_csv(${quoteLiteral(`${dir}/${t}.csv`)}, header = true)`;
          await db.run(`CREATE VIEW ${t} AS SELECT * FROM ${src}`);
          for (const c of TABLES[t].columns) {
            const q = `"${c.name}"`;
            const bad = async (cond: string) => Number((await db.one(`SELECT count(*) AS n FROM ${t} WHERE ${cond}`))!["n"]);
            if (!c.nullable) expect(await bad(`${q} IS NULL`), `${t}.${c.name} nulls`).toBe(0);
            if (c.values) {
              const list = c.values.map((v) => quoteLiteral(v)).join(", ");
              expect(await bad(`${q} NOT IN (${list})`), `${t}.${c.name} enum`).toBe(0);
            }
            if (c.nonNegative) expect(await bad(`${q} < 0`), `${t}.${c.name} >= 0`).toBe(0);
            if (c.min !== undefined) expect(await bad(`${q} < ${c.min} OR ${q} > ${c.max}`), `${t}.${c.name} range`).toBe(0);
          }
        }
        await checkConsistency(db);
      });
    }
  });
});

async function checkConsistency(db: Db): Promise<void> {
  const n = async (sql: string) => Number((await db.one(sql))!["n"]);
  expect(await n("SELECT count(*) - count(DISTINCT subscriber_id) AS n FROM subscribers")).toBe(0);
  expect(await n("SELECT count(*) AS n FROM subscribers WHERE deactivation_date < activation_date")).toBe(0);
  // Fixed contracts have an end date, the others none.
  expect(await n("SELECT count(*) AS n FROM subscribers WHERE (contract_type LIKE 'fixed%') <> (contract_end_date IS NOT NULL)")).toBe(0);
  for (const [t, col] of [
    ["usage", "date"],
    ["complaints", "opened_at"],
    ["products", "start_date"],
    ["surveys", "date"],
    ["campaigns", "date"],
  ] as const) {
    const outside = await n(`SELECT count(*) AS n FROM ${t} e JOIN subscribers s USING (subscriber_id)
      WHERE e.${col} < s.activation_date OR e.${col} > coalesce(s.deactivation_date, DATE '9999-12-31')`);
    expect(outside, `${t}.${col} outside the active period`).toBe(0);
    expect(await n(`SELECT count(*) AS n FROM ${t} WHERE subscriber_id NOT IN (SELECT subscriber_id FROM subscribers)`)).toBe(0);
  }
  expect(await n("SELECT count(*) AS n FROM usage u JOIN subscribers s USING (subscriber_id) WHERE u.date >= s.deactivation_date")).toBe(0);
  expect(await n("SELECT count(*) AS n FROM billing WHERE day(month) <> 1")).toBe(0);
  expect(await n("SELECT count(*) AS n FROM complaints WHERE resolved_at < opened_at")).toBe(0);
  expect(await n("SELECT count(*) AS n FROM products WHERE end_date < start_date")).toBe(0);
  expect(await n("SELECT count(*) - count(DISTINCT (subscriber_id, date)) AS n FROM usage")).toBe(0);
  expect(await n(`SELECT count(*) AS n FROM campaigns WHERE action NOT IN (${ACTIONS.map((a) => `'${a}'`).join(", ")})`)).toBe(0);
  // Every active subscriber holds at least one product; leavers' products end on their last day.
  expect(await n("SELECT count(*) AS n FROM subscribers s WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.subscriber_id = s.subscriber_id)")).toBe(0);
  expect(await n("SELECT count(*) AS n FROM products p JOIN subscribers s USING (subscriber_id) WHERE s.deactivation_date IS NOT NULL AND p.end_date IS NULL")).toBe(0);
  // Rows come sorted by subscriber (usage by subscriber then date).
  expect(
    await n(`SELECT count(*) AS n FROM (SELECT subscriber_id, date, lag(subscriber_id) OVER () AS ps, lag(date) OVER () AS pd FROM usage)
      WHERE ps > subscriber_id OR (ps = subscriber_id AND pd >= date)`),
  ).toBe(0);
}
