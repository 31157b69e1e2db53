/**
 * The scoring run (`churn score`): from raw tables, a feature table or a flat table to a ranked, budgeted
 * retention plan in a run directory.
 *
 *   --data DIR --as-of D │ --features FILE │ --table FILE          models/<id> (or the champion)
 *        │                                                          │
 *   1. load      validate raw tables (rejects) ─► features at D ─► relation `score_input`   (or a view over FILE)
 *        │       every input subscriber: scored, or rejected with a reason (not active at D, bad row, duplicate id)
 *   2. score     chunks of rows ─► preprocess ─► predict ─► calibrate ─► drift bins ─► reasons (compact arrays)
 *        │       drift gate: PSI > scoring.driftFail ─► exit 4 (unless --allow-drift), nothing written
 *   3. effects   campaigns ─► features + segments of contacted subscribers at contact time ─► learned effects
 *        │       (no campaigns: the catalogue's priors)
 *   4. plan      bands ─► value ─► segments ─► expected net value ─► budget selection ─► rank  (src/retention)
 *        │
 *   5. write     RUN_DIR.tmp-<pid>/ risk_list.csv|parquet, scores.parquet, rejects.csv, summary.json,
 *                report.html, manifest.json (last) ─► renamed to RUN_DIR
 *
 * The whole run holds a lock on RUN_DIR (RUN_DIR.lock). Re-running the same run gives byte-identical files
 * except manifest.json (created_at, durations).
 */
import { basename, dirname, join } from "node:path";
import type { Config } from "./config/schema.js";
import { usableColumns } from "./features/build.js";
import { parsePeriod } from "./features/periods.js";
import { ConfigError, InputDataError, QualityGateError, UsageError } from "./errors.js";
import { Db } from "./io/duckdb.js";
import { computeKpis } from "./report/kpis.js";
import { fileExists, isDirectory, removePath, sha256File, writeAtomic, writeJsonAtomic } from "./io/files.js";
import { libraryVersions } from "./io/artifact.js";
import { acquireLock } from "./io/lock.js";
import { type Logger, silentLogger } from "./log.js";
import { msg } from "./messages.js";
import type { BackendName } from "./model/backend.js";
import { loadScorer, type Scorer } from "./model/registry.js";
import type { Bands } from "./model/train.js";
import { type LearnedEffects, learnEffects, planDrivers, priorEffects } from "./pipeline/campaign-effects.js";
import { DriftCounter, type DriftSummary, describeDrift, noDrift, referenceOf } from "./pipeline/drift.js";
import { makeExplainer } from "./pipeline/explain.js";
import { driftForManifest, type RunManifest } from "./pipeline/manifest.js";
import { planInputOf } from "./pipeline/plan-input.js";
import { commitStaging, findEarlierRuns, plannerDataFrom, prepareStaging, RUN_FILES, type RunSummaryFile } from "./pipeline/run-dir.js";
import { scoreChunks } from "./pipeline/score-chunks.js";
import { countFileRejects, createRejectsTable, type ScoreSource, sourceFromData, sourceFromFile } from "./pipeline/source.js";
import { appendPlan, writeRejectsCsv, writeRiskList, writeScores } from "./pipeline/writers.js";
import { renderReport } from "./report/index.js";
import type { ActionSummary, BandSummary, TopSubscriber } from "./report/planner-report.js";
import { BANDS } from "./retention/bands.js";
import { planRetention } from "./retention/plan.js";
import { lowArpuCutoff, valueTierCutoffs } from "./retention/segments.js";
import { customerValues } from "./retention/value.js";
import { reasonTexts } from "./pipeline/explain.js";

