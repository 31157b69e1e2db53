/**
 * The planner report (written by `churn score`): a one-page picture (headline figures per band, value at risk,
 * budget, expected revenue saved), the band × segment matrix, the action summary, the top 50 with reasons and
 * actions, drift warnings, the trend against earlier runs, the latest outcome evaluation and the loyalty KPIs.
 * `buildPlannerReport(data)` returns a ReportDoc; render it with renderReport (index.ts).
 * Optional inputs (drift, trend, outcome, KPIs) that are absent show a one-line note.
 */
import { isContactHistoryFeature } from "../ids.js";
import { EXCLUSION_TEXT, msg } from "../messages.js";
import type { ExpectedBacktest } from "../model/backtest.js";
import { type Band, BANDS } from "../retention/bands.js";
import type { PooledEvidence } from "../retention/effects.js";
import { actionChart, bandCountChart, bandSegmentChart, driftChart, kpiChart, outcomeChart, trendChart } from "./charts.js";
import type { Chart, Figure, ReportDoc, Section, Table } from "./doc.js";
import { ALL_SEGMENTS, KPI_IDS, KPI_LABELS, type KpiId, type KpiResult } from "./kpis.js";
import type { RunChanges } from "../monitoring/changes.js";
import { type WhatIfData, whatIfPageSource, whatIfSection, whatIfWhy } from "./what-if.js";

export const TOP_N = 50;

export interface BandSummary {
  band: Band;
  subscribers: number;
  /** Sum over the band of P(churn) × customer value, in `currency`. */
  valueAtRisk: number;
  /** Subscribers in the band selected for an action. */
  selected: number;
}

/** Per action: contacts, cost, expected saving and its effect, a relative reduction of the churn probability (0.2 = churn probability × 0.8). */
export interface ActionSummary {
  action: string;
  /** Contacted (the holdout is not counted here: see heldOut); cost and saving are theirs. */
  contacts: number;
  /** Selected and held out (not contacted), so later runs can learn the action's effect. */
  heldOut?: number;
  cost: number;
  expectedSaving: number;
  /** The prior effect from the action catalogue. */
  priorEffect: number;
  /** Learned from past campaigns against a control group, when there was enough data (contact-weighted over segments). */
  learned?: { effect: number; ciLow: number; ciHigh: number; nTreat: number; nControl: number };
  /** The effect the plan bought with, averaged over the contacts (absent in runs written before it was recorded). */
  effectUsed?: number;
  /**
   * How it was found: uplift = each subscriber's own (the per-subscriber uplift model); per_action = the segment cells
   * corrected by one factor per action learned from the campaigns; cells = learned segment cells (the prior where a cell
   * is thin); prior = the catalogue's prior alone.
   */
  effectBasis?: "uplift" | "per_action" | "cells" | "prior";
}

/** An action's campaigns with every segment pooled: treated vs control churn within the effects' horizon, no prior. */
export type CampaignEvidence = PooledEvidence;

export interface TopSubscriber {
  rank: number;
  subscriberId: string;
  probability: number;
  band: Band;
  segment: string;
  /** Customer value (currency). */
  value: number;
  /** Chosen action, or "none". */
  action: string;
  /** Expected saving minus cost of the chosen action (currency). */
  expectedNet: number;
  /** Plain-language reasons, most important first. */
  reasons: string[];
}

export interface DriftItem {
  feature: string;
  /** Population stability index of this run against the training data. */
  psi: number;
  status: "ok" | "warn" | "alert";
}

/** Summary of one earlier (or this) scoring run, for the trend. */
export interface RunSummary {
  runId: string;
  asOf: string;
  scored: number;
  bands: Record<Band, number>;
  valueAtRisk: number;
  budgetUsed: number;
  expectedSaved: number;
}

/** The realised outcome of an earlier run, once its horizon has passed. */
export interface OutcomeEvaluation {
  runId: string;
  asOf: string;
  horizonDays: number;
  byBand: { band: Band; subscribers: number; churned: number }[];
  auc: number;
  lift10: number;
  /** Customers selected for an action in that run, and how many of them stayed. */
  selected: number;
  selectedStayed: number;
  /** Where that run's as-of date falls among its model's own snapshots (training data flatters the figures). */
  modelSaw?: { role: "training" | "calibration" | "validation" | "unseen"; trainAsOfMax: string; calibAsOf?: string | undefined; validAsOf: string } | undefined;
}

