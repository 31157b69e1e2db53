/**
 * The retention plan: from a calibrated churn probability per subscriber to a ranked, budgeted list of
 * who to contact, with what, why, at what cost and for what expected return.
 *
 *   1. bands      probability → risk band (model thresholds, config override)
 *   2. value      customer value and value at risk (value.ts)
 *   3. segments   value tier, price sensitivity, tenure, contract stage, main driver (segments.ts, reasons.ts)
 *   4. effects    effect per action and effect segment: learned from campaigns where available, else prior
 *   5. ENV        expected net value per eligible action (expected.ts)
 *   5b. contact   contact rules (contact-rules.ts, optional): excluded subscribers and actions leave the candidates,
 *                 counted by reason; an action goes on the subscriber's preferred channel (its cost there) or a fallback
 *   6. select     best plan under the budget and capacities (budget.ts)
 *   6b. holdout   a seeded share of each action's selected subscribers is held out (holdout.ts, optional):
 *                 group control, not contacted, nothing spent
 *   7. rank       by expected net value, then risk, then subscriber_id; reasons text; totals
 *
 * Inputs are columns (arrays), one value per subscriber, so a million rows plan without per-row objects
 * until the output rows.
 */
import { ConfigError, InputDataError } from "../errors.js";
import { EXCLUSION_TEXT, msg } from "../messages.js";
import { BANDS, type Band, type BandThresholds, bandIndex, resolveBandThresholds } from "./bands.js";
import { selectActions } from "./budget.js";
import type { ActionDef } from "../config/catalog.js";
import type { RetentionConfig } from "../config/retention.js";
import { priorEffect } from "./catalog.js";
import { type EffectEstimate, effectKey } from "./effects.js";
import type { ContactRulesConfig } from "../config/operation.js";
import { type ActionChannels, type ExclusionReason, noExclusions, offerChannel, SUBSCRIBER_REASONS, type SubscriberReason } from "./contact-rules.js";
import { eligibilityMask, isEligible } from "./eligibility.js";
import { actionCost, bestAction, expectedSaving } from "./expected.js";
import { assignHoldout } from "./holdout.js";
import { gateStructural, mainDriverIndex, prepareReasonColumns, type ReasonColumns, type ReasonFeature, reasonScratch, topReasons } from "./reasons.js";
import {
  allSegmentKeys,
  CONTRACT_STAGES,
  contractStageIndex,
  DRIVERS,
  lowArpuCutoff,
  PRICE_SENSITIVITY,
  priceIndex,
  priceSignals,
  SEGMENT_DIM_NAMES,
  SEGMENT_DIMS,
  type SegmentIndex,
  TENURE_STAGES,
  tenureStageIndex,
  quietActivityCutoff,
  usageTrendIndex,
  VALUE_TIERS,
  type ValueTierCutoffs,
  valueTierCutoffs,
  valueTierIndex,
} from "./segments.js";
import { customerValues } from "./value.js";
import { type WhatIfProblem, whatIfProblemOf } from "./what-if.js";

type Num = ArrayLike<number>;

/**
 * One value per subscriber; optional columns may be omitted (treated as unknown). The segment inputs map
 * to features of src/features: tenureDays ← tenure_days, daysToContractEnd ← days_to_contract_end,
 * contractType ← contract_type, discountShare ← discount_share_3m, priceIncrease ← price_increase_90d,
 * openComplaints ← open_complaints, products ← active_products, preferredChannel ← preferred_channel.
 */
export interface PlanInput {
  subscriberId: readonly string[];
  /** Calibrated churn probability over the model's horizon. */
  probability: Num;
  /** Monthly ARPU (or monthly fee). */
  arpu: Num;
  tenureDays?: Num;
  /** Days until the fixed term ends; NaN when there is none. */
  daysToContractEnd?: Num;
  contractType?: readonly (string | null)[];
  /** Discount as a share of the bill (0..1). */
  discountShare?: Num;
  /** Relative fee change over the recent months (0.1 = +10%), or the 0/1 price_increase_90d feature. */
  priceIncrease?: Num;
  openComplaints?: Num;
  products?: Num;
  /** The largest change of use (%) in the last 30 days against the subscriber's own months 4-9; NaN when unknown. */
  usageVsOwnPast?: Num;
  /** The largest change of use (%) in the last 30 days against the previous 60; NaN when unknown. */
  usageTrend?: Num;
  /** Active days of the last 30 (usage=quiet at or below the cutoff when use is not falling). */
  activeDays?: Num;
  preferredChannel?: readonly (string | null)[];
  /** Per-subscriber feature contributions (row-major n x columns), the feature values, and references. */
  contributions?: {
    columns: readonly string[];
    values: Num;
    featureValues?: Num;
    references?: Num;
  };
}

