/**
 * `churn simulate`: what a plan would really achieve in a generated world, from the generator's true churn
 * probabilities and true action effects (truth/), against two baselines at the same spend:
 *   plan             the run's selected subscribers and actions
 *   random           random subscribers, each with a random catalogue action, until the plan's spend is used;
 *                    mean over `draws` seeded draws
 *   top_risk_first   the single action with the best average prior effect (over effect segments), to the
 *                    highest-probability subscribers until the plan's spend is used
 *   oracle           the best plan the same budget could buy knowing the true effects: the plan's budget
 *                    selection (budget.ts) over every subscriber and catalogue action, valued with the true
 *                    p - p', with the same budget (the run's; none when the run had none) and the same
 *                    action capacities
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
import { priorEffect } from "../retention/catalog.js";
import { selectActions } from "../retention/budget.js";
import { actionCost } from "../retention/expected.js";
import { allSegmentKeys, type SegmentDim } from "../retention/segments.js";
import { loadTruth } from "../synth/index.js";
import { readRun } from "./run-dir.js";

export interface SimOutcome {
  contacts: number;
  cost: number;
  churners_saved: number;
  revenue_saved: number;
  net_value: number;
  harmful_contacts: number;
}

export interface SimulateResult {
  plan: SimOutcome;
  random: SimOutcome & { draws: number };
  top_risk_first: SimOutcome & { action: string };
  oracle: SimOutcome & { budget: number | null };
  /** plan net value / oracle net value (null when the oracle finds nothing worth buying). */
  plan_share_of_oracle: number | null;
  month_start: string;
  subscribers: number;
  not_in_truth: number;
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
  if (!fileExists(`${o.truth}/monthly.parquet`)) throw new InputDataError(msg.simulateNoTruth(o.truth));
  const run = await readRun(o.plan);
  const monthStart = run.manifest.as_of ? monthStartAfter(run.manifest.as_of) : undefined;
  const truth = await loadTruth(o.truth, monthStart ? { monthStart } : {});
  const rows = await withDb((db) =>
    db.all(`SELECT subscriber_id, probability, arpu, customer_value, action, action_cost, selected FROM read_parquet(${quoteLiteral(`${o.plan}/risk_list.parquet`)}) ORDER BY rank`),
  );
  const subs: { id: string; p: number; arpu: number; cv: number; action: string; cost: number; selected: boolean }[] = [];
  let missing = 0;
  for (const r of rows) {
    const id = String(r["subscriber_id"]);
    if (truth.pAfter(id, "none") === undefined) {
      missing++;
      continue;
    }
    subs.push({ id, p: Number(r["probability"]), arpu: Number(r["arpu"] ?? 0), cv: Number(r["customer_value"]), action: String(r["action"]), cost: Number(r["action_cost"]), selected: r["selected"] === "yes" });
  }
  if (!subs.length) throw new InputDataError(msg.simulateNoOverlap(o.plan, truth.monthStart));
  const gain = (s: { id: string }, action: string) => {
    const p = truth.pAfter(s.id, "none")!;
    const q = truth.pAfter(s.id, action as ActionId) ?? p;
    return p - q;
  };
  const outcome = (picks: { s: (typeof subs)[number]; action: string; cost: number }[]): SimOutcome => {
    let cost = 0;
    let saved = 0;
    let revenue = 0;
    let harmful = 0;
    for (const k of picks) {
      const g = gain(k.s, k.action);
      cost += k.cost;
      saved += g;
      revenue += g * k.s.cv;
      if (g < 0) harmful++;
    }
    return { contacts: picks.length, cost: r2(cost), churners_saved: r3(saved), revenue_saved: r2(revenue), net_value: r2(revenue - cost), harmful_contacts: harmful };
  };
  // plan
  const planPicks = subs.filter((s) => s.selected && s.action !== "none").map((s) => ({ s, action: s.action, cost: s.cost }));
  const plan = outcome(planPicks);
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
    const picks: { s: (typeof subs)[number]; action: string; cost: number }[] = [];
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
  // top-risk-first with the action of best average prior
  const keys = allSegmentKeys(o.config.retention.segments.effectKey as SegmentDim[]);
  let best = actions[0]!;
  let bestAvg = Number.NEGATIVE_INFINITY;
  for (const a of actions) {
    const avg = keys.reduce((t, k) => t + priorEffect(a, k), 0) / keys.length;
    if (avg > bestAvg) {
      bestAvg = avg;
      best = a;
    }
  }
  const byRisk = [...subs].sort((a, b) => b.p - a.p || (a.id < b.id ? -1 : 1));
  let spent = 0;
  const topPicks: { s: (typeof subs)[number]; action: string; cost: number }[] = [];
  for (const s of byRisk) {
    const c = actionCost(best, s.arpu);
    if (spent + c > budget) break;
    spent += c;
    topPicks.push({ s, action: best.id, cost: c });
  }
  const top = { ...outcome(topPicks), action: best.id };
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
  const oraclePicks: { s: (typeof subs)[number]; action: string; cost: number }[] = [];
  subs.forEach((s, i) => {
    const a = sel.choice[i]!;
    if (a >= 0) oraclePicks.push({ s, action: actions[a]!.id, cost: actionCost(actions[a]!, s.arpu) });
  });
  const oracle = { ...outcome(oraclePicks), budget: runBudget };
  const share = oracle.net_value > 0 ? Math.round((plan.net_value / oracle.net_value) * 1e4) / 1e4 : null;
  return {
    plan,
    random,
    top_risk_first: top,
    oracle,
    plan_share_of_oracle: share,
    month_start: truth.monthStart,
    subscribers: subs.length,
    not_in_truth: missing,
  };
}
