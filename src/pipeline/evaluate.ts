/**
 * Outcome tracking (`churn evaluate --run RUN_DIR --data DIR`): once the horizon of an earlier scoring run has
 * passed, compare its list with what really happened.
 *
 *   RUN_DIR/manifest.json (as_of, horizon, run and model id) + scores.parquet (+ risk_list.parquet: selected)
 *     │ DIR through loadData → data end (latest date in the tables, as `churn features` finds it)
 *     │ refuse (exit 2) while as_of + horizon is after the data end
 *     ▼
 *   churned = deactivation_date in (as_of, as_of + horizon]   (the label `churn features` uses)
 *     → realised churn by band, ROC-AUC and lift at 10% of the run's probabilities,
 *       selected customers who stayed, and non-selected customers of similar risk who stayed (same risk decile)
 *     ▼
 *   RUN_DIR/contacts.csv (when the run kept a holdout): per action, churn of the contacted subscribers against
 *     churn of the held-out ones in the same window → realised effect with its interval (monitoring/realised-effects.ts)
 *     ▼
 *   RUN_DIR/evaluation.json (atomic; the run's manifest is left as `churn score` wrote it)
 *
 * Scored subscribers absent from the subscribers table, or already deactivated on the as-of date, are counted
 * and left out of every rate. The horizon: --horizon, else the run manifest's `horizon`, else the one the run's
 * model was trained on (models/<id>/training.json).
 */
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { loadData } from "../contract/load.js";
import { ConfigError, InputDataError, UsageError } from "../errors.js";
import { usableColumns } from "../features/build.js";
import { addPeriod, daysBetween, isoDay, parsePeriod } from "../features/periods.js";
import { dataEndOf } from "../features/snapshot.js";
import { isValidModelId } from "../io/artifact.js";
import { trainingSchema } from "../io/artifact-schemas.js";
import { quoteLiteral, withDb } from "../io/duckdb.js";
import { fileExists, writeJsonAtomic } from "../io/files.js";
import { readJsonFile } from "../io/json.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { liftCapture, rocAuc } from "../model/metrics.js";
import type { OutcomeEvaluation } from "../report/planner-report.js";
import { CONTACTS_FILE, ContactLog } from "../io/contacts-log.js";
import { type RealisedEffect, realisedEffect } from "../monitoring/realised-effects.js";
import { BANDS, type Band } from "../retention/bands.js";
import { readRunManifest } from "./run-dir.js";

export const EVALUATION_FILE = "evaluation.json";

