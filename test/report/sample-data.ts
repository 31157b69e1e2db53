/**
 * Seeded, realistic inputs for the two reports (no model or plan needed): held-out scores that behave like a real
 * churn model's, a plan with bands, actions and reasons, and a small synthetic telecom world for the KPIs.
 * Same seed → same data.
 */
import type { Db } from "../../src/io/duckdb.js";
import { quoteLiteral } from "../../src/io/duckdb.js";
import { areaUnder, calibrationBins, gainsPoints, prPoints, rocPoints } from "../../src/report/curves.js";
import { computeKpis, type KpiResult } from "../../src/report/kpis.js";
import type { ModelCardData, ReportMetrics } from "../../src/report/model-card.js";
import type { PlannerReportData, TopSubscriber } from "../../src/report/planner-report.js";
import { BANDS, type Band } from "../../src/retention/bands.js";
import { defaultRetentionConfig } from "../../src/config/retention.js";
import { planRetention } from "../../src/retention/plan.js";
import { encodeWhatIfProblem, whatIfAt, whatIfCurve } from "../../src/retention/what-if.js";
import type { WhatIfData } from "../../src/report/what-if.js";
import { population } from "../retention/helpers.js";

import { rng } from "../../src/rng.js";

export { rng };

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Metrics measured on the sample arrays (so the card's table agrees with its curves). */
export function measure(y: ArrayLike<number>, p: ArrayLike<number>): ReportMetrics {
  const n = y.length;
  let ll = 0;
  let br = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    ll -= y[i]! * Math.log(q) + (1 - y[i]!) * Math.log(1 - q);
    br += (p[i]! - y[i]!) ** 2;
  }
  const pr = prPoints(y, p);
  let ap = 0;
  let prev = 0;
  for (const pt of pr) {
    ap += (pt.recall - prev) * pt.precision;
    prev = pt.recall;
  }
  const ece = calibrationBins(y, p, 10).reduce((a, b) => a + (b.count / n) * Math.abs(b.observedRate - b.meanPredicted), 0);
  const g10 = gainsPoints(y, p, 10)[1]!;
  return { auc: areaUnder(rocPoints(y, p).map((q) => ({ x: q.fpr, y: q.tpr }))), prAuc: ap, logLoss: ll / n, brier: br / n, ece, lift10: g10.lift, capture10: g10.captured };
}

export interface SampleOptions {
  seed?: number;
  /** Leave out champion, backtest, training curve (logistic model). */
  minimal?: boolean;
}