export interface PlannerReportData {
  kind: "planner-report";
  run: { id: string; asOf: string; createdAt: string; modelId: string; scored: number; currency: string };
  bands: BandSummary[];
  budget: { total: number; used: number; unlimited?: boolean | undefined };
  expectedRevenueSaved: number;
  /**
   * The part of expectedRevenueSaved bought with the catalogue's prior effects alone (no campaign or holdout
   * evidence for the action in that segment): what no data behind this run has checked (absent in older runs).
   */
  expectedRevenueSavedOnPriors?: number;
  /** Sum of the churn probabilities: churners expected within the horizon without any action (absent in older runs). */
  expectedChurners?: number;
  /**
   * How far the model's expected churners were from the real ones in its backtest (`churn train --backtest N`):
   * the range of expected ÷ real over its calibrated dates, and how many were within ±10%.
   */
  expectedChurnersBacktest?: ExpectedBacktest;
  /** Band × segment counts; `segmentLabel` names the segment dimension (e.g. "contract type"). */
  segmentLabel: string;
  matrix: { band: Band; segment: string; subscribers: number; valueAtRisk?: number }[];
  actions: ActionSummary[];
  /** Ranked highest expected net first; the report shows the first TOP_N. */
  top: TopSubscriber[];
  drift?: { threshold: number; items: DriftItem[] };
  /** Where the effects came from (learned from campaigns, or priors only), shown with the actions. */
  effectsNote?: string;
  /** How each way of estimating effects ranked later, held-out contacts, and which one the plan bought with. */
  uplift?: UpliftReport;
  /** Per action with campaign groups: what its campaigns show with every segment pooled (absent without campaigns). */
  campaignEvidence?: CampaignEvidence[];
  /** Earlier runs (any order; this run is added from `run`/`bands`). */
  trend?: RunSummary[];
  outcome?: OutcomeEvaluation;
  kpis?: KpiResult;
  /** Contact rules of this run: candidates excluded by reason, and the holdout kept. */
  contactRules?: ContactRulesSummary;
  /** The budget of the period across runs (retention.periodBudget). */
  periodBudget?: PeriodBudgetSummary;
  /** The budget what-if: spend → return curve and the selection problem the page's slider reruns. */
  whatIf?: WhatIfData;
  /** What changed since the previous run (monitoring/changes.ts). */
  changes?: RunChanges;
  /** The call lists written beside the ranked list. */
  callLists?: { format: string; lists: { file: string; team?: string; contacts: number; perDay?: number; days?: number; lastContactBy: string }[] };
  /** Earlier runs in the run's folder, oldest first, and whether their outcome can be (horizon passed) or was evaluated. */
  earlierRuns?: { runId: string; asOf: string; dir: string; horizonEnd: string | null; evaluated: boolean }[];
  /** Renewal events of fixed-term contracts seen between runs, by month the term ended (from the run history). */
  renewals?: { months: RenewalMonth[]; note?: string };
}

/** What the contact rules removed from this run's candidates (subscribers with an action worth its cost). */
export interface ContactRulesSummary {
  /** Subscribers excluded entirely: do_not_contact, holdout (held out by an earlier run), cooldown, max_contacts;
   * subscriber x action pairs: action_cooldown, channel. */
  excluded: Record<string, number>;
  /** Selected and contacted, selected and held out. */
  contacted: number;
  heldOut: number;
  holdoutShare: number;
}

export interface PeriodBudgetSummary {
  period: string;
  amount: number;
  /** Spent by earlier runs of the period, committed by this run, remaining after it. */
  spent: number;
  committed: number;
  remaining: number;
}

