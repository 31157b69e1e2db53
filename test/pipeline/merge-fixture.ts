/**
 * The small world, model and config shared by the sharded-scoring tests (merge.test.ts: files and queue mode;
 * merge-clickhouse.test.ts: features from a ClickHouse cluster), and helpers to compare run folders file for file.
 */
import { type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { parseShard } from "../../src/pipeline/shard.js";
import { generateWorld } from "../../src/synth/index.js";

const base = defaultConfig();
// effects learned per value tier and driver from cells of 2 contacts, and the per-subscriber uplift model (forced:
// the plan buys each subscriber's own effects from the modifiers' values); two actions with a capacity that binds;
// a period budget (80) that the second night's run hits; the default holdout and contact rules
export const config = {
  ...base,
  retention: {
    ...base.retention,
    segments: { ...base.retention.segments, effectKey: ["value", "driver"] },
    effects: { ...base.retention.effects, minGroupSize: 2 },
    uplift: { ...base.retention.uplift, method: "uplift" as const, minContacts: 50, caution: 0 },
    periodBudget: { amount: 80, period: "month" as const },
    actions: base.retention.actions.map((a) => (a.id === "digital_nudge" ? { ...a, capacity: 60 } : a.id === "care_call" ? { ...a, capacity: 4 } : a)),
  },
};
export const AS_OF = "2026-05-31";
/** The second night of the ClickHouse test: the first night's contacts (2026-06-01) are on or before it. */
export const AS_OF2 = "2026-06-30";
export const BUDGET = 50;

export interface MergeWorld {
  /** A fresh temporary folder holding everything below (the caller removes it). */
  dir: string;
  /** 900 subscribers, 8 months, seed 5, Parquet. */
  world: string;
  /** A logistic model trained on four month-ends before AS_OF. */
  model: string;
}

export async function mergeWorld(): Promise<MergeWorld> {
  const dir = mkdtempSync(join(tmpdir(), "churn-merge-"));
  const world = join(dir, "world");
  await generateWorld({ subscribers: 900, months: 8, seed: 5, format: "parquet", out: world });
  const feats = join(dir, "train.parquet");
  await buildFeatureTable({ config, dir: world, asOf: parseAsOf({ range: "2026-01-31..2026-04-30", every: "1mo" }), horizon: parsePeriod("30d", "--horizon"), out: feats });
  const models = join(dir, "models");
  await trainAndRegister(await featureTrainingInput(feats, "30d"), { model: "logistic", seed: 1, calibration: "none", modelsDir: models, id: "lr" });
  return { dir, world, model: join(models, "lr") };
}

/**
 * The fixture for one test file: built before its tests (then `then`, e.g. a reference run), removed after them.
 * The returned object is filled in by the time the tests run.
 */
export function useMergeWorld(then?: (w: MergeWorld) => Promise<void>): MergeWorld {
  const w = {} as MergeWorld;
  beforeAll(async () => {
    Object.assign(w, await mergeWorld());
    await then?.(w);
  }, 240_000);
  afterAll(() => {
    if (w.dir) rmSync(w.dir, { recursive: true, force: true });
  });
  return w;
}

/** `churn score` of the fixture's world on AS_OF with the shared budget, optionally one shard ("k/K"). */
export const scoreShared = (w: MergeWorld, out: string, shard?: string) =>
  scoreRun({ model: w.model, data: w.world, asOf: AS_OF, out, config, budget: BUDGET, allowDrift: true, ...(shard ? { shard: parseShard(shard) } : {}) });
export const read = (run: string, f: string) => readFileSync(join(run, f));
/** Every file of a run folder but its manifest (RUN_FILES, call lists, changes.csv), relative paths sorted. */
export const runFiles = (run: string) =>
  (readdirSync(run, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile() && e.name !== "manifest.json")
    .map((e) => relative(run, join(e.parentPath, e.name)))
    .sort();
/** The manifest without what differs between any two runs (time, durations). */
export const stable = (run: string) => {
  const m = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8"));
  delete m.created_at;
  delete m.durations;
  return m;
};
