/**
 * `churn simulate`: what a plan would really achieve in a generated world, from the generator's true churn
 * probabilities and true action effects (truth/), against three baselines and the oracle at the same spend:
 *   plan             the run's selected subscribers and actions, its holdout left out (they were not contacted)
 *   random           random subscribers, each with a random catalogue action, until the plan's spend is used;
 *                    mean over `draws` seeded draws
 *   top_risk_first   one action for everyone, to the highest-probability subscribers until the plan's spend is
 *                    used: the action with the best effect as the run knew it (learned from campaigns where it
 *                    was, else the catalogue's prior), averaged over the run's subscribers' segments; never an
 *                    action whose campaigns show it raising churn (treated churn above control churn), nor one
 *                    whose effect is not positive
 *   best_per_segment the same, but each subscriber gets the action with the best effect in their own segment
 *                    (same exclusions)
 *   oracle           the best plan the same budget could buy knowing the true effects: the plan's budget
 *                    selection (budget.ts) over every subscriber and catalogue action, valued with the true
 *                    p - p', with the same budget (the run's; none when the run had none) and the same
 *                    action capacities
 * The baselines know what the plan knew (the run's effect table in summary.json), so they are fair rivals.
 * For each: contacts, cost, churners_saved = sum over contacted of (p - p'), revenue_saved = sum over
 * contacted of (p - p') x the customer value the plan used for that subscriber (the same value for all, so
 * they compare), net_value = revenue_saved - cost, harmful_contacts = contacts whose true effect raises
 * churn (p' > p). p = true 30-day churn probability at the month start after the run's as-of (as_of + 1
 * day, or the first of the next month), p' = after the action (truth/ effect formula).
 * `plan_share_of_oracle` = plan net value / oracle net value.
 */
import { rng } from "../rng.js";
import type { Config } from "../config/schema.js";
import type { ActionId } from "../contract/tables.js";
import { InputDataError } from "../errors.js";
import { quoteLiteral, withDb } from "../io/duckdb.js";
import { fileExists } from "../io/files.js";
import { msg } from "../messages.js";
import type { ActionDef } from "../config/catalog.js";
import { priorEffect } from "../retention/catalog.js";
import { selectActions } from "../retention/budget.js";
import { actionCost } from "../retention/expected.js";
import { loadTruth } from "../synth/index.js";
import { readRun, type RunSummaryFile } from "./run-dir.js";

export interface SimOutcome {
  contacts: number;
  cost: number;
  churners_saved: number;
  revenue_saved: number;
  net_value: number;
  harmful_contacts: number;
}

/** Per action: contacts and true net value (revenue saved - cost), most net value first. */
export type ByAction = Record<string, { contacts: number; net_value: number }>;

export interface ExcludedAction {
  action: string;
  why: string;
}

export interface SimulateResult {
  plan: SimOutcome & { by_action: ByAction };
  random: SimOutcome & { draws: number };
  /** `effect`: the action's effect averaged over the run's subscribers (its source: learned in some segment, or prior). */
  top_risk_first: SimOutcome & { action: string; effect: number; source: "learned" | "prior"; excluded: ExcludedAction[] };
  /** Actions used, with how many subscribers got each. */
  best_per_segment: SimOutcome & { actions: Record<string, number> };
  oracle: SimOutcome & { budget: number | null; by_action: ByAction };
  /** plan net value / oracle net value (null when the oracle finds nothing worth buying). */
  plan_share_of_oracle: number | null;
  month_start: string;
  subscribers: number;
  not_in_truth: number;
}


type EffectCell = RunSummaryFile["effects"]["cells"][number];

/**
 * The effect of each action per segment as the run planned with it (its effect table; the catalogue prior for a
 * cell it lacks), and each action's mean over the given subscribers' segments.
 */