/** Fixed-term contracts whose term ended in `month`, and what became of them by a later run. */
export interface RenewalMonth {
  /** First day of the month the term ended in. */
  month: string;
  ending: number;
  /** The contract's end date moved forward and the subscriber stayed. */
  renewed: number;
  /** Stayed without a new term (the end date did not move, or the contract became month-to-month or prepaid). */
  rolledOver: number;
  /** Deactivated. */
  left: number;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Return per unit spent, and how much of the figure rests on the catalogue's priors alone. */
function expectedSavedHint(d: Pick<PlannerReportData, "expectedRevenueSaved" | "expectedRevenueSavedOnPriors" | "budget">): string {
  const perUnit = d.budget.used > 0 ? `${(d.expectedRevenueSaved / d.budget.used).toFixed(1)} per 1 spent` : "no spend";
  const share = priorShare(d);
  return share === null ? perUnit : `${perUnit}; ${share}% of it rests on catalogue priors that no campaign has checked`;
}

/** Percent of the expected revenue saved that rests on prior effects alone (null: none, or not recorded). */
export function priorShare(d: Pick<PlannerReportData, "expectedRevenueSaved" | "expectedRevenueSavedOnPriors">): number | null {
  const on = d.expectedRevenueSavedOnPriors;
  if (on === undefined || !(d.expectedRevenueSaved > 0) || !(on > 0)) return null;
  return Math.min(100, Math.round((100 * on) / d.expectedRevenueSaved));
}

/** What the expected churners are and, with a backtest, how far they were from the real churners before. */
function expectedChurnersHint(b: PlannerReportData["expectedChurnersBacktest"]): string {
  const what = "Σ P(churn) over the scored subscribers, without any action";
  if (!b) return what;
  return `${what}; in the model's backtest ${b.low.toFixed(2)}-${b.high.toFixed(2)}x the real churners (within ±10% on ${b.within10} of ${b.dates} dates)`;
}

function headline(d: PlannerReportData): Section {
  const byBand = new Map(d.bands.map((b) => [b.band, b]));
  const figures: Figure[] = BANDS.map((b) => ({
    label: `${b} risk`,
    value: byBand.get(b)?.subscribers ?? 0,
    format: "int" as const,
    band: b,
    hint: `${Math.round(byBand.get(b)?.selected ?? 0).toLocaleString("en-US")} selected for action`,
  }));
  const atRisk = sum(d.bands.map((b) => b.valueAtRisk));
  figures.push(
    ...(d.expectedChurners !== undefined ? [{ label: "Expected churners", value: d.expectedChurners, format: "int" as const, hint: expectedChurnersHint(d.expectedChurnersBacktest) }] : []),
    { label: "Value at risk", value: atRisk, format: "money", hint: "Σ P(churn) × customer value" },
    {
      label: "Budget used",
      value: d.budget.used,
      format: "money",
      hint: d.budget.unlimited
        ? "no budget limit: every action worth more than it costs"
        : `of ${Math.round(d.budget.total).toLocaleString("en-US")} ${d.run.currency} (${d.budget.total > 0 ? ((d.budget.used / d.budget.total) * 100).toFixed(0) : "0"}%)`,
    },
    { label: "Expected revenue saved", value: d.expectedRevenueSaved, format: "money", hint: expectedSavedHint(d) },
  );
  const pb = d.periodBudget;
  if (pb) {
    const money = (v: number) => `${Math.round(v).toLocaleString("en-US")} ${d.run.currency}`;
    figures.push({ label: `Budget left in ${pb.period}`, value: pb.remaining, format: "money", hint: `of ${money(pb.amount)}: ${money(pb.spent)} spent by earlier runs, ${money(pb.committed)} committed by this run` });
  }
  const rows = BANDS.map((b) => ({ band: b, subscribers: byBand.get(b)?.subscribers ?? 0 }));
  const chart: Chart = { id: "bands", title: "Subscribers per risk band", alt: rows.map((r) => `${r.band} ${r.subscribers}`).join(", "), spec: bandCountChart(rows), data: rows };
  return {
    id: "headline",
    title: "At a glance",
    intro: `${d.run.scored.toLocaleString("en-US")} subscribers scored${d.run.asOf ? ` as of ${d.run.asOf}` : " from a flat table (no as-of date)"}.`,
    figures,
    figureColumns: 4,
    // budget left unspent: say why (the what-if's reading of this run's plan)
    ...(d.whatIf && d.whatIf.atRun.unspent >= 0.5 ? { items: [{ text: whatIfWhy(d.whatIf.atRun, d.run.currency), level: "info" as const }] } : {}),
    charts: [chart],
    tables: [
      {
        caption: "Risk bands",
        rowHeader: true,
        columns: [
          { key: "band", label: "Band", format: "band" },
          { key: "subscribers", label: "Subscribers", format: "int" },
          { key: "share", label: "Share", format: "pct" },
          { key: "valueAtRisk", label: "Value at risk", format: "money" },
          { key: "selected", label: "Selected for action", format: "int" },
        ],
        rows: BANDS.map((b) => {
          const s = byBand.get(b);
          return { band: b, subscribers: s?.subscribers ?? 0, share: d.run.scored > 0 ? (s?.subscribers ?? 0) / d.run.scored : null, valueAtRisk: s?.valueAtRisk ?? 0, selected: s?.selected ?? 0 };
        }),
      },
    ],
  };
}

function matrixSection(d: PlannerReportData): Section {
  const segments = [...new Set(d.matrix.map((m) => m.segment))].sort();
  const cell = new Map(d.matrix.map((m) => [`${m.band}\u0000${m.segment}`, m.subscribers]));
  const rows = segments.map((s) => {
    const r: Record<string, unknown> = { segment: s };
    for (const b of BANDS) r[b] = cell.get(`${b}\u0000${s}`) ?? 0;
    r["total"] = sum(BANDS.map((b) => r[b] as number));
    return r;
  });
  const chartRows = d.matrix.map((m) => ({ segment: m.segment, band: m.band, bandOrder: BANDS.indexOf(m.band), subscribers: m.subscribers }));
  return {
    id: "matrix",
    title: `Risk band × ${d.segmentLabel}`,
    charts: [{ id: "matrix", title: `Subscribers per ${d.segmentLabel} and band`, alt: `Stacked bars of subscribers per ${d.segmentLabel}, split by risk band.`, spec: bandSegmentChart(chartRows, d.segmentLabel), data: chartRows }],
    tables: [
      {
        caption: `Subscribers by ${d.segmentLabel} (rows) and risk band (columns)`,
        rowHeader: true,
        columns: [{ key: "segment", label: d.segmentLabel, format: "text" }, ...BANDS.map((b) => ({ key: b, label: b, format: "int" as const })), { key: "total", label: "total", format: "int" }],
        rows,
      },
    ],
  };
}

/** The per-subscriber uplift model judged against segment cells and one effect per action on held-out contacts. */
export interface UpliftReport {
  /** What the plan bought with. */
  method: "uplift" | "no_heterogeneity" | "segment_cells";
  /** First contact day of each held-out wave. */
  waves: string[];
  rows: number;
  methods: {
    method: "uplift" | "no_heterogeneity" | "segment_cells";
    label: string;
    /** Churners prevented per treated row beyond random targeting, over the Qini curve. */
    qini: number;
    /** Control minus treated churn rate among the top 10% / 30% ranked. */
    upliftAt10: number | null;
    upliftAt30: number | null;
    /** Mean log loss of the treated rows' outcome. */
    logLoss: number;
  }[];
}

/** How the effect a plan bought with was found, in the planner's words. */
const BASIS_WORDS: Record<NonNullable<ActionSummary["effectBasis"]>, string> = {
  uplift: "each subscriber's own (uplift model)",
  per_action: "segment cells × one factor learned from the campaigns",
  cells: "learned segment cells (prior where thin)",
  prior: "catalogue prior",
};

const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`;

/** What each action's campaigns show with every segment pooled, beside what this plan bought with. */
function evidenceTable(ev: readonly CampaignEvidence[], actions: readonly ActionSummary[]) {
  const used = new Map(actions.map((a) => [a.action, a]));
  return {
    caption:
      "What each action's campaigns show, every segment pooled and no prior: churn after a contact against the random control group of the same campaigns. It is the action's average effect on the subscribers its campaigns picked, who need not be those this plan picks; a negative effect means the contacted left more often.",
    rowHeader: true,
    columns: [
      { key: "action", label: "Action", format: "text" as const },
      { key: "treated", label: "Treated (left)", format: "text" as const },
      { key: "control", label: "Control (left)", format: "text" as const },
      { key: "effect", label: "Effect shown", format: "pct" as const },
      { key: "ci", label: "95% interval", format: "text" as const },
      { key: "used", label: "Effect this plan used", format: "pct" as const },
      { key: "contacts", label: "Contacts in this plan", format: "int" as const },
    ],
    rows: ev.map((e) => ({
      action: e.action,
      treated: `${e.nTreat.toLocaleString("en-US")} (${pct1(e.churnedTreat / e.nTreat)})`,
      control: `${e.nControl.toLocaleString("en-US")} (${pct1(e.churnedControl / e.nControl)})`,
      effect: e.effect,
      ci: `${pct1(e.ciLow)} to ${pct1(e.ciHigh)}`,
      used: used.get(e.action)?.effectUsed ?? null,
      contacts: used.get(e.action)?.contacts ?? 0,
    })),
  };
}

function upliftTable(u: UpliftReport) {
  return {
    caption: `Who the actions help: each way of estimating effects ranks ${u.rows} later contacts (${u.waves.length} held-out wave(s) from ${u.waves[0] ?? "?"}) it did not learn from`,
    rowHeader: true,
    columns: [
      { key: "label", label: "Effects", format: "text" as const },
      { key: "qini", label: "Qini (churners prevented per treated contact beyond random)", format: "num3" as const },
      { key: "at10", label: "Uplift in top 10%", format: "pct" as const },
      { key: "at30", label: "Uplift in top 30%", format: "pct" as const },
      { key: "logLoss", label: "Treated log loss (lower is better)", format: "num3" as const },
      { key: "used", label: "Plan uses", format: "text" as const },
    ],
    rows: u.methods.map((m) => ({ label: m.label, qini: m.qini, at10: m.upliftAt10, at30: m.upliftAt30, logLoss: m.logLoss, used: m.method === u.method ? "yes" : "" })),
  };
}

function actionSection(d: PlannerReportData): Section {
  if (!d.actions.length) return { id: "actions", title: "Actions", note: `No action was selected in this run (no budget, or no action pays off).${d.effectsNote ? ` ${d.effectsNote}` : ""}` };
  const chartRows = d.actions.flatMap((a) => [
    { action: a.action, measure: "cost", amount: a.cost },
    { action: a.action, measure: "expected saving", amount: a.expectedSaving },
  ]);
  // runs written before the effect used was recorded show the table as it was
  const usedKnown = d.actions.some((a) => a.effectUsed !== undefined);
  return {
    id: "actions",
    title: "Actions",
    intro: `Effect = relative reduction of the risk of leaving (20%: a 5% churn probability falls to about 4%; a 90% one only to 84%, since a subscriber that sure to leave is hard to turn). Learned effects come from past campaigns against a control group (95% interval); otherwise the catalogue's prior is used.${d.effectsNote ? ` ${d.effectsNote}` : ""}`,
    charts: [{ id: "actions", title: "Cost and expected saving per action", alt: d.actions.map((a) => `${a.action}: ${a.contacts} contacts`).join(", "), spec: actionChart(chartRows, d.run.currency), data: chartRows }],
    tables: [
      {
        caption: "Action summary",
        rowHeader: true,
        columns: [
          { key: "action", label: "Action", format: "text" },
          { key: "contacts", label: "Contacts", format: "int" },
          ...(d.actions.some((a) => a.heldOut !== undefined) ? [{ key: "heldOut", label: "Held out", format: "int" as const }] : []),
          { key: "cost", label: "Cost", format: "money" },
          { key: "expectedSaving", label: "Expected saving", format: "money" },
          { key: "net", label: "Net", format: "money" },
          { key: "prior", label: "Prior effect", format: "pct" },
          ...(usedKnown ? [{ key: "used", label: "Effect used", format: "pct" as const }, { key: "basis", label: "Effect found by", format: "text" as const }] : []),
          { key: "learned", label: usedKnown ? "Learned in segment cells" : "Learned effect", format: "pct" },
          { key: "ci", label: "95% interval", format: "text" },
          { key: "n", label: "Treated / control", format: "text" },
        ],
        rows: d.actions.map((a) => ({
          action: a.action,
          contacts: a.contacts,
          heldOut: a.heldOut ?? 0,
          cost: a.cost,
          expectedSaving: a.expectedSaving,
          net: a.expectedSaving - a.cost,
          prior: a.priorEffect,
          used: a.effectUsed ?? null,
          basis: a.effectBasis ? BASIS_WORDS[a.effectBasis] : "",
          learned: a.learned?.effect ?? null,
          ci: a.learned ? `${pct1(a.learned.ciLow)} to ${pct1(a.learned.ciHigh)}` : usedKnown ? "–" : "prior only",
          n: a.learned ? `${a.learned.nTreat} / ${a.learned.nControl}` : "–",
        })),
      },
      ...(d.campaignEvidence?.length ? [evidenceTable(d.campaignEvidence, d.actions)] : []),
      ...(d.uplift ? [upliftTable(d.uplift)] : []),
    ],
  };
}

