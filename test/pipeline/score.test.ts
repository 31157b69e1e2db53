import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { InputDataError, QualityGateError, UsageError } from "../../src/errors.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { acquireLock, lockPathFor } from "../../src/io/lock.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { psi } from "../../src/monitoring/drift.js";
import { plannerReportDataFromRun, readRun } from "../../src/pipeline/run-dir.js";
import { monthStartAfter, simulateRun } from "../../src/pipeline/simulate.js";
import { evaluateRun } from "../../src/pipeline/evaluate.js";
import { quoteLiteral, withDb } from "../../src/io/duckdb.js";
import { generateWorld } from "../../src/synth/index.js";
import { runInProcess, STACK } from "../reliability/helpers.js";

const json = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;

// A failing filesystem for the write-stage fault test: writes of summary.json throw while `fault.on` is set.
// (A test-only seam: the production path has no fault hook.)
const fault = vi.hoisted(() => ({ on: false }));
vi.mock("../../src/io/files.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/io/files.js")>();
  return {
    ...real,
    writeJsonAtomic: (path: string, value: unknown) => {
      if (fault.on && path.endsWith("summary.json")) throw new Error(`injected write failure: ${path}`);
      return real.writeJsonAtomic(path, value);
    },
  };
});

let dir: string;
let world: string;
let models: string;
const base = defaultConfig();
// a small world: learn effects per value tier, from cells of at least 10 treated and 10 controls
const config = {
  ...base,
  retention: { ...base.retention, segments: { ...base.retention.segments, effectKey: ["value"] }, effects: { ...base.retention.effects, minGroupSize: 10 } },
};
const AS_OF = "2026-05-31";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "churn-score-"));
  world = join(dir, "world");
  await generateWorld({ subscribers: 2500, months: 9, seed: 3, format: "parquet", out: world });
  const feats = join(dir, "train.parquet");
  await buildFeatureTable({
    config,
    dir: world,
    asOf: parseAsOf({ range: "2025-12-31..2026-05-31", every: "1mo" }),
    horizon: parsePeriod("30d", "--horizon"),
    out: feats,
  });
  models = join(dir, "models");
  const input = await featureTrainingInput(feats, "30d");
  await trainAndRegister(input, { model: "logistic", seed: 1, calibration: "none", modelsDir: models, id: "lr" });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (out: string, extra: Partial<Parameters<typeof scoreRun>[0]> = {}) =>
  scoreRun({ model: join(models, "champion"), data: world, asOf: AS_OF, out, config, budget: 2000, allowDrift: true, ...extra });