export function effectTable(cells: readonly EffectCell[] | undefined, actions: readonly ActionDef[], segments: readonly string[]) {
  const cell = new Map<string, EffectCell>((cells ?? []).map((c) => [`${c.action}\u0000${c.segment}`, c]));
  const at = (action: string, segment: string): number => {
    const c = cell.get(`${action}\u0000${segment}`);
    if (c) return c.effect;
    const a = actions.find((x) => x.id === action);
    return a ? priorEffect(a, segment) : 0;
  };
  const count = new Map<string, number>();
  for (const s of segments) count.set(s, (count.get(s) ?? 0) + 1);
  const mean = new Map<string, number>();
  const learned = new Set<string>();
  for (const a of actions) {
    let sum = 0;
    for (const [seg, n] of count) {
      sum += n * at(a.id, seg);
      if (cell.get(`${a.id}\u0000${seg}`)?.source === "learned") learned.add(a.id);
    }
    mean.set(a.id, segments.length ? sum / segments.length : a.effect.default);
  }
  return { at, mean, learned };
}

/**
 * Actions a fair baseline must not use: those whose campaigns show them raising churn (pooled over segments,
 * treated churn rate above the control churn rate), and those whose effect over the run's subscribers is not positive.
 */
export function excludedActions(cells: readonly EffectCell[] | undefined, actions: readonly ActionDef[], known: { mean: Map<string, number> }): ExcludedAction[] {
  const out: ExcludedAction[] = [];
  for (const a of actions) {
    let nT = 0;
    let cT = 0;
    let nC = 0;
    let cC = 0;
    for (const c of cells ?? []) {
      if (c.action !== a.id || !(c.n_treat > 0 && c.n_control > 0) || c.churn_treat == null || c.churn_control == null) continue;
      nT += c.n_treat;
      cT += c.n_treat * c.churn_treat;
      nC += c.n_control;
      cC += c.n_control * c.churn_control;
    }
    if (nT > 0 && nC > 0 && cT / nT > cC / nC) {
      out.push({ action: a.id, why: msg.simulateRaisesChurn(a.id, cT / nT, nT, cC / nC, nC) });
      continue;
    }
    const e = known.mean.get(a.id) ?? 0;
    if (!(e > 0)) out.push({ action: a.id, why: msg.simulateNoGain(a.id, e) });
  }
  return out;
}

