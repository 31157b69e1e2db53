/**
 * The planner summary of a scoring run (summary.json, and the planner report's data): one pass over the ranked
 * plan rows gives the subscribers per band, the band × main-driver matrix with value at risk, per-action totals
 * (contacts, cost, expected saving, the prior effect and, where campaigns taught one, the learned effect averaged
 * over the contacts), the top TOP_N rows with their reasons in words, and the counts per band and per action that
 * the run manifest reconciles. Pure: values in, values out.
 */
import { BANDS } from "../ids.js";
import type { DriftSummary } from "../monitoring/drift.js";
import { type EffectEstimate, effectKey, pooledEvidence } from "../retention/effects.js";
import type { Plan } from "../retention/plan.js";
import type { KpiResult } from "./kpis.js";
import {
  type ActionSummary,
  type BandSummary,
  type ContactRulesSummary,
  type PeriodBudgetSummary,
  type PlannerReportData,
  TOP_N,
  type TopSubscriber,
  type UpliftReport,
} from "./planner-report.js";

/** summary.json: PlannerReportData without trend/outcome, plus the effects table and how they were found. */
export type RunSummaryFile = Omit<PlannerReportData, "trend" | "outcome"> & {
  effects: {
    source: "learned" | "prior";
    note: string;
    /** churn_treat / churn_control: observed churn rates of the campaign groups (null when a group is empty; absent in runs written before they were recorded). */
    cells: { action: string; segment: string; effect: number; ci_low: number; ci_high: number; n_treat: number; n_control: number; churn_treat?: number | null; churn_control?: number | null; prior: number; source: string }[];
  };
};

export interface SummariseInput {
  /** The ranked plan. */
  plan: Plan;
  /** Reasons in words of the subscriber at input position i (only asked for the top rows). */
  reasons: (i: number) => string[];
  effects: {
    source: "learned" | "prior";
    note: string;
    estimates: readonly EffectEstimate[];
    report?: UpliftReport | undefined;
    /** What the plan bought with, when campaigns were learned from (absent: the cells or priors as they are). */
    method?: UpliftReport["method"] | undefined;
  };
  drift: DriftSummary;
  kpis?: KpiResult | undefined;
  run: { id: string; asOf: string; modelId: string; scored: number; currency: string };
  /** The model's backtest of its expected churners, when it has one. */
  expectedBacktest?: PlannerReportData["expectedChurnersBacktest"] | undefined;
  /** The run's budget (null: no limit, reported as the amount spent). */
  budget: number | null;
  /** The contact rules' exclusions and the holdout share, when the run applied them. */
  contactRules?: { holdoutShare: number } | undefined;
  periodBudget?: PeriodBudgetSummary | undefined;
}