describe("churn score", () => {
  it("writes a complete run whose counts reconcile, and re-runs byte-identically", async () => {
    const out = join(dir, "runs", "a");
    const r1 = await run(out);
    expect(r1.counts.reconciled).toBe(true);
    expect(r1.counts.in).toBe(2500);
    expect(r1.counts.scored + r1.counts.rejected).toBe(r1.counts.in);
    expect(r1.counts.rejected_by_reason["not_active_at_as_of"]).toBeGreaterThan(0);
    expect(Object.values(r1.counts.per_band).reduce((a, b) => a + b, 0)).toBe(r1.counts.scored);
    expect(Object.values(r1.counts.per_action).reduce((a, b) => a + b, 0)).toBe(r1.counts.scored);
    expect(r1.budgetUsed).toBeLessThanOrEqual(2000);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["call_lists", "contacts.csv", "manifest.json", "rejects.csv", "report.html", "risk_list.csv", "risk_list.parquet", "scores.parquet", "summary.json"]);
    const csv = readFileSync(join(out, "risk_list.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe(
      "rank,subscriber_id,probability,band,segment,value_tier,arpu,customer_value,value_at_risk,action,action_cost,expected_net_value,selected,group,channel,reason_1,reason_2,reason_3,preferred_channel",
    );
    expect(csv.length - 1).toBe(r1.counts.scored);
    const rejects = readFileSync(join(out, "rejects.csv"), "utf8").trim().split("\n");
    expect(rejects.filter((l) => l.includes("not_active_at_as_of")).length).toBe(r1.counts.rejected_by_reason["not_active_at_as_of"]);
    const { manifest } = await readRun(out);
    expect(manifest.effects.source).toBe("learned");

    // every file, those in call_lists/ too
    const all = [...files.filter((f) => f !== "call_lists"), ...readdirSync(join(out, "call_lists")).map((f) => join("call_lists", f))];
    expect(all.some((f) => f.startsWith("call_lists"))).toBe(true);
    const before = Object.fromEntries(all.map((f) => [f, readFileSync(join(out, f))]));
    await run(out);
    for (const f of all) {
      if (f === "manifest.json") continue;
      expect(readFileSync(join(out, f)).equals(before[f]!), f).toBe(true);
    }
    const m2 = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const m1 = JSON.parse(before["manifest.json"]!.toString());
    for (const m of [m1, m2]) {
      delete m.created_at;
      delete m.durations;
    }
    expect(m2).toEqual(m1);
  }, 120_000);

  it("reads a run back for the planner report and simulates it against the baselines", async () => {
    const out = join(dir, "runs", "a");
    const data = await plannerReportDataFromRun(out);
    expect(data.kind).toBe("planner-report");
    expect(data.top.length).toBeGreaterThan(0);
    expect(data.top[0]!.reasons.length).toBeGreaterThan(0);
    const sim = await simulateRun({ plan: out, truth: join(world, "truth"), config });
    for (const k of ["plan", "random", "top_risk_first", "best_per_segment"] as const) {
      expect(Object.keys(sim[k])).toEqual(expect.arrayContaining(["contacts", "cost", "churners_saved", "revenue_saved"]));
      expect(sim[k].cost).toBeLessThanOrEqual(sim.plan.cost + 1e-6);
    }
    expect(sim.plan.contacts).toBeGreaterThan(0);
    for (const k of ["plan", "random", "top_risk_first", "best_per_segment", "oracle"] as const) expect(sim[k].net_value).toBeCloseTo(sim[k].revenue_saved - sim[k].cost, 1);
    // the oracle buys with the true effects: never a harmful contact, never a loss, within the run's budget,
    // and at least what the plan gets
    expect(sim.oracle.harmful_contacts).toBe(0);
    expect(sim.oracle.net_value).toBeGreaterThan(0);
    expect(sim.oracle.net_value).toBeGreaterThanOrEqual(sim.plan.net_value);
    if (sim.oracle.budget !== null) expect(sim.oracle.cost).toBeLessThanOrEqual(sim.oracle.budget + 1e-6);
    expect(sim.plan_share_of_oracle).toBeCloseTo(sim.plan.net_value / sim.oracle.net_value, 3);
    // what each bought, per action: the contacts and the net values add up to the totals
    for (const k of ["plan", "oracle"] as const) {
      const by = Object.values(sim[k].by_action);
      expect(by.reduce((t, e) => t + e.contacts, 0)).toBe(sim[k].contacts);
      expect(by.reduce((t, e) => t + e.net_value, 0)).toBeCloseTo(sim[k].net_value, 0);
      const nets = by.map((e) => e.net_value);
      expect(nets).toEqual([...nets].sort((a, b) => b - a));
    }
    // --truth WORLD (the world's folder, not its truth/) reads the same truth
    expect(await simulateRun({ plan: out, truth: world, config })).toEqual(sim);
    // the baselines never use an action this run's campaigns show raising churn (treated churn above control)
    const { summary } = await readRun(out);
    const pooled = new Map<string, { nT: number; cT: number; nC: number; cC: number }>();
    for (const c of summary.effects.cells) {
      if (!(c.n_treat > 0 && c.n_control > 0)) continue;
      const p = pooled.get(c.action) ?? { nT: 0, cT: 0, nC: 0, cC: 0 };
      p.nT += c.n_treat;
      p.cT += c.n_treat * c.churn_treat!;
      p.nC += c.n_control;
      p.cC += c.n_control * c.churn_control!;
      pooled.set(c.action, p);
    }
    const raising = [...pooled].filter(([, p]) => p.cT / p.nT > p.cC / p.nC).map(([a]) => a);
    expect(raising.length).toBeGreaterThan(0);
    expect(sim.top_risk_first.excluded.map((e) => e.action)).toEqual(expect.arrayContaining(raising));
    for (const a of [sim.top_risk_first.action, ...Object.keys(sim.best_per_segment.actions)]) expect(raising).not.toContain(a);
    expect(sim.top_risk_first.contacts).toBeGreaterThan(0);
    // the run's expected churners, against what churn evaluate finds happened and against the world's truth
    const ev = await evaluateRun({ runDir: out, dataDir: world, config, modelsDir: models });
    const truth = await withDb((db) =>
      db.one(
        `SELECT sum(s.probability) AS expected, sum(m.p_churn_30d) AS true_expected, count(*) FILTER (WHERE m.churned_30d) AS churned
         FROM read_parquet(${quoteLiteral(join(out, "scores.parquet"))}) s
         JOIN read_parquet(${quoteLiteral(join(world, "truth", "monthly.parquet"))}) m ON m.subscriber_id = s.subscriber_id AND m.month_start = DATE '2026-06-01'`,
      ),
    );
    expect(ev.expectedChurners).toBeCloseTo(Number(truth!["expected"]), 1);
    expect(summary.expectedChurners).toBeCloseTo(Number(truth!["expected"]), 1);
    expect(ev.churned).toBe(Number(truth!["churned"]));
    expect(ev.expectedByBand.reduce((a, b) => a + b.expected, 0)).toBeCloseTo(ev.expectedChurners, 1);
    expect(monthStartAfter("2026-05-31")).toBe("2026-06-01");
    expect(monthStartAfter("2026-05-15")).toBe("2026-06-01");
  }, 60_000);

  it("a damaged run is refused by readRun", async () => {
    const out = join(dir, "runs", "a");
    const p = join(out, "summary.json");
    const text = readFileSync(p, "utf8");
    writeFileSync(p, `${text} `);
    await expect(readRun(out)).rejects.toThrow(/checksum/);
    writeFileSync(p, text);
  });

  it("a population shift is a warning (exit 4 only with scoring.stopOnShift); broken input stops the run (exit 4) and writes nothing", async () => {
    const out = join(dir, "shift", "drift");
    const strict = { ...config, scoring: { ...config.scoring, driftFail: 0.0001, driftWarn: 0.00005 } };
    // an early month: its population differs from the pooled training rows, but the input is fine
    const warned = await run(out, { config: strict, allowDrift: false, asOf: "2025-12-31" });
    expect(warned.drift.alerts.length).toBeGreaterThan(0);
    expect(warned.integrity).toEqual({ checked: true, failures: [], allowed: false });
    const stopped = join(dir, "shift", "stopped");
    const e = await run(stopped, { config: { ...strict, scoring: { ...strict.scoring, stopOnShift: true } }, allowDrift: false, asOf: "2025-12-31" }).catch((x) => x);
    expect(e).toBeInstanceOf(QualityGateError);
    expect(e.exitCode).toBe(4);
    expect(existsSync(stopped)).toBe(false);

    // a broken export: usage.data_mb in KB instead of MB
    const broken = join(dir, "broken");
    cpSync(world, broken, { recursive: true });
    await withDb((db) => db.run(`COPY (SELECT * REPLACE (data_mb * 1000 AS data_mb) FROM '${world}/usage.parquet') TO '${broken}/usage.parquet' (FORMAT parquet)`));
    const bout = join(dir, "shift", "broken");
    const b = await run(bout, { data: broken, allowDrift: false }).catch((x) => x);
    expect(b).toBeInstanceOf(QualityGateError);
    expect(b.message).toContain("the input looks broken (compared with the model's");
    expect(b.message).toMatch(/data_mb_per_day_30d its values are about \d[\d,]* times those in training .*a change of units\?/);
    expect(existsSync(bout)).toBe(false);
    expect(readdirSync(join(dir, "shift")).some((n) => n.startsWith("broken"))).toBe(false);
    const allowed = await run(bout, { data: broken, allowDrift: true });
    expect(allowed.integrity?.allowed).toBe(true);
    expect(allowed.integrity?.failures.map((f) => f.kind)).toContain("scale");
  }, 180_000);

  it("a failure during the write leaves no complete-looking run and keeps the earlier one", async () => {
    const out = join(dir, "runs", "a");
    const before = readFileSync(join(out, "manifest.json"));
    fault.on = true;
    try {
      await expect(run(out)).rejects.toThrow(/injected write failure/);
    } finally {
      fault.on = false;
    }
    expect(readFileSync(join(out, "manifest.json")).equals(before)).toBe(true);
    expect(readdirSync(join(dir, "runs")).filter((n) => n.includes(".tmp-"))).toEqual([]);
    const fresh = join(dir, "runs", "fresh");
    fault.on = true;
    try {
      await expect(run(fresh)).rejects.toThrow(/injected write failure/);
    } finally {
      fault.on = false;
    }
    expect(existsSync(fresh)).toBe(false);
  }, 60_000);

  it("refuses a second run on a locked output (exit 2) and takes over a stale lock", async () => {
    const out = join(dir, "runs", "locked");
    const lock = await acquireLock(out, 0);
    const e = await run(out, { wait: 0.3 }).catch((x) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    lock.release();
    expect(existsSync(lockPathFor(out))).toBe(false);
    // a lock left by a dead process is taken over
    writeFileSync(lockPathFor(out), JSON.stringify({ pid: 2 ** 22 + 12345, started: "x", host: (await import("node:os")).hostname() }));
    const l2 = await acquireLock(out, 0);
    l2.release();
    // so is a lock file a crash left half-written (not JSON, or no pid)
    for (const garbage of ['{"pid": ', JSON.stringify({ started: "x" })]) {
      writeFileSync(lockPathFor(out), garbage);
      (await acquireLock(out, 0)).release();
    }
    expect(existsSync(lockPathFor(out))).toBe(false);
  });

  it("scores a feature table with prior effects", async () => {
    const out = join(dir, "runs", "feat");
    const r = await scoreRun({ model: join(models, "lr"), features: join(dir, "train.parquet"), out, config, allowDrift: true });
    expect(r.asOf).toBe("2026-05-31");
    expect(r.effects.source).toBe("prior");
    expect(r.counts.reconciled).toBe(true);
  }, 60_000);

  it("refuses a hand-edited or damaged run folder with exit 3 naming the file and the field", async () => {
    const runs = join(dir, "hostile-runs");
    const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
    const cases: { name: string; edit: (d: string) => void; says: string[] }[] = [
      { name: "manifest-not-json", edit: (d) => writeFileSync(join(d, "manifest.json"), "{ not json"), says: ["manifest.json is not valid JSON"] },
      {
        name: "manifest-count",
        edit: (d) => {
          const m = json(join(d, "manifest.json")) as { counts: Record<string, unknown> };
          m.counts["in"] = -3;
          writeFileSync(join(d, "manifest.json"), JSON.stringify(m));
        },
        says: ["manifest.json field counts.in is -3"],
      },
      {
        name: "summary-probability",
        edit: (d) => {
          const sp = join(d, "summary.json");
          const sum = json(sp) as { top: Record<string, unknown>[] };
          sum.top[0]!["probability"] = "high";
          writeFileSync(sp, JSON.stringify(sum));
          const m = json(join(d, "manifest.json")) as { files: Record<string, string> };
          m.files["summary.json"] = sha(sp);
          writeFileSync(join(d, "manifest.json"), JSON.stringify(m));
        },
        says: ["summary.json field top.0.probability is \"high\""],
      },
      { name: "summary-missing", edit: (d) => rmSync(join(d, "summary.json")), says: ["summary.json is missing"] },
    ];
    for (const c of cases) {
      const d = join(runs, c.name);
      cpSync(join(dir, "runs", "a"), d, { recursive: true });
      c.edit(d);
      const e = await readRun(d).catch((x: unknown) => x);
      expect(e, c.name).toBeInstanceOf(InputDataError);
      for (const t of c.says) expect((e as Error).message, c.name).toContain(`${d}/${t}`);
      const r = await runInProcess(["report", "--run", d, "--format", "json"]);
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(3);
      expect(r.stderr).not.toMatch(STACK);
    }
    // an unreadable evaluation.json is left out of the report; the run itself still reads (in a folder of its own:
    // the report would otherwise show the evaluation of an earlier run beside it)
    const d = join(dir, "evaluation-runs", "evaluation");
    cpSync(join(dir, "runs", "a"), d, { recursive: true });
    writeFileSync(join(d, "evaluation.json"), JSON.stringify({ runId: 7 }));
    expect((await plannerReportDataFromRun(d)).outcome).toBeUndefined();
  }, 60_000);
});

describe("psi", () => {
  it("is 0 for equal distributions and grows with the shift", () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    const small = psi([0.55, 0.45], [0.5, 0.5]);
    const big = psi([0.9, 0.1], [0.5, 0.5]);
    expect(small).toBeGreaterThan(0);
    expect(big).toBeGreaterThan(small);
    // hand-worked: (0.9-0.5) ln(1.8) + (0.1-0.5) ln(0.2)
    expect(big).toBeCloseTo(0.4 * Math.log(1.8) + -0.4 * Math.log(0.2), 10);
  });
});
