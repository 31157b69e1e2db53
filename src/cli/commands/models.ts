import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { msg, pValueText } from "../../messages.js";
import type { BackendName } from "../../model/backend.js";
import { type CompareResult, compareModels } from "../../model/compare.js";
import { parseExclude } from "../../model/inputs.js";
import type { Metrics } from "../../model/metrics.js";
import { listModels, type ModelListEntry, promoteModel, showModel } from "../../model/registry.js";
import { emit, textTable } from "../output.js";

interface ModelsArgs {
  action: "list" | "show" | "promote" | "compare";
  id?: string | undefined;
  other?: string | undefined;
  dir: string;
  json?: boolean | undefined;
  features?: string | undefined;
  table?: string | undefined;
  label?: string | undefined;
  positive?: string | undefined;
  idColumn?: string | undefined;
  exclude?: string | string[] | undefined;
  horizon?: string | undefined;
  backend?: BackendName | undefined;
  config?: string | undefined;
}

export async function modelsAction(a: ModelsArgs): Promise<unknown> {
  if (a.action === "list") return listModels(a.dir);
  if (a.id === undefined) throw new UsageError(msg.modelsNeedsId(a.action));
  if (a.action === "show") return showModel(a.dir, a.id);
  if (a.action === "compare") {
    if (a.other === undefined) throw new UsageError(msg.compareNeedsTwo());
    if (a.table !== undefined && (a.label === undefined || a.positive === undefined)) throw new UsageError(msg.tableNeedsLabel());
    const csv = loadConfig(a.config).data.csv;
    const table = a.table !== undefined ? { path: a.table, label: a.label!, positive: a.positive!, id: a.idColumn, exclude: parseExclude(a.exclude), csv } : undefined;
    return compareModels(a.dir, a.id, a.other, { features: a.features, table, horizon: a.horizon, csv }, a.backend);
  }
  return promoteModel(a.dir, a.id);
}

const f4 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(4));
const sign = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(4)}`;

/** `churn models list` as a table: one model per row, the champion marked. */
export function listText(list: ModelListEntry[], dir: string): string {
  if (list.length === 0) return `no models in ${dir}`;
  const rows = list.map((m) => [
    m.champion ? "*" : "",
    m.id,
    m.kind ?? "?",
    m.createdAt ? m.createdAt.slice(0, 16).replace("T", " ") : "",
    m.error ? `damaged: ${m.error.split("\n")[0]}` : (m.trainingData ?? ""),
    m.auc === undefined ? "—" : m.aucLow !== undefined && m.aucHigh !== undefined ? `${m.auc.toFixed(4)} (${m.aucLow.toFixed(3)}–${m.aucHigh.toFixed(3)})` : m.auc.toFixed(4),
    f4(m.logLoss),
    f4(m.ece),
  ]);
  return `${textTable(["", "id", "kind", "created (UTC)", "training data", "AUC (95% interval)", "log loss", "ECE"], rows)}\n* champion; metrics on each model's validation rows (different models may have different validation rows: compare two on the same rows with \`churn models compare A B\`)`;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown) => (typeof v === "number" ? v : undefined);

