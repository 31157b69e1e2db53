#!/usr/bin/env node
/**
 * The retention loop on a generated world, month after month, as an operator runs it: every step is the real
 * `churn` command (node dist/cli/main.js), and the checks read the run folders, not the summaries.
 *
 *   npm run bench:operate -- --months 6 --subscribers 20000 --seed 1 [--json] [--budget 4000] [--out DIR]
 *
 * Start: a world with no campaign history (generate --no-campaigns, 12 months ending 2026-06-30), a logistic model
 * trained on its monthly snapshots, a do-not-contact list (2% of subscribers), and a config with a monthly period
 * budget, a 60-day cooldown, a 10% holdout and effects measured over 30 days (the model's horizon). Then, each
 * month (as-of = the world's last day):
 *   validate → score under the period budget (features, drift and integrity gate, effects learned from the
 *   contacts log, contact rules, holdout) → continue the world one month with the run's contacts (true effects
 *   applied to the contacted subscribers, not to the holdout) → simulate the run against the truth (true revenue
 *   saved, and top-risk-first's at the same spend) → evaluate the run (realised effect per action)
 * In month 4 a copy of the data gets a broken export (by seed: usage.data_mb x 1000, voice_minutes and data_mb
 * swapped, data_mb all 0) and is scored beside the real run into a separate runs folder: the gate must stop it.
 * In month 3 the night is run twice: the ledger and the contacts log must hold it once.
 *
 * Prints a table per month, or with --json one object:
 *   {"months": [{month, drift_tripped, contacts, holdout, spend, budget, effects_learned, revenue_saved,
 *     top_risk_first_revenue_saved, completed, ...}], "broken_export_tripped", "violations", "reconciled", ...}
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(ROOT, "dist", "cli", "main.js");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const MONTHS = Number(opt("months", "6"));
const N = Number(opt("subscribers", "20000"));
const SEED = Number(opt("seed", "1"));
const JSON_OUT = args.includes("--json");
const BUDGET = Number(opt("budget", String(Math.round(N / 5))));
const COOLDOWN = 60;
const HOLDOUT = 0.1;
const EFFECT_DAYS = 30;
const BREAK_MONTH = 4;
const RERUN_MONTH = 3;
const out = resolve(opt("out", join(ROOT, "out", "bench", "operate", `seed-${SEED}`)));

const log = (s) => process.stderr.write(`${s}\n`);
const t0 = Date.now();

/** `churn ...` as a child process; { code, stdout, stderr, json }. */
function churn(argv, { json = false } = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...argv, ...(json ? ["--json"] : []), "--quiet"], {
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC" },
    maxBuffer: 1 << 28,
  });
  let parsed;
  if (json && r.status === 0) {
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      parsed = undefined;
    }
  }
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", json: parsed };
}

function must(r, what) {
  if (r.code !== 0) {
    log(`bench:operate: ${what} exited ${r.code}\n${r.stderr}`);
    process.exit(1);
  }
  return r;
}

const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));
function readCsv(p) {
  if (!existsSync(p)) return [];
  const lines = readFileSync(p, "utf8").split("\n").filter(Boolean);
  const header = lines[0].split(",");
  return lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v])));
}
const day = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
const iso = (d) => new Date(d * 86_400_000).toISOString().slice(0, 10);
const monthEnd = (d) => {
  const x = new Date(d * 86_400_000);
  return day(new Date(Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + 1, 0)).toISOString().slice(0, 10));
};

// --- start: world, model, do-not-contact list, config -----------------------------------------------------
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const world = join(out, "world");
const runs = join(out, "runs");
log(`bench:operate: seed ${SEED}, ${N} subscribers, ${MONTHS} months, period budget ${BUDGET}/month -> ${out}`);
must(churn(["generate", "--subscribers", String(N), "--months", "12", "--seed", String(SEED), "--no-campaigns", "--format", "parquet", "--out", world]), "generate");
must(churn(["features", "--data", world, "--as-of-range", "2025-07-31..2026-05-31", "--every", "1mo", "--horizon", "30d", "--out", join(out, "train.parquet")]), "features");
must(churn(["train", "--features", join(out, "train.parquet"), "--model", "logistic", "--out", join(out, "models"), "--model-id", "operate", "--promote", "--seed", String(SEED)]), "train");

// 2% of the subscribers on the do-not-contact list (every 50th id, shifted by the seed)
const dnc = [];
for (let i = SEED % 50; i < N; i += 50) dnc.push(`S${String(i + 1).padStart(7, "0")}`);
const dncFile = join(out, "do_not_contact.csv");
writeFileSync(dncFile, `subscriber_id\n${dnc.join("\n")}\n`);
const config = join(out, "churn.config.yaml");
writeFileSync(
  config,
  [
    `seed: ${SEED}`,
    "retention:",
    `  periodBudget: { amount: ${BUDGET}, period: month }`,
    "  contactRules:",
    `    cooldownDays: ${COOLDOWN}`,
    `    doNotContact: ${JSON.stringify(dncFile)}`,
    `  holdout: { share: ${HOLDOUT} }`,
    // the model predicts churn within 30 days: effects are measured over the same 30 days, so a month's contacts
    // (and their holdout) are learned from by the next monthly run
    `  effects: { horizonDays: ${EFFECT_DAYS} }`,
    "",
  ].join("\n"),
);

