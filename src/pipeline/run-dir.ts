/**
 * The scoring run directory (contract in the design notes): written into a staging directory
 * `RUN_DIR.tmp-<pid>` and renamed into place at the end, manifest.json last, so a killed run never leaves a
 * RUN_DIR that looks complete. Readers: `readRun` (verifies the manifest checksums), `findEarlierRuns`,
 * `plannerReportDataFromRun`.
 */
import { basename, dirname, join } from "node:path";
import { ConfigError, InputDataError } from "../errors.js";
import { addPeriod, isoDay, parsePeriod } from "../features/periods.js";
import { ensureDir, fileExists, isDirectory, listDir, readText, removePath, removeStaleTemps, renamePath, sha256File } from "../io/files.js";
import { parseJsonText } from "../io/json.js";
import { evaluationSchema, runManifestSchema, runSummarySchema } from "../io/run-schemas.js";
import { msg } from "../messages.js";
import type { OutcomeEvaluation, PlannerReportData, RenewalMonth, RunSummary } from "../report/planner-report.js";
import type { RunSummaryFile } from "../report/summarise-plan.js";
import type { RunManifest } from "./manifest.js";

export const RUN_FILES = ["risk_list.csv", "risk_list.parquet", "scores.parquet", "rejects.csv", "contacts.csv", "summary.json", "report.html"] as const;

/**
 * The staging directory of a run of this process (removed first if a previous attempt left it). Called under
 * the output lock; what killed runs left (`RUN_DIR.tmp-<pid>`, `RUN_DIR.old-<pid>` of dead pids) is removed.
 */
export function prepareStaging(out: string): string {
  removeStaleTemps(out);
  const staging = `${out.replace(/[\\/]+$/, "")}.tmp-${process.pid}`;
  removePath(staging);
  ensureDir(staging);
  return staging;
}

/** Move the finished staging directory into place, replacing an earlier run of the same name. */
export function commitStaging(staging: string, out: string): void {
  const target = out.replace(/[\\/]+$/, "");
  if (fileExists(target)) {
    const old = `${target}.old-${process.pid}`;
    removePath(old);
    renamePath(target, old);
    renamePath(staging, target);
    removePath(old);
  } else {
    ensureDir(dirname(target));
    renamePath(staging, target);
  }
}

export interface RunContent {
  dir: string;
  manifest: RunManifest;
  summary: RunSummaryFile;
}

export type { RunSummaryFile };

/**
 * Read a run: manifest.json (schema-checked), every checksum verified, and summary.json (schema-checked).
 * ConfigError (exit 2) when the folder is not a run; InputDataError (exit 3) naming the file and the field when it
 * is damaged or hand-edited.
 */
export async function readRun(runDir: string): Promise<RunContent> {
  const manifest = await readRunManifest(runDir);
  const sp = join(runDir, "summary.json");
  if (!fileExists(sp)) throw new InputDataError(msg.runDamaged(runDir, "summary.json", "is missing"));
  const s = parseJsonText(readText(sp), runSummarySchema);
  if (!s.ok) throw new InputDataError(msg.runDamaged(runDir, "summary.json", s.problem));
  const summary: RunSummaryFile = s.value;
  return { dir: runDir, manifest, summary };
}

/** A run's manifest.json (schema-checked) with every checksum it lists verified; the same errors as `readRun`. */
export async function readRunManifest(runDir: string): Promise<RunManifest> {
  const mp = join(runDir, "manifest.json");
  if (!fileExists(mp)) throw new ConfigError(msg.runNotFound(runDir));
  const m = parseJsonText(readText(mp), runManifestSchema);
  if (!m.ok) throw new InputDataError(msg.runDamaged(runDir, "manifest.json", m.problem));
  const manifest = m.value;
  for (const [name, sha] of Object.entries(manifest.files)) {
    const p = join(runDir, name);
    if (!fileExists(p)) throw new InputDataError(msg.runDamaged(runDir, name, "is missing"));
    if ((await sha256File(p)) !== sha) throw new InputDataError(msg.runDamaged(runDir, name, "does not match its checksum in manifest.json"));
  }
  return manifest;
}

