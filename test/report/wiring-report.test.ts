/** churn report: rebuild the model card of a model folder, or the planner report of a run, in html, md and json. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReportFromArgs } from "../../src/cli/commands/report.js";
import { trainFromArgs } from "../../src/cli/commands/train.js";
import { run as runCli } from "../../src/cli/run.js";
import { ConfigError, UsageError } from "../../src/errors.js";
import { sha256Text } from "../../src/io/files.js";
import { msg } from "../../src/messages.js";
import type { RunManifest } from "../../src/pipeline/manifest.js";
import { tempDir, writeFlatCsv } from "../model/helpers.js";
import { samplePlannerReport } from "./sample-data.js";

let model = "";

beforeAll(async () => {
  const dir = tempDir("churn-report-");
  const csv = join(dir, "t.csv");
  writeFlatCsv(csv, 300);
  await trainFromArgs({ table: csv, label: "churned", positive: "yes", id: "customer", model: "logistic", calibration: "auto", seed: 3, out: join(dir, "models"), modelId: "m", quiet: true });
  model = join(dir, "models", "m");
}, 30_000);

describe("churn report --run models/<id>", () => {
  it("md and json go to stdout (returned), with the card's sections", async () => {
    const md = await buildReportFromArgs({ run: model, format: "md" });
    expect(md).toMatchObject({ kind: "model-card", format: "md", written: false });
    expect(md.path).toBeUndefined();
    for (const t of ["# Model card: m", "## Data", "## Validation design", "## Metrics against champion and baseline", "## Ranking curves", "## Calibration and score distribution", "## Feature importance", "## Training curve", "## Backtest across as-of dates"]) {
      expect(md.body).toContain(t);
    }
    const json = JSON.parse((await buildReportFromArgs({ run: model, format: "json" })).body);
    expect(json.kind).toBe("model-card");
    expect(json.sections.map((s: { id: string }) => s.id)).toEqual(["data", "validation", "metrics", "curves", "calibration", "importance", "training", "backtest"]);
  });

  it("html: DIR/model_card.html is left as is when identical; --out writes elsewhere; an edited card is a damaged artifact", async () => {
    const card = join(model, "model_card.html");
    const before = readFileSync(card);
    const r = await buildReportFromArgs({ run: model });
    expect(r).toMatchObject({ path: card, written: false });
    expect(Buffer.from(r.body).equals(before)).toBe(true);
    const out = join(tempDir("churn-report-out-"), "card.html");
    expect(await buildReportFromArgs({ run: model, out })).toMatchObject({ path: out, written: true });
    expect(readFileSync(out).equals(before)).toBe(true);
    writeFileSync(card, "<p>edited</p>");
    await expect(buildReportFromArgs({ run: model })).rejects.toThrow(new ConfigError(msg.artifactChecksum(model, "model_card.html")));
    expect(readFileSync(card, "utf8")).toBe("<p>edited</p>");
    writeFileSync(card, before);
  });

  it("exit 2 for a folder that is neither a run nor a model, and for a bad --format", async () => {
    const empty = tempDir("churn-report-empty-");
    await expect(buildReportFromArgs({ run: empty })).rejects.toThrow(new UsageError(msg.reportDirUnknown(empty)));
    expect(await runCli(["report", "--run", empty, "--quiet"])).toBe(2);
    await expect(buildReportFromArgs({ run: model, format: "pdf" })).rejects.toThrow(new UsageError(msg.reportBadFormat("pdf")));
  });
});

describe("churn report --run RUN_DIR", () => {
  it("rebuilds the planner report from summary.json, with the run's evaluation.json as outcome", async () => {
    const dir = join(tempDir("churn-report-run-"), "2026-06-30");
    mkdirSync(dir);
    const summary = { ...samplePlannerReport({ minimal: true }), effects: { source: "prior", note: "", cells: [] } };
    writeFileSync(join(dir, "summary.json"), JSON.stringify(summary));
    const outcome = { runId: "2026-03-31", asOf: "2026-03-31", horizonDays: 90, byBand: [{ band: "critical", subscribers: 10, churned: 6 }], auc: 0.71, lift10: 2.5, selected: 8, selectedStayed: 5 };
    writeFileSync(join(dir, "evaluation.json"), JSON.stringify(outcome));
    // report.html as score wrote it (before the outcome was known), covered by the manifest's checksums
    writeFileSync(join(dir, "report.html"), "<p>written by churn score</p>");
    const files = Object.fromEntries(["summary.json", "report.html"].map((f) => [f, sha256Text(readFileSync(join(dir, f)))]));
    // a complete manifest, as churn score writes it (a run folder is checked against its schema when read back)
    const counts = { in: 10, scored: 10, rejected: 0, rejected_by_reason: {}, per_band: { critical: 10 }, per_action: { none: 10 }, reconciled: true };
    const drift = { checked: false, warn: 0.1, threshold: 0.25, score_psi: null, max_feature: null, alerts: [], warnings: [], allowed: false };
    const manifest: RunManifest = {
      kind: "churn-run",
      version: 1,
      run_id: "2026-06-30",
      model: { id: "m", kind: "logistic", reasons: "logistic-coefficients" },
      as_of: "2026-06-30",
      created_at: "2026-07-01T02:00:00.000Z",
      churn_version: "0.1.0",
      source: "data",
      inputs: [],
      counts,
      budget: null,
      budget_used: 0,
      expected_revenue_saved: 0,
      value_at_risk: 0,
      effects: { source: "prior", note: "" },
      drift,
      durations: {},
      files,
    };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const md = await buildReportFromArgs({ run: dir, format: "md" });
    expect(md.kind).toBe("planner-report");
    expect(md.body).toContain("## Outcome of run 2026-03-31");
    // the rebuilt report differs: replacing the checksummed file would damage the run, so it is refused
    await expect(buildReportFromArgs({ run: dir })).rejects.toThrow(new ConfigError(msg.reportOverwrite(join(dir, "report.html"), join(dir, "manifest.json"))));
    const out = join(dir, "report-now.html");
    expect(await buildReportFromArgs({ run: dir, out })).toMatchObject({ path: out, written: true });
    expect(readFileSync(out, "utf8")).toContain("<title>Retention plan:");
  });
});