export function monthStartAfter(asOf: string): string {
  const d = new Date(`${asOf}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  if (d.getUTCDate() !== 1) d.setUTCMonth(d.getUTCMonth() + 1, 1);
  return d.toISOString().slice(0, 10);
}

const r2 = (v: number) => Math.round(v * 100) / 100;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

export async function simulateRun(o: { plan: string; truth: string; config: Config; draws?: number | undefined; seed?: number | undefined }): Promise<SimulateResult> {
  // the world's folder itself (WORLD rather than WORLD/truth) is what a user types first: take its truth/
  if (!fileExists(`${o.truth}/monthly.parquet`) && fileExists(`${o.truth}/truth/monthly.parquet`)) o = { ...o, truth: `${o.truth}/truth` };
  if (!fileExists(`${o.truth}/monthly.parquet`)) throw new InputDataError(msg.simulateNoTruth(o.truth));
  const run = await readRun(o.plan);
  const monthStart = run.manifest.as_of ? monthStartAfter(run.manifest.as_of) : undefined;
  const truth = await loadTruth(o.truth, monthStart ? { monthStart } : {});
  const riskList = quoteLiteral(`${o.plan}/risk_list.parquet`);
  const rows = await withDb(async (db) => {
    // runs before holdouts have no group column: every selected subscriber was contacted
    const hasGroup = (await db.describe(`SELECT * FROM read_parquet(${riskList})`)).some((c) => c.name === "group");
    return db.all(
      `SELECT subscriber_id, probability, arpu, customer_value, segment, action, action_cost, selected, ${hasGroup ? '"group"' : "NULL"} AS grp FROM read_parquet(${riskList}) ORDER BY rank`,
    );
  });
  const subs: { id: string; p: number; arpu: number; cv: number; segment: string; action: string; cost: number; selected: boolean; heldOut: boolean }[] = [];
  let missing = 0;
  for (const r of rows) {
    const id = String(r["subscriber_id"]);
    if (truth.pAfter(id, "none") === undefined) {
      missing++;
      continue;
    }
    subs.push({
      id,
      p: Number(r["probability"]),
      arpu: Number(r["arpu"] ?? 0),
      cv: Number(r["customer_value"]),
      segment: String(r["segment"] ?? "all"),
      action: String(r["action"]),
      cost: Number(r["action_cost"]),
      selected: r["selected"] === "yes",
      heldOut: r["grp"] === "control",
    });
  }
  if (!subs.length) throw new InputDataError(msg.simulateNoOverlap(o.plan, truth.monthStart));
  const gain = (s: { id: string }, action: string) => {
    const p = truth.pAfter(s.id, "none")!;
    const q = truth.pAfter(s.id, action as ActionId) ?? p;
    return p - q;
  };
  type Pick = { s: (typeof subs)[number]; action: string; cost: number };
  /** One pass over the picks: the outcome, and contacts and true net value per action (most net value first). */
  const tally = (picks: Pick[]): { outcome: SimOutcome; byAction: ByAction } => {
    let cost = 0;
    let saved = 0;
    let revenue = 0;
    let harmful = 0;
    const per = new Map<string, { contacts: number; net: number }>();
    for (const k of picks) {
      const g = gain(k.s, k.action);
      cost += k.cost;
      saved += g;
      revenue += g * k.s.cv;
      if (g < 0) harmful++;
      const e = per.get(k.action) ?? { contacts: 0, net: 0 };
      e.contacts++;
      e.net += g * k.s.cv - k.cost;
      per.set(k.action, e);
    }
    const rows = [...per].sort((a, b) => b[1].net - a[1].net || a[0].localeCompare(b[0]));
    return {
      outcome: { contacts: picks.length, cost: r2(cost), churners_saved: r3(saved), revenue_saved: r2(revenue), net_value: r2(revenue - cost), harmful_contacts: harmful },
      byAction: Object.fromEntries(rows.map(([a, e]) => [a, { contacts: e.contacts, net_value: r2(e.net) }])),
    };
  };
  const outcome = (picks: Pick[]): SimOutcome => tally(picks).outcome;
  // plan
  const planPicks = subs.filter((s) => s.selected && !s.heldOut && s.action !== "none").map((s) => ({ s, action: s.action, cost: s.cost }));
  const planTally = tally(planPicks);
  const plan = { ...planTally.outcome, by_action: planTally.byAction };
  const budget = plan.cost;
  const actions = o.config.retention.actions.filter((a) => a.id !== "none");
  // random: random subscribers with random actions until the plan's spend is used
  const draws = o.draws ?? 5;
  const rnd = rng(o.seed ?? o.config.seed);
  const acc = { contacts: 0, cost: 0, churners_saved: 0, revenue_saved: 0, net_value: 0, harmful_contacts: 0 };
  for (let d = 0; d < draws; d++) {
    const order = subs.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let spent = 0;
    const picks: Pick[] = [];
    for (const i of order) {
      const s = subs[i]!;
      const a = actions[Math.floor(rnd() * actions.length)]!;
      const c = actionCost(a, s.arpu);
      if (spent + c > budget) continue;
      spent += c;
      picks.push({ s, action: a.id, cost: c });
      if (spent >= budget) break;
    }
    const oc = outcome(picks);
    acc.contacts += oc.contacts;
    acc.cost += oc.cost;
    acc.churners_saved += oc.churners_saved;
    acc.revenue_saved += oc.revenue_saved;
    acc.net_value += oc.net_value;
    acc.harmful_contacts += oc.harmful_contacts;
  }
  const random = {
    contacts: r2(acc.contacts / draws),
    cost: r2(acc.cost / draws),
    churners_saved: r3(acc.churners_saved / draws),
    revenue_saved: r2(acc.revenue_saved / draws),
    net_value: r2(acc.net_value / draws),
    harmful_contacts: r2(acc.harmful_contacts / draws),
    draws,
  };
  // the effects the run planned with, and which actions its campaigns show raising churn
  const known = effectTable(run.summary.effects?.cells, actions, subs.map((x) => x.segment));
  const excluded = excludedActions(run.summary.effects?.cells, actions, known);
  const usable = actions.filter((a) => !excluded.some((e) => e.action === a.id));
  const byRisk = [...subs].sort((a, b) => b.p - a.p || (a.id < b.id ? -1 : 1));
  const fill = (actionFor: (s: (typeof subs)[number]) => ActionDef | undefined) => {
    let spent = 0;
    const picks: Pick[] = [];
    for (const s of byRisk) {
      const a = actionFor(s);
      if (!a) continue;
      const c = actionCost(a, s.arpu);
      if (spent + c > budget) break;
      spent += c;
      picks.push({ s, action: a.id, cost: c });
    }
    return picks;
  };
  // top-risk-first: the usable action with the best mean effect over the run's subscribers
  let best: ActionDef | undefined;
  let bestEff = 0;
  for (const a of usable) {
    const e = known.mean.get(a.id) ?? 0;
    if (e > bestEff) {
      bestEff = e;
      best = a;
    }
  }
  const topPicks = best ? fill(() => best) : [];
  const top = { ...outcome(topPicks), action: best?.id ?? "none", effect: r3(bestEff), source: best && known.learned.has(best.id) ? ("learned" as const) : ("prior" as const), excluded };
  // best single action per segment
  const perSegment = new Map<string, ActionDef | undefined>();
  const actionFor = (s: (typeof subs)[number]) => {
    if (!perSegment.has(s.segment)) {
      let b: ActionDef | undefined;
      let be = 0;
      for (const a of usable) {
        const e = known.at(a.id, s.segment);
        if (e > be) {
          be = e;
          b = a;
        }
      }
      perSegment.set(s.segment, b);
    }
    return perSegment.get(s.segment);
  };
  const segPicks = fill(actionFor);
  const used: Record<string, number> = {};
  for (const k of segPicks) used[k.action] = (used[k.action] ?? 0) + 1;
  const bestPerSegment = { ...outcome(segPicks), actions: Object.fromEntries(Object.entries(used).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) };
  // oracle: the same selection code over the true net values, the run's budget and the catalogue's capacities
  const runBudget = run.manifest.budget ?? null;
  const A = actions.length;
  const trueNet = (k: number) => {
    const s = subs[Math.floor(k / A)]!;
    const a = actions[k % A]!;
    return gain(s, a.id) * s.cv - actionCost(a, s.arpu);
  };
  const sel = selectActions({
    n: subs.length,
    actions: A,
    value: new Float64Array(0),
    envOf: trueNet,
    cost: new Float64Array(0),
    costOf: (k) => actionCost(actions[k % A]!, subs[Math.floor(k / A)]!.arpu),
    capacity: actions.map((a) => a.capacity ?? Number.POSITIVE_INFINITY),
    budget: runBudget ?? Number.POSITIVE_INFINITY,
    tiebreak: (i, j) => (subs[i]!.id < subs[j]!.id ? -1 : subs[i]!.id > subs[j]!.id ? 1 : 0),
  });
  const oraclePicks: Pick[] = [];
  subs.forEach((s, i) => {
    const a = sel.choice[i]!;
    if (a >= 0) oraclePicks.push({ s, action: actions[a]!.id, cost: actionCost(actions[a]!, s.arpu) });
  });
  const oracleTally = tally(oraclePicks);
  const oracle = { ...oracleTally.outcome, budget: runBudget, by_action: oracleTally.byAction };
  const share = oracle.net_value > 0 ? Math.round((plan.net_value / oracle.net_value) * 1e4) / 1e4 : null;
  return {
    plan,
    random,
    top_risk_first: top,
    best_per_segment: bestPerSegment,
    oracle,
    plan_share_of_oracle: share,
    month_start: truth.monthStart,
    subscribers: subs.length,
    not_in_truth: missing,
  };
}