export function sampleModelCard(opts: SampleOptions = {}): ModelCardData {
  const r = rng(opts.seed ?? 7);
  const n = 3000;
  const labels = new Float64Array(n);
  const scores = new Float64Array(n);
  const raw = new Float64Array(n);
  const champ = new Float64Array(n);
  const rule = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = normal(r);
    const y = r() < sigmoid(-1.6 + 1.3 * z) ? 1 : 0;
    labels[i] = y;
    const s = -1.6 + 1.2 * z + 0.5 * normal(r);
    scores[i] = sigmoid(s);
    raw[i] = sigmoid(1.8 * s + 0.9); // over-confident before calibration
    champ[i] = sigmoid(-1.6 + 0.9 * z + 0.9 * normal(r));
    rule[i] = r() < (y ? 0.45 : 0.15) ? 1 : 0;
  }
  const features = ["tenure_days", "monthly_fee", "contract_type", "days_to_contract_end", "complaints_90d", "open_complaints", "data_mb_trend_30d", "sessions_30d", "dropped_calls_30d", "paid_late_6m", "discount_share", "products_held", "nps_last", "region", "plan"];
  const base: ModelCardData = {
    kind: "model-card",
    model: { id: "m-2026-06-30-mlp-a1b2", type: opts.minimal ? "logistic" : "mlp", trainedAt: "2026-07-01T02:14:09Z", seed: 42, calibration: "platt", bands: { critical: 0.6, high: 0.4, medium: 0.2 }, params: opts.minimal ? { l2: 0.001 } : { layers: "64-32-16", learningRate: 0.001, epochs: 30, batchSize: 8192 } },
    data: { rows: 48_000, subscribers: 12_000, asOfDates: ["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"], churnRate: 0.231, horizonDays: 90, features, source: "data/sample (synthetic)" },
    validation: { design: "Out of time: trained on as-of dates 2025-09-30 to 2026-03-31, early-stopping rows a 10% random slice of those, calibrated on the 2026-03-31 snapshot, validated on 2026-06-30 (subscribers never seen at that date).", trainRows: 32_400, earlyStoppingRows: 3_240, calibrationRows: 3_600, testRows: n },
    holdout: { labels, scores, uncalibrated: raw },
    metrics: measure(labels, scores),
    baseline: { name: "any complaint in 90 days", metrics: measure(labels, rule), scores: rule },
    featureImportance: { method: "permutation drop in ROC-AUC", rows: features.map((f, i) => ({ feature: f, importance: Math.round(1000 * (0.08 / (1 + i * 0.6)) * (0.8 + 0.4 * r())) / 1000 })) },
  };
  if (opts.minimal) return base;
  return {
    ...base,
    champion: { name: "m-2026-03-31-logistic-9f8e", metrics: measure(labels, champ), scores: champ },
    trainingCurve: Array.from({ length: 30 }, (_, e) => ({ epoch: e + 1, trainLoss: 0.42 + 0.25 * Math.exp(-e / 5), validLoss: 0.45 + 0.22 * Math.exp(-e / 5) + 0.0008 * e })),
    backtest: base.data.asOfDates.map((d, i) => {
      const churners = Math.round((11_000 + i * 300) * (0.21 + 0.01 * i));
      const expectedChurners = i === 0 ? null : churners * (0.9 + 0.07 * i);
      return { asOf: d, rows: 11_000 + i * 300, churnRate: 0.21 + 0.01 * i, auc: 0.78 + 0.008 * i, prAuc: 0.52 + 0.012 * i, lift10: 2.5 + 0.06 * i, churners, expectedChurners, expectedRatio: expectedChurners === null ? null : expectedChurners / churners };
    }),
  };
}

const SEGMENTS = ["prepaid", "month_to_month", "fixed_12m", "fixed_24m"];
const ACTION_LIST = ["care_call", "price_incentive", "renewal_offer", "complaint_fasttrack", "digital_nudge"];
const REASONS = [
  "3 complaints in the last 90 days (network)",
  "contract ends in 21 days",
  "data use down 62% vs previous 30 days",
  "paid late 2 of last 6 months",
  "monthly fee 35% above plan average",
  "no app login for 45 days",
  "dropped calls 4× regional average",
];

