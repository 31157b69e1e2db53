import { describe, expect, it } from "vitest";
import { complaints } from "../../src/features/families/complaints.js";
import { products } from "../../src/features/families/products.js";
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
  reasonScratch,
  reasonText,
  renderTemplate,
  standingText,
  topReasons,
} from "../../src/retention/reasons.js";
import { DRIVERS } from "../../src/retention/segments.js";

const features = [complaints, engagement, network, revenue, tenure, products].flatMap((f) => f.features);
const defs = new Map(features.map((f) => [f.name, f]));

describe("reasons", () => {
  it("fills the feature's own template", () => {
    expect(reasonText("data_mb_trend_30v60_pct", -62.4, defs)).toBe("data volume down 62% vs the previous 60 days");
    expect(reasonText("open_complaints", 2, defs)).toBe("2 complaints still open");
    expect(reasonText("days_to_contract_end", 21, defs)).toBe("contract ends in 21 days");
    expect(reasonText("dropped_calls_30d", 7, defs)).toBe("7 dropped calls in the last 30 days");
    expect(renderTemplate("{value} vs {reference} ({direction} {pct}%)", 12.345, 30)).toBe("12.3 vs 30 (up 12%)");
  });

  it("gets plurals right", () => {
    expect(reasonText("days_to_contract_end", 1, defs)).toBe("contract ends in 1 day");
    expect(reasonText("open_complaints", 1, defs)).toBe("1 complaint still open");
    expect(reasonText("dropped_calls_30d", 1, defs)).toBe("1 dropped call in the last 30 days");
    expect(reasonText("tenure_days", 1, defs)).toBe("customer for 1 day");
    expect(reasonText("active_products", 1, defs)).toBe("holds 1 product");
    expect(reasonText("active_products", 0, defs)).toBe("holds 0 products");
    // the renewal-window flag says what the window is, not "within 1 days"
    expect(reasonText("in_renewal_window", 1, defs)).toBe("in the renewal window: the contract ends within 60 days");
    // a flat-table count with a unit in its name
    expect(reasonText("tenure_months", 1)).toBe("tenure months 1 month");
    // the unit is the name's last word: minutes of the day are not days
    expect(reasonText("Total day minutes", 236)).toBe("Total day minutes 236");
  });

  it("says where a flat-table value stands among customers", () => {
    // tenure 0..100 evenly: a tenure of 1 is below 98% of the percentiles
    const pct = Array.from({ length: 101 }, (_, k) => k);
    expect(standingText("tenure", 1, pct)).toBe("shorter than 98% of customers");
    // a customer's age is young or old, not short
    expect(standingText("age", 1, pct)).toBe("younger than 98% of customers");
    expect(standingText("account_age", 95.5, pct)).toBe("older than 95% of customers");
    expect(standingText("MonthlyCharges", 95.5, pct)).toBe("higher than 95% of customers");
    const standing = { percentiles: new Map([["tenure", pct]]), shares: new Map([["Contract", new Map([["Month-to-month", 0.55]])]]) };
    expect(reasonText("tenure", 1, undefined, undefined, standing)).toBe("tenure 1, shorter than 98% of customers");
    expect(reasonText("Contract=Month-to-month", 1, undefined, undefined, standing)).toBe("Contract is Month-to-month (like 55% of customers)");
    expect(reasonText("TotalCharges__missing", 1)).toBe("TotalCharges: unknown");
    // a 0/1 column: yes or no, and how common it is (16 of the 101 percentiles are 1)
    const senior = { percentiles: new Map([["SeniorCitizen", Array.from({ length: 101 }, (_, k) => (k >= 85 ? 1 : 0))]]) };
    expect(reasonText("SeniorCitizen", 1, undefined, undefined, senior)).toBe("SeniorCitizen: yes (like 16% of customers)");
    expect(reasonText("SeniorCitizen", 0, undefined, undefined, senior)).toBe("SeniorCitizen: no (like 84% of customers)");
  });

  it("states what the subscriber has: a level that is set, a flag that is set or absent, a missing value", () => {
    expect(reasonText("bundle", 0, defs)).toBe("no bundle");
    expect(reasonText("out_of_contract", 1, defs)).toBe("out of contract: free to leave without a fee");
    expect(reasonText("contract_type=month_to_month", 1, defs)).toBe("contract type is month to month");
    expect(reasonText("contract_type=month_to_month", 0, defs)).toBeUndefined();
    expect(reasonText("days_to_contract_end__missing", 1, defs)).toMatch(/: unknown$/);
  });

  it("falls back to a generic sentence for features without a template", () => {
    expect(reasonText("mystery_score", 3.26, new Map([["mystery_score", { name: "mystery_score", unit: "points", description: "mystery score" }]]), 1)).toBe(
      "mystery score 3.3 points (typical 1)",
    );
    expect(reasonText("unknown_thing", 5)).toBe("unknown thing 5");
    // a unit or a duration word must stand as a word: MonthlyCharges is neither months nor a duration
    expect(reasonText("MonthlyCharges", 70.35)).toBe("MonthlyCharges 70.4");
    expect(standingText("MonthlyCharges", 99, Array.from({ length: 101 }, (_, k) => k))).toBe("higher than 98% of customers");
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
    // flat tables name their columns freely: "service" is customer service (calls to it), not a product held or
    // a length of service; call failures and blocked calls are the network
    expect(driverOf("Customer service calls")).toBe("service");
    expect(driverOf("CustomerCareCalls")).toBe("service");
    expect(driverOf("Complains")).toBe("service");
    expect(driverOf("InternetService=Fiber optic")).toBeUndefined();
    expect(driverOf("PhoneService=Yes")).toBeUndefined();
    expect(driverOf("TechSupport=No")).toBeUndefined();
    expect(driverOf("MonthsInService")).toBeUndefined();
    expect(driverOf("Call  Failure")).toBe("network");
    expect(driverOf("BlockedCalls")).toBe("network");
    expect(driverOf("MonthlyCharges")).toBe("price");
    expect(driverOf("region=north", new Map([["region", { name: "region", driver: "network" as const }]]))).toBe("network");
  });

  it("picks the three features raising the risk most, shows the most distinctive first, and its driver is the main driver", () => {
    const columns = ["dropped_calls_30d", "open_complaints", "days_to_contract_end", "out_of_contract", "data_mb_trend_30v60_pct"];
    // out of contract raises the risk of half the population a lot (typical contribution 1.0); a few dropped
    // calls rarely matter (typical 0.1)
    const scale = { dropped_calls_30d: 0.1, open_complaints: 0.2, days_to_contract_end: 0.8, out_of_contract: 1.0, data_mb_trend_30v60_pct: 0.5 };
    const rc = prepareReasonColumns(columns, features, { scale });
    // row 0: out of contract 0.9, dropped calls 0.3, data trend 0.2, open complaints 0.1; row 1: nothing positive
    const contrib = [0.3, 0.1, -0.5, 0.9, 0.2, -0.1, -0.2, -0.3, 0, 0];
    const values = [4, 1, 21, 1, -40, 0, 0, 400, 0, 5];
    // the top three by contribution, most distinctive first: 0.3/0.1 = 3 > 0.9/1 = 0.9 > 0.2/0.5 = 0.4
    expect(topReasons(contrib, values, 0, rc)).toEqual([
      "4 dropped calls in the last 30 days",
      "out of contract: free to leave without a fee",
      "data volume down 40% vs the previous 60 days",
    ]);
    expect(topReasons(contrib, values, 1, rc)).toEqual([]);
    const scratch = reasonScratch(rc);
    expect(DRIVERS[mainDriverIndex(contrib, 0, rc, scratch, values)]).toBe("network");
    expect(DRIVERS[mainDriverIndex(contrib, 1, rc, scratch, values)]).toBe("none");
    // without scales (older models) the raw contribution orders them
    expect(topReasons(contrib, values, 0, prepareReasonColumns(columns, features))[0]).toBe("out of contract: free to leave without a fee");
  });

  it("a one-hot feature is one reason, shown by the level the subscriber has", () => {
    // month-to-month customers are riskier because they are NOT on a 2-year contract: the contribution sits on the
    // level that is 0, the reason names the level that is set
    const columns = ["Contract=Month-to-month", "Contract=One year", "Contract=Two year", "tenure"];
    const rc = prepareReasonColumns(columns, [], { standing: { percentiles: new Map([["tenure", Array.from({ length: 101 }, (_, k) => k)]]) } });
    const contrib = [0.2, 0.1, 0.6, 0.05];
    const values = [1, 0, 0, 3];
    expect(topReasons(contrib, values, 0, rc)).toEqual(["Contract is Month-to-month", "tenure 3, shorter than 96% of customers"]);
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
