/**
 * The scoring run (`churn score`): from raw tables, a feature table or a flat table to a ranked, budgeted
 * retention plan in a run directory. Each stage is one call that takes values and returns values:
 *
 *   --data DIR --as-of D │ --features FILE │ --table FILE          models/<id> (or the champion)
 *        │
 *   1. load       raw tables validated, rejects with reasons (--data, default data.dir); or a view over FILE,
 *        │        ids checked; an as-of after the last usage day is a stale export (exit 3); the runs folder's
 *        │        contacts log and budget ledger (pipeline/operation.ts), the log's contacts added to campaigns
 *   2. features   features at D into relation `score_input`; subscribers not active at D rejected
 *        │        (every input subscriber ends scored, or rejected with a reason)
 *   3. score      chunks of rows ─► preprocess ─► predict ─► calibrate ─► drift and integrity counts ─► reasons
 *        │        input-integrity gate: broken input ─► exit 4 (unless --allow-drift), nothing written;
 *        │        population shift (PSI > scoring.driftFail) ─► a warning, in the report (exit 4 only with stopOnShift)
 *   4. effects    campaigns (+ the runs folder's contacts log) ─► contacted subscribers at contact time ─► segment
 *        │        cells (the readable summary) and the per-subscriber uplift model, judged on later held-out waves
 *        │        (pipeline/uplift.ts; no campaigns: the catalogue's priors); loyalty KPIs from the raw tables
 *   5. plan       each subscriber's own effects (when the uplift model or one effect per action won) ─►
 *        │        bands ─► value ─► segments ─► expected net value ─► contact rules ─► budget selection (the run's
 *        │        budget, at most what the period has left) ─► holdout ─► rank                    (src/retention)
 *   6. what-if    the same selection at other budgets: spend → return curve, the problem the report's slider
 *        │        reruns                                                             (retention/what-if.ts)
 *   7. summarise  per band, band × driver, per action, top 50 with reasons, exclusions, period budget (report/)
 *   8. history    the plan as table risk_list ─► against the previous run: newly at risk, moved down, left, what
 *        │        became of those it selected; renewal events of fixed terms    (monitoring/changes.ts)
 *   9. write      RUN_DIR.tmp-<pid>/ risk_list.csv|parquet, scores.parquet, rejects.csv, contacts.csv, changes.csv,
 *                 call_lists/, summary.json, report.html, manifest.json (last) ─► renamed to RUN_DIR; then the run's
 *                 contacts into the runs folder's contacts log and its spend into the budget ledger
 *
 * The whole run holds a lock on RUN_DIR (RUN_DIR.lock) and on its runs folder (.churn-runs.lock). Re-running the
 * same run gives byte-identical files except manifest.json (created_at, durations), and replaces its contacts
 * and spend in the runs folder.
 */
import { basename, dirname, join } from "node:path";
import type { LoadResult } from "../contract/load.js";
import { isContactHistoryFeature } from "../ids.js";
import type { CallListFormat, RetentionConfig } from "../config/retention.js";
import type { Config } from "../config/schema.js";
import { ConfigError, InputDataError, QualityGateError, UsageError } from "../errors.js";
import { usableColumns } from "../features/build.js";
import { openClusterSource } from "../features/build-cluster.js";
import { isoDay, type Period, parseDate, parsePeriod } from "../features/periods.js";
import { libraryVersions } from "../io/artifact.js";
import type { ValidationCache } from "../io/cache.js";
import { Db } from "../io/duckdb.js";
import { fileExists, isDirectory, makeTempDir, removePath, sha256File, writeAtomic, writeJsonAtomic } from "../io/files.js";
import { acquireLock } from "../io/lock.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import type { BackendName } from "../model/backend.js";
import { type Explainer, makeExplainer, reasonTexts } from "../model/explain.js";
import { standingOf } from "../model/reference-bins.js";
import type { ExpectedBacktest } from "../model/backtest.js";
import { loadScorer, type Scorer } from "../model/registry.js";
import { DriftCounter, type DriftSummary, describeDrift, noDrift, referenceOf } from "../monitoring/drift.js";
import { describeFailures, type IntegrityFailure, IntegrityCounter } from "../monitoring/integrity.js";
import { renderReport } from "../report/index.js";
import { computeKpis, type KpiResult } from "../report/kpis.js";
import { type PlanSummary, summarisePlan } from "../report/summarise-plan.js";
import { resolveBandThresholds } from "../retention/bands.js";
import { type Plan, planRetention } from "../retention/plan.js";
import { effectCutoffs, type LearnedEffects, learnEffects, planDrivers, priorEffects } from "./campaign-effects.js";
import { driftForManifest, type RunManifest } from "./manifest.js";
import { planInputOf } from "./plan-input.js";
import { callListsOf, writeCallLists } from "./call-lists.js";
import { historyOf, writeChangesCsv } from "./history.js";
import { whatIfOf } from "./what-if.js";
import { contactWaves, modifierInputs, planEffects, upliftSettings } from "./uplift.js";
import { markShardRejects, SHARD_IDS, shardIds, type ShardSpec, type ShardWrite, writeShardFiles } from "./shard.js";
import { contactWavesFromCluster, sourceFromCluster, withContactsLog } from "./source-clickhouse.js";
import { commitStaging, findEarlierRuns, plannerDataFrom, prepareStaging, RUN_FILES } from "./run-dir.js";
import { type Scored, scoreChunks } from "./score-chunks.js";
import { FAMILIES } from "../features/registry.js";
import { countFileRejects, createRejectsTable, loadRawTables, type ScoreSource, sourceFromFile, sourceFromRawTables } from "./source.js";
import { CONTACTS_FILE, type ContactLog, type ContactRow, writeContacts } from "../io/contacts-log.js";
import {
  checkDataEnd,
  contactsOfPlan,
  mergeContactsIntoCampaigns,
  type OperationState,
  periodOf,
  planContactOf,
  readOperationState,
  recordRunState,
  runBudget,
} from "./operation.js";
import { appendPlan, writeRejectsCsv, writeRiskList, writeScores } from "./writers.js";

