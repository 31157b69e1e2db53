import { describe, expect, it } from "vitest";
import { contactRulesSchema } from "../../src/config/operation.js";
import { ContactLog } from "../../src/io/contacts-log.js";
import {
  type ActionChannels,
  applyContactRules,
  contactHistory,
  epochDay,
  offerChannel,
  periodKey,
  type RuleContext,
  subscriberExclusion,
} from "../../src/retention/contact-rules.js";

const day = epochDay("2026-07-01");
/** A contacts log of these rows (run, channel and cost filled in where a row has none). */
const logOf = (rows: { subscriber_id: string; date: string; action: string; group: string; run_id?: string }[]) =>
  ContactLog.fromRows(rows.map((r) => ({ run_id: "", channel: "", cost: 0, ...r, group: r.group === "treatment" ? "treatment" : "control" })));
const log = [
  { subscriber_id: "A", date: "2026-06-20", action: "care_call", group: "treatment", run_id: "2026-06-19" }, // 11 days before
  { subscriber_id: "B", date: "2026-05-01", action: "price_incentive", group: "treatment", run_id: "2026-04-30" }, // 61 days before
  { subscriber_id: "C", date: "2026-06-01", action: "care_call", group: "control", run_id: "2026-05-31" }, // held out 30 days before
  { subscriber_id: "D", date: "2026-07-01", action: "digital_nudge", group: "treatment", run_id: "2026-06-30" }, // this run's own earlier write
  { subscriber_id: "E", date: "2026-07-25", action: "digital_nudge", group: "treatment", run_id: "2026-07-24" }, // a later run (backfill)
];
const ctx = (rules: object = {}, extra: Partial<RuleContext> = {}): RuleContext => ({
  contactDay: day,
  rules: contactRulesSchema.parse(rules),
  holdoutDays: 90,
  history: contactHistory(logOf(log).withoutRun("2026-06-30")),
  doNotContact: new Set(["Z"]),
  ...extra,
});