/** What evaluate needs from a run's manifest. */
export interface RunInfo {
  runId: string;
  modelId: string;
  asOf: string;
  /** Period text ("30d", "1mo"), or undefined when the run did not record one. */
  horizon: string | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/**
 * The fields evaluate needs from a run's manifest (read and checksum-verified by `readRunManifest`). Accepts the score
 * manifest's snake_case (run_id, model.id, as_of) and camelCase; `horizon` ("30d", or a number of days) when recorded.
 */
export function runInfoOf(manifest: unknown, runDir: string): RunInfo {
  const path = join(runDir, "manifest.json");
  const m = obj(manifest);
  const pick = (...keys: string[]): unknown => {
    for (const k of keys) {
      const v = k.includes(".") ? obj(m[k.split(".")[0]!])[k.split(".")[1]!] : m[k];
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
  const asOf = pick("asOf", "as_of");
  if (asOf === undefined && ("as_of" in m || "asOf" in m)) throw new ConfigError(msg.runNoAsOf(runDir));
  if (typeof asOf !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(asOf)) throw new ConfigError(msg.runManifestField(path, "asOf", asOf));
  const horizon = pick("horizon", "horizonDays", "horizon_days");
  const runId = pick("runId", "run_id", "id", "run.id");
  const modelId = pick("modelId", "model_id", "model.id");
  return {
    runId: typeof runId === "string" ? runId : runDir.split(/[\\/]/).filter(Boolean).pop() ?? runDir,
    modelId: typeof modelId === "string" ? modelId : "unknown",
    asOf: asOf.slice(0, 10),
    horizon: typeof horizon === "number" ? `${horizon}d` : typeof horizon === "string" ? horizon : undefined,
  };
}

export interface EvaluateOptions {
  runDir: string;
  dataDir: string;
  config: Config;
  /** Horizon when the run's manifest has none (or to override it), e.g. "30d". */
  horizon?: string | undefined;
  /** Where the run's model lives: without a horizon in the manifest or --horizon, the model's training horizon is used. */
  modelsDir?: string | undefined;
  /** State where the data ends instead of taking the latest date in the tables. */
  dataEnd?: Date | undefined;
  log?: Logger | undefined;
}

export interface RiskGroup {
  selected: number;
  selectedStayed: number;
  notSelected: number;
  notSelectedStayed: number;
}

export interface RunEvaluation extends OutcomeEvaluation {
  modelId: string;
  horizon: string;
  horizonEnd: string;
  dataEnd: string;
  /** Rows in scores.parquet; matched = evaluated (in the data and active on the as-of date). */
  scored: number;
  evaluated: number;
  notInData: number;
  inactiveAtAsOf: number;
  churned: number;
  churnRate: number;
  /** The run's expected churners among the evaluated subscribers: the sum of their probabilities. */
  expectedChurners: number;
  /** Per band: the sum of the band's probabilities, beside its realised churners (byBand). */
  expectedByBand: { band: Band; expected: number }[];
  capture10: number;
  /** Whether risk_list.parquet told which customers were selected (else selected counts are 0). */
  selectionKnown: boolean;
  /** Selected and non-selected customers per risk decile (1 = highest probabilities), and the comparison. */
  byDecile: ({ decile: number } & RiskGroup)[];
  contrast: {
    method: string;
    /** Non-selected customers in the deciles where someone was selected, and how many of them stayed. */
    comparable: number;
    comparableStayed: number;
    /** Their stay rate re-weighted to the selected customers' decile mix: what "no action" looked like at that risk. */
    expectedStayRate: number | null;
    selectedStayRate: number | null;
  };
  /** Per action, contacted vs held-out churn over the same window (runs that kept a holdout; else absent). */
  realisedEffects?: RealisedEffect[];
  /** What the run's model saw of this as-of date (absent when its training record is not readable). */
  modelSaw?: ModelSaw;
}

/** Where a run's as-of date falls among the model's own snapshots (see modelSawAsOf). */
export interface ModelSaw {
  role: "training" | "calibration" | "validation" | "unseen";
  trainAsOfMax: string;
  calibAsOf?: string;
  validAsOf: string;
}

const YES = ["yes", "true", "1", "y"];

/** The split record of the run's model (models/<id>/training.json), if readable: its horizon and snapshot dates. */
function modelSplit(modelsDir: string, modelId: string): Record<string, unknown> | undefined {
  const p = join(modelsDir, modelId, "training.json");
  if (!isValidModelId(modelId) || !fileExists(p)) return undefined;
  const r = readJsonFile(p, trainingSchema);
  return r.ok ? r.value.split : undefined;
}

/**
 * Which of the model's own snapshots the run's as-of date is (time-honest feature-table models only): its
 * training data ("training"), the snapshot its calibrator was fitted on ("calibration": expected and realised
 * churners agree there by construction), its validation snapshot ("validation": neither the fit nor the calibrator
 * saw those outcomes) or a later one ("unseen"). Undefined when the model's training record is not readable.
 */
export function modelSawAsOf(s: Record<string, unknown> | undefined, asOf: string): ModelSaw | undefined {
  if (s?.["method"] !== "time-honest") return undefined;
  const at = (k: string) => (typeof s[k] === "string" ? (s[k] as string) : undefined);
  const train = at("trainAsOfMax");
  const calib = at("calibAsOf");
  const valid = at("validAsOf");
  if (train === undefined || valid === undefined) return undefined;
  const role: ModelSaw["role"] = asOf <= train ? "training" : calib !== undefined && asOf <= calib ? "calibration" : asOf === valid ? "validation" : "unseen";
  return { role, trainAsOfMax: train, ...(calib !== undefined ? { calibAsOf: calib } : {}), validAsOf: valid };
}

/** Evaluate a scoring run against the outcomes in `dataDir`; writes RUN_DIR/evaluation.json and returns it. */
export async function evaluateRun(o: EvaluateOptions): Promise<RunEvaluation> {
  const log = o.log ?? silentLogger;
  const info = runInfoOf(await readRunManifest(o.runDir), o.runDir);
  const scoresPath = join(o.runDir, "scores.parquet");
  if (!fileExists(scoresPath)) throw new ConfigError(msg.runFileMissing(o.runDir, "scores.parquet"));
  const split = modelSplit(o.modelsDir ?? "models", info.modelId);
  const horizonText = o.horizon ?? info.horizon ?? (typeof split?.["horizon"] === "string" ? split["horizon"] : undefined);
  if (horizonText === undefined) throw new UsageError(msg.runHorizonMissing(join(o.runDir, "manifest.json")));
  const horizon = parsePeriod(horizonText, "--horizon");
  const asOf = new Date(`${info.asOf}T00:00:00Z`);
  const horizonEnd = addPeriod(asOf, horizon);
  const riskPath = join(o.runDir, "risk_list.parquet");

  return withDb(async (db) => {
    const loaded = await loadData(db, { dir: o.dataDir, config: o.config, log });
    const dataEnd = o.dataEnd ?? (await dataEndOf(db, usableColumns(loaded)));
    if (!dataEnd) throw new InputDataError(msg.featNoDataEnd());
    if (horizonEnd > dataEnd) throw new UsageError(msg.horizonNotPassed(o.runDir, info.asOf, horizon.text, isoDay(horizonEnd), isoDay(dataEnd)));

    const cols = (await db.describe(`SELECT * FROM read_parquet(${quoteLiteral(scoresPath)})`)).map((c) => c.name);
    for (const c of ["subscriber_id", "probability", "band"]) if (!cols.includes(c)) throw new ConfigError(msg.runScoresColumn(scoresPath, c, cols));
    const selectionKnown = fileExists(riskPath);
    if (selectionKnown) {
      const rcols = (await db.describe(`SELECT * FROM read_parquet(${quoteLiteral(riskPath)})`)).map((c) => c.name);
      for (const c of ["subscriber_id", "selected"]) if (!rcols.includes(c)) throw new ConfigError(msg.runScoresColumn(riskPath, c, rcols));
    }
    const selectedSql = selectionKnown
      ? `LEFT JOIN (SELECT CAST(subscriber_id AS VARCHAR) AS sid, bool_or(lower(CAST(selected AS VARCHAR)) IN (${YES.map(quoteLiteral).join(", ")})) AS sel
           FROM read_parquet(${quoteLiteral(riskPath)}) GROUP BY 1) r ON r.sid = s.sid`
      : "";
    const rows = await db.all(
      `SELECT s.sid, s.probability, s.band, ${selectionKnown ? "coalesce(r.sel, false)" : "false"} AS selected,
              sub.subscriber_id IS NOT NULL AS in_data,
              sub.deactivation_date IS NOT NULL AND sub.deactivation_date <= $1::DATE AS inactive,
              sub.deactivation_date IS NOT NULL AND sub.deactivation_date > $1::DATE AND sub.deactivation_date <= $2::DATE AS churned
       FROM (SELECT CAST(subscriber_id AS VARCHAR) AS sid, CAST(probability AS DOUBLE) AS probability, CAST(band AS VARCHAR) AS band
             FROM read_parquet(${quoteLiteral(scoresPath)})) s
       ${selectedSql}
       LEFT JOIN subscribers sub ON sub.subscriber_id = s.sid
       ORDER BY s.probability DESC, s.sid`,
      [info.asOf, isoDay(horizonEnd)],
    );
    const scored = rows.length;
    const ev = rows.filter((r) => r["in_data"] === true && r["inactive"] !== true);
    const notInData = rows.filter((r) => r["in_data"] !== true).length;
    if (ev.length === 0) throw new InputDataError(msg.evaluateNoMatch(o.runDir, o.dataDir));
    const y = Float64Array.from(ev, (r) => (r["churned"] === true ? 1 : 0));
    const p = Float64Array.from(ev, (r) => Number(r["probability"]));
    const churned = y.reduce((a, b) => a + b, 0);

    const byBand = BANDS.map((band) => {
      const inBand = ev.filter((r) => r["band"] === band);
      return { band: band as Band, subscribers: inBand.length, churned: inBand.filter((r) => r["churned"] === true).length };
    });
    const sumP = (rs: typeof ev) => rs.reduce((a, r) => a + Number(r["probability"]), 0);
    const expectedByBand = BANDS.map((band) => ({ band: band as Band, expected: Math.round(sumP(ev.filter((r) => r["band"] === band)) * 100) / 100 }));
    const stay = (rs: typeof ev) => rs.filter((r) => r["churned"] !== true).length;
    const selected = ev.filter((r) => r["selected"] === true);

    // Risk deciles by rank (rows are ordered by probability, highest first; ties by subscriber id).
    const n = ev.length;
    const byDecile: RunEvaluation["byDecile"] = Array.from({ length: 10 }, (_, k) => ({ decile: k + 1, selected: 0, selectedStayed: 0, notSelected: 0, notSelectedStayed: 0 }));
    ev.forEach((r, i) => {
      const g = byDecile[Math.min(9, Math.floor((i * 10) / n))]!;
      const stayed = r["churned"] !== true ? 1 : 0;
      if (r["selected"] === true) {
        g.selected++;
        g.selectedStayed += stayed;
      } else {
        g.notSelected++;
        g.notSelectedStayed += stayed;
      }
    });
    let comparable = 0;
    let comparableStayed = 0;
    let weighted = 0;
    let weight = 0;
    for (const g of byDecile) {
      if (g.selected === 0) continue;
      comparable += g.notSelected;
      comparableStayed += g.notSelectedStayed;
      if (g.notSelected > 0) {
        weighted += g.selected * (g.notSelectedStayed / g.notSelected);
        weight += g.selected;
      }
    }
    const lc = liftCapture(y, p, 0.1);
    const result: RunEvaluation = {
      runId: info.runId,
      modelId: info.modelId,
      asOf: info.asOf,
      horizon: horizon.text,
      horizonDays: daysBetween(asOf, horizonEnd),
      horizonEnd: isoDay(horizonEnd),
      dataEnd: isoDay(dataEnd),
      scored,
      evaluated: n,
      notInData,
      inactiveAtAsOf: scored - notInData - n,
      churned,
      churnRate: churned / n,
      expectedChurners: Math.round(sumP(ev) * 100) / 100,
      expectedByBand,
      byBand,
      auc: rocAuc(y, p),
      lift10: lc.lift,
      capture10: lc.capture,
      selectionKnown,
      selected: selected.length,
      selectedStayed: stay(selected),
      byDecile,
      contrast: {
        method:
          "non-selected customers in the same risk decile (deciles of the run's probabilities), their stay rate re-weighted to the selected customers' decile mix. Selection also weighed value and cost, so this is a comparison, not a causal effect.",
        comparable,
        comparableStayed,
        expectedStayRate: weight > 0 ? weighted / weight : null,
        selectedStayRate: selected.length > 0 ? stay(selected) / selected.length : null,
      },
    };
    const saw = modelSawAsOf(split, info.asOf);
    if (saw) result.modelSaw = saw;
    const contactsPath = join(o.runDir, CONTACTS_FILE);
    if (fileExists(contactsPath)) {
      const churnedIds = new Set(ev.filter((r) => r["churned"] === true).map((r) => String(r["sid"])));
      const evaluated = new Set(ev.map((r) => String(r["sid"])));
      const counts = new Map<string, [number, number, number, number]>();
      const contacts = ContactLog.read(contactsPath);
      for (let i = 0; i < contacts.size; i++) {
        const id = contacts.subscriberId(i);
        if (!evaluated.has(id)) continue;
        const action = contacts.actionOf(i);
        const k = counts.get(action) ?? [0, 0, 0, 0];
        const off = contacts.groupOf(i) === "treatment" ? 0 : 2;
        k[off]!++;
        if (churnedIds.has(id)) k[off + 1]!++;
        counts.set(action, k);
      }
      result.realisedEffects = [...counts.entries()]
        .sort((a, b) => b[1][0] + b[1][2] - (a[1][0] + a[1][2]) || (a[0] < b[0] ? -1 : 1))
        .map(([action, [nT, cT, nC, cC]]) => realisedEffect(action, nT, cT, nC, cC, o.config.retention.effects.confidence));
    }
    writeJsonAtomic(join(o.runDir, EVALUATION_FILE), result);
    log.info(`evaluated ${n} of ${scored} scored subscribers: ${churned} churned by ${result.horizonEnd}`);
    return result;
  });
}

/** "+12% vs expected" / "−8% vs expected". */
function signedPct(realised: number, expected: number): string {
  if (!(expected > 0)) return "no expectation";
  const d = (realised / expected - 1) * 100;
  return `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)}% vs expected`;
}

/** A short readable summary for the terminal. */
export function evaluationText(e: RunEvaluation): string {
  const pct = (v: number | null) => (v === null || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)}%`);
  const lines = [
    `run ${e.runId} (model ${e.modelId}), as of ${e.asOf}, ${e.horizon} horizon to ${e.horizonEnd}; data ends ${e.dataEnd}`,
    `evaluated ${e.evaluated} of ${e.scored} scored subscribers (${e.notInData} not in the data, ${e.inactiveAtAsOf} already inactive on the as-of date)`,
    `realised churn ${pct(e.churnRate)} (${e.churned}); expected ${e.expectedChurners.toFixed(0)} from the run's probabilities (realised ${signedPct(e.churned, e.expectedChurners)}); ROC-AUC ${e.auc.toFixed(3)}, lift@10% ${e.lift10.toFixed(2)}`,
    ...(e.modelSaw && e.modelSaw.role !== "unseen" ? [msg.evaluateModelSaw(e.asOf, e.modelSaw)] : []),
    ...e.byBand.map((b) => {
      const x = e.expectedByBand.find((q) => q.band === b.band)?.expected ?? Number.NaN;
      return `  ${b.band.padEnd(8)} ${String(b.subscribers).padStart(8)} subscribers, ${String(b.churned).padStart(7)} churned (${pct(b.subscribers ? b.churned / b.subscribers : null)}), expected ${x.toFixed(1)}`;
    }),
    e.selectionKnown
      ? `selected ${e.selected}: ${e.selectedStayed} stayed (${pct(e.contrast.selectedStayRate)}); non-selected of similar risk: ${e.contrast.comparableStayed} of ${e.contrast.comparable} stayed, ${pct(e.contrast.expectedStayRate)} at the selected customers' risk mix`
      : "no risk_list.parquet in the run: selected customers unknown",
  ];
  if (e.realisedEffects?.length) {
    const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
    lines.push(`realised effect per action (contacted vs held out, churn by ${e.horizonEnd}; effect = relative churn reduction, 95% interval):`);
    for (const r of e.realisedEffects) {
      lines.push(
        `  ${r.action.padEnd(20)} ${String(r.treated).padStart(6)} contacted, ${String(r.control).padStart(5)} held out  effect ${r.ciLow === null ? "–" : `${pct(r.effect)} [${pct(r.ciLow)}, ${pct(r.ciHigh)}]`}  ${r.verdict}`,
      );
    }
  }
  return lines.join("\n");
}
