/**
 * Call lists a CRM or e-mail tool imports: the selected subscribers split into one list per team (config
 * `retention.callLists.teams`, each with its actions and capacity) or, for actions no team works, one list per
 * action and channel. Columns: subscriber_id, action, channel, priority, contact_by, reason, offer_cost, holdout.
 *
 * - priority: 1 = first, in the plan's order (highest expected net value first);
 * - channel: the channel the plan offered the action on; for runs that did not record one, the action's channel, a
 *   digital action (sms, email, app) by the subscriber's preferred digital channel when there is one;
 * - contact_by: for a team, the workday on which its capacity (agents × contacts per agent per day) reaches the
 *   subscriber, counted from the day after as-of; otherwise as-of + contactWithinDays, or the day before the fixed
 *   term ends when that comes sooner;
 * - holdout: yes for a subscriber kept out of contact as a control group (never contacted, listed so the CRM knows).
 * CSV dialects: utf8; utf8-bom; semicolon (`;`, decimal comma, byte order mark) for spreadsheets in locales that
 * write 1,5. Pure: rows in, lists and CSV text out.
 */
import type { CallListFormat, CallListsConfig } from "../config/retention.js";

/** A selected subscriber, in plan order. */
export interface CallListInput {
  subscriberId: string;
  action: string;
  /** The channel the plan chose, else the action's channel (catalogue). */
  channel: string;
  /** Only when the plan chose no channel: the digital channel the subscriber prefers. */
  preferredChannel: string | null;
  reasons: string[];
  cost: number;
  /** Days from as-of to the end of the fixed term; null when there is none. */
  daysToContractEnd: number | null;
  holdout: boolean;
}

export interface CallListEntry {
  subscriber_id: string;
  action: string;
  channel: string;
  priority: number;
  contact_by: string;
  reason: string;
  offer_cost: number;
  holdout: boolean;
}

export interface CallList {
  /** File name without extension: team-<id>, or <action>-<channel>. */
  name: string;
  team?: string;
  entries: CallListEntry[];
  /** For a team: contacts it makes per workday, and the workdays its list takes. */
  perDay?: number;
  days?: number;
}

export const CALL_LIST_COLUMNS = ["subscriber_id", "action", "channel", "priority", "contact_by", "reason", "offer_cost", "holdout"] as const;

const DIGITAL = new Set(["sms", "email", "app"]);
const WEEKDAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The `k`-th workday (k >= 1) after `asOf`.
 * @example nthWorkday("2026-05-29", 1, ["mon", "tue", "wed", "thu", "fri"]) // "2026-06-01" (a Friday, then Monday)
 */
export function nthWorkday(asOf: string, k: number, workdays: readonly string[]): string {
  const days = new Set(workdays.map((d) => WEEKDAY_INDEX[d]));
  const perWeek = days.size;
  let t = Date.parse(`${asOf}T00:00:00Z`);
  // whole weeks first, then day by day
  const weeks = Math.floor((k - 1) / perWeek);
  t += weeks * 7 * DAY;
  let left = k - weeks * perWeek;
  while (left > 0) {
    t += DAY;
    if (days.has(new Date(t).getUTCDay())) left--;
  }
  return iso(t);
}

/** The channel a contact goes by. */
export function contactChannel(actionChannel: string, preferred: string | null): string {
  return DIGITAL.has(actionChannel) && preferred !== null && DIGITAL.has(preferred) ? preferred : actionChannel;
}

/** Split the selected subscribers (in plan order) into call lists; without an as-of date (a flat table) contact_by is empty. */
export function buildCallLists(rows: readonly CallListInput[], cfg: CallListsConfig, asOf: string | null): CallList[] {
  const teamOf = new Map<string, CallListsConfig["teams"][number]>();
  for (const t of cfg.teams) for (const a of t.actions) teamOf.set(a, t);
  const lists = new Map<string, CallList>();
  const base = Date.parse(`${asOf}T00:00:00Z`);
  for (const r of rows) {
    const channel = contactChannel(r.channel, r.preferredChannel);
    const team = teamOf.get(r.action);
    const name = team ? `team-${team.id}` : `${r.action}-${channel}`;
    let list = lists.get(name);
    if (!list) {
      list = team ? { name, team: team.id, entries: [], perDay: team.agents * team.perAgentPerDay, days: 0 } : { name, entries: [] };
      lists.set(name, list);
    }
    const priority = list.entries.length + 1;
    let contactBy: string;
    if (asOf === null) contactBy = "";
    else if (team) {
      const day = Math.floor((priority - 1) / list.perDay!) + 1;
      list.days = day;
      contactBy = nthWorkday(asOf, day, team.workdays);
    } else {
      let days = cfg.contactWithinDays;
      if (r.daysToContractEnd !== null && r.daysToContractEnd >= 2 && r.daysToContractEnd - 1 < days) days = r.daysToContractEnd - 1;
      contactBy = iso(base + days * DAY);
    }
    list.entries.push({
      subscriber_id: r.subscriberId,
      action: r.action,
      channel,
      priority,
      contact_by: contactBy,
      reason: r.reasons.join("; "),
      offer_cost: Math.round(r.cost * 100) / 100,
      holdout: r.holdout,
    });
  }
  return [...lists.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A CSV field: quoted when it holds the delimiter, a quote or a line break. */
function field(v: string, delimiter: string): string {
  return v.includes(delimiter) || v.includes('"') || v.includes("\n") || v.includes("\r") ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The list as CSV text in the format asked for (RFC 4180 line ends). */
export function callListCsv(list: CallList, format: CallListFormat): string {
  const delimiter = format === "semicolon" ? ";" : ",";
  const money = (x: number) => (format === "semicolon" ? x.toFixed(2).replace(".", ",") : x.toFixed(2));
  const lines = [CALL_LIST_COLUMNS.join(delimiter)];
  for (const e of list.entries) {
    const values = [e.subscriber_id, e.action, e.channel, String(e.priority), e.contact_by, e.reason, money(e.offer_cost), e.holdout ? "yes" : "no"];
    lines.push(values.map((v) => field(v, delimiter)).join(delimiter));
  }
  return `${format === "utf8" ? "" : "\uFEFF"}${lines.join("\r\n")}\r\n`;
}
