/**
 * `churn models compare A B`: two registered models side by side on the same rows, with a paired DeLong test
 * of their AUC difference.
 *
 * The rows, in order of preference:
 *   --features FILE        the latest complete snapshot of a feature table (the rows `churn train` validates on)
 *   --table FILE ...       every row of a labelled flat table
 *   neither                the validation rows both models were trained against: both were trained on the same
 *                          file (same sha256, still on disk) with the same split, so the split is rebuilt
 * A model that was trained on some of the rows (its training as-of dates reach the snapshot, or a flat table it
 * was fitted on) gets a warning: the comparison then favours it.
 */
import { ConfigError, InputDataError, UsageError } from "../errors.js";
import { readArtifact, readArtifactSummary, type TrainingSummary } from "../io/artifact.js";
import { fileExists, sha256File } from "../io/files.js";
import type { CsvDialect } from "../io/flat-table.js";
import { msg } from "../messages.js";
import type { BackendName } from "./backend.js";
import { type AucInterval, delongAuc, delongPaired, type PairedAucTest } from "./delong.js";
import { featureTrainingInput, loadLabelledTable, type TableSpec, tableTrainingInput } from "./inputs.js";
import { evaluate, type Metrics } from "./metrics.js";
import { loadScorer, scoreTable, trainingDataText } from "./registry.js";
import { type RawTable, takeRows } from "../raw-table.js";

export interface CompareData {
  features?: string | undefined;
  table?: TableSpec | undefined;
  /** Horizon of --features (default: model A's). */
  horizon?: string | undefined;
  /** CSV dialect of the files read (config data.csv). */
  csv?: CsvDialect | undefined;
}

export interface ComparedSide {
  id: string;
  kind: string;
  createdAt: string;
  trainingData: string;
  calibration: string;
  metrics: Metrics;
  aucInterval: AucInterval;
}

export interface CompareResult {
  rows: { source: string; count: number; churners: number; description: string };
  a: ComparedSide;
  b: ComparedSide;
  /** DeLong: AUC of b minus AUC of a, one-sided p of "b ranks better than a". */
  test: PairedAucTest;
  warnings: string[];
}

interface Rows {
  table: RawTable;
  y: Float32Array;
  rows: number[];
  source: string;
  description: string;
  /** Feature tables: the as-of date of the rows (YYYY-MM-DD). */
  asOf?: string;
}

function summaryOf(modelsDir: string, id: string): { training: TrainingSummary; createdAt: string; kind: string; calibration: string } {
  const a = readArtifact(`${modelsDir}/${id}`);
  const { training } = readArtifactSummary(a.dir, a.manifest);
  const cal = (a.json["calibration.json"] as { method?: string } | null)?.method ?? "none";
  return { training, createdAt: a.manifest.createdAt, kind: a.manifest.kind, calibration: cal };
}