/** `churn models show ID` as a readable summary (the whole description with --json). */
export function showText(r: Obj): string {
  const m = obj(r["manifest"]);
  const metrics = obj(r["metrics"]);
  const v = obj(metrics["validation"]);
  const ci = obj(metrics["aucInterval"]);
  const cal = obj(metrics["calibration"]);
  const rows = obj(metrics["rows"]);
  const training = obj(r["training"]);
  const input = obj(training["input"]);
  const split = obj(training["split"]);
  const bands = obj(obj(r["bands"])["thresholds"]);
  const perm = (obj(r["importance"])["permutation"] as { column: string; aucDrop: number }[] | undefined) ?? [];
  const champ = obj(metrics["champion"]);
  const test = obj(champ["test"]);
  const int = (x: unknown) => (typeof x === "number" ? x.toLocaleString("en-US") : "?");
  const lines = [
    `model ${String(r["id"])} (${String(m["kind"])})${r["champion"] ? ", the champion" : ""}`,
    `created       ${String(m["createdAt"] ?? "?")}`,
    `training data ${String(input["path"] ?? "?")} (${String(input["kind"] ?? "?")}, sha256 ${String(input["sha256"] ?? "?").slice(0, 12)}…)`,
    split["method"] === "time-honest"
      ? `split         out of time: trained to ${String(split["trainAsOfMax"])}, ${split["calibAsOf"] ? `calibrated on ${String(split["calibAsOf"])}, ` : ""}validated on ${String(split["validAsOf"])} (horizon ${String(split["horizon"])})`
      : `split         stratified random (seed ${String(split["seed"])}), ${Math.round(Number(split["validFraction"] ?? 0.2) * 100)}% validation rows${split["method"] === "stratified-grouped" ? (split["groupedBy"] === "identical rows" ? `, identical rows kept together (${int(split["groups"])} distinct rows)` : `, grouped by ${String(split["groupedBy"])} (${int(split["groups"])} ids: one id's rows on one side)`) : ""}`,
    `rows          ${int(rows["training"] ?? split["fitRows"])} training${num(rows["earlyStopping"]) ? ` (${int(rows["earlyStopping"])} of them early-stopping)` : ""}, ${num(rows["calibration"]) ? `${int(rows["calibration"])} calibration, ` : ""}${int(rows["validation"] ?? v["n"])} validation`,
    `validation    AUC ${f4(num(v["auc"]))}${num(ci["low"]) !== undefined ? ` (95% interval ${f4(num(ci["low"]))}–${f4(num(ci["high"]))})` : ""}, PR-AUC ${f4(num(v["prAuc"]))}, log loss ${f4(num(v["logLoss"]))}, Brier ${f4(num(v["brier"]))}, ECE ${f4(num(v["ece"]))}, lift@10% ${num(v["lift10"])?.toFixed(2) ?? "—"} (${int(v["n"])} rows, ${int(v["positives"])} churners)`,
    `calibration   ${String(obj(r["calibration"])["method"] ?? "?")}${cal["design"] ? ` (${cal["design"] === "separate-rows" ? "fitted on the calibration rows" : cal["design"] === "cross-fitted" ? "cross-fitted on the validation rows" : "fitted on the validation rows"}${cal["reason"] && cal["reason"] !== "requested" ? `; ${String(cal["reason"])}` : ""})` : ""}`,
    `risk bands    critical ≥ ${f4(num(bands["critical"]))}, high ≥ ${f4(num(bands["high"]))}, medium ≥ ${f4(num(bands["medium"]))}`,
    ...(num(test["difference"]) !== undefined
      ? [`vs champion   ${String(champ["id"])}: AUC ${sign(num(test["difference"])!)} (95% interval ${sign(num(test["low"])!)} to ${sign(num(test["high"])!)}), DeLong p = ${num(test["pOneSided"]) === undefined ? "—" : pValueText(num(test["pOneSided"])!)} → ${champ["promoted"] ? (champ["forced"] ? "promoted by --promote" : "promoted") : "not promoted"}`]
      : []),
    `top features  ${perm.slice(0, 8).map((p) => `${p.column} (${p.aucDrop >= 0 ? "+" : ""}${p.aucDrop.toFixed(3)})`).join(", ") || "—"}`,
    `              (drop in validation AUC when the column is shuffled)`,
    `files         ${Object.keys(obj(m["files"])).length} checksummed files in ${String(r["dir"] ?? "")}; model card: ${String(r["dir"] ?? "")}/model_card.html`,
    "use --json for everything (metrics, importance, settings, checksums)",
  ];
  return lines.join("\n");
}

const METRIC_ROWS: [keyof Metrics, string][] = [
  ["auc", "ROC-AUC"],
  ["prAuc", "PR-AUC"],
  ["logLoss", "log loss"],
  ["brier", "Brier"],
  ["ece", "ECE"],
  ["lift10", "lift @10%"],
  ["capture10", "capture @10%"],
];

/** `churn models compare A B`: both models on the same rows, side by side. */
export function compareText(r: CompareResult): string {
  const t = r.test;
  const rows: string[][] = METRIC_ROWS.map(([k, label]) => {
    const a = r.a.metrics[k];
    const b = r.b.metrics[k];
    return [label, f4(a), f4(b), Number.isFinite(a) && Number.isFinite(b) ? sign(b - a) : "—"];
  });
  rows.splice(1, 0, ["AUC 95% interval", `${r.a.aucInterval.low.toFixed(3)}–${r.a.aucInterval.high.toFixed(3)}`, `${r.b.aucInterval.low.toFixed(3)}–${r.b.aucInterval.high.toFixed(3)}`, `${sign(t.low)} to ${sign(t.high)}`]);
  const settings = [
    ["kind", r.a.kind, r.b.kind],
    ["created (UTC)", r.a.createdAt.slice(0, 16).replace("T", " "), r.b.createdAt.slice(0, 16).replace("T", " ")],
    ["calibration", r.a.calibration, r.b.calibration],
    ["training data", r.a.trainingData, r.b.trainingData],
  ];
  const p = pValueText(t.pOneSided);
  return [
    `${r.a.id} (A) and ${r.b.id} (B) on ${r.rows.description}: ${r.rows.count.toLocaleString("en-US")} rows, ${r.rows.churners.toLocaleString("en-US")} churners`,
    "",
    textTable(["", "A", "B", "B − A"], rows),
    "",
    `paired DeLong test of B's AUC gain over A: ${sign(t.difference)} (95% interval ${sign(t.low)} to ${sign(t.high)}), one-sided p = ${p}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    "",
    textTable(["", "A", "B"], settings),
  ].join("\n");
}

export const modelsCommand: CommandModule<object, ModelsArgs> = {
  command: "models <action> [id] [other]",
  describe: "list the trained models, show one, compare two on the same rows, or promote one to champion",
  builder: (y) =>
    y
      .positional("action", { choices: ["list", "show", "compare", "promote"] as const, demandOption: true, describe: "what to do" })
      .positional("id", { type: "string", describe: "model id (show, promote; the first model of compare)" })
      .positional("other", { type: "string", describe: "compare: the second model id" })
      .option("dir", { type: "string", alias: ["models", "out"], default: "models", describe: "models directory (also --models, as churn evaluate spells it, and --out, as churn train does)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("features", { type: "string", describe: "compare: score both on the latest complete snapshot of this feature table" })
      .option("table", { type: "string", describe: "compare: score both on every row of this labelled flat table (with --label, --positive)" })
      .option("label", { type: "string", describe: "compare --table: label column" })
      .option("positive", { type: "string", describe: "compare --table: label value that marks a churner" })
      .option("id-column", { type: "string", describe: "compare --table: id column (not a feature)" })
      .option("exclude", { type: "string", describe: "compare --table: columns that are not features, comma-separated" })
      .option("horizon", { type: "string", describe: "compare --features: the label horizon (default: the first model's)" })
      .example("churn models list", "every model with its validation AUC (95% interval), log loss and ECE; the champion marked")
      .example("churn models show logistic-20260101T000000Z", "a readable summary (--json: metrics, bands, importance, checksums)")
      .example("churn models compare logistic-20260101T000000Z mlp-20260102T000000Z", "both on the validation rows they share (same training file), with a paired test")
      .example("churn models compare A B --features out/features.parquet", "both on the latest complete snapshot of a feature table")
      .example("churn models promote mlp-20260101T000000Z", "make a model the champion") as never,
  handler: async (argv) => {
    const r = await modelsAction(argv);
    emit(
      r,
      () => {
        if (argv.action === "list") return listText(r as ModelListEntry[], argv.dir);
        if (argv.action === "promote") {
          const p = r as { id: string; previous?: string };
          return `${p.id} is now the champion${p.previous ? ` (was ${p.previous})` : ""}`;
        }
        if (argv.action === "compare") return compareText(r as CompareResult);
        return showText(r as Obj);
      },
      { json: argv.json },
    );
  },
};
