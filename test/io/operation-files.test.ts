import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputDataError } from "../../src/errors.js";
import { LEDGER_FILE, LEDGER_PREVIOUS, readLedger, writeLedger } from "../../src/io/budget-ledger.js";
import { type ContactRow, formatContactsCsv, parseContactsCsv } from "../../src/io/contacts-log.js";
import { msg } from "../../src/messages.js";

const dir = mkdtempSync(join(tmpdir(), "churn-opfiles-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("contacts log file", () => {
  const rows: ContactRow[] = [
    { subscriber_id: "S0000001", date: "2026-07-01", action: "care_call", group: "treatment", run_id: "2026-06-30", channel: "phone", cost: 8 },
    { subscriber_id: 'odd,"id"', date: "2026-07-01", action: "digital_nudge", group: "control", run_id: "2026-06-30", channel: "sms", cost: 0 },
  ];
  it("round-trips, campaigns columns first", () => {
    const text = formatContactsCsv(rows);
    expect(text.split("\n")[0]).toBe("subscriber_id,date,action,group,run_id,channel,cost");
    expect(parseContactsCsv(text, "x.csv")).toEqual(rows);
  });
  it("reads a plain campaigns table (no run_id, channel or cost; columns in any order)", () => {
    expect(parseContactsCsv("group,action,date,subscriber_id\r\ncontrol,care_call,2026-01-05,S1\r\n", "c.csv")).toEqual([
      { subscriber_id: "S1", date: "2026-01-05", action: "care_call", group: "control", run_id: "", channel: "", cost: 0 },
    ]);
  });
  it("names the file, row, column and value of a bad row", () => {
    const bad = (text: string) => {
      try {
        parseContactsCsv(text, "log.csv");
      } catch (e) {
        expect(e).toBeInstanceOf(InputDataError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(bad("subscriber_id,date,action,group\nS1,2026-13-01,care_call,treatment\n")).toBe(msg.contactsBadValue("log.csv", 1, "date", "2026-13-01", "a date YYYY-MM-DD"));
    expect(bad("subscriber_id,date,action\nS1,2026-01-01,care_call\n")).toBe(msg.contactsMissingColumn("log.csv", "group", ["subscriber_id", "date", "action"]));
    expect(bad("")).toBe(msg.contactsEmpty("log.csv"));
    expect(bad("subscriber_id,date,action,group,cost\nS1,2026-01-01,care_call,treatment,-3\n")).toBe(msg.contactsBadValue("log.csv", 1, "cost", "-3", "a non-negative amount"));
  });
});

describe("budget ledger file", () => {
  const path = join(dir, LEDGER_FILE);
  const prev = join(dir, LEDGER_PREVIOUS);
  const e = { run_id: "2026-06-30", as_of: "2026-06-30", period: "2026-07", budget: 1000, spent: 400, contacts: 50 };
  it("starts empty, round-trips and keeps the previous version", () => {
    expect(readLedger(path, "EUR").entries).toEqual([]);
    writeLedger(path, prev, "EUR", [e]);
    writeLedger(path, prev, "EUR", [e, { ...e, run_id: "2026-07-01", as_of: "2026-07-01" }]);
    expect(readLedger(path, "EUR").entries).toHaveLength(2);
    expect(readLedger(prev, "EUR").entries).toEqual([e]);
  });
  it("a hand-edited or damaged ledger stops with exit 3 naming the file, never resets", () => {
    const edited = readFileSync(path, "utf8").replace('"spent": 400', '"spent": 4');
    writeFileSync(path, edited);
    expect(() => readLedger(path, "EUR")).toThrow(msg.ledgerEdited(path));
    writeFileSync(path, edited.slice(0, 40));
    expect(() => readLedger(path, "EUR")).toThrow(InputDataError);
    expect(() => readLedger(path, "EUR")).toThrow(/budget_ledger\.json is damaged: not JSON/);
    writeFileSync(path, JSON.stringify({ kind: "churn-budget-ledger", version: 1, currency: "EUR", entries: [{ ...e, spent: -1 }], checksum: "0".repeat(64) }));
    expect(() => readLedger(path, "EUR")).toThrow(/entries\.0\.spent/);
  });
});

describe("do-not-contact list", () => {
  it("reads a subscriber_id column or one id per line; a missing file names the config option", async () => {
    const { parseIdList, readIdList } = await import("../../src/io/contacts-log.js");
    expect([...parseIdList("name,subscriber_id\nAnn,S1\nBo, S2 \n", "d.csv", "k")]).toEqual(["S1", "S2"]);
    expect([...parseIdList("# opted out\nS1\n\nS3\n", "d.txt", "k")]).toEqual(["S1", "S3"]);
    expect(() => parseIdList("name,id\nAnn,S1\n", "d.csv", "retention.contactRules.doNotContact")).toThrow(msg.idListColumns("d.csv", "retention.contactRules.doNotContact", ["name", "id"]));
    expect(() => readIdList(join(dir, "nope.csv"), "retention.contactRules.doNotContact")).toThrow(msg.idListMissing(join(dir, "nope.csv"), "retention.contactRules.doNotContact"));
  });
  it("a re-run replaces its own rows in the contacts log", async () => {
    const { mergeRunContacts } = await import("../../src/io/contacts-log.js");
    const row = (id: string, run: string): ContactRow => ({ subscriber_id: id, date: "2026-07-01", action: "care_call", group: "treatment", run_id: run, channel: "phone", cost: 8 });
    const log = mergeRunContacts([row("S1", "a"), row("S2", "b")], "a", [row("S3", "a")]);
    expect(log.map((r) => r.subscriber_id)).toEqual(["S3", "S2"]);
  });
});