function callListSection(d: PlannerReportData): Section {
  const c = d.callLists;
  const title = "Call lists";
  if (!c?.lists.length) return { id: "call-lists", title, note: c ? "No subscriber is selected, so there is no call list." : "This run wrote no call lists (it was written by an older version)." };
  const fmt: Record<string, string> = { utf8: "UTF-8", "utf8-bom": "UTF-8 with a byte order mark", semicolon: "`;`-separated with decimal commas (UTF-8 with a byte order mark)" };
  return {
    id: "call-lists",
    title,
    intro: `One CSV per team, or per action and channel, in the run folder (${fmt[c.format] ?? c.format}), ready for a CRM or e-mail tool: subscriber id, action, channel (the one the plan offered the action on), priority, contact-by date, reason, offer cost, holdout (yes: the run's control group, listed so that nobody contacts them). A team's contact-by dates follow its capacity (agents × contacts per agent per day, on its workdays).`,
    tables: [
      {
        caption: "Call lists",
        columns: [
          { key: "file", label: "File", format: "text" },
          { key: "contacts", label: "Contacts", format: "int" },
          { key: "capacity", label: "Team capacity per day", format: "text" },
          { key: "lastContactBy", label: "Last contact-by", format: "text" },
        ],
        rows: c.lists.map((l) => ({
          file: l.file,
          contacts: l.contacts,
          capacity: l.team ? `${l.team}: ${(l.perDay ?? 0).toLocaleString("en-US")} (${(l.days ?? 0).toLocaleString("en-US")} workday${l.days === 1 ? "" : "s"})` : "–",
          lastContactBy: l.lastContactBy || "–",
        })),
      },
    ],
  };
}