export interface ScoreOptions {
  /** A model folder, a champion pointer (models/champion) or a models folder (its champion). */
  model: string;
  data?: string | undefined;
  asOf?: string | undefined;
  features?: string | undefined;
  table?: string | undefined;
  /** Columns that are not features (--exclude): refused when the model was trained with one of them. */
  exclude?: string[] | undefined;
  /** Id column of --table / --features (default subscriber_id). */
  id?: string | undefined;
  out: string;
  config: Config;
  /** Overrides retention.budget; null = no limit. */
  budget?: number | null | undefined;
  /** CSV dialect of the call lists; overrides retention.callLists.format. */
  format?: CallListFormat | undefined;
  allowDrift?: boolean | undefined;
  /** Seconds to wait for another run holding the output lock. */
  wait?: number | undefined;
  backend?: BackendName | undefined;
  log?: Logger | undefined;
  /** Reuse and store validated input files here (none: validate in memory). */
  cache?: ValidationCache | undefined;
  /** The raw tables are in this ClickHouse cluster (HTTP URL of the node that takes queries); needs `shard`. */
  clickhouse?: string | undefined;
  /** Score only shard k of K (by the cluster's hash of subscriber_id) and write a shard result to `out`. */
  shard?: ShardSpec | undefined;
  /**
   * With `shard`: the runs folder the merged run goes to, whose contacts log the shard's features and learning
   * read (default: the folder `out` is in).
   */
  runs?: string | undefined;
}

export interface ScoreResult {
  runDir: string;
  runId: string;
  modelId: string;
  asOf: string | null;
  counts: RunManifest["counts"];
  budget: number | null;
  budgetUsed: number;
  expectedRevenueSaved: number;
  /** The part of it bought with the catalogue's prior effects alone (summary.json expectedRevenueSavedOnPriors). */
  expectedRevenueSavedOnPriors: number;
  /** Sum of the churn probabilities of the scored subscribers: churners expected without any action. */
  expectedChurners: number;
  effects: { source: "learned" | "prior"; note: string };
  drift: RunManifest["drift"];
  integrity: RunManifest["integrity"];
  contacts: RunManifest["contacts"];
  periodBudget: RunManifest["period_budget"];
  durations: Record<string, number>;
  /** Set when this was one shard of a sharded run (`out` holds a shard result, not a run). */
  shard?: { k: number; of: number };
}

