/**
 * `churn plan --merge SHARD_DIR... --budget B --out RUN_DIR`: one exact plan over every shard of a sharded
 * scoring run, the run folder one `churn score` would write. Stages:
 *
 *   1. read     every shard result (checksums verified); they must be one run: shards 0..K-1 once each, one
 *               model, as-of, source and input, one drift reference
 *   2. merge    the scored subscribers of all shards in subscriber order; the rejected rows (each shard's own,
 *               and one copy of the raw tables' rows); drift bin counts added up, then the drift gate
 *   3. effects  this run's cutoffs over all subscribers ─► every shard's contact waves put together ─► the
 *               contacted subscribers' segments ─► segment cells and the per-subscriber uplift model, judged on
 *               later waves (as one process learns them) ─► each subscriber's own effects from its shard's
 *               modifier values
 *   4-7.        the same plan (contact rules and the period budget of the runs folder RUN_DIR is in, the
 *               holdout, the budget, capacities, the boundary repair over all subscribers), summary, writers and
 *               contacts log as `churn score` (score.ts planAndWrite)
 *
 * The merge holds one row of plan inputs per subscriber (about 100 bytes), not the features: see
 * docs/scale.md for where its cost grows.
 */
import type { CallListFormat } from "../config/retention.js";
import type { Config } from "../config/schema.js";
import { UsageError } from "../errors.js";
import { Db, quoteLiteral } from "../io/duckdb.js";
import { acquireLock } from "../io/lock.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { DriftCounter, type DriftSummary, noDrift } from "../monitoring/drift.js";
import { prepareReasonColumns } from "../retention/reasons.js";
import { standingOf } from "../model/reference-bins.js";
import { effectCutoffs, effectsFromWaves, NO_CAMPAIGNS, priorEffects } from "./campaign-effects.js";
import { inputGate, planAndWrite, type RunModel, type ScoreResult, stageClock } from "./score.js";
import { readContactWaves, readScored, readShardManifest, type ShardManifest } from "./shard.js";
import { readOperationState } from "./operation.js";
import { planEffects } from "./uplift.js";
import { IntegrityCounter, type IntegrityFailure } from "../monitoring/integrity.js";
import { parsePeriod } from "../features/periods.js";
import { dirname, join } from "node:path";
import type { ScoreSource } from "./source.js";

export interface MergeOptions {
  shards: readonly string[];
  out: string;
  config: Config;
  /** Overrides retention.budget; null = no limit. */
  budget?: number | null | undefined;
  allowDrift?: boolean | undefined;
  wait?: number | undefined;
  /** CSV dialect of the call lists (default retention.callLists.format). */
  format?: CallListFormat | undefined;
  log?: Logger | undefined;
}

/** The shard results must describe one run: compare what every shard must share with the first. */
function checkOneRun(dirs: readonly string[], ms: readonly ShardManifest[]): number {
  const first = ms[0]!;
  const same: [string, (m: ShardManifest) => unknown][] = [
    ["the number of shards", (m) => m.shard.of],
    ["the shard hash", (m) => m.shard.hash],
    ["the as-of date", (m) => m.as_of],
    ["the model", (m) => m.model.id],
    ["the source", (m) => m.source],
    ["the input files", (m) => m.inputs],
    ["the horizon", (m) => m.horizon],
    ["the plan's input columns", (m) => m.plan_sources],
    ["the subscribers in the input", (m) => m.subscribers_in],
    ["the raw table counts", (m) => m.tables],
    ["the contact waves", (m) => m.effects],
    ["the uplift modifiers", (m) => m.modifiers],
    ["the contacts log", (m) => m.contacts_log],
    ["the drift reference", (m) => m.drift?.reference ?? null],
    ["the loyalty KPIs", (m) => m.kpis],
  ];
  for (let s = 1; s < ms.length; s++) {
    for (const [what, get] of same) {
      const a = JSON.stringify(get(first));
      const b = JSON.stringify(get(ms[s]!));
      if (a !== b) throw new UsageError(msg.mergeMismatch(what, a.slice(0, 60), b.slice(0, 60), dirs[0]!, dirs[s]!));
    }
  }
  const of = first.shard.of;
  const seen = new Map<number, string>();
  ms.forEach((m, s) => {
    const prev = seen.get(m.shard.k);
    if (prev !== undefined) throw new UsageError(msg.mergeDuplicateShard(m.shard.k, prev, dirs[s]!));
    seen.set(m.shard.k, dirs[s]!);
  });
  const missing = Array.from({ length: of }, (_, k) => k).filter((k) => !seen.has(k));
  if (missing.length) throw new UsageError(msg.mergeMissingShard(missing, of));
  return of;
}