function topSection(d: PlannerReportData): Section {
  const top = d.top.slice(0, TOP_N);
  if (!top.length) return { id: "top", title: `Top ${TOP_N}`, note: "No subscriber was scored." };
  return {
    id: "top",
    title: `Top ${top.length} subscribers`,
    intro: "Ranked by expected net value of the chosen action (expected saving minus cost). The full list is in the ranked risk list (CSV/Parquet).",
    tables: [
      {
        caption: `Top ${top.length} subscribers with reasons and actions`,
        columns: [
          { key: "rank", label: "#", format: "int" },
          { key: "subscriberId", label: "Subscriber", format: "text" },
          { key: "band", label: "Band", format: "band" },
          { key: "probability", label: "P(churn)", format: "pct" },
          { key: "segment", label: d.segmentLabel, format: "text" },
          { key: "value", label: "Value", format: "money" },
          { key: "action", label: "Action", format: "text" },
          { key: "expectedNet", label: "Expected net", format: "money" },
          { key: "reasons", label: "Reasons", format: "list" },
        ],
        rows: top.map((t) => ({ ...t })),
      },
    ],
  };
}

function contactSection(d: PlannerReportData): Section {
  const c = d.contactRules;
  if (!c) return { id: "contacts", title: "Contact rules and holdout", note: "This run applied no contact rules and kept no holdout." };
  const rows = Object.entries(c.excluded).map(([reason, count]) => ({ reason: EXCLUSION_TEXT[reason] ?? reason, count }));
  const total = rows.reduce((t, r) => t + r.count, 0);
  return {
    id: "contacts",
    title: "Contact rules and holdout",
    intro: `${c.contacted.toLocaleString("en-US")} selected subscribers are to be contacted; ${c.heldOut.toLocaleString("en-US")} (${Math.round(c.holdoutShare * 100)}% of each action's selection) are held out, not contacted, so the next runs learn what each action really does. ${total ? `The contact rules removed ${total.toLocaleString("en-US")} candidates whose best action was worth its cost:` : "The contact rules removed no candidate whose best action was worth its cost."}`,
    tables: total
      ? [{ caption: "Candidates removed by the contact rules", rowHeader: true, columns: [{ key: "reason", label: "Reason", format: "text" }, { key: "count", label: "Removed", format: "int" }], rows }]
      : [],
  };
}

function driftSection(d: PlannerReportData): Section {
  if (!d.drift) return { id: "drift", title: "Data drift", note: "Drift was not checked in this run." };
  const flagged = d.drift.items.filter((i) => i.status !== "ok").sort((a, b) => b.psi - a.psi || a.feature.localeCompare(b.feature));
  if (!flagged.length) return { id: "drift", title: "Data drift", note: `No feature drifted (every PSI below ${d.drift.threshold} against the training data).` };
  const rows = flagged.slice(0, 20).map((i) => ({ ...i }));
  return {
    id: "drift",
    title: "Data drift",
    intro: "Population stability index (PSI) of this run's features against the training data. Above 0.1 is worth a look, above the threshold the scores may be off.",
    items: flagged.map((i) => ({
      text: `${i.feature}: PSI ${i.psi.toFixed(3)}${i.status === "alert" ? ` (above the threshold ${d.drift!.threshold})` : ""}${
        isContactHistoryFeature(i.feature) ? "; contact history, moved by the contacts made since the training data (churn's own runs log theirs): expected while subscribers are being contacted, not a data problem" : ""
      }`,
      level: i.status === "alert" && !isContactHistoryFeature(i.feature) ? "alert" : "warn",
    })),
    charts: [{ id: "drift", title: "Drifting features", alt: `${flagged.length} features drifted; largest PSI ${flagged[0]!.psi.toFixed(3)} (${flagged[0]!.feature}).`, spec: driftChart(rows, d.drift.threshold), data: rows }],
  };
}

function thisRunSummary(d: PlannerReportData): RunSummary {
  const bands = Object.fromEntries(BANDS.map((b) => [b, d.bands.find((x) => x.band === b)?.subscribers ?? 0])) as Record<Band, number>;
  return { runId: d.run.id, asOf: d.run.asOf, scored: d.run.scored, bands, valueAtRisk: sum(d.bands.map((b) => b.valueAtRisk)), budgetUsed: d.budget.used, expectedSaved: d.expectedRevenueSaved };
}