export interface PlanOptions {
  /** Band thresholds frozen in the model artifact (the config may override them). */
  thresholds: BandThresholds;
  config: RetentionConfig;
  /** Effect estimates (from estimateEffects); action/segment pairs not listed use the catalog prior. */
  effects?: readonly EffectEstimate[];
  /**
   * Each subscriber's own relative effect of each action (row-major n x actions, the catalog's order without
   * `none`; negative = harmful), e.g. from the uplift model. When given it replaces the segment cells' effects
   * for valuing and buying actions; the cells stay the readable summary.
   */
  subscriberEffects?: Float32Array | undefined;
  /**
   * Each subscriber's correction of each action's effect (row-major n x actions, the catalog's order without
   * `none`), as a shift of the log hazard multiplier: the action multiplies the hazard by
   * (1 - cell effect) x exp(shift), e.g. from the uplift model anchored at the segment cells. Positive = the
   * action does less for this subscriber than for its cell (or harms); ignored when subscriberEffects is given.
   */
  effectShift?: Float32Array | undefined;
  /** Overrides config.budget; null = no limit. */
  budget?: number | null;
  /** Feature definitions for reason templates and drivers. */
  features?: readonly ReasonFeature[];
  /** Omit reasons text (faster when only totals are needed). */
  noReasons?: boolean;
  /** Contact rules as they apply to these subscribers (contact-rules.ts); none: everyone, on each action's own channel. */
  contact?: PlanContact | undefined;
  /** Hold out this share of each action's selected subscribers, drawn from (seed, runKey) (holdout.ts). */
  holdout?: { share: number; seed: number; runKey: string } | undefined;
}

/** Contact rules for the plan, by subscriber position (see contactRulesFor in contact-rules.ts). */
export interface PlanContact {
  /** Why subscriber i may not be contacted at all (null: they may be). */
  excluded(i: number): SubscriberReason | null;
  /** Is action `id` on its own cooldown for subscriber i? */
  onCooldown(i: number, id: string): boolean;
  channels: ContactRulesConfig["channels"];
}

export interface PlanRow {
  rank: number;
  subscriber_id: string;
  churn_probability: number;
  risk_band: Band;
  /** The effect segment key, e.g. "value=high;price=insensitive;driver=network". */
  segment: string;
  value_tier: string;
  price_sensitivity: string;
  tenure_stage: string;
  contract_stage: string;
  main_driver: string;
  monthly_arpu: number;
  customer_value: number;
  value_at_risk: number;
  /** The selected action; when not selected, the best eligible one; `none` when nothing pays. */
  recommended_action: string;
  action_cost: number;
  effect: number;
  /** uplift: this subscriber's own effect (per-subscriber uplift model or one effect per action); learned: the segment cell's. */
  effect_source: "uplift" | "learned" | "prior" | "";
  expected_saving: number;
  expected_net_value: number;
  selected: boolean;
  /** Selected and contacted (treatment) or selected and held out (control); "" when not selected. */
  group: "treatment" | "control" | "";
  /** The channel the recommended action is offered on ("" for none). */
  channel: string;
  reasons: string[];
  preferred_channel: string;
}

export interface PlanTotal {
  key: string;
  subscribers: number;
  /** Selected and contacted (the holdout is not: see held_out); cost and savings are theirs. */
  contacts: number;
  /** Selected and held out: not contacted, nothing spent. */
  held_out: number;
  cost: number;
  expected_saving: number;
  expected_net_value: number;
  value_at_risk: number;
  /** Sum of the churn probabilities: the churners expected within the horizon without any action. */
  expected_churners: number;
}