/** Resolve --model into (models folder, id or undefined for the champion). */
export function resolveModel(model: string): { modelsDir: string; id: string | undefined } {
  const p = model.replace(/[\\/]+$/, "");
  if (isDirectory(p) && fileExists(join(p, "manifest.json"))) return { modelsDir: dirname(p), id: basename(p) };
  if (!isDirectory(p) && fileExists(p) && basename(p) === "champion") return { modelsDir: dirname(p), id: undefined };
  if (isDirectory(p) && fileExists(join(p, "champion"))) return { modelsDir: p, id: undefined };
  throw new ConfigError(msg.scoreModelNotFound(model));
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** What the steps after scoring need of the model (a merge of shard results has no model loaded). */
export interface RunModel {
  id: string;
  kind: string;
  reasons: Explainer["method"];
  thresholds: Scorer["bands"]["thresholds"];
  rc: Explainer["rc"];
  /** The label horizon the model was trained for (modelHorizon), as text. */
  horizon: string;
  /** The model's backtest of its expected churners (Scorer.expectedBacktest), when it has one. */
  expectedBacktest?: ExpectedBacktest | undefined;
}

/** Run `churn score`. See the module comment for the stages. */
export async function scoreRun(o: ScoreOptions): Promise<ScoreResult> {
  checkOptions(o);
  const log = o.log ?? silentLogger;
  const config = o.config;
  const out = o.out.replace(/[\\/]+$/, "");
  const sourceName = o.data ?? o.clickhouse ?? o.features ?? o.table ?? "";
  const lock = await acquireLock(out, o.wait ?? 0);
  let runsLock: { release(): void } | undefined;
  const clock = stageClock();
  const db = await Db.open({ memoryLimit: config.scoring.memoryLimit });
  let scorer: Scorer | undefined; // disposed at the end: an mlp holds tensors (a nightly process would leak them)
  try {
    const { modelsDir, id } = resolveModel(o.model);
    scorer = await loadScorer(modelsDir, id, o.backend);
    const needed = (o.exclude ?? []).filter((c) => scorer!.pre.inputs.some((x) => x.name === c));
    if (needed.length) throw new UsageError(msg.excludeNeededByModel(scorer.id, needed));
    const horizon = modelHorizon(scorer, config);
    // a shard reads the runs folder the merged run goes to (--runs; default the folder of --out)
    const opsOut = o.shard && o.runs !== undefined ? join(o.runs, basename(out)) : out;
    if (o.clickhouse !== undefined) {
      const ops = readOperationState(opsOut, o.asOf!, config);
      return await scoreClusterShard(db, { url: o.clickhouse, asOf: o.asOf!, shard: o.shard!, out, config, scorer, horizon, contactsLog: ops.log, clock, log });
    }

    // 1. load (and what earlier runs in the runs folder left: contacts, spend); a shard only reads them
    if (!o.shard) runsLock = await acquireLock(join(dirname(out), ".churn-runs"), Math.max(o.wait ?? 0, 600));
    const input = await loadInput(db, o, log, [...new Set(scorer.pre.columns.map((c) => c.source))]);
    const ops = readOperationState(opsOut, input.kind === "data" ? (o.asOf ?? null) : input.source.asOf, config);
    if (input.kind === "data") {
      checkDataEnd(input.load, o.asOf!, config.scoring.maxDataLagDays);
      if (await mergeContactsIntoCampaigns(db, input.load, ops.log)) addCampaignColumns(input.load);
    }
    clock.lap("load");

    // 2. features (of a shard's subscribers only)
    if (o.shard) await shardIds(db, o.shard, "sipHash64");
    const src = await featuresOf(db, input, { asOf: o.asOf, horizon, log, only: o.shard ? SHARD_IDS : undefined });
    if (o.shard) await markShardRejects(db);
    if (src.rows === 0 && !o.shard) throw new InputDataError(msg.scoreNoRows(sourceName));
    clock.lap("features");

    // 3. score
    const { scored, explainer, drift, integrity, counters } = await scoreRows(db, src, scorer, config, log);
    if (!scored.planSources["arpu"]) log.warn(msg.scoreNoArpu(sourceName));
    const thresholds = scorer.bands.thresholds;
    const model: RunModel = { id: scorer.id, kind: scorer.manifest.kind, reasons: explainer.method, thresholds, rc: explainer.rc, horizon: horizon.text, expectedBacktest: scorer.expectedBacktest };
    if (o.shard) {
      // 4. the shard's part of what effects are learned from; planning waits for every shard (churn plan --merge)
      const r = config.retention;
      const settings = upliftSettings(r);
      const contacts =
        src.kind === "data" && src.load && usableColumns(src.load).has("campaigns")
          ? await contactWaves(db, { retention: r, asOf: src.asOf!, horizon, columns: usableColumns(src.load), scorer, explainer, chunkRows: config.scoring.chunkRows, settings, log, only: SHARD_IDS, seed: config.seed })
          : undefined;
      const modifiers = await modifierInputs(db, src.relation, src.idColumn, scored.ids, scored.prob, settings.modifiers);
      const kpis = await kpisFor(db, src);
      clock.lap("score");
      return await writeShard(
        db,
        out,
        {
          shard: o.shard,
          hash: "sipHash64",
          src,
          scored,
          model: {
            id: model.id,
            kind: model.kind,
            reasons: model.reasons,
            thresholds,
            columns: scorer.pre.columns.map((c) => c.name),
            scale: scorer.importance?.contributionScale ?? null,
            horizon: model.horizon,
            ...(scorer.expectedBacktest ? { expected_backtest: scorer.expectedBacktest } : {}),
          },
          drift: shardChecks(counters),
          kpis,
          contacts: contacts ?? (src.kind === "data" && src.load && usableColumns(src.load).has("campaigns") ? null : undefined),
          modifiers: { defs: settings.modifiers.map((d) => d.feature), raw: modifiers },
          contactsLog: ops.log.digest(src.asOf),
          load: src.load,
        },
        clock,
        log,
      );
    }
    inputGate(integrity, drift, { allowed: Boolean(o.allowDrift), stopOnShift: config.scoring.stopOnShift, reference: referenceName(scorer) }, log);
    clock.lap("score");

    // 4. effects
    const { effects, kpis } = await effectsFor(db, { src, scored, scorer, explainer, thresholds, config, horizon, log });
    const effectShift = await planEffects(db, effects.uplift, {
      relation: src.relation,
      idColumn: src.idColumn,
      ids: scored.ids,
      prob: scored.prob,
      caution: config.retention.uplift.caution,
    });
    clock.lap("effects");

    // 5-7.
    return await planAndWrite(db, { out, config, budget: o.budget, allowDrift: Boolean(o.allowDrift), src, scored, model, effects, effectShift, drift, integrity, kpis, ops, format: o.format, clock, log });
  } finally {
    scorer?.model.dispose();
    db.close();
    runsLock?.release();
    lock.release();
  }
}

export interface PlanAndWriteInput {
  out: string;
  config: Config;
  /** undefined: retention.budget; null: no limit. */
  budget: number | null | undefined;
  allowDrift: boolean;
  src: ScoreSource;
  scored: Scored;
  model: RunModel;
  effects: LearnedEffects;
  /** Each subscriber's correction of the segment cells' effects (planEffects), or undefined: the cells as they are. */
  effectShift: Float32Array | undefined;
  drift: DriftSummary;
  integrity: { checked: boolean; failures: IntegrityFailure[] };
  kpis: KpiResult | undefined;
  /** The runs folder's contacts log, budget ledger and contact rules (read under its lock). */
  ops: OperationState;
  /** CSV dialect of the call lists (default retention.callLists.format). */
  format?: CallListFormat | undefined;
  clock: StageClock;
  log: Logger;
}

/**
 * Stages 5-7 of a run, from the scored subscribers and the effects on: plan (contact rules, period budget,
 * holdout), summarise, write the run folder, record its contacts and spend. Shared by `churn score` and
 * `churn plan --merge`, so a merge of shards writes what one process writes.
 */
export async function planAndWrite(db: Db, w: PlanAndWriteInput): Promise<ScoreResult> {
  const { out, config, src, scored, model, effects, drift, integrity, kpis, ops, clock, log } = w;
  let staging: string | undefined;
  try {
    // 5. plan
    const runId = basename(out);
    const budget = runBudget(w.budget === undefined ? config.retention.budget : w.budget, ops);
    const planInput = planInputOf(scored);
    const plan = planRetention(planInput, {
      thresholds: model.thresholds,
      config: config.retention,
      effects: effects.estimates,
      effectShift: w.effectShift,
      budget,
      ...planDrivers(),
      noReasons: true,
      contact: planContactOf(planInput.subscriberId, ops),
      holdout: { share: config.retention.holdout.share, seed: config.seed, runKey: runId },
    });
    const contacts = contactsOfPlan(plan, ops);
    clock.lap("plan");

    // 6. what-if
    const whatIf = whatIfOf(plan, budget, config.scoring, ops.period?.available);
    clock.lap("what_if");

    // 7. summarise
    const period = periodOf(ops, plan.spent);
    const planned = summarisePlan({
      plan,
      reasons: (i) => reasonTexts(model.rc, scored.reasonCol, scored.reasonVal, i),
      effects: { ...effects, method: effects.uplift?.method },
      drift,
      kpis,
      run: { id: runId, asOf: src.asOf ?? "", modelId: model.id, scored: scored.n, currency: config.scoring.currency },
      expectedBacktest: model.expectedBacktest,
      budget,
      contactRules: { holdoutShare: config.retention.holdout.share },
      periodBudget: period,
    });
    if (whatIf) planned.summary.whatIf = whatIf;
    clock.lap("summarise");

    // 8. history
    await appendPlan(db, plan, scored, model.rc);
    const earlier = findEarlierRuns(out);
    const history = await historyOf(db, { asOf: src.asOf, earlier, log });
    if (history.changes) planned.summary.changes = history.changes;
    if (history.renewals.length || history.renewalNote) planned.summary.renewals = { months: history.renewals, ...(history.renewalNote ? { note: history.renewalNote } : {}) };
    clock.lap("history");

    // 9. write
    staging = prepareStaging(out);
    const written = await writeRunFiles(db, staging, {
      out,
      src,
      planned,
      earlier,
      changes: history.changes !== undefined,
      config: config.retention,
      format: w.format ?? config.retention.callLists.format,
      contacts,
    });
    clock.lap("write");
    const manifest = runManifest({
      runId,
      model,
      src,
      planned,
      plan,
      budget,
      effects,
      drift,
      integrity,
      allowDrift: w.allowDrift,
      horizon: model.horizon,
      durations: clock.total(),
      ops,
      contacts,
      period,
    });
    for (const f of [...RUN_FILES, ...written]) manifest.files[f] = await sha256File(join(staging, f));
    writeJsonAtomic(join(staging, "manifest.json"), manifest);
    commitStaging(staging, out);
    staging = undefined;
    recordRunState(ops, contacts, src.asOf, manifest.budget_used, config);

    const { counts } = manifest;
    log.info(
      `run written to ${out}: ${counts.scored} scored, ${counts.rejected} rejected, ${plan.totals.all.contacts} to contact for ${manifest.budget_used} and ${plan.totals.all.held_out} held out (expected revenue saved ${manifest.expected_revenue_saved}; expected churners without action ${manifest.expected_churners})`,
    );
    return {
      runDir: out,
      runId,
      modelId: model.id,
      asOf: src.asOf,
      counts,
      budget: manifest.budget,
      budgetUsed: manifest.budget_used,
      expectedRevenueSaved: manifest.expected_revenue_saved,
      expectedRevenueSavedOnPriors: planned.summary.expectedRevenueSavedOnPriors ?? 0,
      expectedChurners: manifest.expected_churners ?? 0,
      effects: manifest.effects,
      drift: manifest.drift,
      integrity: manifest.integrity,
      contacts: manifest.contacts,
      periodBudget: manifest.period_budget,
      durations: manifest.durations,
    };
  } finally {
    if (staging !== undefined) removePath(staging);
  }
}

/** What a shard's drift and integrity counters add to a merge (none without a drift reference). */
function shardChecks(c: ScoreCounters): ShardWrite["drift"] {
  if (!c.reference || !c.drift) return null;
  return { reference: c.reference, counts: c.drift.state(), integrity: c.integrity?.state() ?? null };
}

/** A shard's result into its folder (staged and renamed like a run), and what `churn score` reports of it. */
async function writeShard(db: Db, out: string, w: ShardWrite, clock: StageClock, log: Logger): Promise<ScoreResult> {
  let staging: string | undefined = prepareStaging(out);
  try {
    const m = await writeShardFiles(db, staging, w);
    commitStaging(staging, out);
    staging = undefined;
    clock.lap("write");
    const rejected = await db.all("SELECT reason, count(*) AS n FROM rejects WHERE table_name = 'subscribers' AND scope = 'shard' GROUP BY reason ORDER BY reason");
    const byReason = Object.fromEntries(rejected.map((r) => [String(r["reason"]), Number(r["n"])]));
    const nRejected = Object.values(byReason).reduce((a, b) => a + b, 0);
    log.info(msg.shardWritten(w.shard.k, w.shard.of, out, m.scored, nRejected));
    return {
      runDir: out,
      runId: basename(out),
      modelId: m.model.id,
      asOf: m.as_of,
      counts: { in: m.scored + nRejected, scored: m.scored, rejected: nRejected, rejected_by_reason: byReason, per_band: {}, per_action: {}, reconciled: true },
      budget: null,
      budgetUsed: 0,
      expectedRevenueSaved: 0,
      expectedRevenueSavedOnPriors: 0,
      expectedChurners: 0,
      effects: { source: "prior", note: "planned by churn plan --merge" },
      drift: driftForManifest(noDrift(0, 0), false),
      integrity: { checked: false, failures: [], allowed: false },
      contacts: { date: "", treated: 0, held_out: 0, excluded: {}, log: "" },
      periodBudget: undefined,
      durations: clock.total(),
      shard: { k: w.shard.k, of: w.shard.of },
    };
  } finally {
    if (staging !== undefined) removePath(staging);
  }
}

/** The campaigns relation now holds the contacts log: let the effects stage see it. */
function addCampaignColumns(load: LoadResult): void {
  const t = load.tables.campaigns;
  if (t && !t.present) {
    t.present = true;
    t.storage = "table";
    t.columns = { subscriber_id: "subscriber_id", date: "date", action: "action", group: "group" };
  }
}

function checkOptions(o: ScoreOptions): void {
  // no input option: the config's data.dir (a nightly job's config names its export folder)
  if (o.data === undefined && o.clickhouse === undefined && o.features === undefined && o.table === undefined && o.config.data.dir !== undefined) o.data = o.config.data.dir;
  const nSources = [o.data, o.clickhouse, o.features, o.table].filter((x) => x !== undefined).length;
  if (nSources !== 1) throw new UsageError(msg.scoreSource());
  if ((o.data !== undefined || o.clickhouse !== undefined) && o.asOf === undefined) throw new UsageError(msg.scoreDataNeedsAsOf());
  // before any table is read: a mistyped day names the option, not the loader's config key
  if (o.asOf !== undefined) o.asOf = isoDay(parseDate(o.asOf, "--as-of"));
  if (o.budget !== undefined && o.budget !== null && !(o.budget >= 0)) throw new UsageError(msg.badBudget(o.budget));
  if (o.shard && o.data === undefined && o.clickhouse === undefined) throw new UsageError(msg.shardSource());
  if (o.clickhouse !== undefined && !o.shard) throw new UsageError(msg.scoreClickhouseNeedsShard());
}

interface ClusterShardInput {
  url: string;
  asOf: string;
  shard: ShardSpec;
  out: string;
  config: Config;
  scorer: Scorer;
  horizon: Period;
  /** The runs folder's contacts log (readOperationState): read with the operator's campaigns. */
  contactsLog: ContactLog;
  clock: StageClock;
  log: Logger;
}

/**
 * Stages 1-4 of a shard whose raw tables are in ClickHouse (source-clickhouse.ts): validate them on the
 * cluster, the runs folder's contacts log into the shard sessions, features of the shard's subscribers computed
 * there, score, the shard's contact waves; write the shard.
 */
async function scoreClusterShard(db: Db, c: ClusterShardInput): Promise<ScoreResult> {
  const { config, scorer, log, clock } = c;
  const tmp = makeTempDir("churn-score-ch-");
  let cs = await openClusterSource(c.url, config, log);
  try {
    cs = await withContactsLog(cs, c.contactsLog, { asOf: c.asOf, shard: c.shard });
    clock.lap("load");
    const src = await sourceFromCluster(db, cs, { asOf: c.asOf, horizon: c.horizon, shard: c.shard, log, tmp });
    await markShardRejects(db);
    clock.lap("features");
    const { scored, explainer, counters } = await scoreRows(db, src, scorer, config, log);
    const settings = upliftSettings(config.retention);
    const contacts = await contactWavesFromCluster(db, cs, { asOf: c.asOf, horizon: c.horizon, shard: c.shard, log, tmp, config, scorer, explainer, settings, contactsLog: c.contactsLog });
    const modifiers = await modifierInputs(db, src.relation, src.idColumn, scored.ids, scored.prob, settings.modifiers);
    clock.lap("score");
    return await writeShard(
      db,
      c.out,
      {
        shard: c.shard,
        hash: cs.src.shardKey ?? "sipHash64",
        src,
        scored,
        model: {
          id: scorer.id,
          kind: scorer.manifest.kind,
          reasons: explainer.method,
          thresholds: scorer.bands.thresholds,
          columns: scorer.pre.columns.map((x) => x.name),
          scale: scorer.importance?.contributionScale ?? null,
          horizon: c.horizon.text,
          ...(scorer.expectedBacktest ? { expected_backtest: scorer.expectedBacktest } : {}),
        },
        drift: shardChecks(counters),
        kpis: undefined,
        contacts,
        modifiers: { defs: settings.modifiers.map((d) => d.feature), raw: modifiers },
        contactsLog: c.contactsLog.digest(c.asOf),
        load: undefined,
        source: "clickhouse",
      },
      clock,
      log,
    );
  } finally {
    await cs.close();
    removePath(tmp);
  }
}

export type StageClock = ReturnType<typeof stageClock>;

/** Seconds per stage, in stage order; `total()` adds the whole run. */
export function stageClock() {
  const durations: Record<string, number> = {};
  const t0 = performance.now();
  let last = t0;
  return {
    lap(name: string) {
      const now = performance.now();
      durations[name] = Math.round(now - last) / 1000;
      last = now;
    },
    total(): Record<string, number> {
      durations["total"] = Math.round(performance.now() - t0) / 1000;
      return durations;
    },
  };
}

/** The label horizon the model was trained for (its split), else the config's. */
function modelHorizon(scorer: Scorer, config: Config): Period {
  return parsePeriod(scorer.training.split?.horizon ?? config.features.horizon, "model horizon");
}

type LoadedInput = { kind: "data"; dir: string; load: LoadResult } | { kind: "file"; source: ScoreSource };

/** Stage 1: the raw tables, validated; or a feature / flat table as a view, its missing and repeated ids rejected. */
async function loadInput(db: Db, o: ScoreOptions, log: Logger, required: readonly string[]): Promise<LoadedInput> {
  if (o.data !== undefined) return { kind: "data", dir: o.data, load: await loadRawTables(db, { dir: o.data, config: o.config, log, cache: o.cache }) };
  await createRejectsTable(db);
  const path = (o.features ?? o.table)!;
  const source = await sourceFromFile(db, {
    path,
    kind: o.features !== undefined ? "features" : "table",
    asOf: o.asOf,
    id: o.id,
    csv: o.config.data.csv,
    required,
    rename: o.config.data.columns.table,
  });
  if (source.idByRow) log.warn(msg.scoreIdByRow(path));
  if (source.duplicateIds.size) log.warn(msg.scoreDuplicateIds(path, source.duplicateIds.size, [...source.duplicateIds][0] ?? ""));
  await countFileRejects(db, source, path);
  return { kind: "file", source };
}

/** Stage 2: features at as-of from the raw tables (a feature or flat table already holds them). */
async function featuresOf(db: Db, input: LoadedInput, o: { asOf: string | undefined; horizon: Period; log: Logger; only: string | undefined }): Promise<ScoreSource> {
  if (input.kind === "file") return input.source;
  return sourceFromRawTables(db, input.load, { asOf: o.asOf!, horizon: o.horizon, log: o.log, only: o.only });
}

/** The probability below which a subscriber is in the low band (no reasons, no main driver): the medium threshold. */
export function lowBandBelow(scorer: Scorer, config: Config): number {
  return resolveBandThresholds(scorer.bands.thresholds, config.retention.bands).medium;
}

/** The drift and integrity counters of a scoring pass (a shard's go into its result for the merge). */
interface ScoreCounters {
  reference: ReturnType<typeof referenceOf>;
  drift: DriftCounter | undefined;
  integrity: IntegrityCounter | undefined;
}

/** Stage 3: probabilities, reasons, drift and integrity counts of every row. */
async function scoreRows(
  db: Db,
  src: ScoreSource,
  scorer: Scorer,
  config: Config,
  log: Logger,
): Promise<{ scored: Scored; explainer: Explainer; drift: DriftSummary; integrity: { checked: boolean; failures: IntegrityFailure[] }; counters: ScoreCounters }> {
  // a model may read columns no feature family computes (one trained by an earlier churn, or on a flat table);
  // features a family computes but the input lacks are the integrity check's (a table missing), a file source was
  // checked against the model when it was opened
  if (src.kind === "data") {
    const known = new Set(FAMILIES.flatMap((f) => f.features.map((x) => x.name)));
    const unknown = [...new Set(scorer.pre.columns.map((c) => c.source))].filter((c) => !src.columns.includes(c) && !known.has(c));
    if (unknown.length) throw new InputDataError(msg.modelFeaturesNotComputed(scorer.id, unknown));
  }
  const reference = referenceOf(scorer.training);
  if (!reference) log.warn(msg.driftNoReference(scorer.id));
  else if (!reference.snapshots) log.warn(msg.integrityNotChecked(scorer.id));
  const counter = reference ? new DriftCounter(reference) : undefined;
  const levels = new Map((reference?.features ?? []).flatMap((f) => (f.kind === "categorical" ? [[f.name, f.levels] as const] : [])));
  const reads = new Set(scorer.pre.columns.map((c) => c.source));
  const integrity = reference?.snapshots ? new IntegrityCounter(reference.snapshots, levels, reads) : undefined;
  const pre = scorer.pre;
  const explainer = makeExplainer(
    scorer.model,
    pre.columns.map((c) => c.name),
    pre.columns.map((c) => c.source),
    pre.state.reference,
    scorer.importance,
    src.features,
    { standing: standingOf(reference) },
  );
  const columns = await db.describe(`SELECT * FROM ${src.relation}`);
  const scored = await scoreChunks(db, {
    relation: src.relation,
    idColumn: src.idColumn,
    columns,
    scorer,
    explainer,
    chunkRows: config.scoring.chunkRows,
    rows: src.rows,
    drift: counter,
    integrity,
    log,
    label: "scoring",
    minProbability: lowBandBelow(scorer, config),
    csv: config.data.csv,
    fallingMeasures: config.retention.segments.usage.fallingMeasures,
    fallingZ: config.retention.segments.usage.fallingZ,
  });
  const { driftWarn, driftFail } = config.scoring;
  const drift = counter ? counter.summary(driftWarn, driftFail) : noDrift(driftWarn, driftFail);
  return { scored, explainer, drift, integrity: { checked: integrity !== undefined, failures: integrity?.failures() ?? [] }, counters: { reference, drift: counter, integrity } };
}

/** What the gate compares with, named in its messages. */
function referenceName(scorer: Scorer): string {
  return referenceOf(scorer.training)?.basis ?? "the model's training data";
}

/**
 * Broken input stops the run (exit 4) unless --allow-drift; a population shift (PSI above scoring.driftFail) is a
 * warning, in the report, and stops the run only with scoring.stopOnShift.
 */
export function inputGate(
  integrity: { failures: IntegrityFailure[] },
  d: DriftSummary,
  o: { allowed: boolean; stopOnShift: boolean; reference: string },
  log: Logger,
): void {
  if (integrity.failures.length) {
    if (!o.allowed) throw new QualityGateError(msg.integrityGate(describeFailures(integrity.failures), o.reference));
    log.warn(msg.integrityAllowed(describeFailures(integrity.failures)));
  }
  const entries = d.score ? [d.score, ...d.features] : d.features;
  // the contact history moves because subscribers are being contacted (churn's own runs among them): never a stop
  const stopping = d.alerts.filter((a) => !isContactHistoryFeature(a));
  if (stopping.length && o.stopOnShift && !o.allowed) throw new QualityGateError(msg.driftGate(describeDrift(entries, stopping), d.threshold, o.reference));
  // the warning names the data that moved; the contact history, moved by design, goes on a line of its own
  const moved = [...d.alerts, ...d.warnings];
  const data = moved.filter((a) => !isContactHistoryFeature(a));
  const contact = moved.filter(isContactHistoryFeature);
  if (data.length) log.warn(msg.driftWarn(describeDrift(entries, data), o.reference));
  if (contact.length) log.info(msg.contactHistoryMoved(describeDrift(entries, contact)));
}

interface EffectsInput {
  src: ScoreSource;
  scored: Scored;
  scorer: Scorer;
  explainer: Explainer;
  thresholds: Scorer["bands"]["thresholds"];
  config: Config;
  horizon: Period;
  log: Logger;
}

/** Stage 4: effects learned from past campaigns (raw tables only, else the catalogue's priors), and the loyalty KPIs. */
async function effectsFor(db: Db, e: EffectsInput): Promise<{ effects: LearnedEffects; kpis: KpiResult | undefined }> {
  const { src, scored, config } = e;
  let effects: LearnedEffects;
  if (src.kind === "data" && src.load) {
    effects = await learnEffects(db, {
      config,
      asOf: src.asOf!,
      horizon: e.horizon,
      columns: usableColumns(src.load),
      scorer: e.scorer,
      explainer: e.explainer,
      ...effectCutoffs(scored, config),
      thresholds: e.thresholds,
      chunkRows: config.scoring.chunkRows,
      log: e.log,
    });
  } else {
    effects = priorEffects(config, "Scored from a feature or flat table (no campaigns table): every effect is the catalogue's prior.");
  }
  e.log.info(effects.note);
  return { effects, kpis: await kpisFor(db, src) };
}

/** Loyalty KPIs by month and contract type, from the raw tables (only when scoring from --data). */
async function kpisFor(db: Db, src: ScoreSource): Promise<KpiResult | undefined> {
  return src.kind === "data" && src.asOf ? await computeKpis(db, { asOf: src.asOf, months: 12, segment: "contract_type" }) : undefined;
}

interface WriteInput {
  out: string;
  src: ScoreSource;
  planned: PlanSummary;
  earlier: { dir: string; manifest: RunManifest }[];
  /** Write changes.csv (table `changes` holds them). */
  changes: boolean;
  config: RetentionConfig;
  format: CallListFormat;
  contacts: readonly ContactRow[];
}

/**
 * Stage 9: the run's tables, contacts, call lists, summary.json and report.html into the staging folder (the manifest comes
 * last). Returns the files written beside RUN_FILES (changes.csv, call_lists/*.csv).
 */
async function writeRunFiles(db: Db, staging: string, w: WriteInput): Promise<string[]> {
  await writeRiskList(db, staging);
  await writeScores(db, staging, w.src.asOf);
  await writeRejectsCsv(db, staging);
  writeContacts(join(staging, CONTACTS_FILE), w.contacts);
  const extra: string[] = [];
  if (w.changes) {
    await writeChangesCsv(db, join(staging, "changes.csv"));
    extra.push("changes.csv");
  }
  const calls = writeCallLists(staging, await callListsOf(db, w.config, w.src.asOf), w.format);
  extra.push(...calls.files);
  w.planned.summary.callLists = calls.summary;
  writeJsonAtomic(join(staging, "summary.json"), w.planned.summary);
  const reportData = plannerDataFrom(w.planned.summary, w.out, w.earlier);
  writeAtomic(join(staging, "report.html"), await renderReport(reportData, "html"));
  return extra;
}

interface ManifestInput {
  runId: string;
  model: RunModel;
  src: ScoreSource;
  planned: PlanSummary;
  plan: Plan;
  budget: number | null;
  effects: LearnedEffects;
  drift: DriftSummary;
  integrity: { checked: boolean; failures: IntegrityFailure[] };
  allowDrift: boolean;
  horizon: string;
  durations: Record<string, number>;
  ops: OperationState;
  contacts: readonly ContactRow[];
  period: ReturnType<typeof periodOf>;
}

/** The run manifest (checksums filled in by the caller); the counts reconcile: every input subscriber scored or rejected. */
function runManifest(m: ManifestInput): RunManifest {
  const { src, planned } = m;
  const rejected = Object.values(src.rejectedByReason).reduce((a, b) => a + b, 0);
  const scored = planned.summary.run.scored;
  const counts: RunManifest["counts"] = {
    in: src.subscribersIn,
    scored,
    rejected,
    rejected_by_reason: src.rejectedByReason,
    per_band: planned.perBand,
    per_action: Object.fromEntries(Object.entries(planned.perAction).sort((a, b) => a[0].localeCompare(b[0]))),
    reconciled: src.subscribersIn === scored + rejected,
  };
  if (src.load) counts.tables = Object.fromEntries(Object.values(src.load.tables).filter((t) => t.present).map((t) => [t.table, { rows: t.rows, loaded: t.loaded, rejected: t.rejected }]));
  else if (src.tableCounts) counts.tables = src.tableCounts;
  if (!counts.reconciled) throw new Error(`counts do not reconcile: in ${counts.in}, scored ${counts.scored}, rejected ${counts.rejected}`);
  return {
    kind: "churn-run",
    version: 1,
    run_id: m.runId,
    model: { id: m.model.id, kind: m.model.kind, reasons: m.model.reasons },
    as_of: src.asOf,
    horizon: m.horizon,
    data_end: src.dataEnd,
    created_at: new Date().toISOString(),
    churn_version: libraryVersions()["churn"] ?? "unknown",
    source: src.kind,
    inputs: src.inputs,
    counts,
    budget: m.budget ?? null,
    budget_used: round2(m.plan.spent),
    expected_revenue_saved: planned.summary.expectedRevenueSaved,
    expected_churners: round2(m.plan.totals.all.expected_churners),
    value_at_risk: round2(m.plan.totals.all.value_at_risk),
    effects: { source: m.effects.source, note: m.effects.note },
    drift: driftForManifest(m.drift, m.allowDrift),
    integrity: { checked: m.integrity.checked, failures: m.integrity.failures, allowed: m.allowDrift && m.integrity.failures.length > 0 },
    contacts: {
      date: m.contacts[0]?.date ?? new Date(m.ops.contactDay * 86_400_000).toISOString().slice(0, 10),
      treated: m.plan.totals.all.contacts,
      held_out: m.plan.totals.all.held_out,
      excluded: { ...m.plan.excluded },
      // relative to the run folder (its parent is the runs folder), so a run's files are the same wherever it lives
      log: `../${basename(m.ops.runs.log)}`,
    },
    ...(m.period ? { period_budget: { ...m.period, ledger: `../${basename(m.ops.runs.ledger)}` } } : {}),
    durations: m.durations,
    files: {},
  };
}