export interface ScoreOptions {
  /** A model folder, a champion pointer (models/champion) or a models folder (its champion). */
  model: string;
  data?: string | undefined;
  asOf?: string | undefined;
  features?: string | undefined;
  table?: string | undefined;
  /** Id column of --table / --features (default subscriber_id). */
  id?: string | undefined;
  out: string;
  config: Config;
  /** Overrides retention.budget; null = no limit. */
  budget?: number | null | undefined;
  allowDrift?: boolean | undefined;
  /** Seconds to wait for another run holding the output lock. */
  wait?: number | undefined;
  backend?: BackendName | undefined;
  log?: Logger | undefined;
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
  effects: { source: "learned" | "prior"; note: string };
  drift: RunManifest["drift"];
  durations: Record<string, number>;
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

/** Run `churn score`. See the module comment for the stages. */
export async function scoreRun(o: ScoreOptions): Promise<ScoreResult> {
  const nSources = [o.data, o.features, o.table].filter((x) => x !== undefined).length;
  if (nSources !== 1) throw new UsageError(msg.scoreSource());
  if (o.data !== undefined && o.asOf === undefined) throw new UsageError(msg.scoreDataNeedsAsOf());
  if (o.budget !== undefined && o.budget !== null && !(o.budget >= 0)) throw new UsageError(msg.badBudget(o.budget));
  const log = o.log ?? silentLogger;
  const config = o.config;
  const out = o.out.replace(/[\\/]+$/, "");
  const lock = await acquireLock(out, o.wait ?? 0);
  const durations: Record<string, number> = {};
  const t0 = performance.now();
  let tStage = t0;
  const stage = (name: string) => {
    const now = performance.now();
    durations[name] = Math.round(now - tStage) / 1000;
    tStage = now;
  };
  const db = await Db.open({ memoryLimit: config.scoring.memoryLimit });
  let staging: string | undefined;
  let loaded: Scorer | undefined; // disposed at the end: an mlp holds tensors (a nightly process would leak them)
  try {
    const { modelsDir, id } = resolveModel(o.model);
    const scorer: Scorer = await loadScorer(modelsDir, id, o.backend);
    loaded = scorer;
    const training = scorer.training as { split?: { horizon?: string } } | null;
    const horizonText = training?.split?.horizon ?? config.features.horizon;
    const horizon = parsePeriod(horizonText, "model horizon");

    // 1. load
    let src: ScoreSource;
    if (o.data !== undefined) {
      src = await sourceFromData(db, { dir: o.data, asOf: o.asOf!, config, horizon, log });
    } else {
      await createRejectsTable(db);
      const path = (o.features ?? o.table)!;
      src = await sourceFromFile(db, { path, kind: o.features !== undefined ? "features" : "table", asOf: o.asOf, id: o.id });
      if (src.duplicateIds.size) log.warn(msg.scoreDuplicateIds(path, src.duplicateIds.size, [...src.duplicateIds][0] ?? ""));
      await countFileRejects(db, src, path);
    }
    if (src.rows === 0) throw new InputDataError(msg.scoreNoRows(o.data ?? o.features ?? o.table ?? ""));
    stage("load_and_features");

    // 2. score
    const reference = referenceOf(scorer.training);
    if (!reference) log.warn(msg.driftNoReference(scorer.id));
    const drift = reference ? new DriftCounter(reference) : undefined;
    const pre = scorer.pre;
    const explainer = makeExplainer(
      scorer.model,
      pre.columns.map((c) => c.name),
      pre.columns.map((c) => c.source),
      pre.state.reference,
      scorer.importance,
      src.features,
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
      duplicateIds: src.duplicateIds,
      drift,
      log,
      label: "scoring",
    });
    if (!scored.planSources["arpu"]) log.warn(msg.scoreNoArpu(o.data ?? o.features ?? o.table ?? ""));
    const driftSummary: DriftSummary = drift ? drift.summary(config.scoring.driftWarn, config.scoring.driftFail) : noDrift(config.scoring.driftWarn, config.scoring.driftFail);
    const allEntries = driftSummary.score ? [driftSummary.score, ...driftSummary.features] : driftSummary.features;
    if (driftSummary.alerts.length && !o.allowDrift) {
      throw new QualityGateError(msg.driftGate(describeDrift(allEntries, driftSummary.alerts), driftSummary.threshold));
    }
    if (driftSummary.warnings.length || driftSummary.alerts.length) {
      log.warn(msg.driftWarn(describeDrift(allEntries, [...driftSummary.alerts, ...driftSummary.warnings])));
    }
    stage("score");

    // 3. effects
    const thresholds = (scorer.bands as Bands).thresholds;
    const r = config.retention;
    let effects: LearnedEffects;
    if (src.kind === "data" && src.load) {
      const arpu = scored.num.arpu ?? new Float32Array(scored.n);
      const cv = customerValues(scored.prob, arpu, r.value);
      const cut = valueTierCutoffs(r.segments.valueTier.by === "arpu" ? arpu : cv, r.segments.valueTier);
      effects = await learnEffects(db, {
        config,
        asOf: src.asOf!,
        horizon,
        columns: usableColumns(src.load),
        scorer,
        explainer,
        valueHigh: cut.high,
        valueMid: cut.mid,
        lowArpu: lowArpuCutoff(arpu, r.segments.priceSensitivity),
        thresholds,
        chunkRows: config.scoring.chunkRows,
        log,
      });
    } else {
      effects = priorEffects(config, "Scored from a feature or flat table (no campaigns table): every effect is the catalogue's prior.");
    }
    // Loyalty KPIs by month and contract type, from the raw tables (only when scoring from --data).
    const kpis = src.kind === "data" && src.asOf ? await computeKpis(db, { asOf: src.asOf, months: 12, segment: "contract_type" }) : undefined;
    log.info(effects.note);
    stage("effects");

    // 4. plan
    const budget = o.budget === undefined ? r.budget : o.budget;
    const plan = planRetention(planInputOf(scored), { thresholds, config: r, effects: effects.estimates, budget, ...planDrivers(), noReasons: true });
    stage("plan");

    // 5. write
    staging = prepareStaging(out);
    const est = new Map(effects.estimates.map((e) => [`${e.action}\u0000${e.segment}`, e]));
    const perAction = new Map<string, { contacts: number; cost: number; saving: number; prior: number; learnedW: number; eff: number; lo: number; hi: number; cells: Set<string> }>();
    const matrix = new Map<string, { band: (typeof BANDS)[number]; segment: string; subscribers: number; valueAtRisk: number }>();
    const top: TopSubscriber[] = [];
    const perBand: Record<string, number> = Object.fromEntries(BANDS.map((b) => [b, 0]));
    const perActionCount: Record<string, number> = {};
    await appendPlan(db, plan, scored, explainer.rc, (k, row, i) => {
      perBand[row.risk_band] = (perBand[row.risk_band] ?? 0) + 1;
      const mk = `${row.risk_band}\u0000${row.main_driver}`;
      const m = matrix.get(mk) ?? { band: row.risk_band, segment: row.main_driver, subscribers: 0, valueAtRisk: 0 };
      m.subscribers++;
      m.valueAtRisk += row.value_at_risk;
      matrix.set(mk, m);
      if (row.selected) {
        perActionCount[row.recommended_action] = (perActionCount[row.recommended_action] ?? 0) + 1;
        const a = perAction.get(row.recommended_action) ?? { contacts: 0, cost: 0, saving: 0, prior: 0, learnedW: 0, eff: 0, lo: 0, hi: 0, cells: new Set<string>() };
        const e = est.get(`${row.recommended_action}\u0000${row.segment}`);
        a.contacts++;
        a.cost += row.action_cost;
        a.saving += row.expected_saving;
        a.prior += e?.prior ?? row.effect;
        if (e?.source === "learned") {
          a.learnedW++;
          a.eff += e.effect;
          a.lo += e.ci_low;
          a.hi += e.ci_high;
          a.cells.add(row.segment);
        }
        perAction.set(row.recommended_action, a);
      }
      if (k < 50) {
        top.push({
          rank: row.rank,
          subscriberId: row.subscriber_id,
          probability: Math.round(row.churn_probability * 1e6) / 1e6,
          band: row.risk_band,
          segment: row.main_driver,
          value: round2(row.customer_value),
          action: row.recommended_action,
          expectedNet: round2(row.expected_net_value),
          reasons: reasonTexts(explainer.rc, scored.reasonCol, scored.reasonVal, i),
        });
      }
    });
    perActionCount["none"] = plan.size - Object.values(perActionCount).reduce((a, b) => a + b, 0);
    await writeRiskList(db, staging);
    await writeScores(db, staging, src.asOf);
    await writeRejectsCsv(db, staging);
    if (process.env["CHURN_FAIL_AT"] === "write") throw new Error(msg.scoreFailInjected("write"));

    const actions: ActionSummary[] = [...perAction.entries()]
      .sort((a, b) => b[1].contacts - a[1].contacts || a[0].localeCompare(b[0]))
      .map(([action, a]) => {
        const s: ActionSummary = { action, contacts: a.contacts, cost: round2(a.cost), expectedSaving: round2(a.saving), priorEffect: a.prior / a.contacts };
        if (a.learnedW > 0) {
          let nT = 0;
          let nC = 0;
          for (const seg of a.cells) {
            const e = est.get(`${action}\u0000${seg}`)!;
            nT += e.n_treat;
            nC += e.n_control;
          }
          s.learned = { effect: a.eff / a.learnedW, ciLow: a.lo / a.learnedW, ciHigh: a.hi / a.learnedW, nTreat: nT, nControl: nC };
        }
        return s;
      });
    const bands: BandSummary[] = plan.totals.byBand.map((t) => ({ band: t.key as BandSummary["band"], subscribers: t.subscribers, valueAtRisk: round2(t.value_at_risk), selected: t.contacts }));
    const runId = basename(out);
    const asOf = src.asOf ?? "";
    const spent = round2(plan.spent);
    const summary: RunSummaryFile = {
      kind: "planner-report",
      // createdAt: the as-of day (taken from the inputs), so a re-run writes the same bytes
      run: { id: runId, asOf, createdAt: asOf, modelId: scorer.id, scored: scored.n, currency: config.scoring.currency },
      bands,
      budget: { total: budget ?? spent, used: spent },
      expectedRevenueSaved: round2(plan.totals.all.expected_saving),
      segmentLabel: "main driver",
      matrix: [...matrix.values()]
        .sort((a, b) => BANDS.indexOf(a.band) - BANDS.indexOf(b.band) || a.segment.localeCompare(b.segment))
        .map((m) => ({ ...m, valueAtRisk: round2(m.valueAtRisk) })),
      actions,
      top,
      drift: {
        threshold: driftSummary.threshold,
        items: (driftSummary.score ? [driftSummary.score, ...driftSummary.features] : []).map((e) => ({ feature: e.feature, psi: e.psi, status: e.status })),
      },
      effectsNote: effects.note,
      effects: {
        source: effects.source,
        note: effects.note,
        cells: effects.estimates.map((e) => ({
          action: e.action,
          segment: e.segment,
          effect: e.effect,
          ci_low: e.ci_low,
          ci_high: e.ci_high,
          n_treat: e.n_treat,
          n_control: e.n_control,
          prior: e.prior,
          source: e.source,
        })),
      },
    };
    if (kpis?.rows.length) summary.kpis = kpis;
    if (!driftSummary.checked) delete summary.drift;
    writeJsonAtomic(join(staging, "summary.json"), summary);
    const reportData = plannerDataFrom(summary, out, findEarlierRuns(out));
    writeAtomic(join(staging, "report.html"), await renderReport(reportData, "html"));
    stage("write");

    // counts reconcile: every input subscriber scored or rejected with a reason
    const rejected = Object.values(src.rejectedByReason).reduce((a, b) => a + b, 0);
    const counts: RunManifest["counts"] = {
      in: src.subscribersIn,
      scored: scored.n,
      rejected,
      rejected_by_reason: src.rejectedByReason,
      per_band: perBand,
      per_action: Object.fromEntries(Object.entries(perActionCount).sort((a, b) => a[0].localeCompare(b[0]))),
      reconciled: src.subscribersIn === scored.n + rejected,
    };
    if (src.load) counts.tables = Object.fromEntries(Object.values(src.load.tables).filter((t) => t.present).map((t) => [t.table, { rows: t.rows, loaded: t.loaded, rejected: t.rejected }]));
    if (!counts.reconciled) throw new Error(`counts do not reconcile: in ${counts.in}, scored ${counts.scored}, rejected ${counts.rejected}`);
    const files: Record<string, string> = {};
    for (const f of RUN_FILES) files[f] = await sha256File(join(staging, f));
    durations["total"] = Math.round(performance.now() - t0) / 1000;
    const manifest: RunManifest = {
      kind: "churn-run",
      version: 1,
      run_id: runId,
      model: { id: scorer.id, kind: scorer.manifest.kind, reasons: explainer.method },
      as_of: src.asOf,
      created_at: new Date().toISOString(),
      churn_version: libraryVersions()["churn"] ?? "unknown",
      source: src.kind,
      inputs: src.inputs,
      counts,
      budget: budget ?? null,
      budget_used: spent,
      expected_revenue_saved: summary.expectedRevenueSaved,
      value_at_risk: round2(plan.totals.all.value_at_risk),
      effects: { source: effects.source, note: effects.note },
      drift: driftForManifest(driftSummary, Boolean(o.allowDrift)),
      durations,
      files,
    };
    writeJsonAtomic(join(staging, "manifest.json"), manifest);
    commitStaging(staging, out);
    staging = undefined;
    log.info(`run written to ${out}: ${scored.n} scored, ${rejected} rejected, ${plan.totals.all.contacts} selected for ${spent} (expected revenue saved ${summary.expectedRevenueSaved})`);
    return {
      runDir: out,
      runId,
      modelId: scorer.id,
      asOf: src.asOf,
      counts,
      budget: budget ?? null,
      budgetUsed: spent,
      expectedRevenueSaved: summary.expectedRevenueSaved,
      effects: manifest.effects,
      drift: manifest.drift,
      durations,
    };
  } finally {
    if (staging !== undefined) removePath(staging);
    loaded?.model.dispose();
    db.close();
    lock.release();
  }
}
