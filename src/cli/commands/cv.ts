import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { writeAtomic } from "../../io/files.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { BACKENDS, type BackendName, currentBackend, describeBackend } from "../../model/backend.js";
import type { CalibrationMethod } from "../../model/calibration.js";
import { type CvResult, runCv } from "../../model/cv.js";
import { cvFolds, groupingText, loadLabelledTable, parseExclude } from "../../model/inputs.js";
import { MODEL_CHOICES, type ModelChoice } from "../../model/trainers.js";
import { emit } from "../output.js";

export interface CvArgs {
  table: string;
  label: string;
  positive: string;
  id?: string | undefined;
  foldsColumn?: string | undefined;
  folds?: number | undefined;
  model: ModelChoice;
  calibration: CalibrationMethod | "auto";
  backend?: BackendName | undefined;
  /** CPU seconds each mlp member may train for (default: MLP_DEFAULTS.timeBudgetSeconds). */
  mlpBudget?: number | undefined;
  oof?: string | undefined;
  json?: boolean | undefined;
  seed?: number | undefined;
  config?: string | undefined;
  quiet?: boolean | undefined;
  exclude?: string | string[] | undefined;
}

/** Cross-validate on a flat table; returns the result (the command prints it). */
export async function cvFromArgs(a: CvArgs): Promise<CvResult & { model: ModelChoice; folds_source: string; grouped_by: { column: string | null; groups: number; rows: number } | null; excluded: string[]; notes: string[] }> {
  if (a.foldsColumn !== undefined && a.folds !== undefined) throw new UsageError(msg.foldsOption());
  if (a.folds !== undefined && !(Number.isInteger(a.folds) && a.folds >= 2 && a.folds <= 20)) throw new UsageError(msg.foldsOption());
  if (a.mlpBudget !== undefined && !(Number.isFinite(a.mlpBudget) && a.mlpBudget > 0)) throw new UsageError(msg.mlpBudgetInvalid(a.mlpBudget));
  const config = loadConfig(a.config);
  const seed = a.seed ?? config.seed;
  const log = createLogger({ quiet: a.quiet ?? false });
  const t = await loadLabelledTable({ path: a.table, label: a.label, positive: a.positive, id: a.id, foldsColumn: a.foldsColumn, exclude: parseExclude(a.exclude), csv: config.data.csv });
  const folds = cvFolds(t, a.folds, seed);
  const r = await runCv(t.table, t.y, folds, { model: a.model, seed, groups: t.groups?.groups, calibration: a.calibration, backend: a.backend, ...(a.mlpBudget !== undefined ? { mlp: { timeBudgetSeconds: a.mlpBudget } } : {}), onLog: (l) => log.info(l) });
  const backend = currentBackend();
  if (backend) log.info(describeBackend(backend));
  if (a.oof) {
    const lines = ["row,probability"];
    r.oof.forEach((p, i) => {
      if (!Number.isNaN(p)) lines.push(`${i},${p}`);
    });
    writeAtomic(a.oof, `${lines.join("\n")}\n`);
  }
  const g = t.groups;
  const grouped = g ? `, ${groupingText(g, t.y.length, "stay in one fold")}` : "";
  return {
    ...r,
    model: a.model,
    folds_source: a.foldsColumn ? `column ${a.foldsColumn}` : `stratified ${a.folds ?? 5}-fold${grouped}, seed ${seed}`,
    grouped_by: g ? { column: g.column, groups: g.count, rows: t.y.length } : null,
    excluded: t.excluded,
    notes: t.notes,
  };
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "n/a");

