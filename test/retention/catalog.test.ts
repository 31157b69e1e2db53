import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { ACTIONS } from "../../src/contract/tables.js";
import { catalogSchema, DEFAULT_CATALOG } from "../../src/config/catalog.js";
import { defaultRetentionConfig, retentionConfigSchema } from "../../src/config/retention.js";
import { priorEffect } from "../../src/retention/catalog.js";

describe("action catalog", () => {
  it("ships a default catalog covering every contract action plus none", () => {
    const catalog = catalogSchema.parse(DEFAULT_CATALOG);
    expect(catalog.map((a) => a.id).sort()).toEqual([...ACTIONS, "none"].sort());
    const price = catalog.find((a) => a.id === "price_incentive")!;
    expect(price.feeMonths).toBeGreaterThan(0); // cost scales with the fee
    expect(price.eligibility.price).toEqual(["sensitive"]);
    expect(catalog.find((a) => a.id === "network_fix")!.eligibility.driver).toEqual(["network"]);
    expect(catalog.find((a) => a.id === "complaint_fasttrack")!.eligibility.minOpenComplaints).toBe(1);
    for (const id of ["digital_nudge", "loyalty_points", "referral_invite"]) expect(catalog.find((a) => a.id === id)!.eligibility.maxOpenComplaints, id).toBe(0);
    expect(catalog.find((a) => a.id === "bundle_addon")!.eligibility.maxProducts).toBe(1);
    expect(catalog.find((a) => a.id === "renewal_offer")!.eligibility.contract).toEqual(["renewal_window"]);
  });

  it("is part of the pipeline config, defaulted", () => {
    const cfg = configSchema.parse({});
    expect(cfg.retention.actions).toHaveLength(DEFAULT_CATALOG.length);
    expect(cfg.retention.budget).toBeNull();
    expect(cfg.retention.segments.effectKey).toEqual(["value", "price", "driver", "usage"]);
  });

  it("picks the most specific matching prior effect", () => {
    const action = catalogSchema.parse([
      {
        id: "care_call",
        description: "x",
        channel: "phone",
        unitCost: 1,
        effect: { default: 0.1, segments: { "value=high": 0.2, "value=high;driver=network": 0.3, "driver=network": 0.25 } },
      },
    ])[0]!;
    expect(priorEffect(action, "value=low;price=sensitive;driver=service")).toBe(0.1);
    expect(priorEffect(action, "value=high;price=sensitive;driver=service")).toBe(0.2);
    expect(priorEffect(action, "value=high;price=sensitive;driver=network")).toBe(0.3);
    expect(priorEffect(action, "value=low;price=sensitive;driver=network")).toBe(0.25);
  });

  it("rejects unknown ids, duplicate ids, bad segment keys and overrides on dims outside the effect key", () => {
    const base = { description: "x", channel: "sms", unitCost: 1, effect: { default: 0.1 } };
    expect(catalogSchema.safeParse([{ ...base, id: "free_phone" }]).success).toBe(false);
    const dup = catalogSchema.safeParse([{ ...base, id: "care_call" }, { ...base, id: "care_call" }]);
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.message).toMatch(/duplicate action id 'care_call'/);
    const badKey = catalogSchema.safeParse([{ ...base, id: "care_call", effect: { default: 0.1, segments: { "value=gold": 0.2 } } }]);
    expect(badKey.error?.issues[0]?.message).toMatch(/'gold' is not a level of value/);
    const outside = retentionConfigSchema.safeParse({
      actions: [{ ...base, id: "care_call", effect: { default: 0.1, segments: { "tenure=loyal": 0.2 } } }],
    });
    expect(outside.success).toBe(false);
    expect(outside.error?.issues[0]?.message).toMatch(/not in retention.segments.effectKey/);
    expect(defaultRetentionConfig().actions.length).toBe(10);
    // a narrower effect key with the shipped catalogue: its overrides on the dims left out do not apply, no error
    const narrow = retentionConfigSchema.parse({ segments: { effectKey: ["value", "driver"] } });
    const nudge = narrow.actions.find((a) => a.id === "digital_nudge")!;
    expect(priorEffect(nudge, "value=low;driver=none")).toBe(nudge.effect.default);
    // the same override written by the operator is refused
    const written = retentionConfigSchema.safeParse({
      segments: { effectKey: ["value", "driver"] },
      actions: [{ ...base, id: "digital_nudge", effect: { default: 0.01, segments: { "usage=falling": 0.2 } } }],
    });
    expect(written.error?.issues[0]?.message).toMatch(/'usage', which is not in retention.segments.effectKey/);
  });
});
