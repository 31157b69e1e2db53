import { describe, expect, it } from "vitest";
import { callListsSchema } from "../../src/config/retention.js";
import { buildCallLists, type CallListInput, callListCsv, contactChannel, nthWorkday } from "../../src/retention/call-lists.js";

const row = (id: string, action: string, channel: string, extra: Partial<CallListInput> = {}): CallListInput => ({
  subscriberId: id,
  action,
  channel,
  preferredChannel: null,
  reasons: ["contract ends in 21 days", "2 complaints, one open"],
  cost: 12.5,
  daysToContractEnd: null,
  holdout: false,
  ...extra,
});

describe("call lists", () => {
  it("counts workdays after as-of", () => {
    const week = ["mon", "tue", "wed", "thu", "fri"];
    expect(nthWorkday("2026-05-29", 1, week)).toBe("2026-06-01"); // Friday → Monday
    expect(nthWorkday("2026-05-29", 5, week)).toBe("2026-06-05");
    expect(nthWorkday("2026-05-29", 6, week)).toBe("2026-06-08");
    expect(nthWorkday("2026-05-31", 11, week)).toBe("2026-06-15"); // two whole weeks and one day
    expect(nthWorkday("2026-05-31", 3, ["sat"])).toBe("2026-06-20");
  });

  it("a digital action goes by the preferred digital channel, an agent call stays a call", () => {
    expect(contactChannel("app", "email")).toBe("email");
    expect(contactChannel("app", "phone")).toBe("app");
    expect(contactChannel("app", null)).toBe("app");
    expect(contactChannel("agent", "sms")).toBe("agent");
  });

  it("one list per action and channel, priority in plan order, contact by as-of + window or the day before the term ends", () => {
    const cfg = callListsSchema.parse({ contactWithinDays: 7 });
    const lists = buildCallLists(
      [
        row("S1", "care_call", "agent"),
        row("S2", "digital_nudge", "app", { preferredChannel: "sms" }),
        row("S3", "care_call", "agent", { daysToContractEnd: 4 }),
        row("S4", "digital_nudge", "app"),
      ],
      cfg,
      "2026-05-31",
    );
    expect(lists.map((l) => l.name)).toEqual(["care_call-agent", "digital_nudge-app", "digital_nudge-sms"]);
    const calls = lists[0]!.entries;
    expect(calls.map((e) => [e.subscriber_id, e.priority, e.contact_by])).toEqual([
      ["S1", 1, "2026-06-07"],
      ["S3", 2, "2026-06-03"], // the term ends 2026-06-04: contact the day before
    ]);
    expect(calls[0]).toMatchObject({ action: "care_call", channel: "agent", reason: "contract ends in 21 days; 2 complaints, one open", offer_cost: 12.5, holdout: false });
  });

  it("a team's list is spread over its workdays by its capacity", () => {
    const cfg = callListsSchema.parse({ teams: [{ id: "desk", actions: ["care_call", "renewal_offer"], agents: 2, perAgentPerDay: 2 }] });
    const rows = ["S1", "S2", "S3", "S4", "S5"].map((id, i) => row(id, i % 2 ? "renewal_offer" : "care_call", "phone"));
    const [desk] = buildCallLists(rows, cfg, "2026-05-29"); // a Friday
    expect(desk).toMatchObject({ name: "team-desk", team: "desk", perDay: 4, days: 2 });
    expect(desk!.entries.map((e) => e.contact_by)).toEqual(["2026-06-01", "2026-06-01", "2026-06-01", "2026-06-01", "2026-06-02"]);
  });

  it("an action worked by two teams, or a team listed twice, is a config error", () => {
    const r = callListsSchema.safeParse({ teams: [{ id: "a", actions: ["care_call"], agents: 1, perAgentPerDay: 1 }, { id: "b", actions: ["care_call"], agents: 1, perAgentPerDay: 1 }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("already worked by team 'a'");
  });

  it("writes UTF-8, UTF-8 with BOM, and `;` with decimal commas, quoting what needs it", () => {
    const [list] = buildCallLists([row("S;1", "care_call", "agent", { reasons: ['said "too dear", then left a note'], cost: 1234.5, holdout: true })], callListsSchema.parse({}), "2026-05-31");
    const utf8 = callListCsv(list!, "utf8");
    expect(utf8).toBe(
      'subscriber_id,action,channel,priority,contact_by,reason,offer_cost,holdout\r\nS;1,care_call,agent,1,2026-06-07,"said ""too dear"", then left a note",1234.50,yes\r\n',
    );
    expect(callListCsv(list!, "utf8-bom")).toBe(`\uFEFF${utf8}`);
    expect(callListCsv(list!, "semicolon")).toBe(
      '\uFEFFsubscriber_id;action;channel;priority;contact_by;reason;offer_cost;holdout\r\n"S;1";care_call;agent;1;2026-06-07;"said ""too dear"", then left a note";1234,50;yes\r\n',
    );
  });
});