/** Sibling runs (same parent, with a manifest), sorted by as_of, then run time, then name; `runDir` itself excluded. */
export function findEarlierRuns(runDir: string): { dir: string; manifest: RunManifest }[] {
  const parent = dirname(runDir.replace(/[\\/]+$/, ""));
  const self = basename(runDir.replace(/[\\/]+$/, ""));
  const out: { dir: string; manifest: RunManifest }[] = [];
  for (const name of listDir(parent)) {
    if (name === self || name.startsWith(".") || /\.(tmp|old)-\d+$/.test(name)) continue;
    const dir = join(parent, name);
    if (!isDirectory(dir) || !fileExists(join(dir, "manifest.json"))) continue;
    // a damaged sibling is not this run's problem: it is left out of the trend
    const m = parseJsonText(readText(join(dir, "manifest.json")), runManifestSchema);
    if (m.ok) out.push({ dir, manifest: m.value });
  }
  // runs without an as-of date (flat tables) in the order they ran
  return out.sort((a, b) => String(a.manifest.as_of ?? "").localeCompare(String(b.manifest.as_of ?? "")) || String(a.manifest.created_at).localeCompare(String(b.manifest.created_at)) || a.dir.localeCompare(b.dir));
}

export function runSummaryOf(m: RunManifest): RunSummary {
  return {
    runId: m.run_id,
    asOf: m.as_of ?? "",
    scored: m.counts.scored,
    bands: { critical: m.counts.per_band["critical"] ?? 0, high: m.counts.per_band["high"] ?? 0, medium: m.counts.per_band["medium"] ?? 0, low: m.counts.per_band["low"] ?? 0 },
    valueAtRisk: m.value_at_risk,
    budgetUsed: m.budget_used,
    expectedSaved: m.expected_revenue_saved,
  };
}

/** The day an earlier run's outcome horizon ends (as-of + the horizon its manifest records), or null when not recorded. */
function horizonEndOf(m: RunManifest): string | null {
  const h = (m as { horizon?: unknown }).horizon;
  if (typeof h !== "string" || !m.as_of) return null;
  try {
    return isoDay(addPeriod(new Date(`${m.as_of}T00:00:00Z`), parsePeriod(h, "horizon")));
  } catch {
    return null;
  }
}

/** The renewal months an earlier run judged (its summary.json), none when unreadable. */
function readRenewals(dir: string): RenewalMonth[] {
  try {
    const j = JSON.parse(readText(join(dir, "summary.json"))) as { renewals?: { months?: RenewalMonth[] } };
    return (j.renewals?.months ?? []).filter((m) => typeof m.month === "string" && typeof m.ending === "number");
  } catch {
    return [];
  }
}

function readEvaluation(dir: string): OutcomeEvaluation | undefined {
  const p = join(dir, "evaluation.json");
  if (!fileExists(p)) return undefined;
  // an unreadable evaluation is left out of the report (the run itself is fine)
  const r = parseJsonText(readText(p), evaluationSchema);
  if (!r.ok) return undefined;
  const o = "outcome" in r.value ? r.value.outcome : r.value;
  return { ...o, auc: o.auc ?? Number.NaN, lift10: o.lift10 ?? Number.NaN };
}

/** Planner report data for a run, with the trend from earlier runs and the latest evaluation. */
export function plannerDataFrom(summary: RunSummaryFile, runDir: string, earlier: { dir: string; manifest: RunManifest }[]): PlannerReportData {
  const { effects: _effects, ...data } = summary;
  const asOf = summary.run.asOf;
  // a dated run's trend: the dated runs up to its as-of date; a run without one (a flat table): the earlier runs
  // without one, in the order they ran (findEarlierRuns' order)
  const before = asOf ? earlier.filter((r) => r.manifest.as_of && r.manifest.as_of <= asOf) : earlier.filter((r) => !r.manifest.as_of);
  const d: PlannerReportData = { ...data };
  if (before.length) d.trend = before.map((r) => runSummaryOf(r.manifest));
  d.earlierRuns = before
    .filter((r) => (r.manifest.as_of ?? "") < asOf)
    .map((r) => ({ runId: r.manifest.run_id, asOf: r.manifest.as_of ?? "", dir: r.dir, horizonEnd: horizonEndOf(r.manifest), evaluated: readEvaluation(r.dir) !== undefined }));
  // renewal months judged by earlier runs, then this one's (a month is judged once, by the first run that can)
  const months = new Map<string, RenewalMonth>();
  for (const r of before.filter((x) => (x.manifest.as_of ?? "") < asOf)) for (const m of readRenewals(r.dir)) months.set(m.month, m);
  for (const m of summary.renewals?.months ?? []) months.set(m.month, m);
  if (months.size) d.renewals = { months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)) };
  for (const dir of [runDir, ...before.map((r) => r.dir).reverse()]) {
    const ev = readEvaluation(dir);
    if (ev) {
      d.outcome = ev;
      break;
    }
  }
  return d;
}

export async function plannerReportDataFromRun(runDir: string): Promise<PlannerReportData> {
  const run = await readRun(runDir);
  return plannerDataFrom(run.summary, runDir, findEarlierRuns(runDir));
}