export async function mergeRun(o: MergeOptions): Promise<ScoreResult> {
  if (!o.shards.length) throw new UsageError(msg.mergeNoShards());
  if (o.budget !== undefined && o.budget !== null && !(o.budget >= 0)) throw new UsageError(msg.badBudget(o.budget));
  const log = o.log ?? silentLogger;
  const { config } = o;
  const out = o.out.replace(/[\\/]+$/, "");
  // 1. read
  const manifests = await Promise.all(o.shards.map((d) => readShardManifest(d)));
  checkOneRun(o.shards, manifests);
  const first = manifests[0]!;
  const lock = await acquireLock(out, o.wait ?? 0);
  let runsLock: { release(): void } | undefined;
  const clock = stageClock();
  const db = await Db.open({ memoryLimit: config.scoring.memoryLimit });
  try {
    // the runs folder's contacts log, budget ledger and contact rules; the shards must have seen the same log
    runsLock = await acquireLock(join(dirname(out), ".churn-runs"), Math.max(o.wait ?? 0, 600));
    const ops = readOperationState(out, first.as_of, config);
    const seen = ops.log.digest(first.as_of);
    if (seen.sha256 !== first.contacts_log.sha256) throw new UsageError(msg.mergeContactsLog(o.shards[0]!, first.contacts_log.rows, out, seen.rows));
    // 2. merge
    const files = (f: string) => `[${o.shards.map((d) => quoteLiteral(`${d}/${f}`)).join(", ")}]`;
    const scored = await readScored(db, `(SELECT * FROM read_parquet(${files("scored.parquet")}) ORDER BY subscriber_id)`, first.plan_sources);
    await db.run(
      `CREATE TABLE rejects AS
       SELECT table_name, file, row, column_name, value, reason, detail FROM read_parquet(${quoteLiteral(`${o.shards[0]}/rejects.parquet`)}) WHERE scope = 'all'
       UNION ALL SELECT table_name, file, row, column_name, value, reason, detail FROM read_parquet(${files("rejects.parquet")}) WHERE scope = 'shard'`,
    );
    const rejected = await db.all("SELECT reason, count(*) AS n FROM rejects WHERE table_name = 'subscribers' GROUP BY reason ORDER BY reason");
    const src: ScoreSource = {
      kind: first.source === "clickhouse" ? "data" : first.source,
      relation: "",
      idColumn: "subscriber_id",
      asOf: first.as_of,
      rows: scored.n,
      duplicateIds: new Set(),
      features: first.features,
      inputs: first.inputs,
      subscribersIn: first.subscribers_in,
      rejectedByReason: Object.fromEntries(rejected.map((r) => [String(r["reason"]), Number(r["n"])])),
      ...(first.tables ? { tableCounts: first.tables } : {}),
      columns: [],
      horizon: first.horizon,
      dataEnd: first.data_end,
    };
    const model: RunModel = {
      id: first.model.id,
      kind: first.model.kind,
      reasons: first.model.reasons as RunModel["reasons"],
      thresholds: first.model.thresholds,
      horizon: first.model.horizon,
      expectedBacktest: first.model.expected_backtest,
      // the explainer's reason columns: the training population's standing and the contribution sizes
      rc: prepareReasonColumns(first.model.columns, first.features, {
        standing: standingOf(first.drift?.reference),
        ...(first.model.scale ? { scale: first.model.scale } : {}),
      }),
    };
    let drift: DriftSummary = noDrift(config.scoring.driftWarn, config.scoring.driftFail);
    let integrity: { checked: boolean; failures: IntegrityFailure[] } = { checked: false, failures: [] };
    if (manifests.every((m) => m.drift)) {
      const reference = first.drift!.reference;
      const counter = new DriftCounter(reference);
      for (const m of manifests) counter.addState(m.drift!.counts);
      drift = counter.summary(config.scoring.driftWarn, config.scoring.driftFail);
      const states = manifests.map((m) => m.drift!.integrity);
      if (reference.snapshots && states.every((x) => x !== null)) {
        const levels = new Map((reference.features ?? []).flatMap((f) => (f.kind === "categorical" ? [[f.name, f.levels] as const] : [])));
        const ic = new IntegrityCounter(reference.snapshots, levels, new Set(states[0]!.map((c) => c.name)));
        for (const x of states) ic.addState(x!);
        integrity = { checked: true, failures: ic.failures() };
      }
      inputGate(integrity, drift, { allowed: Boolean(o.allowDrift), stopOnShift: config.scoring.stopOnShift, reference: reference.basis ?? "the model's training data" }, log);
    }
    clock.lap("merge");

    // 3. effects, as one process learns them
    if (first.source !== "data" && first.source !== "clickhouse") throw new UsageError(msg.shardSource());
    const effects =
      first.effects.kind === "none"
        ? priorEffects(config, NO_CAMPAIGNS)
        : effectsFromWaves(await readContactWaves(db, o.shards, manifests, first.plan_sources), {
            config,
            asOf: first.as_of!,
            horizon: parsePeriod(first.model.horizon, "model horizon"),
            thresholds: model.thresholds,
            ...effectCutoffs(scored, config),
          });
    log.info(effects.note);
    const effectShift = await planEffects(db, effects.uplift, {
      relation: `(SELECT * FROM read_parquet(${files("modifiers.parquet")}))`,
      idColumn: "subscriber_id",
      ids: scored.ids,
      prob: scored.prob,
      caution: config.retention.uplift.caution,
    });
    clock.lap("effects");

    // 4-7.
    return await planAndWrite(db, {
      out,
      config,
      budget: o.budget,
      allowDrift: Boolean(o.allowDrift),
      src,
      scored,
      model,
      effects,
      effectShift,
      drift,
      integrity,
      kpis: first.kpis ?? undefined,
      ops,
      format: o.format,
      clock,
      log,
    });
  } finally {
    db.close();
    runsLock?.release();
    lock.release();
  }
}