async function rowsFrom(data: CompareData, ta: TrainingSummary, tb: TrainingSummary, ids: [string, string]): Promise<Rows> {
  if (data.features !== undefined && data.table !== undefined) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], "give --features or --table, not both"));
  if (data.features !== undefined) {
    const horizon = data.horizon ?? (typeof ta.split["horizon"] === "string" ? ta.split["horizon"] : "30d");
    const input = await featureTrainingInput(data.features, horizon, { csv: data.csv });
    const asOf = String(input.split["validAsOf"]);
    return { table: input.allColumns, y: input.y, rows: input.validRows, source: data.features, description: `the ${asOf} snapshot of ${data.features} (its latest complete one)`, asOf };
  }
  if (data.table !== undefined) {
    const t = await loadLabelledTable(data.table);
    return { table: t.allColumns, y: t.y, rows: Array.from({ length: t.y.length }, (_, i) => i), source: data.table.path, description: `every row of ${data.table.path}` };
  }
  // no data given: the shared validation rows of the training file both models name
  const same = ta.input.sha256 === tb.input.sha256 && ta.input.kind === tb.input.kind;
  if (!same) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], "they were trained on different data"));
  const path = ta.input.path;
  if (!fileExists(path) || (await sha256File(path)) !== ta.input.sha256) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], `their training file ${path} is no longer there unchanged`));
  if (ta.input.kind === "features") {
    const horizon = String(ta.split["horizon"] ?? "30d");
    if (String(tb.split["horizon"] ?? "30d") !== horizon) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], "they were trained for different horizons"));
    const input = await featureTrainingInput(path, horizon, { csv: data.csv });
    const asOf = String(input.split["validAsOf"]);
    return { table: input.allColumns, y: input.y, rows: input.validRows, source: path, description: `the validation rows both were trained against: the ${asOf} snapshot of ${path}`, asOf };
  }
  const src = (t: TrainingSummary) => t.input as { label?: string; positive?: string; id?: string; exclude?: string[] };
  // the split depends on the seed, the validation share, the labels and, grouped by a repeated id, that id column
  // (not on which columns are features)
  const method = (t: TrainingSummary) => String(t.split["method"] ?? "stratified-random");
  const spec = (t: TrainingSummary) =>
    JSON.stringify([t.split["seed"], t.split["validFraction"], src(t).label, src(t).positive, method(t), method(t) === "stratified-grouped" ? src(t).id : null]);
  if (spec(ta) !== spec(tb)) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], "their flat-table splits differ (seed, label or grouping by id)"));
  const { label, positive, id } = src(ta);
  if (label === undefined || positive === undefined) throw new UsageError(msg.compareNeedsData(ids[0], ids[1], "they were trained before churn recorded the label's positive value"));
  const input = await tableTrainingInput({ path, label, positive, id, csv: data.csv }, Number(ta.split["seed"]), Number(ta.split["validFraction"] ?? 0.2), method(ta) === "stratified-grouped");
  return { table: input.allColumns, y: input.y, rows: input.validRows, source: path, description: `the validation rows both were trained against (${input.validRows.length.toLocaleString("en-US")} rows of ${path})` };
}

/** Did this model train on the comparison rows? (features: its training dates reach them; table: same file and not its validation rows) */
function trainedOnRows(t: TrainingSummary, r: Rows, sha: string | undefined, givenData: boolean): boolean {
  if (!givenData) return false;
  if (r.asOf !== undefined) return t.input.kind === "features" && typeof t.split["trainAsOfMax"] === "string" && t.split["trainAsOfMax"] >= r.asOf;
  return sha !== undefined && t.input.sha256 === sha;
}

export async function compareModels(modelsDir: string, idA: string, idB: string, data: CompareData = {}, backend?: BackendName): Promise<CompareResult> {
  const sa = summaryOf(modelsDir, idA);
  const sb = summaryOf(modelsDir, idB);
  const r = await rowsFrom(data, sa.training, sb.training, [idA, idB]);
  const y = Float32Array.from(r.rows, (i) => r.y[i]!);
  if (y.some((v) => Number.isNaN(v)) || y.length === 0) throw new InputDataError(msg.compareNoLabels(r.source));
  const sub = takeRows(r.table, r.rows);
  const score = async (id: string) => {
    const s = await loadScorer(modelsDir, id, backend);
    try {
      return (await scoreTable(s, sub, r.source)).calibrated;
    } finally {
      s.model.dispose();
    }
  };
  const pa = await score(idA);
  const pb = await score(idB);
  const given = data.features !== undefined || data.table !== undefined;
  const sha = given && data.table ? await sha256File(data.table.path) : undefined;
  const warnings: string[] = [];
  for (const [id, s] of [
    [idA, sa],
    [idB, sb],
  ] as const) {
    if (trainedOnRows(s.training, r, sha, given)) warnings.push(`${id} was trained on some of these rows: the comparison favours it`);
  }
  const side = (id: string, s: typeof sa, p: Float32Array): ComparedSide => ({
    id,
    kind: s.kind,
    createdAt: s.createdAt,
    trainingData: trainingDataText(s.training),
    calibration: s.calibration,
    metrics: evaluate(y, p),
    aucInterval: delongAuc(y, p),
  });
  let churners = 0;
  for (const v of y) if (v > 0.5) churners++;
  if (churners === 0 || churners === y.length) throw new ConfigError(msg.compareNoLabels(r.source));
  return {
    rows: { source: r.source, count: y.length, churners, description: r.description },
    a: side(idA, sa, pa),
    b: side(idB, sb, pb),
    test: delongPaired(y, pb, pa),
    warnings,
  };
}