export function samplePlannerReport(opts: SampleOptions & { kpis?: KpiResult; whatIf?: WhatIfData } = {}): PlannerReportData {
  const r = rng(opts.seed ?? 11);
  const counts: Record<Band, number> = { critical: 412, high: 1_180, medium: 2_960, low: 7_448 };
  const bands = BANDS.map((b, i) => ({ band: b, subscribers: counts[b], valueAtRisk: Math.round(counts[b] * [310, 180, 90, 25][i]!), selected: Math.round(counts[b] * [0.8, 0.35, 0.05, 0][i]!) }));
  const matrix = BANDS.flatMap((b) => {
    const w = [0.15, 0.4, 0.25, 0.2];
    return SEGMENTS.map((s, j) => ({ band: b, segment: s, subscribers: Math.round(counts[b] * w[j]! * (0.8 + 0.4 * r())) }));
  });
  const top: TopSubscriber[] = Array.from({ length: 60 }, (_, i) => {
    const p = 0.95 - i * 0.006 - 0.01 * r();
    return {
      rank: i + 1,
      subscriberId: i === 2 ? "<script>alert('x')</script>" : `S${String(100_000 + Math.floor(r() * 900_000)).padStart(7, "0")}`,
      probability: p,
      band: p >= 0.6 ? "critical" : "high",
      segment: SEGMENTS[Math.floor(r() * 4)]!,
      value: Math.round(400 + 1200 * r()),
      action: ACTION_LIST[Math.floor(r() * ACTION_LIST.length)]!,
      expectedNet: Math.round(220 - i * 3 - 10 * r()),
      reasons: i === 4 ? ["reason with <b>markup</b> & ampersand", REASONS[0]!] : [REASONS[Math.floor(r() * 7)]!, REASONS[Math.floor(r() * 7)]!],
    };
  });
  const data: PlannerReportData = {
    kind: "planner-report",
    run: { id: "run-2026-06-30-0200", asOf: "2026-06-30", createdAt: "2026-07-01T02:31:44Z", modelId: "m-2026-06-30-mlp-a1b2", scored: 12_000, currency: "EUR" },
    bands,
    budget: { total: 50_000, used: 48_730 },
    expectedRevenueSaved: 131_400,
    expectedChurners: 1_843,
    expectedChurnersBacktest: { dates: 6, low: 0.586, high: 1.406, within10: 1 },
    segmentLabel: "contract type",
    matrix,
    actions: [
      { action: "renewal_offer", contacts: 420, cost: 16_800, expectedSaving: 52_100, priorEffect: 0.08, effectUsed: 0.094, effectBasis: "cells", learned: { effect: 0.094, ciLow: 0.051, ciHigh: 0.137, nTreat: 1_850, nControl: 610 } },
      { action: "care_call", contacts: 610, cost: 12_200, expectedSaving: 38_900, priorEffect: 0.05, effectUsed: 0.041, effectBasis: "cells", learned: { effect: 0.041, ciLow: 0.012, ciHigh: 0.07, nTreat: 2_400, nControl: 800 } },
      { action: "complaint_fasttrack", contacts: 190, cost: 5_700, expectedSaving: 21_300, priorEffect: 0.1, effectUsed: 0.1, effectBasis: "prior" },
      { action: "price_incentive", contacts: 260, cost: 13_000, expectedSaving: 16_800, priorEffect: 0.06, effectUsed: 0.022, effectBasis: "cells", learned: { effect: 0.022, ciLow: -0.01, ciHigh: 0.054, nTreat: 900, nControl: 300 } },
      { action: "digital_nudge", contacts: 1_030, cost: 1_030, expectedSaving: 2_300, priorEffect: 0.01, effectUsed: 0.01, effectBasis: "prior" },
    ],
    campaignEvidence: [
      { action: "renewal_offer", nTreat: 1_850, nControl: 610, churnedTreat: 148, churnedControl: 55, effect: 0.1168, ciLow: -0.1857, ciHigh: 0.3421 },
      { action: "care_call", nTreat: 2_400, nControl: 800, churnedTreat: 120, churnedControl: 42, effect: 0.0541, ciLow: -0.3294, ciHigh: 0.327 },
      { action: "bundle_addon", nTreat: 700, nControl: 240, churnedTreat: 49, churnedControl: 14, effect: -0.1736, ciLow: -1.0684, ciHigh: 0.3341 },
    ],
    top,
  };
  if (opts.minimal) return data;
  return {
    ...data,
    drift: {
      threshold: 0.25,
      items: [
        { feature: "active_days_30d_vs_own_past_pct", psi: 0.31, status: "alert" },
        { feature: "sessions_30d", psi: 0.14, status: "warn" },
        { feature: "monthly_fee", psi: 0.04, status: "ok" },
      ],
    },
    trend: ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"].map((d, i) => ({
      runId: `run-${d}-0200`,
      asOf: d,
      scored: 11_600 + 100 * i,
      bands: { critical: 350 + 15 * i, high: 1_100 + 20 * i, medium: 2_900 + 10 * i, low: 7_250 + 55 * i },
      valueAtRisk: 650_000 + 9_000 * i,
      budgetUsed: 47_000 + 400 * i,
      expectedSaved: 118_000 + 3_000 * i,
    })),
    outcome: {
      runId: "run-2026-03-31-0200",
      asOf: "2026-03-31",
      horizonDays: 90,
      byBand: [
        { band: "critical", subscribers: 365, churned: 241 },
        { band: "high", subscribers: 1_120, churned: 521 },
        { band: "medium", subscribers: 2_910, churned: 611 },
        { band: "low", subscribers: 7_305, churned: 467 },
      ],
      auc: 0.786,
      lift10: 2.58,
      selected: 1_380,
      selectedStayed: 1_021,
    },
    ...(opts.kpis ? { kpis: opts.kpis } : {}),
    whatIf: opts.whatIf ?? sampleWhatIf(),
    changes: {
      previous: { runId: "run-2026-05-31-0200", asOf: "2026-05-31" },
      newlyCritical: 64,
      newlyHigh: 171,
      movedDown: 402,
      movedUp: 388,
      left: 142,
      notInData: 3,
      new: 210,
      transitions: [
        { from: "new", to: "low", subscribers: 150 },
        { from: "new", to: "high", subscribers: 60 },
        { from: "critical", to: "critical", subscribers: 290 },
        { from: "critical", to: "high", subscribers: 70 },
        { from: "critical", to: "left", subscribers: 52 },
        { from: "high", to: "critical", subscribers: 64 },
        { from: "high", to: "high", subscribers: 900 },
        { from: "high", to: "medium", subscribers: 160 },
        { from: "low", to: "not in data", subscribers: 3 },
      ],
      contacted: [
        { action: "renewal_offer", group: "contacted", selected: 369, left: 25, down: 110, same: 217, up: 17, notInData: 0 },
        { action: "renewal_offer", group: "held out", selected: 41, left: 6, down: 10, same: 23, up: 2, notInData: 0 },
        { action: "complaint_fasttrack", group: "contacted", selected: 167, left: 10, down: 64, same: 86, up: 7, notInData: 0 },
        { action: "complaint_fasttrack", group: "held out", selected: 18, left: 2, down: 6, same: 9, up: 1, notInData: 0 },
      ],
      newlyAtRisk: top.slice(0, 8).map((t) => ({ subscriberId: t.subscriberId, previousBand: "medium", band: t.band, probability: t.probability, previousProbability: 0.2, action: t.action, reasons: t.reasons })),
    },
    callLists: {
      format: "utf8",
      lists: [
        { file: "call_lists/team-retention-desk.csv", team: "retention-desk", contacts: 1030, perDay: 480, days: 3, lastContactBy: "2026-07-03" },
        { file: "call_lists/digital_nudge-app.csv", contacts: 1030, lastContactBy: "2026-07-07" },
        { file: "call_lists/complaint_fasttrack-phone.csv", contacts: 190, lastContactBy: "2026-07-07" },
      ],
    },
    earlierRuns: ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"].map((d) => ({ runId: `run-${d}-0200`, asOf: d, dir: `runs/run-${d}-0200`, horizonEnd: null, evaluated: d === "2026-03-31" })),
    renewals: {
      months: [
        { month: "2026-04-01", ending: 212, renewed: 131, rolledOver: 52, left: 29 },
        { month: "2026-05-01", ending: 198, renewed: 117, rolledOver: 55, left: 26 },
      ],
    },
  };
}

