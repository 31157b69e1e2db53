import { expect, it } from "vitest";
import { showText } from "../../src/cli/commands/models.js";
import { pValueText } from "../../src/messages.js";

it("p-values read as numbers: 4 decimals, or an exponent below 0.0001 (never 0.0000)", () => {
  expect(pValueText(0.0123)).toBe("0.0123");
  expect(pValueText(1.7e-6)).toBe("1.7e-6");
  const model = {
    id: "mlp-1",
    manifest: { kind: "mlp" },
    metrics: { champion: { id: "logistic-1", promoted: true, test: { difference: 0.1194, low: 0.069, high: 0.1699, pOneSided: 1.7e-6 } } },
  };
  const text = showText(model);
  expect(text).toContain("vs champion   logistic-1: AUC +0.1194 (95% interval +0.0690 to +0.1699), DeLong p = 1.7e-6 → promoted");
  expect(text).not.toContain("p = 0.0000");
});
