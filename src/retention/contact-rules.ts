/**
 * Contact rules: who may be contacted on a given day, with which action, on which channel. Pure functions over
 * the contact history (the contacts log of earlier runs) and an ordered list of candidates, so a single run's
 * plan and a merge of shards (`churn plan --merge`) apply the same rules.
 *
 * A subscriber is excluded, first reason wins:
 *   do_not_contact   on the do-not-contact list
 *   holdout          held out (group control) by a run within `holdoutDays` (the effect horizon) of the contact
 *                    day: contacting them would spoil the control group churn learns from
 *   cooldown         contacted (group treatment) within `cooldownDays` of the contact day, before or after it
 *   max_contacts     already `maxContacts.count` contacts in the contact day's month (or ISO week)
 * A (subscriber, action) pair is excluded:
 *   action_cooldown  the same action within `actionCooldownDays[action]` days
 *   channel          the action is not offered on the subscriber's preferred channel and the fallback (the
 *                    action's own, else the rules') is `none` (or none of the fallback channels has it)
 * Contacts of the run being re-run are not history: a re-run replaces them (the log without them, `ContactLog.withoutRun`).
 */
import type { ChannelFallback, ContactRulesConfig, PeriodKind } from "../config/operation.js";
import type { ContactLog } from "../io/contacts-log.js";

export const SUBSCRIBER_REASONS = ["do_not_contact", "holdout", "cooldown", "max_contacts"] as const;
export const ACTION_REASONS = ["action_cooldown", "channel"] as const;
export const EXCLUSION_REASONS = [...SUBSCRIBER_REASONS, ...ACTION_REASONS] as const;
export type SubscriberReason = (typeof SUBSCRIBER_REASONS)[number];
export type ActionReason = (typeof ACTION_REASONS)[number];
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface PastContact {
  /** Epoch day of the contact. */
  day: number;
  action: string;
  /** false: held out (group control), not contacted. */
  treated: boolean;
}

export type ContactHistory = ReadonlyMap<string, readonly PastContact[]>;