function trendSection(d: PlannerReportData): Section {
  if (!d.trend?.length) return { id: "trend", title: "Trend", note: "No earlier runs to compare with: this is the first scoring run." };
  const earlier = d.trend.filter((r) => r.runId !== d.run.id);
  // runs of flat tables have no as-of date: they keep their order (by run time), this run last
  const byRun = earlier.some((r) => !r.asOf) || !d.run.asOf;
  const runs = byRun ? [...earlier, thisRunSummary(d)] : [...earlier, thisRunSummary(d)].sort((a, b) => a.asOf.localeCompare(b.asOf) || a.runId.localeCompare(b.runId));
  const rows = runs.flatMap((r) => BANDS.map((b) => ({ asOf: r.asOf, run: r.runId, band: b, subscribers: r.bands[b] })));
  return {
    id: "trend",
    title: "Trend against earlier runs",
    charts: [
      {
        id: "trend",
        title: "Subscribers per band by run",
        alt: byRun ? `${runs.length} runs, from ${runs[0]!.runId} to ${runs[runs.length - 1]!.runId}.` : `${runs.length} runs from ${runs[0]!.asOf} to ${runs[runs.length - 1]!.asOf}.`,
        spec: trendChart(rows, byRun),
        data: rows,
      },
    ],
    tables: [
      {
        caption: "Runs",
        rowHeader: true,
        columns: [
          // flat-table runs have no as-of date: the run is the row's name
          ...(byRun ? [] : [{ key: "asOf", label: "As of", format: "date" as const }]),
          { key: "runId", label: "Run", format: "text" },
          { key: "scored", label: "Scored", format: "int" },
          ...BANDS.map((b) => ({ key: b, label: b, format: "int" as const })),
          { key: "valueAtRisk", label: "Value at risk", format: "money" },
          { key: "budgetUsed", label: "Budget used", format: "money" },
          { key: "expectedSaved", label: "Expected saved", format: "money" },
        ],
        rows: runs.map((r) => ({ asOf: r.asOf, runId: r.runId, scored: r.scored, ...r.bands, valueAtRisk: r.valueAtRisk, budgetUsed: r.budgetUsed, expectedSaved: r.expectedSaved })),
      },
    ],
  };
}

function changesSection(d: PlannerReportData): Section {
  const c = d.changes;
  const title = "What changed since the last run";
  if (!c) return { id: "changes", title, note: (d.earlierRuns ?? []).length ? "The earlier runs in this folder hold no risk list to compare with (they were written by an older version)." : "This is the first run in its folder: nothing to compare with yet." };
  const figures: Figure[] = [
    { label: "Newly critical", value: c.newlyCritical, format: "int", band: "critical", hint: "critical now, not before" },
    { label: "Newly high", value: c.newlyHigh, format: "int", band: "high", hint: "high now, lower or not scored before" },
    { label: "Moved down", value: c.movedDown, format: "int", hint: "in a lower risk band than before" },
    // a flat table has no deactivation dates: who is no longer in it is what can be told
    c.previous.asOf
      ? { label: "Left", value: c.left, format: "int", hint: `deactivated since ${c.previous.asOf}` }
      : { label: "Not in this table", value: c.notInData, format: "int", hint: `scored in run ${c.previous.runId}, absent now` },
  ];
  const contacted = c.contacted.reduce((a, x) => a + x.selected, 0);
  const order = [...BANDS, "left", "not in data"];
  const froms = ["new", ...BANDS].filter((f) => c.transitions.some((t) => t.from === f));
  const tos = order.filter((t) => c.transitions.some((x) => x.to === t));
  const cell = new Map(c.transitions.map((t) => [`${t.from}\u0000${t.to}`, t.subscribers]));
  const tables: Table[] = [
    {
      caption: `Risk band in run ${c.previous.runId} (rows) and now (columns)`,
      rowHeader: true,
      columns: [{ key: "from", label: "Before", format: "text" }, ...tos.map((t) => ({ key: t, label: t, format: "int" as const }))],
      rows: froms.map((f) => Object.fromEntries([["from", f === "new" ? "not scored" : f], ...tos.map((t) => [t, cell.get(`${f}\u0000${t}`) ?? 0])])),
    },
  ];
  const grouped = c.contacted.some((x) => x.group !== undefined);
  if (c.contacted.length)
    tables.push({
      caption: `The ${contacted.toLocaleString("en-US")} subscribers run ${c.previous.runId} selected for an action, by action${grouped ? " and group (contacted, or held out as its control group)" : ""}: where they are now`,
      rowHeader: true,
      columns: [
        { key: "action", label: "Action", format: "text" },
        ...(grouped ? [{ key: "group", label: "Group", format: "text" as const }] : []),
        { key: "selected", label: "Selected", format: "int" },
        { key: "left", label: "Left", format: "int" },
        { key: "down", label: "Lower band", format: "int" },
        { key: "same", label: "Same band", format: "int" },
        { key: "up", label: "Higher band", format: "int" },
        { key: "notInData", label: "Not in the data", format: "int" },
      ],
      rows: c.contacted.map((x) => ({ ...x })),
    });
  if (c.newlyAtRisk.length)
    tables.push({
      caption: `Newly critical or high, highest risk first (${c.newlyAtRisk.length} of ${(c.newlyCritical + c.newlyHigh).toLocaleString("en-US")}; all changes in changes.csv)`,
      columns: [
        { key: "subscriberId", label: "Subscriber", format: "text" },
        { key: "previousBand", label: "Before", format: "band" },
        { key: "band", label: "Now", format: "band" },
        { key: "probability", label: "P(churn)", format: "pct" },
        { key: "action", label: "Action", format: "text" },
        { key: "reasons", label: "Reasons", format: "list" },
      ],
      rows: c.newlyAtRisk.map((x) => ({ ...x, previousBand: x.previousBand ?? "not scored" })),
    });
  return {
    id: "changes",
    title,
    intro: `Against run ${c.previous.runId}${c.previous.asOf ? ` (as of ${c.previous.asOf})` : ""}. ${c.new.toLocaleString("en-US")} subscribers are scored for the first time; ${c.movedUp.toLocaleString("en-US")} moved up a band.${c.notInData ? ` ${c.notInData.toLocaleString("en-US")} scored then are not in this run's data at all.` : ""}${!c.contacted.length ? ` Run ${c.previous.runId} selected no one for an action.` : grouped ? ` Those the previous plan selected are shown apart: contacted, or held out as its control group${c.previous.asOf ? " (who left among each is a first sign of what the action did; `churn evaluate` measures it once the horizon has passed)" : ""}.` : " The previous plan's selections are shown as selected: that run did not record which were contacted and which held out."}`,
    figures,
    figureColumns: 4,
    tables,
  };
}