export interface PlanSummary {
  summary: RunSummaryFile;
  /** Subscribers per band, every band present (BANDS order). */
  perBand: Record<string, number>;
  /** Selected subscribers per action, in order of first selection, then `none` for the unselected. */
  perAction: Record<string, number>;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
/** The report labels every effect interval as 95%. */
const EVIDENCE_CONFIDENCE = 0.95;

interface ActionTotals {
  contacts: number;
  heldOut: number;
  cost: number;
  saving: number;
  prior: number;
  /** Sum of the effects the plan bought with, and how many of the contacts had a per-subscriber (uplift) one. */
  used: number;
  uplift: number;
  learnedW: number;
  eff: number;
  lo: number;
  hi: number;
  cells: Set<string>;
}

/**
 * Summarise a ranked plan for the planner.
 * @example summarisePlan({ plan, reasons: () => [], effects, drift: noDrift(0.1, 0.25), run, budget: 1000 }).summary.actions
 */
export function summarisePlan(o: SummariseInput): PlanSummary {
  const { plan } = o;
  const est = new Map(o.effects.estimates.map((e) => [effectKey(e.action, e.segment), e]));
  const perAction = new Map<string, ActionTotals>();
  const matrix = new Map<string, { band: (typeof BANDS)[number]; segment: string; subscribers: number; valueAtRisk: number }>();
  const top: TopSubscriber[] = [];
  const perBand: Record<string, number> = Object.fromEntries(BANDS.map((b) => [b, 0]));
  const perActionCount: Record<string, number> = {};
  // the contacted subscribers' expected saving bought with prior effects alone
  let savingOnPriors = 0;
  for (let k = 0; k < plan.size; k++) {
    const row = plan.row(k);
    perBand[row.risk_band] = (perBand[row.risk_band] ?? 0) + 1;
    const mk = `${row.risk_band}\u0000${row.main_driver}`;
    const m = matrix.get(mk) ?? { band: row.risk_band, segment: row.main_driver, subscribers: 0, valueAtRisk: 0 };
    m.subscribers++;
    m.valueAtRisk += row.value_at_risk;
    matrix.set(mk, m);
    if (row.selected) {
      perActionCount[row.recommended_action] = (perActionCount[row.recommended_action] ?? 0) + 1;
      const a = perAction.get(row.recommended_action) ?? { contacts: 0, heldOut: 0, cost: 0, saving: 0, prior: 0, used: 0, uplift: 0, learnedW: 0, eff: 0, lo: 0, hi: 0, cells: new Set<string>() };
      perAction.set(row.recommended_action, a);
      if (row.group === "control") a.heldOut++;
      else {
        const e = est.get(effectKey(row.recommended_action, row.segment));
        a.contacts++;
        a.cost += row.action_cost;
        a.saving += row.expected_saving;
        if (row.effect_source === "prior") savingOnPriors += row.expected_saving;
        a.prior += e?.prior ?? row.effect;
        a.used += row.effect;
        if (row.effect_source === "uplift") a.uplift++;
        if (e?.source === "learned") {
          a.learnedW++;
          a.eff += e.effect;
          a.lo += e.ci_low;
          a.hi += e.ci_high;
          a.cells.add(row.segment);
        }
      }
    }
    if (k < TOP_N) {
      top.push({
        rank: row.rank,
        subscriberId: row.subscriber_id,
        probability: Math.round(row.churn_probability * 1e6) / 1e6,
        band: row.risk_band,
        segment: row.main_driver,
        value: round2(row.customer_value),
        action: row.recommended_action,
        expectedNet: round2(row.expected_net_value),
        reasons: o.reasons(plan.index(k)),
      });
    }
  }
  perActionCount["none"] = plan.size - Object.values(perActionCount).reduce((a, b) => a + b, 0);

  const actions: ActionSummary[] = [...perAction.entries()]
    .sort((a, b) => b[1].contacts - a[1].contacts || a[0].localeCompare(b[0]))
    .map(([action, a]) => actionSummary(action, a, est, o.effects.method));
  const bands: BandSummary[] = plan.totals.byBand.map((t) => ({ band: t.key as BandSummary["band"], subscribers: t.subscribers, valueAtRisk: round2(t.value_at_risk), selected: t.contacts }));
  const spent = round2(plan.spent);
  const d = o.drift;
  const saving = [...perAction.values()].reduce((t, a) => t + a.saving, 0);
  const evidence = pooledEvidence(o.effects.estimates, EVIDENCE_CONFIDENCE).map((e) => ({
    ...e,
    effect: round4(e.effect),
    ciLow: round4(e.ciLow),
    ciHigh: round4(e.ciHigh),
  }));
  const summary: RunSummaryFile = {
    kind: "planner-report",
    // createdAt: the as-of day (taken from the inputs), so a re-run writes the same bytes
    run: { id: o.run.id, asOf: o.run.asOf, createdAt: o.run.asOf, modelId: o.run.modelId, scored: o.run.scored, currency: o.run.currency },
    bands,
    budget: { total: o.budget ?? spent, used: spent, ...(o.budget === null ? { unlimited: true } : {}) },
    expectedRevenueSaved: round2(plan.totals.all.expected_saving),
    // as a share of the contacted subscribers' saving, applied to the total (the same rows in a plain run)
    expectedRevenueSavedOnPriors: saving > 0 ? round2((savingOnPriors / saving) * plan.totals.all.expected_saving) : 0,
    expectedChurners: round2(plan.totals.all.expected_churners),
    ...(o.expectedBacktest ? { expectedChurnersBacktest: o.expectedBacktest } : {}),
    segmentLabel: "main driver",
    matrix: [...matrix.values()]
      .sort((a, b) => BANDS.indexOf(a.band) - BANDS.indexOf(b.band) || a.segment.localeCompare(b.segment))
      .map((m) => ({ ...m, valueAtRisk: round2(m.valueAtRisk) })),
    actions,
    top,
    drift: {
      threshold: d.threshold,
      items: (d.score ? [d.score, ...d.features] : []).map((e) => ({ feature: e.feature, psi: e.psi, status: e.status })),
    },
    effectsNote: o.effects.note,
    ...(o.effects.report ? { uplift: o.effects.report } : {}),
    ...(evidence.length ? { campaignEvidence: evidence } : {}),
    effects: {
      source: o.effects.source,
      note: o.effects.note,
      cells: o.effects.estimates.map((e) => ({
        action: e.action,
        segment: e.segment,
        effect: e.effect,
        ci_low: e.ci_low,
        ci_high: e.ci_high,
        n_treat: e.n_treat,
        n_control: e.n_control,
        churn_treat: Number.isFinite(e.churn_treat) ? e.churn_treat : null,
        churn_control: Number.isFinite(e.churn_control) ? e.churn_control : null,
        prior: e.prior,
        source: e.source,
      })),
    },
  };
  if (o.kpis?.rows.length) summary.kpis = o.kpis;
  if (o.contactRules) {
    const c: ContactRulesSummary = { excluded: { ...plan.excluded }, contacted: plan.totals.all.contacts, heldOut: plan.totals.all.held_out, holdoutShare: o.contactRules.holdoutShare };
    summary.contactRules = c;
  }
  if (o.periodBudget) summary.periodBudget = o.periodBudget;
  if (!d.checked) delete summary.drift;
  return { summary, perBand, perAction: perActionCount };
}

/**
 * Per-action totals; the learned effect is the mean over the contacts in learned cells, the counts those cells' groups;
 * the effect used the mean over every contact of the effect the plan bought with, and its basis how it was found.
 */
function actionSummary(action: string, a: ActionTotals, est: ReadonlyMap<string, EffectEstimate>, method: SummariseInput["effects"]["method"]): ActionSummary {
  const s: ActionSummary = { action, contacts: a.contacts, cost: round2(a.cost), expectedSaving: round2(a.saving), priorEffect: a.contacts ? a.prior / a.contacts : 0 };
  if (a.contacts) {
    s.effectUsed = round4(a.used / a.contacts);
    s.effectBasis = a.uplift > 0 ? (method === "uplift" ? "uplift" : "per_action") : a.learnedW > 0 ? "cells" : "prior";
  }
  if (a.heldOut) s.heldOut = a.heldOut;
  if (a.learnedW > 0) {
    let nT = 0;
    let nC = 0;
    for (const seg of a.cells) {
      const e = est.get(effectKey(action, seg))!;
      nT += e.n_treat;
      nC += e.n_control;
    }
    s.learned = { effect: a.eff / a.learnedW, ciLow: a.lo / a.learnedW, ciHigh: a.hi / a.learnedW, nTreat: nT, nControl: nC };
  }
  return s;
}
