/**
 * Property: for random valid tiny worlds (seed, size, length, end and as-of varied), `churn score --data`
 * accounts for every input subscriber: each is in the risk list or in rejects.csv with a reason (never
 * both, never neither), and the manifest's counts reconcile with each other and with the files:
 * in = scored + rejected, rejected_by_reason sums to rejected, per_band sums to scored (and matches the risk
 * list's bands), per_action (including "none") sums to scored and its actions match the selected rows.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { RunManifest } from "../../src/pipeline/manifest.js";
import { generateWorld } from "../../src/synth/generate.js";
import { makeWorld, readCsvObjects, runInProcess, tempRoot } from "./helpers.js";

let root: string;
let model: string;

beforeAll(async () => {
  root = tempRoot("churn-score-props-");
  const world = await makeWorld(join(root, "train-world"));
  const train = join(root, "train.parquet");
  const f = await runInProcess(["features", "--data", world, "--as-of-range", "2026-04-30..2026-05-31", "--every", "1mo", "--out", train, "--quiet"]);
  expect(f.code, f.stderr).toBe(0);
  const t = await runInProcess(["train", "--features", train, "--model", "logistic", "--out", join(root, "models"), "--model-id", "m1", "--quiet"]);
  expect(t.code, t.stderr).toBe(0);
  model = join(root, "models", "m1");
}, 120_000);

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const tally = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => Object.assign(acc, { [x]: (acc[x] ?? 0) + 1 }), {});
const iso = (d: Date) => d.toISOString().slice(0, 10);

it("every input subscriber is scored or rejected with a reason, and the counts reconcile", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 80, max: 400 }),
      fc.integer({ min: 2, max: 4 }),
      fc.constantFrom("2026-03-31", "2026-06-30", "2026-09-30"),
      fc.integer({ min: 0, max: 45 }),
      async (seed, subscribers, months, end, back) => {
        const dir = join(root, `case-${n++}`);
        const data = join(dir, "data");
        await generateWorld({ subscribers, months, seed, end, format: "csv", out: data });
        const asOf = iso(new Date(Date.parse(`${end}T00:00:00Z`) - back * 86_400_000));
        const out = join(dir, "run");
        const r = await runInProcess(["score", "--model", model, "--data", data, "--as-of", asOf, "--out", out, "--allow-drift", "--quiet"]);
        const label = `seed ${seed}, ${subscribers} subscribers, ${months} months to ${end}, as-of ${asOf}`;
        expect(r.code, `${label}: ${r.stderr}`).toBe(0);

        const input = readCsvObjects(join(data, "subscribers.csv")).map((s) => s["subscriber_id"] as string);
        const risk = readCsvObjects(join(out, "risk_list.csv"));
        const riskIds = risk.map((x) => x["subscriber_id"] as string);
        // subscriber rejects name the id (column subscriber_id) or the subscribers.csv data row
        const rejectedReason = new Map<string, string>();
        for (const x of readCsvObjects(join(out, "rejects.csv"))) {
          if (x["table"] !== "subscribers") continue;
          expect(x["reason"], `${label}: ${JSON.stringify(x)}`).toMatch(/^[a-z_]+$/);
          const id = x["row"] ? (input[Number(x["row"]) - 1] as string) : (x["value"] as string);
          if (!rejectedReason.has(id)) rejectedReason.set(id, x["reason"] as string);
        }

        expect(new Set(riskIds).size, `${label}: duplicate ids in the risk list`).toBe(riskIds.length);
        const inRisk = new Set(riskIds);
        for (const id of input) {
          expect(inRisk.has(id) !== rejectedReason.has(id), `${label}: ${id} must be in exactly one of the risk list and rejects.csv`).toBe(true);
        }
        for (const id of [...riskIds, ...rejectedReason.keys()]) expect(input.includes(id), `${label}: ${id} is not an input subscriber`).toBe(true);

        const c = (JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as RunManifest).counts;
        expect(c.in).toBe(input.length);
        expect(c.scored).toBe(riskIds.length);
        expect(c.rejected).toBe(rejectedReason.size);
        expect(c.in).toBe(c.scored + c.rejected);
        expect(c.reconciled).toBe(true);
        expect(sum(c.rejected_by_reason)).toBe(c.rejected);
        expect(c.rejected_by_reason).toEqual(tally([...rejectedReason.values()]));
        expect(sum(c.per_band)).toBe(c.scored);
        expect(Object.fromEntries(Object.entries(c.per_band).filter(([, v]) => v > 0))).toEqual(tally(risk.map((x) => x["band"] as string)));
        // per_action: the selected rows by action, plus "none" for the rest, so it sums to scored
        expect(sum(c.per_action)).toBe(c.scored);
        const selected = risk.filter((x) => x["selected"] === "yes");
        const { none, ...actions } = c.per_action;
        expect(none).toBe(c.scored - selected.length);
        expect(Object.fromEntries(Object.entries(actions).filter(([, v]) => v > 0))).toEqual(tally(selected.map((x) => x["action"] as string)));
      },
    ),
    { numRuns: 10, seed: 20261122, endOnFailure: true },
  );
}, 120_000);
