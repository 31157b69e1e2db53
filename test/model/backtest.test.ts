import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rollingBacktest } from "../../src/model/backtest.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { rng } from "../../src/model/split.js";
import { tempDir } from "./helpers.js";

/** Monthly snapshots of a world whose churn follows one logistic model, plus `shock` on the intercept of some months. */
function world(path: string, shock: Record<string, number>): void {
  const r = rng(3);
  const dates = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"];
  const lines = ["subscriber_id,as_of,tenure_days,complaints_90d,label"];
  for (const d of dates) {
    for (let s = 0; s < 3000; s++) {
      const tenure = Math.floor(r() * 900);
      const comp = Math.floor(r() * 3);
      const z = -2 - 0.002 * tenure + 0.8 * comp + (shock[d] ?? 0);
      lines.push(`S${s},${d},${tenure},${comp},${r() < 1 / (1 + Math.exp(-z)) ? 1 : 0}`);
    }
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

async function backtest(shock: Record<string, number>) {
  const path = join(tempDir("churn-backtest-"), "f.csv");
  world(path, shock);
  const input = await featureTrainingInput(path, "30d");
  return rollingBacktest(input, 2, "logistic", { model: "logistic", seed: 1, calibration: "platt" });
}

describe("backtest: expected churners against the churners each date had", () => {
  it("in a world whose churn level does not move, agree within 10% on every date", async () => {
    const b = await backtest({});
    expect(b.rows.map((r) => [r.asOf, r.calibratedOn])).toEqual([
      ["2026-05-31", "2026-04-30"],
      ["2026-06-30", "2026-05-31"],
    ]);
    for (const r of b.rows) {
      expect(r.churners).toBeGreaterThan(150);
      expect(Math.abs(r.expectedChurners! / r.churners - 1)).toBeLessThan(0.1);
    }
  });

  it("when the calibration month's churn was raised by an event that then ends, show the next month's overshoot", async () => {
    // May's outcomes (the 2026-04-30 snapshot) raised, as a price increase does for its 60 days
    const b = await backtest({ "2026-04-30": 0.7 });
    const [may, june] = b.rows;
    expect(may!.calibratedOn).toBe("2026-04-30");
    expect(may!.expectedChurners! / may!.churners).toBeGreaterThan(1.3);
    // June is calibrated on May 31, back to the usual level
    expect(Math.abs(june!.expectedChurners! / june!.churners - 1)).toBeLessThan(0.1);
  });
});
