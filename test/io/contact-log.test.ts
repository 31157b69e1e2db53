import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contactRulesSchema } from "../../src/config/operation.js";
import { ContactLog, type ContactRow, formatContactsCsv, mergeRunContacts, parseContactsCsv } from "../../src/io/contacts-log.js";
import { actionOnCooldown, contactHistory, epochDay, isoDay, type RuleContext, ruleWindowDays, subscriberExclusion } from "../../src/retention/contact-rules.js";

const dir = mkdtempSync(join(tmpdir(), "churn-contactlog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded generator of log rows: runs a few days apart, ids from a small pool (so subscribers repeat), both groups. */
function randomRows(seed: number, n: number, runs: string[]): ContactRow[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const actions = ["care_call", "digital_nudge", "price_incentive", "renewal_offer"];
  return Array.from({ length: n }, () => {
    const run = runs[Math.floor(rnd() * runs.length)]!;
    const control = rnd() < 0.1;
    return {
      subscriber_id: `S${String(Math.floor(rnd() * 300)).padStart(4, "0")}`,
      date: isoDay(epochDay(run) + 1),
      action: actions[Math.floor(rnd() * actions.length)]!,
      group: control ? "control" : "treatment",
      run_id: run,
      channel: ["sms", "phone", "app"][Math.floor(rnd() * 3)]!,
      cost: control ? 0 : [0.05, 8, 12.5, 45.63][Math.floor(rnd() * 4)]!,
    };
  });
}

/** The manifest's digest as score.ts computed it from row objects before the log was held by column. */
function rowDigest(rows: readonly ContactRow[], asOf: string | null) {
  const lines = rows
    .filter((r) => asOf === null || r.date <= asOf)
    .map((r) => `${r.subscriber_id}\u0000${r.date}\u0000${r.action}\u0000${r.group}`)
    .sort();
  return { rows: lines.length, sha256: createHash("sha256").update(lines.join("\n")).digest("hex") };
}

const runs = ["2026-03-31", "2026-04-30", "2026-05-15", "2026-05-31", "2026-06-29", "2026-06-30"];
const messageOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
};

describe("the contacts log by column", () => {
  it("reads a file as parseContactsCsv does, and writes it back byte for byte", () => {
    const rows = randomRows(7, 2_000, runs);
    const text = formatContactsCsv(rows);
    const path = join(dir, "log.csv");
    writeFileSync(path, text);
    const log = ContactLog.read(path);
    expect(log.size).toBe(rows.length);
    expect(log.rows()).toEqual(parseContactsCsv(text, path));
    log.write(join(dir, "again.csv"));
    expect(readFileSync(join(dir, "again.csv"), "utf8")).toBe(text);
  });

  it("reads other column orders, optional columns, a byte order mark, blank lines and quoted fields", () => {
    const cases = [
      "group,action,date,subscriber_id\ncontrol,care_call,2026-01-05,S1\n\ntreatment,care_call,2026-01-05,S2",
      "\uFEFFsubscriber_id,date,action,group,run_id,channel,cost\nS1,2026-01-05,care_call,treatment,r1,phone,8\n",
      'subscriber_id,date,action,group,run_id,channel,cost\r\n"odd,""id""",2026-01-05,care_call,control,r1,phone,0\r\n',
      "subscriber_id,date,action,group,cost\nS1,2026-01-05,care_call,treatment,\n",
      "subscriber_id,date,action,group\r\nS1,2026-01-05,care_call,treatment\r\nS2,2026-01-05,care_call,control\r\n",
    ];
    cases.forEach((text, k) => {
      const path = join(dir, `case-${k}.csv`);
      writeFileSync(path, text);
      expect(ContactLog.read(path).rows()).toEqual(parseContactsCsv(text, path));
    });
    expect(ContactLog.read(join(dir, "missing.csv")).size).toBe(0);
  });

  it("stops on the same bad row with the same message as parseContactsCsv", () => {
    const head = "subscriber_id,date,action,group,run_id,channel,cost\n";
    const good = "S1,2026-01-05,care_call,treatment,r1,phone,8\n";
    const bad = [
      `${head}${good}S2,2026-13-01,care_call,treatment,r1,phone,8\n`,
      `${head}${good}${good}S2,2026-01-05,care_call,maybe,r1,phone,8\n`,
      `${head}\n${good}S2,2026-01-05,care_call,treatment,r1,phone,-3\n`,
      `${head}${good}S2,2026-01-05,care_call,treatment,r1,phone\n`,
      `${head},2026-01-05,care_call,treatment,r1,phone,8\n`,
      `${head}S2,2026-01-05,,treatment,r1,phone,8\n`,
      "subscriber_id,date,action\nS1,2026-01-05,care_call\n",
      "",
      "\n\n",
    ];
    bad.forEach((text, k) => {
      const path = join(dir, `bad-${k}.csv`);
      writeFileSync(path, text);
      const expected = messageOf(() => parseContactsCsv(text, path));
      expect(expected).not.toBe("no error");
      expect(messageOf(() => ContactLog.read(path))).toBe(expected);
    });
  });

  it("replaces a run's rows as mergeRunContacts does (ordered by date, run and subscriber), merging or sorting", () => {
    for (const seed of [1, 2, 3]) {
      const old = mergeRunContacts([], "none", randomRows(seed, 1_500, runs)); // in order, as churn writes it
      const shuffled = randomRows(seed + 10, 800, runs); // out of order, as a hand-edited file may be
      const fresh = randomRows(seed + 20, 300, ["2026-06-30"]);
      for (const base of [old, shuffled]) {
        const expected = mergeRunContacts(base, "2026-06-30", fresh);
        const got = ContactLog.fromRows(base).replaceRun("2026-06-30", fresh);
        expect(got.rows()).toEqual(expected);
        const path = join(dir, `merged-${seed}.csv`);
        got.write(path);
        expect(readFileSync(path, "utf8")).toBe(formatContactsCsv(expected));
      }
    }
  });

  it("digests the rows up to as-of as the manifest always has, and lists runs and dates", () => {
    const rows = [...randomRows(4, 1_000, runs), { subscriber_id: "S0001", date: "2026-04-01", action: "care_call", group: "control" as const, run_id: "", channel: "", cost: 0 }];
    const log = ContactLog.fromRows(rows);
    for (const asOf of [null, "2026-05-31", "2026-06-30", "2026-01-01"]) expect(log.digest(asOf)).toEqual(rowDigest(rows, asOf));
    expect(log.runIds()).toEqual(new Set(rows.map((r) => r.run_id)));
    expect(log.dateValues()).toEqual([...new Set(rows.map((r) => r.date))].sort());
    expect(log.withoutRun("2026-05-31").rows()).toEqual(rows.filter((r) => r.run_id !== "2026-05-31"));
  });

  it("keeps in its history every contact a rule can see: the same exclusions as the full history", () => {
    const rows = randomRows(5, 3_000, runs);
    const log = ContactLog.fromRows(rows);
    const full = contactHistory(log);
    const ruleSets = [
      {},
      { cooldownDays: 60 },
      { cooldownDays: 0, actionCooldownDays: { price_incentive: 120 } },
      { cooldownDays: 7, maxContacts: { count: 2, period: "month" } },
      { cooldownDays: 7, maxContacts: { count: 1, period: "week" } },
    ];
    let excluded = 0;
    // every day from before the first contact to after the last: each window's edge falls on some day
    for (let contactDay = epochDay("2026-03-01"); contactDay <= epochDay("2026-10-15"); contactDay++) {
      for (const raw of ruleSets) {
        for (const holdoutDays of [0, 90]) {
          const rules = contactRulesSchema.parse(raw);
          const base: Omit<RuleContext, "history"> = { contactDay, rules, holdoutDays, doNotContact: new Set() };
          const a: RuleContext = { ...base, history: full };
          const b: RuleContext = { ...base, history: contactHistory(log, { contactDay, days: ruleWindowDays(rules, holdoutDays) }) };
          for (let k = 0; k < 300; k += 7) {
            const id = `S${String(k).padStart(4, "0")}`;
            const reason = subscriberExclusion(id, a);
            if (reason) excluded++;
            expect(subscriberExclusion(id, b)).toBe(reason);
            expect(actionOnCooldown(id, "price_incentive", b)).toBe(actionOnCooldown(id, "price_incentive", a));
          }
        }
      }
    }
    expect(excluded).toBeGreaterThan(5_000);
  });

  it("records a run's rows as a full rewrite would: appended to a copy when the log allows, rewritten otherwise", () => {
    const earlier = mergeRunContacts([], "none", randomRows(8, 3_000, runs.slice(0, 5)));
    const tonight = randomRows(9, 400, ["2026-06-30"]);
    const canonical = formatContactsCsv(earlier);
    const cases: [string, string, ContactRow[]][] = [
      ["a new night after the others (append)", canonical, tonight],
      ["a re-run of a night in the log", canonical, randomRows(10, 200, ["2026-05-31"])],
      ["a night dated before the last one", canonical, randomRows(11, 200, ["2026-05-16"])],
      ["a hand-written amount", canonical.replace(",8\n", ",8.0\n"), tonight],
      ["a blank line", canonical.replace("\n", "\n\n"), tonight],
      ["Windows line ends", canonical.replaceAll("\n", "\r\n"), tonight],
      ["rows out of order", formatContactsCsv([...earlier].reverse()), tonight],
      ["no rows tonight", canonical, []],
    ];
    cases.forEach(([what, text, rows], k) => {
      if (k >= 3 && k <= 6) expect(text, what).not.toBe(canonical);
      const path = join(dir, `record-${k}.csv`);
      writeFileSync(path, text);
      const before = parseContactsCsv(text, path);
      const runId = rows[0]?.run_id ?? "2026-06-30";
      ContactLog.read(path).withoutRun(runId).recordRun(path, runId, rows);
      expect(readFileSync(path, "utf8"), what).toBe(formatContactsCsv(mergeRunContacts(before, runId, rows)));
    });
  });

  it("writes a log larger than one piece", () => {
    const rows = randomRows(6, 30_000, runs);
    const path = join(dir, "big.csv");
    ContactLog.fromRows(rows).write(path);
    expect(readFileSync(path, "utf8")).toBe(formatContactsCsv(rows));
  });
});