/** Why there is no outcome to show: no earlier run, none evaluated yet (and the command to run), or none past its horizon. */
export function outcomeNote(d: PlannerReportData): string {
  if (!d.run.asOf) return msg.outcomeFlatTable();
  const earlier = (d.earlierRuns ?? []).filter((r) => r.asOf < d.run.asOf);
  if (!earlier.length) return msg.outcomeFirstRun();
  // the most recent run whose horizon has passed (or whose horizon is not recorded) and that was not evaluated
  const due = [...earlier].reverse().find((r) => !r.evaluated && (r.horizonEnd === null || r.horizonEnd <= d.run.asOf));
  if (due) return msg.outcomeNotEvaluated(due.runId, due.dir, due.horizonEnd);
  const oldest = earlier[0]!;
  return msg.outcomePending(oldest.runId, oldest.asOf, oldest.horizonEnd ?? "?");
}

function outcomeSection(d: PlannerReportData): Section {
  const o = d.outcome;
  if (!o) return { id: "outcome", title: "Outcome of an earlier run", note: outcomeNote(d) };
  const rows = BANDS.map((b) => {
    const x = o.byBand.find((r) => r.band === b);
    return { band: b, subscribers: x?.subscribers ?? 0, churned: x?.churned ?? 0, churnRate: x && x.subscribers > 0 ? x.churned / x.subscribers : null };
  });
  const chartRows = rows.filter((r) => r.churnRate !== null);
  return {
    id: "outcome",
    title: `Outcome of run ${o.runId}`,
    intro: `Run ${o.runId} scored subscribers as of ${o.asOf}; its ${o.horizonDays}-day horizon has passed, so we can see what happened.${o.modelSaw && o.modelSaw.role !== "unseen" ? ` ${msg.evaluateModelSaw(o.asOf, o.modelSaw).replace(/^note: /, "").replace(/^./, (c) => c.toUpperCase())}` : ""}`,
    figures: [
      { label: "ROC-AUC of that run's scores", value: o.auc, format: "num3" },
      { label: "Lift in the top 10%", value: o.lift10, format: "num" },
      { label: "Selected customers who stayed", value: o.selected > 0 ? o.selectedStayed / o.selected : null, format: "pct", hint: `${o.selectedStayed.toLocaleString("en-US")} of ${o.selected.toLocaleString("en-US")}` },
    ],
    charts: [{ id: "outcome", title: "Realised churn rate by band", alt: chartRows.map((r) => `${r.band} ${((r.churnRate ?? 0) * 100).toFixed(1)}%`).join(", "), spec: outcomeChart(chartRows), data: chartRows }],
    tables: [
      {
        caption: "Realised churn by band",
        rowHeader: true,
        columns: [
          { key: "band", label: "Band", format: "band" },
          { key: "subscribers", label: "Subscribers", format: "int" },
          { key: "churned", label: "Churned", format: "int" },
          { key: "churnRate", label: "Churn rate", format: "pct" },
        ],
        rows,
      },
    ],
  };
}

const KPI_FORMAT: Record<KpiId, "pct" | "money"> = {
  churnRate: "pct",
  retentionRate: "pct",
  arpu: "money",
  lifetimeRevenue: "money",
  multiProductRate: "pct",
  complaintRate: "pct",
};

