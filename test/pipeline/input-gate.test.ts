/**
 * The input gate's population-shift rule: a shift stops the run only with scoring.stopOnShift, and never for the
 * contact-history features, which move because subscribers are being contacted (churn's nightly loop among them).
 */
import { describe, expect, it } from "vitest";
import { QualityGateError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import type { DriftSummary } from "../../src/monitoring/drift.js";
import { inputGate } from "../../src/pipeline/score.js";

const drift = (alerts: string[]): DriftSummary => ({
  checked: true,
  warn: 0.1,
  threshold: 0.25,
  score: { feature: "score", psi: 0.01, status: "ok" },
  features: [...alerts.map((f) => ({ feature: f, psi: 1.2, status: "alert" as const })), { feature: "tenure_days", psi: 0.02, status: "ok" as const }],
  alerts,
  warnings: [],
});
const strict = { allowed: false, stopOnShift: true, reference: "the model's training rows" };
const gate = (alerts: string[], o = strict) => () => inputGate({ failures: [] }, drift(alerts), o, silentLogger);

describe("input gate: population shift", () => {
  it("with stopOnShift, a data feature above the threshold stops the run and is named", () => {
    expect(gate(["arpu_trend_pct"])).toThrow(QualityGateError);
    expect(gate(["arpu_trend_pct", "contacts_90d"])).toThrow(/arpu_trend_pct/);
    expect(gate(["arpu_trend_pct", "contacts_90d"])).not.toThrow(/contacts_90d/);
  });

  it("the contact history alone never stops it; without stopOnShift nothing does", () => {
    expect(gate(["days_since_last_contact", "contacts_90d", "contacts_365d"])).not.toThrow();
    expect(gate(["arpu_trend_pct"], { ...strict, stopOnShift: false })).not.toThrow();
    expect(gate(["arpu_trend_pct"], { ...strict, allowed: true })).not.toThrow();
  });

  it("warns about the data that moved; the contact history goes on an information line of its own", () => {
    const lines: string[] = [];
    const log = { ...silentLogger, info: (m: string) => lines.push(`info: ${m}`), warn: (m: string) => lines.push(`warn: ${m}`) };
    inputGate({ failures: [] }, drift(["arpu_trend_pct", "days_since_last_contact"]), { ...strict, stopOnShift: false }, log);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn: population shift worth a look .*arpu_trend_pct/);
    expect(lines[0]).not.toContain("days_since_last_contact");
    expect(lines[1]).toMatch(/^info: contact history moved since training.*days_since_last_contact/);
    // the contact history alone: no warning at all
    lines.length = 0;
    inputGate({ failures: [] }, drift(["contacts_90d"]), { ...strict, stopOnShift: false }, log);
    expect(lines).toEqual([expect.stringMatching(/^info: contact history moved.*contacts_90d/)]);
  });
});
