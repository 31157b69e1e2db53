import { describe, expect, it } from "vitest";
import { nearestKey, parseConfig } from "../../src/config/load.js";
import { defaultConfig } from "../../src/config/schema.js";
import { configJsonSchema } from "../../src/cli/commands/config.js";
import { ConfigError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { readFileSync } from "node:fs";

describe("config", () => {
  it("an empty file is the default config", () => {
    expect(parseConfig("", "churn.config.yaml")).toEqual(defaultConfig());
    expect(parseConfig("{}", "churn.config.json")).toEqual(defaultConfig());
  });

  it("reports every problem with its path", () => {
    const text = 'seed: -1\ndata:\n  columns:\n    subscribers: {monthly_fee: "fee; DROP TABLE x"}\nbogus: 1\n';
    let err: unknown;
    try {
      parseConfig(text, "c.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const m = (err as ConfigError).message;
    expect(m).toContain("c.yaml has 3 problems");
    expect(m).toContain("seed:");
    expect(m).toContain("data.columns.subscribers.monthly_fee: must be a plain column name");
    expect(m).toContain('(top level): unrecognized key: "bogus"');
    expect(m).not.toContain("did you mean");
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it("a misspelt key names the key that was probably meant", () => {
    const m = (() => {
      try {
        parseConfig("retention:\n  budgett: 5000\n  contactRules:\n    cooldowndays: 7\n    maxContact: 2\n", "c.yaml");
      } catch (e) {
        return (e as ConfigError).message;
      }
      return "";
    })();
    expect(m).toContain('retention: unrecognized key: "budgett" (did you mean "budget"?)');
    expect(m).toContain('retention.contactRules: unrecognized keys: "cooldowndays" (did you mean "cooldownDays"?), "maxContact" (did you mean "maxContacts"?)');
    expect(nearestKey("budgett", ["budget", "periodBudget"])).toBe("budget");
    expect(nearestKey("xyz", ["budget"])).toBeUndefined();
    // two equally close keys: no guess
    expect(nearestKey("ab", ["aa", "bb"])).toBeUndefined();
  });

  it("says what a channel fallback may be, for the contact rules and for one action", () => {
    const problems = (text: string) => {
      try {
        parseConfig(text, "c.yaml");
      } catch (e) {
        return (e as ConfigError).message;
      }
      return "";
    };
    const want = "expected default (the action's own channel), none (not offered), or a list of channels to try in order (sms, email, app, phone, agent, ticket, mail)";
    expect(problems("retention:\n  contactRules:\n    channels: {fallback: nowhere}\n")).toContain(`retention.contactRules.channels.fallback: ${want}`);
    const action = "retention:\n  actions:\n    - {id: digital_nudge, description: nudge, channel: app, unitCost: 0.2, effect: {default: 0.01}, fallback: [sms, pigeon]}\n";
    expect(problems(action)).toContain(`retention.actions.0.fallback: ${want}`);
    const ok = parseConfig(action.replace("[sms, pigeon]", "none"), "c.yaml");
    expect(ok.retention.actions.find((a) => a.id === "digital_nudge")?.fallback).toBe("none");
  });

  it("names the file when the syntax is broken", () => {
    expect(() => parseConfig("{not json", "c.json")).toThrow(msg.configParse("c.json", "").slice(0, 30));
  });

  it("the committed JSON Schema is the one generated from the zod schema", () => {
    const committed = JSON.parse(readFileSync("churn.config.schema.json", "utf8"));
    expect(committed).toEqual(configJsonSchema());
  });
});