export interface RuleContext {
  /** Epoch day the contacts happen (the day after the run's as-of date). */
  contactDay: number;
  rules: ContactRulesConfig;
  /** Held-out subscribers stay uncontacted this many days (the effect horizon); 0 = off. */
  holdoutDays: number;
  history: ContactHistory;
  doNotContact: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
export const epochDay = (iso: string): number => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The period a day falls in: "2026-07" (month) or "2026-W27" (ISO week). */
export function periodKey(day: number, period: PeriodKind): string {
  const d = new Date(day * DAY_MS);
  if (period === "month") return d.toISOString().slice(0, 7);
  // ISO week: the week's Thursday decides the year
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = day - dow + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = epochDay(`${year}-01-01`);
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/**
 * The history by subscriber from the contacts log, oldest first. With `window`, only the contacts within `days` of
 * `contactDay` (before or after it): the only ones a rule can see (ruleWindowDays), so a long log costs no more than
 * its recent part. A re-run's own rows are not history: pass the log without them (ContactLog.withoutRun).
 * @example contactHistory(ContactLog.read("runs/contacts_log.csv"), { contactDay: epochDay("2026-07-01"), days: 90 })
 */
export function contactHistory(log: ContactLog, window?: { contactDay: number; days: number }): Map<string, PastContact[]> {
  const dayOf = new Map<string, number>();
  const out = new Map<string, PastContact[]>();
  for (let i = 0; i < log.size; i++) {
    const date = log.dateOf(i);
    let day = dayOf.get(date);
    if (day === undefined) {
      day = epochDay(date);
      dayOf.set(date, day);
    }
    if (window && !(Math.abs(window.contactDay - day) < window.days)) continue;
    const id = log.subscriberId(i);
    let list = out.get(id);
    if (!list) {
      list = [];
      out.set(id, list);
    }
    list.push({ day, action: log.actionOf(i), treated: log.groupOf(i) === "treatment" });
  }
  for (const list of out.values()) list.sort((a, b) => a.day - b.day);
  return out;
}

/**
 * How far from the contact day (in days, before or after it) a past contact can still exclude someone: the holdout
 * horizon, the cooldowns, and the month of maxContacts (a week lies within it). Contacts further away change nothing.
 */
export function ruleWindowDays(rules: ContactRulesConfig, holdoutDays: number): number {
  const actionDays = Object.values(rules.actionCooldownDays).map((d) => d ?? 0);
  return Math.max(holdoutDays, rules.cooldownDays, ...actionDays, rules.maxContacts ? 31 : 0);
}

/** Why `id` may not be contacted at all on ctx.contactDay, or null. */
export function subscriberExclusion(id: string, ctx: RuleContext): SubscriberReason | null {
  if (ctx.doNotContact.has(id)) return "do_not_contact";
  const past = ctx.history.get(id) ?? [];
  const { cooldownDays, maxContacts } = ctx.rules;
  for (const p of past) if (!p.treated && Math.abs(ctx.contactDay - p.day) < ctx.holdoutDays) return "holdout";
  for (const p of past) if (p.treated && Math.abs(ctx.contactDay - p.day) < cooldownDays) return "cooldown";
  if (maxContacts) {
    const key = periodKey(ctx.contactDay, maxContacts.period);
    let n = 0;
    for (const p of past) if (p.treated && periodKey(p.day, maxContacts.period) === key) n++;
    if (n >= maxContacts.count) return "max_contacts";
  }
  return null;
}

/** Is `action` for `id` excluded by its own cooldown? */
export function actionOnCooldown(id: string, action: string, ctx: RuleContext): boolean {
  const days = ctx.rules.actionCooldownDays[action as keyof ContactRulesConfig["actionCooldownDays"]] ?? 0;
  if (days <= 0) return false;
  for (const p of ctx.history.get(id) ?? []) if (p.treated && p.action === action && Math.abs(ctx.contactDay - p.day) < days) return true;
  return false;
}

/** An action as far as channels go: its own channel and cost, and the other channels it is offered on. */
export interface ActionChannels {
  channel: string;
  unitCost: number;
  /** Other channels, each with its unit cost (the action's own when omitted). */
  channels?: Readonly<Record<string, { unitCost?: number | undefined }>> | undefined;
  /** The action's own fallback, in place of the contact rules' (catalog `fallback`). */
  fallback?: ChannelFallback | undefined;
}

export interface ChannelOffer {
  channel: string;
  unitCost: number;
}

const offerOn = (a: ActionChannels, ch: string): ChannelOffer | null =>
  ch === a.channel ? { channel: a.channel, unitCost: a.unitCost } : a.channels?.[ch] ? { channel: ch, unitCost: a.channels[ch]!.unitCost ?? a.unitCost } : null;

/**
 * The channel `a` is offered on to a subscriber who prefers `preferred` (null: no preference), or null when it
 * is not offered to them at all.
 * @example offerChannel({ channel: "phone", unitCost: 8, channels: { email: { unitCost: 0.5 } } }, "email", { usePreferred: true, fallback: "default" }) // { channel: "email", unitCost: 0.5 }
 */
export function offerChannel(a: ActionChannels, preferred: string | null | undefined, cfg: ContactRulesConfig["channels"]): ChannelOffer | null {
  if (!cfg.usePreferred || !preferred) return offerOn(a, a.channel);
  const own = offerOn(a, preferred);
  if (own) return own;
  const fallback = a.fallback ?? cfg.fallback;
  if (fallback === "default") return offerOn(a, a.channel);
  if (fallback === "none") return null;
  for (const ch of fallback) {
    const o = offerOn(a, ch);
    if (o) return o;
  }
  return null;
}

export interface Candidate {
  subscriberId: string;
  action: string;
  preferredChannel?: string | null | undefined;
}

export interface RulesOutcome {
  allowed: boolean[];
  /** Why each candidate was excluded (null when allowed). */
  reason: (ExclusionReason | null)[];
  /** The channel and unit cost of each allowed candidate. */
  offer: (ChannelOffer | null)[];
  /** Candidates excluded, by reason. */
  excluded: Record<ExclusionReason, number>;
}

export const noExclusions = (): Record<ExclusionReason, number> => Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;

/**
 * The contact rules over an ordered list of candidates (best first): each is allowed or excluded with a reason.
 * A subscriber gets at most one action from a list: the first allowed one; their later candidates are not
 * allowed and carry no reason (they are alternatives, not exclusions).
 */
export function applyContactRules(candidates: readonly Candidate[], actions: ReadonlyMap<string, ActionChannels>, ctx: RuleContext): RulesOutcome {
  const taken = new Set<string>();
  const out: RulesOutcome = { allowed: [], reason: [], offer: [], excluded: noExclusions() };
  for (const c of candidates) {
    if (taken.has(c.subscriberId)) {
      out.allowed.push(false);
      out.reason.push(null);
      out.offer.push(null);
      continue;
    }
    let reason: ExclusionReason | null = subscriberExclusion(c.subscriberId, ctx);
    let offer: ChannelOffer | null = null;
    if (reason === null && actionOnCooldown(c.subscriberId, c.action, ctx)) reason = "action_cooldown";
    if (reason === null) {
      const a = actions.get(c.action);
      offer = a ? offerChannel(a, c.preferredChannel, ctx.rules.channels) : null;
      if (!offer) reason = "channel";
    }
    if (reason === null) taken.add(c.subscriberId);
    else out.excluded[reason]++;
    out.allowed.push(reason === null);
    out.reason.push(reason);
    out.offer.push(offer);
  }
  return out;
}