function kpiSection(d: PlannerReportData): Section {
  const k = d.kpis;
  if (!k?.rows.length) {
    const why = k?.leftOut.length ? ` every month asked for (${k.leftOut[0]!.slice(0, 7)} to ${k.leftOut[k.leftOut.length - 1]!.slice(0, 7)}) lies before the data start (${k.dataStart?.slice(0, 7)}).` : " they are computed only when scoring from raw tables (--data).";
    return { id: "kpis", title: "Loyalty KPIs", note: `Loyalty KPIs were not computed for this run:${why}` };
  }
  const cur = d.run.currency;
  const label = (id: KpiId) => (KPI_FORMAT[id] === "money" && cur ? `${KPI_LABELS[id]}, ${cur}` : KPI_LABELS[id]);
  const computed = KPI_IDS.filter((id) => k.computed.includes(id));
  const chartRows = k.rows.flatMap((r) =>
    computed.flatMap((id) => {
      const v = r[id];
      return v === null ? [] : [{ month: r.month, segment: r.segment, kpi: label(id), value: KPI_FORMAT[id] === "pct" ? v * 100 : v }];
    }),
  );
  const segments = [ALL_SEGMENTS, ...[...new Set(k.rows.map((r) => r.segment))].filter((s) => s !== ALL_SEGMENTS).sort()];
  const firstMonth = k.months[0]!.slice(0, 7);
  const lastMonth = k.months[k.months.length - 1]!;
  const latest = k.rows.filter((r) => r.month === lastMonth);
  const items: { text: string; level: "info" }[] = k.skipped.map((s) => ({ text: `${KPI_LABELS[s.kpi]} skipped: the ${s.table} table is absent.`, level: "info" }));
  if (k.leftOut.length)
    items.push({ text: `${k.leftOut.length === 1 ? k.leftOut[0]!.slice(0, 7) : `${k.leftOut[0]!.slice(0, 7)} to ${k.leftOut[k.leftOut.length - 1]!.slice(0, 7)}`} left out: the data start in ${k.dataStart!.slice(0, 7)} (first recorded deactivation), so earlier months would show no churn.`, level: "info" });
  const renewals = d.renewals?.months.filter((m) => m.ending > 0) ?? [];
  if (!renewals.length) items.push({ text: d.renewals?.note ?? NO_RENEWALS, level: "info" });
  const charts: Chart[] = computed.map((id) => {
    const rows = chartRows.filter((r) => r.kpi === label(id));
    return { id: `kpi-${id}`, title: label(id), alt: `${label(id)} by month from ${firstMonth} to ${lastMonth.slice(0, 7)}, one line per ${k.segmentColumn ?? "segment"}.`, spec: kpiChart(rows, label(id), segments), data: rows };
  });
  const tables: Table[] = [
    {
      caption: `KPIs for ${lastMonth.slice(0, 7)}`,
      rowHeader: true,
      columns: [
        { key: "segment", label: "Segment", format: "text" },
        { key: "customersStart", label: "Customers at start", format: "int" },
        ...computed.map((id) => ({ key: id, label: KPI_LABELS[id].replace(/ \(.*\)$/, ""), format: KPI_FORMAT[id] })),
      ],
      rows: latest.map((r) => ({ ...r })),
    },
  ];
  if (renewals.length) {
    const rows = renewals.map((m) => ({ month: m.month, segment: ALL_SEGMENTS, value: (m.renewed / m.ending) * 100 }));
    charts.push({ id: "kpi-renewalRate", title: "Contract renewal rate (%)", alt: `Renewal rate of fixed-term contracts by month their term ended, from renewal events between runs: ${renewals.map((m) => `${m.month.slice(0, 7)} ${((m.renewed / m.ending) * 100).toFixed(1)}%`).join(", ")}.`, spec: kpiChart(rows, "Contract renewal rate (%)", [ALL_SEGMENTS]), data: rows });
    tables.push({
      caption: "Fixed-term contracts whose term ended, by month (renewal events seen between runs)",
      rowHeader: true,
      columns: [
        { key: "month", label: "Term ended in", format: "text" },
        { key: "ending", label: "Contracts", format: "int" },
        { key: "renewed", label: "Renewed", format: "int" },
        { key: "rolledOver", label: "Out of contract, stayed", format: "int" },
        { key: "left", label: "Left", format: "int" },
        { key: "rate", label: "Renewal rate", format: "pct" },
      ],
      rows: renewals.map((m) => ({ ...m, month: m.month.slice(0, 7), rate: m.renewed / m.ending })),
    });
  }
  return {
    id: "kpis",
    title: "Loyalty KPIs",
    intro: `Monthly, by ${k.segmentColumn ?? "all subscribers"}, computed from the raw tables; ${firstMonth} to ${lastMonth.slice(0, 7)}. Retention rate = (customers at end − new customers) ÷ customers at start. Lifetime revenue = ARPU × expected lifetime (1 ÷ churn rate, at most 60 months), a revenue proxy, not the customer value of the plan.${renewals.length ? " Renewal rate = share of fixed-term contracts whose term ended in the month and whose end date then moved forward while the subscriber stayed (seen by comparing runs)." : ""}`,
    ...(items.length ? { items } : {}),
    charts,
    tables,
  };
}

const NO_RENEWALS =
  "Contract renewal rate not shown: the subscribers table keeps only each contract's current end date, so a renewal (the end date moving forward) is seen only by comparing runs. It appears once a run follows an earlier one that saw a fixed term end in between.";

/** What the page script reads: the problem (exact mode) or the plan at each curve point (points mode). */
function pageData(w: WhatIfData): Record<string, unknown> {
  const cap = w.periodAvailable === undefined ? {} : { periodAvailable: w.periodAvailable };
  return w.problem ? { problem: w.problem, ...cap } : { points: w.points, summaries: w.summaries ?? [] };
}

/** Build the planner report document from its data. */
export function buildPlannerReport(d: PlannerReportData): ReportDoc {
  return {
    kind: "planner-report",
    // a flat table has no as-of date: the run names the page
    title: `Retention plan: ${d.run.asOf || d.run.id}`,
    subtitle: "Who is likely to leave, what to do about it, at what cost and for what expected return.",
    meta: [
      { label: "Run", value: d.run.id },
      ...(d.run.asOf ? [{ label: "As of", value: d.run.asOf }] : []),
      { label: "Model", value: d.run.modelId },
      // no "Created": the report's data carry the as-of day there (a re-run writes the same bytes), which read as
      // the day the run was made; the run manifest has the real time (created_at)
    ],
    currency: d.run.currency,
    sections: [headline(d), whatIfSection(d.whatIf, d.run.currency), changesSection(d), matrixSection(d), actionSection(d), contactSection(d), callListSection(d), topSection(d), driftSection(d), trendSection(d), outcomeSection(d), kpiSection(d)],
    ...(d.whatIf ? { script: { data: { currency: d.run.currency, whatIf: pageData(d.whatIf) }, code: whatIfPageSource() } } : {}),
  };
}