describe("contact rules", () => {
  it("excludes by do-not-contact, holdout, cooldown before and after the contact day; a re-run's own contacts are not history", () => {
    const c = ctx({ cooldownDays: 30 });
    expect(subscriberExclusion("Z", c)).toBe("do_not_contact");
    expect(subscriberExclusion("A", c)).toBe("cooldown");
    expect(subscriberExclusion("B", c)).toBeNull();
    expect(subscriberExclusion("C", c)).toBe("holdout");
    expect(subscriberExclusion("C", ctx({}, { holdoutDays: 20 }))).toBeNull();
    expect(subscriberExclusion("D", c)).toBeNull();
    expect(subscriberExclusion("E", c)).toBe("cooldown");
    expect(subscriberExclusion("A", ctx({ cooldownDays: 10 }))).toBeNull();
  });

  it("counts contacts per calendar month or ISO week", () => {
    expect(periodKey(epochDay("2026-07-01"), "month")).toBe("2026-07");
    expect(periodKey(epochDay("2026-01-01"), "week")).toBe("2026-W01"); // a Thursday
    expect(periodKey(epochDay("2027-01-01"), "week")).toBe("2026-W53");
    expect(periodKey(epochDay("2026-12-28"), "week")).toBe("2026-W53");
    const history = contactHistory(
      logOf([
        { subscriber_id: "M", date: "2026-07-03", action: "care_call", group: "treatment" },
        { subscriber_id: "M", date: "2026-06-30", action: "care_call", group: "treatment" },
      ]),
    );
    const c = ctx({ cooldownDays: 0, maxContacts: { count: 1, period: "month" } }, { history, contactDay: epochDay("2026-07-20") });
    expect(subscriberExclusion("M", c)).toBe("max_contacts");
    expect(subscriberExclusion("M", { ...c, rules: contactRulesSchema.parse({ cooldownDays: 0, maxContacts: { count: 2 } }) })).toBeNull();
  });

  it("offers an action on the preferred channel where the catalog has it, else the fallback", () => {
    const callWithEmail: ActionChannels = { channel: "phone", unitCost: 8, channels: { email: { unitCost: 0.5 }, sms: {} } };
    const on = (pref: string | null, fallback: "default" | "none" | ("sms" | "email")[], usePreferred = true) => offerChannel(callWithEmail, pref, { usePreferred, fallback });
    expect(on("email", "none")).toEqual({ channel: "email", unitCost: 0.5 });
    expect(on("sms", "none")).toEqual({ channel: "sms", unitCost: 8 });
    expect(on("app", "default")).toEqual({ channel: "phone", unitCost: 8 });
    expect(on("app", "none")).toBeNull();
    expect(on("app", ["email", "sms"])).toEqual({ channel: "email", unitCost: 0.5 });
    expect(on(null, "none")).toEqual({ channel: "phone", unitCost: 8 });
    expect(on("email", "none", false)).toEqual({ channel: "phone", unitCost: 8 });
  });

  it("lets an action's own fallback (catalog) override the rules' fallback, both ways", () => {
    const strict: ActionChannels = { channel: "app", unitCost: 0.2, channels: { email: { unitCost: 0.02 } }, fallback: "none" };
    const lenient: ActionChannels = { channel: "phone", unitCost: 8, fallback: "default" };
    const listed: ActionChannels = { channel: "phone", unitCost: 8, channels: { sms: { unitCost: 1 } }, fallback: ["sms"] };
    const rules = (fallback: "default" | "none") => ({ usePreferred: true, fallback });
    expect(offerChannel(strict, "phone", rules("default"))).toBeNull();
    expect(offerChannel(strict, "email", rules("default"))).toEqual({ channel: "email", unitCost: 0.02 });
    expect(offerChannel(strict, null, rules("default"))).toEqual({ channel: "app", unitCost: 0.2 });
    expect(offerChannel(lenient, "email", rules("none"))).toEqual({ channel: "phone", unitCost: 8 });
    expect(offerChannel(listed, "app", rules("none"))).toEqual({ channel: "sms", unitCost: 1 });
    // without its own fallback the action follows the rules
    expect(offerChannel({ channel: "app", unitCost: 0.2 }, "phone", rules("none"))).toBeNull();
  });

  it("applies every rule over an ordered candidate list: one action per subscriber, excluded counted by reason", () => {
    const actions = new Map<string, ActionChannels>([
      ["care_call", { channel: "phone", unitCost: 8 }],
      ["price_incentive", { channel: "phone", unitCost: 2, channels: { email: {} } }],
    ]);
    const c = ctx({ cooldownDays: 30, actionCooldownDays: { price_incentive: 90 }, channels: { fallback: "none" } });
    const out = applyContactRules(
      [
        { subscriberId: "Z", action: "care_call" },
        { subscriberId: "A", action: "care_call" },
        { subscriberId: "B", action: "price_incentive", preferredChannel: "email" }, // price_incentive 61 days ago
        { subscriberId: "B", action: "care_call", preferredChannel: "email" }, // not on email
        { subscriberId: "F", action: "care_call", preferredChannel: "phone" },
        { subscriberId: "F", action: "price_incentive", preferredChannel: "phone" }, // already has an action
        { subscriberId: "C", action: "care_call" },
      ],
      actions,
      c,
    );
    expect(out.reason).toEqual(["do_not_contact", "cooldown", "action_cooldown", "channel", null, null, "holdout"]);
    expect(out.allowed).toEqual([false, false, false, false, true, false, false]);
    expect(out.offer[4]).toEqual({ channel: "phone", unitCost: 8 });
    expect(out.excluded).toEqual({ do_not_contact: 1, holdout: 1, cooldown: 1, max_contacts: 0, action_cooldown: 1, channel: 1 });
  });
});