export interface Plan {
  /** Number of rows (one per subscriber). */
  size: number;
  /** Row at rank r (0-based), built on demand: write large plans row by row instead of calling rows(). */
  row(r: number): PlanRow;
  /** Input position (subscriber index) of the row at rank r (0-based). */
  index(r: number): number;
  /** Every row, ranked (convenient for small plans and tests). */
  rows(): PlanRow[];
  totals: { byBand: PlanTotal[]; byAction: PlanTotal[]; all: PlanTotal };
  budget: number | null;
  /** Spent on the contacted subscribers (a held-out subscriber costs nothing). */
  spent: number;
  /** Candidates the contact rules removed, by reason: subscribers (do_not_contact, holdout, cooldown,
   * max_contacts) and subscriber x action pairs (action_cooldown, channel), among those with a positive expected net value. */
  excluded: Record<ExclusionReason, number>;
  thresholds: BandThresholds;
  valueTierCutoffs: ValueTierCutoffs;
  /** Effect per action and effect segment as used, with its source. */
  effects: { action: string; segment: string; effect: number; source: "learned" | "prior" }[];
  /** The selection problem of this plan for the budget what-if (what-if.ts): the same selection at other budgets. */
  whatIf(): WhatIfProblem;
}

const at = (col: Num | undefined, i: number): number => {
  const v = col?.[i];
  return v === undefined || v === null ? Number.NaN : v;
};

function checkLengths(input: PlanInput, n: number): void {
  const cols: [string, { length: number } | undefined][] = [
    ["probability", input.probability],
    ["arpu", input.arpu],
    ["tenureDays", input.tenureDays],
    ["daysToContractEnd", input.daysToContractEnd],
    ["contractType", input.contractType],
    ["discountShare", input.discountShare],
    ["priceIncrease", input.priceIncrease],
    ["openComplaints", input.openComplaints],
    ["products", input.products],
    ["usageVsOwnPast", input.usageVsOwnPast],
    ["usageTrend", input.usageTrend],
    ["activeDays", input.activeDays],
    ["preferredChannel", input.preferredChannel],
  ];
  for (const [name, col] of cols) if (col && col.length !== n) throw new InputDataError(msg.planColumnLength(name, col.length, n));
  const c = input.contributions;
  if (c) {
    const F = c.columns.length;
    if (c.values.length !== n * F) throw new InputDataError(msg.planColumnLength("contributions.values", c.values.length, n * F));
    if (c.featureValues && c.featureValues.length !== n * F)
      throw new InputDataError(msg.planColumnLength("contributions.featureValues", c.featureValues.length, n * F));
  }
}

/**
 * Build the plan.
 * @example const plan = planRetention(input, { thresholds: model.bands, config: cfg.retention, effects });
 */