/**
 * A real budget what-if: the plan of a seeded population of `n` subscribers (a capacity on care calls), its curve and
 * its selection problem; `exact` false leaves the problem out (the slider steps through the curve's plans).
 */
export function sampleWhatIf(opts: { n?: number; budget?: number | null; exact?: boolean; points?: number } = {}): WhatIfData {
  const cfg = defaultRetentionConfig();
  cfg.value = { ...cfg.value, probabilityHorizonMonths: 3 };
  cfg.actions = cfg.actions.map((a) => (a.id === "care_call" ? { ...a, capacity: 8 } : a));
  const budget = opts.budget === undefined ? 400 : opts.budget;
  const plan = planRetention(population(opts.n ?? 300, 11), { thresholds: { critical: 0.5, high: 0.3, medium: 0.15 }, config: cfg, budget, noReasons: true });
  const w = plan.whatIf();
  const curve = whatIfCurve(w, opts.points ?? 12, budget === null ? [] : [budget]);
  const base = { budget, saturation: curve.saturation, points: curve.points, atRun: whatIfAt(w, budget), atSaturation: curve.summaries[curve.summaries.length - 1]!, cells: w.cellSub.length };
  if (opts.exact === false) return { ...base, summaries: curve.summaries };
  return { ...base, problem: encodeWhatIfProblem(w) };
}

