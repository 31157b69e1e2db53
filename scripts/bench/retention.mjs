#!/usr/bin/env node
/**
 * Retention planning benchmark: plan N synthetic subscribers (default 1M) with F contribution columns
 * (default 20), with the default catalog (its capacities bind: care_call 5,000, network_fix 1,000, ...).
 *
 *   npm run build && node scripts/bench/retention.mjs [--subscribers 1000000] [--features 20] [--runs 3] [--what-if 20]
 *
 * Scenarios: no budget (capacities only), and a budget of a third of the unconstrained spend. Reports the
 * median wall time and CPU time of planRetention per scenario (input arrays built beforehand, not timed),
 * then the time to materialise every output row with its reasons text (what a writer does), and peak RSS.
 * `--what-if P`: also the planner report's budget what-if of the budget scenario (stage 6 of churn score): the
 * curve at P budgets by the same selection (whatIfCurve), its CPU time and its ratio to one planRetention. planRetention is single-threaded: on a busy shared machine CPU time is the steadier figure.
 */
import { defaultRetentionConfig } from "../../dist/config/retention.js";
import { planRetention } from "../../dist/retention/plan.js";
import { whatIfCurve } from "../../dist/retention/what-if.js";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = opt("subscribers", 1_000_000);
const F = opt("features", 20);
const RUNS = opt("runs", 3);
const WHAT_IF = opt("what-if", 0);

// deterministic pseudo-random numbers (mulberry32)
let seed = 12345;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const NAMES = ["dropped_calls_30d", "open_complaints", "days_to_contract_end", "discount_share_3m", "data_mb_trend_30v60_pct", "late_payments_6m", "last_nps", "tenure_days"];
const columns = Array.from({ length: F }, (_, j) => NAMES[j] ?? `feature_${j}`);
const CONTRACTS = ["prepaid", "month_to_month", "fixed_12m", "fixed_24m"];
const CHANNELS = ["sms", "email", "app", "phone"];
const input = {
  subscriberId: new Array(N),
  probability: new Float64Array(N),
  arpu: new Float64Array(N),
  tenureDays: new Float64Array(N),
  daysToContractEnd: new Float64Array(N),
  contractType: new Array(N),
  discountShare: new Float64Array(N),
  priceIncrease: new Float64Array(N),
  openComplaints: new Float64Array(N),
  products: new Float64Array(N),
  preferredChannel: new Array(N),
  contributions: { columns, values: new Float32Array(N * F), featureValues: new Float32Array(N * F) },
};
for (let i = 0; i < N; i++) {
  input.subscriberId[i] = `S${String(i).padStart(8, "0")}`;
  input.probability[i] = rnd() ** 3 * 0.6;
  input.arpu[i] = 10 + rnd() * 90;
  input.tenureDays[i] = Math.floor(rnd() * 2500);
  const ct = CONTRACTS[Math.floor(rnd() * 4)];
  input.contractType[i] = ct;
  input.daysToContractEnd[i] = ct.startsWith("fixed") ? Math.floor(rnd() * 700) - 30 : Number.NaN;
  input.discountShare[i] = rnd() < 0.3 ? rnd() * 0.3 : 0;
  input.priceIncrease[i] = rnd() < 0.2 ? 1 : 0;
  input.openComplaints[i] = rnd() < 0.1 ? 1 + Math.floor(rnd() * 3) : 0;
  input.products[i] = 1 + Math.floor(rnd() * 3);
  input.preferredChannel[i] = CHANNELS[Math.floor(rnd() * 4)];
  for (let j = 0; j < F; j++) {
    input.contributions.values[i * F + j] = rnd() - 0.5;
    input.contributions.featureValues[i * F + j] = Math.floor(rnd() * 50);
  }
}

const thresholds = { critical: 0.4, high: 0.25, medium: 0.1 };
const config = defaultRetentionConfig();
config.value = { ...config.value, probabilityHorizonMonths: 3 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = [];
let unconstrained = 0;
for (const scenario of ["no budget", "budget = 1/3 of unconstrained spend"]) {
  const times = [];
  const cpus = [];
  let plan;
  for (let r = 0; r < RUNS; r++) {
    plan = undefined;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    plan = planRetention(input, { thresholds, config, budget: scenario === "no budget" ? null : unconstrained / 3 });
    const c1 = process.cpuUsage(c0);
    times.push((performance.now() - t0) / 1000);
    cpus.push((c1.user + c1.system) / 1e6);
  }
  if (scenario === "no budget") unconstrained = plan.spent;
  const m0 = performance.now();
  let chars = 0;
  for (let r = 0; r < plan.size; r++) chars += plan.row(r).reasons.join("; ").length;
  const materialiseS = (performance.now() - m0) / 1000;
  const t = plan.totals.all;
  let whatIf = {};
  if (WHAT_IF > 0 && scenario !== "no budget") {
    const c0 = process.cpuUsage();
    const w = plan.whatIf();
    const curve = whatIfCurve(w, WHAT_IF, [unconstrained / 3]);
    const c1 = process.cpuUsage(c0);
    const cpu = (c1.user + c1.system) / 1e6;
    whatIf = { what_if_cells: w.cellSub.length, what_if_points: curve.points.length, what_if_cpu_s: Number(cpu.toFixed(2)), what_if_vs_plan: Number((cpu / median(cpus)).toFixed(1)) };
  }
  results.push({
    scenario,
    subscribers: N,
    features: F,
    median_s: Number(median(times).toFixed(2)),
    median_cpu_s: Number(median(cpus).toFixed(2)),
    runs_s: times.map((x) => Number(x.toFixed(2))),
    rows_with_reasons_s: Number(materialiseS.toFixed(2)),
    reason_chars: chars,
    contacts: t.contacts,
    spent: Math.round(plan.spent),
    expected_net_value: Math.round(t.expected_net_value),
    ...whatIf,
  });
}
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.table(results.map(({ runs_s, reason_chars, ...r }) => r));
console.log(JSON.stringify({ results, peakRssMb }, null, 2));
