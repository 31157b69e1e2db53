import { resolve, join } from "node:path";
import type { CommandModule } from "yargs";
import { ConfigError, UsageError } from "../../errors.js";
import { checksummedFiles } from "../../io/artifact.js";
import { fileExists, readText, writeAtomic } from "../../io/files.js";
import { msg } from "../../messages.js";
import { plannerReportDataFromRun } from "../../pipeline/run-dir.js";
import { isModelDir, modelCardDataFromDir } from "../../report/from-model.js";
import { parseReportFormat, type ReportData, renderReport } from "../../report/index.js";

export interface ReportArgs {
  run: string;
  format?: string | undefined;
  out?: string | undefined;
}

export interface ReportResult {
  kind: "model-card" | "planner-report";
  format: "html" | "md" | "json";
  /** The rendered report. */
  body: string;
  /** Where it was written; undefined for stdout. */
  path?: string;
  /** False when the file already held exactly this report (nothing rewritten). */
  written: boolean;
}

/** True when `name` appears in the directory's manifest (as a checksummed file name). */
function inManifest(dir: string, name: string): boolean {
  return checksummedFiles(dir).includes(name);
}

/** The report data of a model folder (model card) or a scoring run (planner report). */
export async function reportDataFor(dir: string): Promise<ReportData> {
  if (isModelDir(dir)) return modelCardDataFromDir(dir);
  if (!fileExists(join(dir, "manifest.json"))) throw new UsageError(msg.reportDirUnknown(dir));
  return plannerReportDataFromRun(dir);
}

/**
 * Rebuild the report of a run or model folder. html goes to --out or DIR/report.html (run) / DIR/model_card.html
 * (model); md and json to --out or stdout. A file covered by DIR/manifest.json's checksums is never replaced by
 * different bytes (that would damage the run or model): then use --out.
 */
export async function buildReportFromArgs(a: ReportArgs): Promise<ReportResult> {
  const format = parseReportFormat(a.format ?? "html");
  const data = await reportDataFor(a.run);
  const body = await renderReport(data, format);
  const defaultName = data.kind === "model-card" ? "model_card.html" : "report.html";
  const path = a.out ?? (format === "html" ? join(a.run, defaultName) : undefined);
  if (path === undefined) return { kind: data.kind, format, body, written: false };
  if (resolve(path) === resolve(a.run, defaultName) && fileExists(path) && inManifest(a.run, defaultName)) {
    if (readText(path) === body) return { kind: data.kind, format, body, path, written: false };
    throw new ConfigError(msg.reportOverwrite(path, join(a.run, "manifest.json")));
  }
  writeAtomic(path, body);
  return { kind: data.kind, format, body, path, written: true };
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report",
  describe: "rebuild a report: the planner report of a scoring run, or the model card of a model folder",
  builder: (y) =>
    y
      .option("run", { type: "string", demandOption: true, describe: "run directory (churn score --out) or model folder (models/<id>)" })
      .option("format", { type: "string", choices: ["html", "md", "json"], default: "html", describe: "html (to DIR/report.html or DIR/model_card.html unless --out), md or json (to stdout unless --out)" })
      .option("out", { type: "string", describe: "write the report to this file" })
      .example("churn report --run runs/2026-06-30", "rebuild runs/2026-06-30/report.html (trend and latest outcome included)")
      .example("churn report --run models/logistic-20260701T020000Z --format md", "the model card as Markdown on stdout")
      .example("churn report --run runs/2026-06-30 --format json --out report.json", "numbers and chart rows as JSON") as never,
  handler: async (argv) => {
    const r = await buildReportFromArgs(argv);
    if (r.path === undefined) process.stdout.write(r.body.endsWith("\n") ? r.body : `${r.body}\n`);
    else process.stderr.write(`${r.written ? "wrote" : "unchanged:"} ${r.path}\n`);
  },
};