/** A small synthetic telecom world (subscribers, billing, products, complaints) for KPI sample data. */
export async function loadSampleWorld(db: Db, seed = 5, n = 2000): Promise<void> {
  const r = rng(seed);
  const day = (iso: string, add: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + add * 86_400_000).toISOString().slice(0, 10);
  const regions = ["north", "south", "east"];
  const subs: string[] = [];
  const comps: string[] = [];
  const prods: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `S${String(i).padStart(5, "0")}`;
    const ct = SEGMENTS[Math.floor(r() * 4)]!;
    const act = day("2023-07-01", Math.floor(r() * 1050));
    const hazard = { prepaid: 0.05, month_to_month: 0.035, fixed_12m: 0.015, fixed_24m: 0.01 }[ct]!;
    const life = Math.floor(-Math.log(Math.max(r(), 1e-9)) / hazard * 30);
    const deact = day(act, life) <= "2026-06-30" ? day(act, life) : null;
    const cend = ct.startsWith("fixed") ? day(act, ct === "fixed_12m" ? 365 * (1 + Math.floor(r() * 3)) : 730) : null;
    const fee = (15 + Math.floor(r() * 50)).toFixed(2);
    subs.push(`(${quoteLiteral(id)}, DATE '${act}', ${deact ? `DATE '${deact}'` : "NULL"}, 'basic', '${ct}', ${cend ? `DATE '${cend}'` : "NULL"}, ${fee}, '${regions[i % 3]}', 'sms')`);
    const nc = Math.floor(r() * 3);
    for (let k = 0; k < nc; k++) comps.push(`(${quoteLiteral(id)}, DATE '${day(act, Math.floor(r() * 900))}', 'network', NULL)`);
    const np = 1 + Math.floor(r() * 3);
    for (let k = 0; k < np; k++) prods.push(`(${quoteLiteral(id)}, '${["mobile", "broadband", "tv"][k]}', DATE '${day(act, k * Math.floor(r() * 200))}', NULL)`);
  }
  await db.run(`CREATE TABLE subscribers AS SELECT * FROM (VALUES ${subs.join(",")}) t(subscriber_id, activation_date, deactivation_date, plan, contract_type, contract_end_date, monthly_fee, region, preferred_channel)`);
  await db.run(`CREATE TABLE complaints AS SELECT * FROM (VALUES ${comps.join(",")}) t(subscriber_id, opened_at, category, resolved_at)`);
  await db.run(`CREATE TABLE products AS SELECT * FROM (VALUES ${prods.join(",")}) t(subscriber_id, product, start_date, end_date)`);
  // One bill per active month; the amount varies by a deterministic hash so ARPU moves a little.
  await db.run(`CREATE TABLE billing AS
    SELECT s.subscriber_id, CAST(m AS DATE) AS month, round(s.monthly_fee * (0.9 + (hash(s.subscriber_id, m) % 20) / 100.0), 2) AS amount_billed
    FROM subscribers s, range(TIMESTAMP '2023-07-01', TIMESTAMP '2026-07-01', INTERVAL 1 MONTH) r(m)
    WHERE CAST(m AS DATE) >= date_trunc('month', s.activation_date) AND (s.deactivation_date IS NULL OR CAST(m AS DATE) < s.deactivation_date)`);
}

export async function sampleKpis(db: Db): Promise<KpiResult> {
  await loadSampleWorld(db);
  return computeKpis(db, { asOf: "2026-06-30", months: 12, segment: "contract_type" });
}