export function planRetention(input: PlanInput, opts: PlanOptions): Plan {
  const cfg = opts.config;
  const n = input.subscriberId.length;
  checkLengths(input, n);
  const budgetRaw = opts.budget === undefined ? cfg.budget : opts.budget;
  if (budgetRaw !== null && !(budgetRaw >= 0)) throw new ConfigError(msg.planBudgetInvalid(budgetRaw));
  const budget = budgetRaw ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const p = input.probability[i]!;
    if (!(p >= 0 && p <= 1)) throw new InputDataError(msg.planProbabilityInvalid(i, input.subscriberId[i]!, p));
  }

  // 1. bands
  const thresholds = resolveBandThresholds(opts.thresholds, cfg.bands);
  const band = new Uint8Array(n);
  for (let i = 0; i < n; i++) band[i] = bandIndex(input.probability[i]!, thresholds);

  // 2. value
  const cv = customerValues(input.probability, input.arpu, cfg.value);

  // 3. segments
  const sc = cfg.segments;
  const cut = valueTierCutoffs(sc.valueTier.by === "arpu" ? input.arpu : cv, sc.valueTier);
  const lowArpu = lowArpuCutoff(input.arpu, sc.priceSensitivity);
  const quietCut = quietActivityCutoff(input.activeDays, sc.usage);
  const rc = input.contributions ? prepareReasonColumns(input.contributions.columns, opts.features, { references: input.contributions.references }) : undefined;
  // structural zeros (a voice feature of a line without voice) are neither a driver nor a reason: gated on a copy
  const contribValues = rc && input.contributions ? gatedContributions(rc, input.contributions) : undefined;
  const scratch = rc ? reasonScratch(rc) : undefined;
  const none = DRIVERS.indexOf("none");
  const lowBand = BANDS.indexOf("low");
  const seg = { value: new Uint8Array(n), price: new Uint8Array(n), tenure: new Uint8Array(n), contract: new Uint8Array(n), driver: new Uint8Array(n), usage: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const arpu = input.arpu[i]!;
    seg.value[i] = valueTierIndex(sc.valueTier.by === "arpu" ? arpu : cv[i]!, cut);
    const signals = priceSignals(at(input.discountShare, i), arpu, input.contractType?.[i], at(input.priceIncrease, i), lowArpu, sc.priceSensitivity);
    seg.price[i] = priceIndex(signals, sc.priceSensitivity);
    seg.tenure[i] = tenureStageIndex(at(input.tenureDays, i), sc.tenure);
    seg.contract[i] = contractStageIndex(at(input.daysToContractEnd, i), sc.contract);
    seg.usage[i] = usageTrendIndex(at(input.usageVsOwnPast, i), at(input.usageTrend, i), at(input.activeDays, i), quietCut, sc.usage);
    // the low band gets no main driver (and no reasons): nothing about its risk needs acting on
    seg.driver[i] = rc && input.contributions && contribValues && band[i] !== lowBand ? mainDriverIndex(contribValues, i, rc, scratch, input.contributions.featureValues) : none;
  }
  // effect segment code: mixed radix over the effect-key dims, in SEGMENT_DIM_NAMES order (as allSegmentKeys)
  const keyDims = SEGMENT_DIM_NAMES.filter((d) => sc.effectKey.includes(d));
  const keys = allSegmentKeys(keyDims);
  const segCode = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let code = 0;
    for (const d of keyDims) code = code * SEGMENT_DIMS[d].length + seg[d][i]!;
    segCode[i] = code;
  }

  // 4. effects: learned estimates where given, else the catalog prior
  const actions: ActionDef[] = cfg.actions.filter((a) => a.id !== "none");
  const A = actions.length;
  const K = keys.length;
  const effect = new Float64Array(A * K);
  const learned = new Uint8Array(A * K);
  const given = new Map((opts.effects ?? []).map((e) => [effectKey(e.action, e.segment), e]));
  const effectsUsed: Plan["effects"] = [];
  actions.forEach((a, ai) => {
    keys.forEach((key, k) => {
      const est = given.get(effectKey(a.id, key));
      const isLearned = est?.source === "learned";
      effect[ai * K + k] = est ? est.effect : priorEffect(a, key);
      learned[ai * K + k] = isLearned ? 1 : 0;
      effectsUsed.push({ action: a.id, segment: key, effect: effect[ai * K + k]!, source: isLearned ? "learned" : "prior" });
    });
  });

  const own = opts.subscriberEffects;
  if (own && own.length !== n * A) throw new InputDataError(msg.planColumnLength("subscriberEffects", own.length, n * A));
  const shift = own ? undefined : opts.effectShift;
  if (shift && shift.length !== n * A) throw new InputDataError(msg.planColumnLength("effectShift", shift.length, n * A));
  const effectOf = own
    ? (i: number, a: number): number => own[i * A + a]!
    : shift
      ? (i: number, a: number): number => 1 - (1 - effect[a * K + segCode[i]!]!) * Math.exp(shift[i * A + a]!)
      : (i: number, a: number): number => effect[a * K + segCode[i]!]!;
  // the churn probability an action takes away (x value = the expected saving): a subscriber's own effect is already
  // the share of its probability removed (1 - p'/p, the uplift model's); a cell's or prior's is a relative reduction
  // of the hazard, p' = 1 - (1 - p)^(1 - effect) (expectedSaving)
  const savingOf = (i: number, a: number, p: number): number => (a < 0 ? 0 : own ? p * own[i * A + a]! * cv[i]! : expectedSaving(p, effectOf(i, a), cv[i]!));

  // 5. expected net value per eligible action (NaN = not eligible)
  const masks = actions.map(eligibilityMask);
  // Only eligibility is stored (1 byte a cell); ENV and cost are computed on the fly by the same
  // expressions, so the values are identical to a stored n x actions matrix (2 x 0.64 GB at 10M x 8).
  const eligible = new Uint8Array(n * A);
  // channels each action is offered on: its own first, then the catalog's others; `chan` picks one per cell
  const offers = actions.map((a) => [
    { channel: a.channel as string, unitCost: a.unitCost, feeMonths: a.feeMonths },
    ...Object.entries(a.channels ?? {}).map(([ch, c]) => ({ channel: ch, unitCost: c?.unitCost ?? a.unitCost, feeMonths: a.feeMonths })),
  ]);
  const chan = opts.contact ? new Uint8Array(n * A) : undefined;
  const costOf = (i: number, a: number): number => actionCost(offers[a]![chan ? chan[i * A + a]! : 0]!, input.arpu[i]!);
  const envOf = (i: number, a: number): number =>
    eligible[i * A + a] ? savingOf(i, a, input.probability[i]!) - costOf(i, a) : Number.NaN;
  const envAt = (k: number) => envOf(Math.floor(k / A), k % A);
  const s: SegmentIndex = { value: 0, price: 0, tenure: 0, contract: 0, driver: 0, usage: 0 };
  for (let i = 0; i < n; i++) {
    s.value = seg.value[i]!;
    s.price = seg.price[i]!;
    s.tenure = seg.tenure[i]!;
    s.contract = seg.contract[i]!;
    s.driver = seg.driver[i]!;
    s.usage = seg.usage[i]!;
    const oc = at(input.openComplaints, i);
    const pr = at(input.products, i);
    for (let a = 0; a < A; a++) eligible[i * A + a] = isEligible(masks[a]!, band[i]!, s, oc, pr) ? 1 : 0;
  }

  // 5b. contact rules: who may be contacted, with which action, on which channel
  const excluded = noExclusions();
  if (opts.contact && chan) {
    const c = opts.contact;
    const asChannels: ActionChannels[] = actions.map((a) => ({ channel: a.channel, unitCost: a.unitCost, channels: a.channels, fallback: a.fallback }));
    for (let i = 0; i < n; i++) {
      const pref = input.preferredChannel?.[i] ?? null;
      let candidate = false;
      for (let a = 0; a < A; a++) {
        if (!eligible[i * A + a]) continue;
        const offer = offerChannel(asChannels[a]!, pref, c.channels);
        const k = offer ? offers[a]!.findIndex((o) => o.channel === offer.channel) : 0;
        chan[i * A + a] = k;
        if (envOf(i, a) > 0) candidate = true;
        if (!offer) {
          if (envOf(i, a) > 0) excluded.channel++;
          eligible[i * A + a] = 0;
        }
      }
      if (!candidate) continue;
      const why = c.excluded(i);
      if (why) {
        excluded[why]++;
        for (let a = 0; a < A; a++) eligible[i * A + a] = 0;
        continue;
      }
      for (let a = 0; a < A; a++) {
        if (eligible[i * A + a] && c.onCooldown(i, actions[a]!.id)) {
          if (envOf(i, a) > 0) excluded.action_cooldown++;
          eligible[i * A + a] = 0;
        }
      }
    }
  }

  // 6. selection under budget and capacities
  const ids = input.subscriberId;
  const byId = (i: number, j: number): number => (ids[i]! < ids[j]! ? -1 : ids[i]! > ids[j]! ? 1 : 0);
  const problem = {
    n,
    actions: A,
    value: new Float64Array(0),
    envOf: envAt,
    cost: new Float64Array(0),
    costOf: (k: number) => costOf(Math.floor(k / A), k % A),
    capacity: actions.map((a) => a.capacity ?? Number.POSITIVE_INFINITY),
    budget,
    tiebreak: byId,
  };
  const sel = selectActions(problem);
  // the expected saving of a cell, by the expression envOf subtracts the cost from (so saving − cost is its value)
  const cellSaving = (k: number): number => savingOf(Math.floor(k / A), k % A, input.probability[Math.floor(k / A)]!);

  // 6b. holdout: a seeded share of each action's selected subscribers, held out (the order does not matter)
  const held = new Uint8Array(n);
  if (opts.holdout && opts.holdout.share > 0) {
    const picked: number[] = [];
    for (let i = 0; i < n; i++) if (sel.choice[i]! >= 0) picked.push(i);
    const h = assignHoldout(picked.map((i) => ({ subscriberId: ids[i]!, action: actions[sel.choice[i]!]!.id })), opts.holdout.share, opts.holdout.seed, opts.holdout.runKey);
    picked.forEach((i, k) => {
      if (h[k]) held[i] = 1;
    });
  }

  // 7. rank and describe
  const chosen = new Int32Array(n);
  const shownEnv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // not selected: show the best eligible action (none when nothing pays)
    const a = sel.choice[i]! >= 0 ? sel.choice[i]! : bestAction(envAt, i * A, A);
    chosen[i] = a;
    shownEnv[i] = a < 0 ? 0 : envOf(i, a);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => shownEnv[y]! - shownEnv[x]! || input.probability[y]! - input.probability[x]! || byId(x, y));

  const newTotal = (key: string): PlanTotal => ({ key, subscribers: 0, contacts: 0, held_out: 0, cost: 0, expected_saving: 0, expected_net_value: 0, value_at_risk: 0, expected_churners: 0 });
  const bandTotals = BANDS.map((b) => newTotal(b));
  const actionTotals = [...actions.map((a) => newTotal(a.id)), newTotal("none")];
  const all = newTotal("all");

  const contrib = input.contributions;
  const isSelected = (i: number): boolean => chosen[i]! >= 0 && sel.choice[i] === chosen[i];
  // one output row, built on demand: a million-row plan is kept as arrays until it is written
  const row = (r: number): PlanRow => {
    const i = order[r]!;
    const a = chosen[i]!;
    const p = input.probability[i]!;
    const e = a < 0 ? 0 : effectOf(i, a);
    return {
      rank: r + 1,
      subscriber_id: ids[i]!,
      churn_probability: p,
      risk_band: BANDS[band[i]!]!,
      segment: keys[segCode[i]!]!,
      value_tier: VALUE_TIERS[seg.value[i]!]!,
      price_sensitivity: PRICE_SENSITIVITY[seg.price[i]!]!,
      tenure_stage: TENURE_STAGES[seg.tenure[i]!]!,
      contract_stage: CONTRACT_STAGES[seg.contract[i]!]!,
      main_driver: DRIVERS[seg.driver[i]!]!,
      monthly_arpu: input.arpu[i]!,
      customer_value: cv[i]!,
      value_at_risk: p * cv[i]!,
      recommended_action: a < 0 ? "none" : actions[a]!.id,
      action_cost: a < 0 ? 0 : costOf(i, a),
      effect: e,
      effect_source: a < 0 ? "" : own || shift ? "uplift" : learned[a * K + segCode[i]!] ? "learned" : "prior",
      expected_saving: savingOf(i, a, p),
      expected_net_value: shownEnv[i]!,
      selected: isSelected(i),
      group: isSelected(i) ? (held[i] ? "control" : "treatment") : "",
      channel: a < 0 ? "" : offers[a]![chan ? chan[i * A + a]! : 0]!.channel,
      reasons: rc && contrib && contribValues && !opts.noReasons && band[i] !== lowBand ? topReasons(contribValues, contrib.featureValues, i, rc, 3, scratch) : [],
      preferred_channel: input.preferredChannel?.[i] ?? "",
    };
  };
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const a = chosen[i]!;
    const selected = isSelected(i);
    const p = input.probability[i]!;
    const var_ = p * cv[i]!;
    const tb = bandTotals[band[i]!]!;
    const ta = actionTotals[selected ? a : A]!;
    tb.subscribers++;
    ta.subscribers++;
    all.subscribers++;
    tb.value_at_risk += var_;
    ta.value_at_risk += var_;
    all.value_at_risk += var_;
    tb.expected_churners += p;
    ta.expected_churners += p;
    all.expected_churners += p;
    if (selected && held[i]) for (const t of [tb, ta, all]) t.held_out++;
    else if (selected) {
      const c = costOf(i, a);
      const saving = savingOf(i, a, p);
      for (const t of [tb, ta, all]) {
        t.contacts++;
        t.cost += c;
        t.expected_saving += saving;
        t.expected_net_value += shownEnv[i]!;
      }
    }
  }
  return {
    size: n,
    row,
    index: (r: number) => order[r]!,
    rows: () => Array.from({ length: n }, (_, r) => row(r)),
    totals: { byBand: bandTotals, byAction: actionTotals, all },
    budget: budgetRaw,
    spent: all.cost,
    excluded,
    thresholds,
    valueTierCutoffs: cut,
    effects: effectsUsed,
    whatIf: () =>
      whatIfProblemOf(
        problem,
        { savingOf: cellSaving, costOf: problem.costOf, valueOf: problem.envOf },
        { actions: actions.map((a) => a.id), band, bands: BANDS, ids, excluded: Object.fromEntries(SUBSCRIBER_REASONS.map((r) => [EXCLUSION_TEXT[r] ?? r, excluded[r]])), holdout: opts.holdout },
      ),
  };
}

/** The contributions with structural zeros gated (a copy when any column has an `appliesIf` marker and values are given). */
function gatedContributions(rc: ReasonColumns, c: NonNullable<PlanInput["contributions"]>): Num {
  if (!c.featureValues || !rc.gate.some((g) => g >= 0)) return c.values;
  const copy = Float64Array.from(c.values as ArrayLike<number>);
  gateStructural(rc, copy, c.featureValues, copy.length / rc.columns.length);
  return copy;
}