/** A broken copy of the world's tables (truth left out): the kind depends on the seed. */
function breakExport(to) {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(world)) if (f.endsWith(".parquet")) cpSync(join(world, f), join(to, f));
  const kind = ["data_mb x 1000 (units)", "voice_minutes and data_mb swapped", "data_mb all 0"][(SEED - 1) % 3];
  const replace = [
    "data_mb * 1000 AS data_mb",
    "CAST(data_mb AS DOUBLE) AS voice_minutes, CAST(voice_minutes AS DOUBLE) AS data_mb",
    "CAST(0 AS DOUBLE) AS data_mb",
  ][(SEED - 1) % 3];
  const sql = `COPY (SELECT * REPLACE (${replace}) FROM read_parquet('${join(world, "usage.parquet")}')) TO '${join(to, "usage.parquet")}' (FORMAT parquet)`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import { DuckDBInstance } from "@duckdb/node-api"; const c = await (await DuckDBInstance.create(":memory:")).connect(); await c.run(${JSON.stringify(sql)});`], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`breaking the export failed: ${r.stderr}`);
  return kind;
}

// --- the months ------------------------------------------------------------------------------------------
const months = [];
let broken;
let rerun;
let asOf = "2026-06-30";
for (let m = 1; m <= MONTHS; m++) {
  log(`bench:operate: month ${m}, as of ${asOf}`);
  const row = { month: m, as_of: asOf, drift_tripped: false, contacts: 0, holdout: 0, spend: 0, budget: BUDGET, effects_learned: { count: 0, cells: [] }, revenue_saved: null, top_risk_first_revenue_saved: null, completed: false };
  months.push(row);
  const v = churn(["validate", "--data", world], { json: true });
  row.validate_exit = v.code;
  const runDir = join(runs, asOf);
  const scoreArgs = ["score", "--model", join(out, "models", "champion"), "--data", world, "--as-of", asOf, "--out", runDir, "--config", config];
  const s = churn(scoreArgs, { json: true });
  row.score_exit = s.code;
  row.drift_tripped = s.code === 4;
  if (s.code !== 0) {
    row.error = s.stderr.trim().split("\n").slice(-3).join(" ");
    log(`bench:operate: month ${m}: churn score exited ${s.code}: ${row.error}`);
    break;
  }
  if (m === RERUN_MONTH) {
    const before = readJson(join(runs, "budget_ledger.json")).entries.filter((e) => e.run_id === asOf);
    const again = churn(scoreArgs, { json: true });
    const after = readJson(join(runs, "budget_ledger.json")).entries.filter((e) => e.run_id === asOf);
    rerun = { month: m, exit: again.code, ledger_entries_before: before.length, ledger_entries_after: after.length, same_spend: before[0]?.spent === after[0]?.spent };
  }
  if (m === BREAK_MONTH) {
    const copy = join(out, "broken", "data");
    const kind = breakExport(copy);
    const b = churn(["score", "--model", join(out, "models", "champion"), "--data", copy, "--as-of", asOf, "--out", join(out, "broken", "runs", asOf), "--config", config]);
    broken = { month: m, kind, exit: b.code, tripped: b.code === 4, message: b.stderr.trim().split("\n").pop() };
  }
  const manifest = readJson(join(runDir, "manifest.json"));
  const summary = readJson(join(runDir, "summary.json"));
  const contacts = readCsv(join(runDir, "contacts.csv"));
  row.contacts = contacts.filter((c) => c.group === "treatment").length;
  row.holdout = contacts.filter((c) => c.group === "control").length;
  row.spend = manifest.budget_used;
  row.budget = summary.periodBudget?.amount ?? BUDGET;
  const learned = (summary.effects?.cells ?? []).filter((c) => c.source === "learned");
  row.effects_learned = {
    count: learned.length,
    cells: learned.map((c) => ({ action: c.action, segment: c.segment, effect: round(c.effect, 4), ci: [round(c.ci_low, 4), round(c.ci_high, 4)], n_treat: c.n_treat, n_control: c.n_control })),
  };
  row.expected_revenue_saved = manifest.expected_revenue_saved;

  must(churn(["generate", "--continue", world, "--contacts", runDir, "--months", "1"]), `generate --continue (month ${m})`);
  const sim = must(churn(["simulate", "--plan", runDir, "--truth", join(world, "truth"), "--config", config], { json: true }), `simulate (month ${m})`).json;
  row.revenue_saved = sim.plan.revenue_saved;
  row.top_risk_first_revenue_saved = sim.top_risk_first.revenue_saved;
  row.random_revenue_saved = sim.random.revenue_saved;
  const ev = churn(["evaluate", "--run", runDir, "--data", world, "--config", config], { json: true });
  row.evaluate_exit = ev.code;
  if (ev.json?.realisedEffects) {
    row.realised_effects = ev.json.realisedEffects.map((r) => ({ action: r.action, treated: r.treated, control: r.control, effect: r.effect === null ? null : round(r.effect, 4), ci: r.ciLow === null ? null : [round(r.ciLow, 4), round(r.ciHigh, 4)], backfired: r.backfired, detectable: r.detectableEffect === null ? null : round(r.detectableEffect, 4) }));
  }
  row.completed = true;
  asOf = iso(monthEnd(day(asOf) + 1));
}

// --- checks from the run folders ------------------------------------------------------------------------
const dncSet = new Set(dnc);
const runDirs = existsSync(runs) ? readdirSync(runs).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort() : [];
const all = [];
let reconciled = true;
const reconciliation = [];
for (const d of runDirs) {
  const contacts = readCsv(join(runs, d, "contacts.csv"));
  const risk = readCsv(join(runs, d, "risk_list.csv"));
  const selected = risk.filter((r) => r.selected === "yes");
  const byId = new Map(contacts.map((c) => [c.subscriber_id, c]));
  const treated = contacts.filter((c) => c.group === "treatment").length;
  const held = contacts.filter((c) => c.group === "control").length;
  const match = selected.length === contacts.length && selected.every((r) => byId.get(r.subscriber_id)?.action === r.action && byId.get(r.subscriber_id)?.group === r.group);
  reconciliation.push({ run: d, selected: selected.length, treated, held_out: held, ok: match && treated + held === selected.length });
  reconciled &&= match && treated + held === selected.length;
  for (const c of contacts) all.push({ ...c, cost: Number(c.cost), run: d });
}
const violations = { cooldown: 0, do_not_contact: 0, period_budget: 0 };
const treatedBySub = new Map();
for (const c of all.filter((x) => x.group === "treatment")) {
  if (dncSet.has(c.subscriber_id)) violations.do_not_contact++;
  const list = treatedBySub.get(c.subscriber_id) ?? [];
  list.push(day(c.date));
  treatedBySub.set(c.subscriber_id, list);
}
for (const list of treatedBySub.values()) {
  list.sort((a, b) => a - b);
  for (let i = 1; i < list.length; i++) if (list[i] - list[i - 1] < COOLDOWN) violations.cooldown++;
}
const spendByPeriod = new Map();
for (const c of all.filter((x) => x.group === "treatment")) spendByPeriod.set(c.date.slice(0, 7), (spendByPeriod.get(c.date.slice(0, 7)) ?? 0) + c.cost);
for (const [, v] of spendByPeriod) if (v > BUDGET + 0.01) violations.period_budget++;

const done = months.filter((m) => m.completed);
const sum = (ms) => ms.reduce((t, m) => t + (m.revenue_saved ?? 0), 0);
const early = done.filter((m) => m.month <= 2);
const late = done.filter((m) => m.month >= 4 && m.month <= 6);
const ratio = early.length && late.length ? sum(late) / late.length / (sum(early) / early.length) : null;
const result = {
  seed: SEED,
  subscribers: N,
  period_budget: BUDGET,
  months,
  broken_export_tripped: broken?.tripped ?? false,
  broken_export: broken ?? null,
  rerun: rerun ?? null,
  violations,
  spend_by_period: Object.fromEntries([...spendByPeriod.entries()].map(([k, v]) => [k, round(v, 2)])),
  reconciled,
  reconciliation,
  revenue_saved_months_4_6_vs_1_2: ratio === null ? null : round(ratio, 3),
  all_completed: done.length === MONTHS,
  seconds: Math.round((Date.now() - t0) / 1000),
};

function round(v, k) {
  return v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** k) / 10 ** k;
}

if (JSON_OUT) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  console.table(
    months.map((m) => ({
      month: m.month,
      as_of: m.as_of,
      drift: m.drift_tripped ? "TRIPPED" : "ok",
      contacts: m.contacts,
      holdout: m.holdout,
      spend: m.spend,
      budget: m.budget,
      learned: m.effects_learned.count,
      revenue_saved: m.revenue_saved,
      top_risk_first: m.top_risk_first_revenue_saved,
      completed: m.completed,
    })),
  );
  console.log(
    `broken export (${broken?.kind ?? "-"}): ${broken?.tripped ? "stopped (exit 4)" : `NOT stopped (exit ${broken?.exit})`}; violations: ${JSON.stringify(violations)}; reconciled: ${reconciled}; revenue saved months 4-6 / 1-2: ${result.revenue_saved_months_4_6_vs_1_2}; ${result.seconds} s`,
  );
}
