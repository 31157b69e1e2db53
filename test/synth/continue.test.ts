import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputDataError } from "../../src/errors.js";
import { withDb } from "../../src/io/duckdb.js";
import { msg } from "../../src/messages.js";
import { continueWorld } from "../../src/synth/continue.js";
import { generateWorld } from "../../src/synth/generate.js";

const root = mkdtempSync(join(tmpdir(), "churn-continue-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const q = (sql: string) => withDb((db) => db.all(sql));
const count = async (sql: string) => Number((await q(`SELECT count(*) AS n FROM (${sql})`))[0]?.["n"]);

/** Rows of `table` in `a` up to `day` that are not in `b` (and the reverse), by every column. */
async function pastDiff(a: string, b: string, table: string, dateCol: string, day: string): Promise<number> {
  const x = `SELECT * FROM '${a}/${table}.parquet' WHERE ${dateCol} <= '${day}'`;
  const y = `SELECT * FROM '${b}/${table}.parquet' WHERE ${dateCol} <= '${day}'`;
  return (await count(`${x} EXCEPT ALL ${y}`)) + (await count(`${y} EXCEPT ALL ${x}`));
}

describe("churn generate --continue", () => {
  const base = join(root, "base");
  const contacts = join(root, "contacts.csv");
  let treated: string[] = [];
  let held: string[] = [];

  it("continues a world by a month: the past is unchanged, the contacts' true effects apply to treatment only", async () => {
    await generateWorld({ subscribers: 600, months: 3, seed: 21, format: "parquet", out: base, campaigns: false });
    const ids = (await q(`SELECT subscriber_id FROM '${base}/subscribers.parquet' WHERE deactivation_date IS NULL ORDER BY subscriber_id LIMIT 200`)).map((r) => String(r["subscriber_id"]));
    treated = ids.slice(0, 100);
    held = ids.slice(100, 200);
    const rows = [...treated.map((id) => `${id},2026-07-01,price_incentive,treatment`), ...held.map((id) => `${id},2026-07-01,price_incentive,control`)];
    writeFileSync(contacts, `subscriber_id,date,action,group\n${rows.join("\n")}\n`);

    const withContacts = join(root, "with");
    const without = join(root, "without");
    cpSync(base, withContacts, { recursive: true });
    cpSync(base, without, { recursive: true });
    const r = await continueWorld({ world: withContacts, contacts: [contacts], months: 1 });
    await continueWorld({ world: without, months: 1 });
    expect(r.added).toEqual({ from: "2026-07-01", to: "2026-07-31" });
    expect(r.contacts).toEqual({ treatment: 100, control: 100, reached: 100 });

    // the generated months are exactly as before
    for (const [t, col] of [["usage", "date"], ["billing", "month"], ["surveys", "date"], ["campaigns", "date"]] as const) {
      expect(await pastDiff(base, withContacts, t, col, "2026-06-30")).toBe(0);
    }
    expect(await count(`SELECT subscriber_id, opened_at, category FROM '${base}/complaints.parquet' EXCEPT ALL SELECT subscriber_id, opened_at, category FROM '${withContacts}/complaints.parquet' WHERE opened_at <= '2026-06-30'`)).toBe(0);
    // a month of usage and new arrivals were added
    expect(String((await q(`SELECT CAST(max(date) AS VARCHAR) AS d FROM '${withContacts}/usage.parquet'`))[0]?.["d"])).toBe("2026-07-31");
    expect(await count(`SELECT * FROM '${withContacts}/subscribers.parquet' WHERE activation_date > '2026-06-30'`)).toBeGreaterThan(0);

    // truth at 2026-08-01: treated subscribers' probabilities carry the effect (in force 60 days), controls' do not
    const p = (dir: string, ids: string[]) =>
      q(`SELECT subscriber_id, p_churn_30d FROM '${dir}/truth/monthly.parquet' WHERE month_start = '2026-08-01' AND subscriber_id IN (${ids.map((i) => `'${i}'`).join(",")}) ORDER BY 1`);
    // no month start 2026-08-01 yet: continue both once more (no new contacts)
    await continueWorld({ world: withContacts, months: 1 });
    await continueWorld({ world: without, months: 1 });
    const heldWith = await p(withContacts, held);
    const heldWithout = await p(without, held);
    expect(heldWith.length).toBeGreaterThan(50);
    expect(heldWith).toEqual(heldWithout);
    const tw = new Map((await p(withContacts, treated)).map((x) => [String(x["subscriber_id"]), Number(x["p_churn_30d"])]));
    const two = new Map((await p(without, treated)).map((x) => [String(x["subscriber_id"]), Number(x["p_churn_30d"])]));
    const changed = [...tw.keys()].filter((k) => two.has(k) && Math.abs(tw.get(k)! - two.get(k)!) > 1e-12);
    expect(changed.length).toBeGreaterThan(30);

    const applied = await q(`SELECT "group", count(*) AS n, count(*) FILTER (WHERE active) AS active FROM '${withContacts}/truth/applied_contacts.parquet' GROUP BY 1 ORDER BY 1`);
    expect(applied.map((a) => [a["group"], Number(a["n"])])).toEqual([["control", 100], ["treatment", 100]]);
    const world = JSON.parse(readFileSync(join(withContacts, "truth/world.json"), "utf8"));
    expect(world.generator).toMatchObject({ subscribers: 600, months: 3, seed: 21, campaigns: false, continued_months: 2 });
  }, 120_000);

  it("two one-month continuations give the same world as one two-month continuation", async () => {
    const twice = join(root, "without");
    const once = join(root, "once");
    cpSync(base, once, { recursive: true });
    await continueWorld({ world: once, months: 2 });
    for (const t of ["subscribers", "usage", "billing", "complaints", "products", "surveys"]) {
      expect(readFileSync(join(once, `${t}.parquet`)).equals(readFileSync(join(twice, `${t}.parquet`)))).toBe(true);
    }
  }, 60_000);

  it("refuses contacts outside the added month, of unknown subscribers, or of unknown actions (exit 3, nothing changed)", async () => {
    const w = join(root, "errors");
    cpSync(base, w, { recursive: true });
    const before = readFileSync(join(w, "usage.parquet"));
    const bad = join(root, "bad.csv");
    const cases: [string, string][] = [
      [`${treated[0]},2026-06-15,care_call,treatment`, msg.continueContactDate(bad, 1, "2026-06-15", "2026-07-01", "2026-07-31")],
      [`S9999999,2026-07-01,care_call,treatment`, msg.continueUnknownSubscriber(bad, 1, "S9999999")],
      [`${treated[0]},2026-07-01,free_pizza,treatment`, msg.continueUnknownAction(bad, 1, "free_pizza", ["price_incentive"]).split(" (actions")[0]!],
      [`${treated[0]},2026-07-01,care_call,maybe`, msg.contactsBadValue(bad, 1, "group", "maybe", "treatment or control")],
    ];
    for (const [row, message] of cases) {
      writeFileSync(bad, `subscriber_id,date,action,group\n${row}\n`);
      const e = await continueWorld({ world: w, contacts: [bad], months: 1 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputDataError);
      expect((e as Error).message).toContain(message);
    }
    expect(readFileSync(join(w, "usage.parquet")).equals(before)).toBe(true);
    const notWorld = await continueWorld({ world: root, months: 1 }).catch((x: unknown) => x);
    expect((notWorld as Error).message).toBe(msg.continueNotAWorld(root));
  }, 60_000);
});