export function cvText(r: Awaited<ReturnType<typeof cvFromArgs>>): string {
  const head = "fold  model     rows    AUC     PR-AUC  logloss  Brier   ECE raw→cal    lift10  fit s";
  const rows = r.folds.map(
    (f) =>
      `${String(f.fold).padEnd(5)} ${f.model.padEnd(9)} ${String(f.rows).padStart(6)}  ${f4(f.metrics.auc)}  ${f4(f.metrics.prAuc)}  ${f4(f.metrics.logLoss)}   ${f4(f.metrics.brier)}  ${f4(f.eceRaw)}→${f4(f.eceCalibrated)}  ${f.metrics.lift10.toFixed(2).padStart(6)}  ${f.fitSeconds.toFixed(1)}`,
  );
  const m = r.mean;
  return [
    `cross-validation (${r.folds_source}), model ${r.model}; not features: ${r.excluded.join(", ")}`,
    ...r.notes.map((n) => `note: ${n}`),
    head,
    ...rows,
    `mean  ${"".padEnd(9)} ${String(m.n).padStart(6)}  ${f4(m.auc)}  ${f4(m.prAuc)}  ${f4(m.logLoss)}   ${f4(m.brier)}  ${f4(r.meanEceRaw)}→${f4(r.meanEceCalibrated)}  ${m.lift10.toFixed(2).padStart(6)}  ${r.fitSeconds.toFixed(1)}`,
    `AUC sd over folds ${f4(r.aucSd)}; lift/capture at 5/10/20 %: ${m.lift5.toFixed(2)}/${m.lift10.toFixed(2)}/${m.lift20.toFixed(2)} and ${(m.capture5 * 100).toFixed(1)}/${(m.capture10 * 100).toFixed(1)}/${(m.capture20 * 100).toFixed(1)} %; ECE over 10 equal-width bins`,
  ].join("\n");
}

export const cvCommand: CommandModule<object, CvArgs> = {
  command: "cv",
  describe: "cross-validate a model on a flat table (one row per customer) and report metrics per fold",
  builder: (y) =>
    y
      .option("table", { type: "string", demandOption: true, describe: "CSV or Parquet file, one row per customer (or several, kept together by --id)" })
      .option("label", { type: "string", demandOption: true, describe: "label column" })
      .option("positive", { type: "string", demandOption: true, describe: "label value that marks a churner, e.g. Yes or 1" })
      .option("id", { type: "string", describe: "id column (excluded from features); when an id repeats (a customer's monthly rows), folds keep each id's rows together" })
      .option("folds-column", { type: "string", describe: "column holding a fold number per row (excluded from features)" })
      .option("exclude", { type: "string", describe: "columns that are not features, comma-separated; a column named fold is always left out" })
      .option("folds", { type: "number", describe: "number of stratified folds when there is no fold column (default 5)" })
      .option("model", { choices: MODEL_CHOICES, default: "logistic" as ModelChoice, describe: "logistic, mlp, or auto (pick on validation)" })
      .option("calibration", { choices: ["auto", "platt", "isotonic", "none"] as const, default: "auto" as const, describe: "auto: Platt unless the held-out scores are already calibrated (ECE at most 0.02 and Platt does not lower their log loss)" })
      .option("mlp-budget", { type: "number", describe: "CPU seconds each member of the mlp may train for (its own thread's CPU time); when it runs out, training stops and the model card says so (default 240)" })
      .option("backend", { choices: BACKENDS, describe: "TensorFlow.js backend for the mlp (default: node if installed, else wasm, else cpu)" })
      .option("oof", { type: "string", describe: "write out-of-fold probabilities (row, probability) to this CSV" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("seed", { type: "number", describe: "seed (default: config seed)" })
      .example("churn cv --table telco.csv --label Churn --positive Yes --id customerID --folds 5 --model logistic", "5-fold cross-validation")
      .example("churn cv --table bank.csv --label Exited --positive 1 --folds-column fold --model auto --oof oof.csv --json", "fixed folds, out-of-fold file, JSON") as never,
  handler: async (argv) => {
    const r = await cvFromArgs(argv);
    const { oof: _oof, ...rest } = r;
    emit(rest, () => cvText(r), { json: argv.json });
  },
};
