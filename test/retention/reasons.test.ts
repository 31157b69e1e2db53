import { describe, expect, it } from "vitest";
import { complaints } from "../../src/features/families/complaints.js";
import { engagement } from "../../src/features/families/engagement.js";
import { history } from "../../src/features/families/history.js";
import { network } from "../../src/features/families/network.js";
import { revenue } from "../../src/features/families/revenue.js";
import { tenure } from "../../src/features/families/tenure.js";
import {
  driverOf,
  gateStructural,
  mainDriverIndex,
  prepareReasonColumns,
  reasonText,
  renderTemplate,
  topReasons,
} from "../../src/retention/reasons.js";
import { DRIVERS } from "../../src/retention/segments.js";

const features = [complaints, engagement, network, revenue, tenure].flatMap((f) => f.features);
const defs = new Map(features.map((f) => [f.name, f]));

describe("reasons", () => {
  it("fills the feature's own template", () => {
    expect(reasonText("data_mb_trend_30v60_pct", -62.4, defs)).toBe("data volume down 62% vs the previous 60 days");
    expect(reasonText("open_complaints", 2, defs)).toBe("2 complaints still open");
    expect(reasonText("days_to_contract_end", 21, defs)).toBe("contract ends in 21 days");
    expect(reasonText("dropped_calls_30d", 7, defs)).toBe("7 dropped calls in the last 30 days");
    expect(renderTemplate("{value} vs {reference} ({direction} {pct}%)", 12.345, 30)).toBe("12.3 vs 30 (up 12%)");
  });

  it("never states a 0/1 flag or one-hot level the subscriber does not have, and handles missing indicators", () => {
    expect(reasonText("out_of_contract", 0, defs)).toBeUndefined();
    expect(reasonText("out_of_contract", 1, defs)).toBe("out of contract: free to leave without a fee");
    expect(reasonText("contract_type=month_to_month", 1, defs)).toBe("contract type is month to month");
    expect(reasonText("contract_type=month_to_month", 0, defs)).toBeUndefined();
    expect(reasonText("days_to_contract_end__missing", 1, defs)).toMatch(/: unknown$/);
  });

  it("falls back to a generic sentence for features without a template", () => {
    expect(reasonText("mystery_score", 3.26, new Map([["mystery_score", { name: "mystery_score", unit: "points", description: "mystery score" }]]), 1)).toBe(
      "mystery score: 3.3 points (typical 1)",
    );
    expect(reasonText("unknown_thing", 5)).toBe("unknown thing: 5");
  });

  it("maps features to drivers", () => {
    expect(driverOf("complaints_network_90d")).toBe("network");
    expect(driverOf("dropped_per_100min_30d")).toBe("network");
    expect(driverOf("complaints_billing_90d")).toBe("billing");
    expect(driverOf("late_payments_6m")).toBe("billing");
    expect(driverOf("open_complaints")).toBe("service");
    expect(driverOf("last_nps")).toBe("service");
    expect(driverOf("days_to_contract_end")).toBe("contract_end");
    expect(driverOf("contract_type=prepaid")).toBe("contract_end");
    expect(driverOf("discount_share_3m")).toBe("price");
    expect(driverOf("arpu_trend_pct")).toBe("price");
    expect(driverOf("data_mb_trend_30v60_pct")).toBe("disengagement");
    expect(driverOf("days_since_last_activity")).toBe("disengagement");
    expect(driverOf("region=north")).toBeUndefined();
    expect(driverOf("region=north", new Map([["region", { name: "region", driver: "network" as const }]]))).toBe("network");
  });

  it("picks the top three positive contributions and the main driver", () => {
    const columns = ["dropped_calls_30d", "open_complaints", "days_to_contract_end", "out_of_contract", "data_mb_trend_30v60_pct"];
    const rc = prepareReasonColumns(columns, features);
    // row 0: contract end and two network-ish... ; row 1: nothing positive
    const contrib = [0.3, 0.1, 0.5, 0.9, 0.2, -0.1, -0.2, -0.3, 0, 0];
    const values = [4, 1, 21, 0, -40, 0, 0, 400, 0, 5];
    // out_of_contract has the largest contribution but value 0: skipped, the next one is taken
    expect(topReasons(contrib, values, 0, rc)).toEqual([
      "contract ends in 21 days",
      "4 dropped calls in the last 30 days",
      "data volume down 40% vs the previous 60 days",
    ]);
    expect(topReasons(contrib, values, 1, rc)).toEqual([]);
    const scratch = new Float64Array(DRIVERS.length);
    expect(DRIVERS[mainDriverIndex(contrib, 0, rc, scratch)]).toBe("contract_end"); // 0.5 + 0.9 > 0.3
    expect(DRIVERS[mainDriverIndex(contrib, 1, rc, scratch)]).toBe("none");
  });

  it("a structural zero (no voice on a line without voice) is never a reason or a driver; the marker itself neither", () => {
    const withHistory = [...features, ...history.features];
    const columns = ["voice_min_per_day_30d", "voice_min_trend_30v60_pct", "uses_voice", "days_to_contract_end"];
    const rc = prepareReasonColumns(columns, withHistory);
    expect(rc.gate[0]).toBe(2);
    expect(rc.gate[1]).toBe(2);
    expect(rc.driver[2]).toBe(-1);
    // row 0: a broadband-only household (uses_voice 0): voice at 0 pushes the risk up, but means nothing;
    // row 1: a voice user whose voice fell: a real reason
    const contrib = Float64Array.from([0.9, 0.8, 0.7, 0.1, 0.9, 0.8, 0.7, 0.1]);
    const values = [0, -100, 0, 21, 0.2, -90, 1, 21];
    gateStructural(rc, contrib, values, 2);
    expect(Array.from(contrib.slice(0, 4))).toEqual([0, 0, 0.7, 0.1]);
    expect(topReasons(contrib, values, 0, rc)).toEqual(["contract ends in 21 days"]);
    const scratch = new Float64Array(DRIVERS.length);
    expect(DRIVERS[mainDriverIndex(contrib, 0, rc, scratch)]).toBe("contract_end");
    expect(topReasons(contrib, values, 1, rc)).toEqual([
      "voice minutes averaged 0.2 minutes per day over the last 30 days",
      "voice minutes down 90% vs the previous 60 days",
      "contract ends in 21 days",
    ]);
    expect(DRIVERS[mainDriverIndex(contrib, 1, rc, scratch)]).toBe("disengagement");
  });
});
