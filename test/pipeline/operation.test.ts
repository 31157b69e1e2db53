/**
 * Night after night in one runs folder: contact rules, the period budget's ledger, the holdout, the contacts log
 * and learning from it, checked from the files the runs wrote (not from their summaries).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../../src/config/schema.js";
import { InputDataError } from "../../src/errors.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { type ContactRow, parseContactsCsv } from "../../src/io/contacts-log.js";
import { msg } from "../../src/messages.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { evaluateRun } from "../../src/pipeline/evaluate.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { simulateRun } from "../../src/pipeline/simulate.js";
import { generateWorld } from "../../src/synth/index.js";

let dir: string;
let world: string;
let models: string;
let runs: string;
const dnc = ["S0000002", "S0000003", "S0000005", "S0000007", "S0000011"];

function configWith(amount: number): Config {
  const base = defaultConfig();
  return {
    ...base,
    retention: {
      ...base.retention,
      segments: { ...base.retention.segments, effectKey: ["value"] },
      effects: { ...base.retention.effects, horizonDays: 25, minGroupSize: 5 },
      periodBudget: { amount, period: "month" },
      contactRules: { ...base.retention.contactRules, cooldownDays: 30, doNotContact: join(dir, "dnc.csv") },
      holdout: { share: 0.2 },
    },
  };
}

const contactsOf = (run: string): ContactRow[] => parseContactsCsv(readFileSync(join(runs, run, "contacts.csv"), "utf8"), run);
const riskList = (run: string) => {
  const [head, ...lines] = readFileSync(join(runs, run, "risk_list.csv"), "utf8").trim().split("\n");
  const cols = head!.split(",");
  return lines.map((l) => {
    const f = l.split(",");
    return { id: f[cols.indexOf("subscriber_id")]!, selected: f[cols.indexOf("selected")] === "yes", group: f[cols.indexOf("group")]!, action: f[cols.indexOf("action")]! };
  });
};
const ledger = () => JSON.parse(readFileSync(join(runs, "budget_ledger.json"), "utf8")) as { entries: { run_id: string; period: string; spent: number; contacts: number }[] };
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "churn-operation-"));
  world = join(dir, "world");
  runs = join(dir, "runs");
  writeFileSync(join(dir, "dnc.csv"), `subscriber_id\n${dnc.join("\n")}\n`);
  await generateWorld({ subscribers: 1500, months: 6, seed: 12, format: "parquet", out: world, campaigns: false });
  const feats = join(dir, "train.parquet");
  await buildFeatureTable({ config: defaultConfig(), dir: world, asOf: parseAsOf({ range: "2026-02-28..2026-04-30", every: "1mo" }), horizon: parsePeriod("30d", "--horizon"), out: feats });
  models = join(dir, "models");
  await trainAndRegister(await featureTrainingInput(feats, "30d"), { model: "logistic", seed: 1, calibration: "none", modelsDir: models, id: "lr" });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const score = (asOf: string, config: Config) => scoreRun({ model: join(models, "lr"), data: world, asOf, out: join(runs, asOf), config });

describe("nightly operation in one runs folder", () => {
  it("night 1: a holdout per action, nobody on the do-not-contact list, spend within the period budget, recorded in the ledger and the log", async () => {
    const r = await score("2026-05-31", configWith(150));
    const contacts = contactsOf("2026-05-31");
    const selected = riskList("2026-05-31").filter((x) => x.selected);
    expect(contacts.length).toBe(selected.length);
    const byId = new Map(contacts.map((c) => [c.subscriber_id, c]));
    for (const s of selected) expect([byId.get(s.id)?.action, byId.get(s.id)?.group]).toEqual([s.action, s.group]);
    const treated = contacts.filter((c) => c.group === "treatment");
    const held = contacts.filter((c) => c.group === "control");
    expect(held.length).toBeGreaterThan(0);
    for (const a of new Set(contacts.map((c) => c.action))) {
      const n = contacts.filter((c) => c.action === a).length;
      expect(held.filter((c) => c.action === a).length).toBe(Math.round(0.2 * n));
    }
    expect(treated.some((c) => dnc.includes(c.subscriber_id))).toBe(false);
    expect(contacts.every((c) => c.date === "2026-06-01" && c.run_id === "2026-05-31")).toBe(true);
    const spent = treated.reduce((t, c) => t + c.cost, 0);
    expect(spent).toBeLessThanOrEqual(150);
    expect(held.every((c) => c.cost === 0)).toBe(true);
    expect(ledger().entries).toEqual([{ run_id: "2026-05-31", as_of: "2026-05-31", period: "2026-06", budget: 150, spent: r.budgetUsed, contacts: treated.length }]);
    expect(r.budgetUsed).toBeCloseTo(spent, 1);
    expect(r.periodBudget).toMatchObject({ period: "2026-06", amount: 150, spent: 0, committed: r.budgetUsed });
    const log = parseContactsCsv(readFileSync(join(runs, "contacts_log.csv"), "utf8"), "log");
    const bySub = (rows: ContactRow[]) => [...rows].sort((a, b) => (a.subscriber_id < b.subscriber_id ? -1 : 1));
    expect(bySub(log)).toEqual(bySub(contacts));
    // the simulation leaves the holdout out: they were not contacted
    const sim = await simulateRun({ plan: join(runs, "2026-05-31"), truth: join(world, "truth"), config: configWith(150) });
    expect(sim.plan.contacts).toBe(treated.length);
  }, 180_000);

  it("night 2 in the same month: only what is left of the budget, no one contacted again within the cooldown, the holdout kept out", async () => {
    const r = await score("2026-06-10", configWith(150));
    const first = contactsOf("2026-05-31");
    const second = contactsOf("2026-06-10");
    const before = new Set(first.map((c) => c.subscriber_id));
    expect(second.some((c) => before.has(c.subscriber_id))).toBe(false);
    expect(r.contacts?.excluded.cooldown).toBeGreaterThan(0);
    expect(r.contacts?.excluded.holdout).toBeGreaterThan(0);
    const spent1 = ledger().entries.find((e) => e.run_id === "2026-05-31")!.spent;
    expect(r.budget).toBeCloseTo(150 - spent1, 2);
    expect(r.budgetUsed + spent1).toBeLessThanOrEqual(150 + 1e-9);
    expect(r.periodBudget).toMatchObject({ period: "2026-06", spent: spent1, committed: r.budgetUsed });
    const summary = JSON.parse(readFileSync(join(runs, "2026-06-10", "summary.json"), "utf8"));
    expect(summary.contactRules.excluded.cooldown).toBe(r.contacts?.excluded.cooldown);
    expect(summary.periodBudget.remaining).toBeCloseTo(150 - spent1 - r.budgetUsed, 2);
    expect(readFileSync(join(runs, "2026-06-10", "report.html"), "utf8")).toContain("Contact rules and holdout");
  }, 120_000);

  it("re-running a night replaces its spend and contacts, never adds; a run missing from the log is back-filled", async () => {
    const entries = ledger().entries;
    const logBefore = readFileSync(join(runs, "contacts_log.csv"), "utf8");
    await score("2026-06-10", configWith(150));
    expect(ledger().entries).toEqual(entries);
    expect(readFileSync(join(runs, "contacts_log.csv"), "utf8")).toBe(logBefore);
    // a run killed between its commit and its record: its rows are not in the log
    const lines = logBefore.trim().split("\n");
    writeFileSync(join(runs, "contacts_log.csv"), `${lines.filter((l) => !l.includes(",2026-06-10,")).join("\n")}\n`);
    await score("2026-06-20", configWith(150));
    const log = parseContactsCsv(readFileSync(join(runs, "contacts_log.csv"), "utf8"), "log");
    const bySub = (rows: ContactRow[]) => [...rows].sort((a, b) => (a.subscriber_id < b.subscriber_id ? -1 : 1));
    expect(bySub(log.filter((c) => c.run_id === "2026-06-10"))).toEqual(bySub(contactsOf("2026-06-10")));
    // the whole month's spend stays within the period budget
    const june = ledger().entries.filter((e) => e.period === "2026-06");
    expect(june.map((e) => e.run_id)).toEqual(["2026-05-31", "2026-06-10", "2026-06-20"]);
    expect(june.reduce((t, e) => t + e.spent, 0)).toBeLessThanOrEqual(150 + 1e-9);
    // and nobody was contacted twice within 30 days, from the contacts files
    const treated = log.filter((c) => c.group === "treatment");
    for (const c of treated) for (const d of treated) if (c !== d && c.subscriber_id === d.subscriber_id) expect(Math.abs(day(c.date) - day(d.date))).toBeGreaterThanOrEqual(30);
  }, 180_000);

  it("a hand-edited ledger stops the next run with exit 3 naming the file; nothing is written", async () => {
    const path = join(runs, "budget_ledger.json");
    const good = readFileSync(path, "utf8");
    writeFileSync(path, good.replace(/"spent": [\d.]+/, '"spent": 0'));
    const e = await score("2026-06-25", configWith(150)).catch((x) => x);
    expect(e).toBeInstanceOf(InputDataError);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(msg.ledgerEdited(path));
    expect(existsSync(join(runs, "2026-06-25"))).toBe(false);
    writeFileSync(path, good);
  }, 120_000);

  it("learns effects from its own holdouts once their horizon has passed, and evaluate reports each action's realised effect", async () => {
    // July's budget: a new period; the contacts of 2026-06-01 are 29 days old by 2026-06-30 (horizon 25 days)
    const r = await score("2026-06-30", configWith(150));
    expect(r.effects.source).toBe("learned");
    expect(r.effects.note).toMatch(/Effects learned from \d+ campaign contacts/);
    expect(r.periodBudget).toMatchObject({ period: "2026-07", spent: 0 });
    const ev = await evaluateRun({ runDir: join(runs, "2026-05-31"), dataDir: world, config: configWith(150), horizon: "29d" });
    const first = contactsOf("2026-05-31");
    const effects = ev.realisedEffects ?? [];
    expect(effects.length).toBeGreaterThan(0);
    for (const e of effects) expect(e.treated + e.control).toBeLessThanOrEqual(first.filter((c) => c.action === e.action).length);
    expect(effects.some((e) => e.control > 0 && e.effect !== null)).toBe(true);
  }, 180_000);
});
