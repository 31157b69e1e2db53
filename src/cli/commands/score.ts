import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { CALL_LIST_FORMATS, type CallListFormat } from "../../config/retention.js";
import { isContactHistoryFeature } from "../../ids.js";
import { createLogger } from "../../log.js";
import { BACKENDS, type BackendName } from "../../model/backend.js";
import { parseExclude } from "../../model/inputs.js";
import { type ScoreResult, scoreRun } from "../../pipeline/score.js";
import { priorShare } from "../../report/planner-report.js";
import { type CacheArgs, cacheFrom, cacheOptions } from "../cache-options.js";
import { parseShard } from "../../pipeline/shard.js";
import { emit } from "../output.js";
import { clickhouseUrl } from "./features.js";

/** "; above T: a, b; moved by contacts since training (expected): c": contact-history features apart, they move by design. */
function driftAlerts(alerts: readonly string[], threshold: number): string {
  const contact = alerts.filter(isContactHistoryFeature);
  const data = alerts.filter((a) => !contact.includes(a));
  return `${data.length ? `; above ${threshold}: ${data.join(", ")}` : ""}${contact.length ? `; contact history moved by the contacts since training (expected): ${contact.join(", ")}` : ""}`;
}

interface Args extends CacheArgs {
  model: string;
  shard?: string;
  runs?: string;
  data?: string;
  clickhouse?: string;
  "as-of"?: string;
  features?: string;
  table?: string;
  id?: string;
  out: string;
  budget?: number;
  format?: CallListFormat;
  "allow-drift": boolean;
  wait: number;
  backend?: BackendName;
  json: boolean;
  quiet: boolean;
  config?: string;
  exclude?: string | string[];
}

export function scoreText(r: ScoreResult): string {
  const c = r.counts;
  if (r.shard) {
    return [
      `shard ${r.shard.k}/${r.shard.of} of run ${r.runId} written to ${r.runDir} (model ${r.modelId}, as of ${r.asOf ?? "n/a"})`,
      `subscribers of this shard: ${c.scored} scored, ${c.rejected} not active at as-of`,
      "plan every shard together: churn plan --merge SHARD_DIR... --budget B --out RUN_DIR",
    ].join("\n");
  }
  return [
    `run ${r.runId} written to ${r.runDir} (model ${r.modelId}, as of ${r.asOf ?? "n/a"})`,
    `subscribers: ${c.in} in, ${c.scored} scored, ${c.rejected} rejected${Object.keys(c.rejected_by_reason).length ? ` (${Object.entries(c.rejected_by_reason).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`,
    `bands: ${Object.entries(c.per_band).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `selected: ${Object.entries(c.per_action).filter(([k]) => k !== "none").map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    ...(r.contacts
      ? [
          `contacts on ${r.contacts.date}: ${r.contacts.treated} contacted, ${r.contacts.held_out} held out; excluded by the contact rules: ${
            Object.entries(r.contacts.excluded)
              .filter(([, v]) => v > 0)
              .map(([k, v]) => `${k} ${v}`)
              .join(", ") || "none"
          }`,
        ]
      : []),
    `budget ${r.budget ?? "unlimited"}, used ${r.budgetUsed}, expected revenue saved ${r.expectedRevenueSaved}${onPriors(r)}; expected churners without action ${r.expectedChurners}`,
    ...(r.periodBudget ? [`period budget ${r.periodBudget.period}: ${r.periodBudget.amount}; spent by earlier runs ${r.periodBudget.spent}, committed ${r.periodBudget.committed}, remaining ${r.periodBudget.remaining}`] : []),
    `effects: ${r.effects.note}`,
    `input: ${r.integrity?.checked ? (r.integrity.failures.length ? `looks broken (allowed by --allow-drift): ${r.integrity.failures.map((f) => `${f.column} ${f.kind}`).join(", ")}` : "integrity ok") : "integrity not checked"}; population shift: ${r.drift.checked ? `score PSI ${r.drift.score_psi}, max feature ${r.drift.max_feature ? `${r.drift.max_feature.feature} ${r.drift.max_feature.psi}` : "-"}${driftAlerts(r.drift.alerts, r.drift.threshold)}` : "not checked"}`,
  ].join("\n");
}

/** How much of the expected saving rests on the catalogue's prior effects alone, when any does. */
function onPriors(r: Pick<ScoreResult, "expectedRevenueSaved" | "expectedRevenueSavedOnPriors">): string {
  const share = priorShare(r);
  return share === null ? "" : ` (${share}% of it rests on catalogue priors that no campaign has checked)`;
}

export const scoreCommand: CommandModule<object, Args> = {
  command: "score",
  describe: "score subscribers and write the ranked risk list, retention plan, planner report and run manifest",
  builder: (y) =>
    cacheOptions(y)
      .option("model", { type: "string", default: "models/champion", describe: "model folder, champion pointer (models/champion) or models folder" })
      .option("data", { type: "string", describe: "folder with the raw tables (needs --as-of; default data.dir of the config)" })
      .option("clickhouse", {
        type: "string",
        describe: "HTTP URL of the ClickHouse node that takes queries, when the raw tables are there (needs --as-of and --shard; default with source: clickhouse: clickhouse.url or CHURN_CLICKHOUSE_URL)",
      })
      .option("as-of", { type: "string", describe: "scoring day YYYY-MM-DD (with --features: which as_of to score, default the latest)" })
      .option("features", { type: "string", describe: "feature table from `churn features`" })
      .option("table", { type: "string", describe: "flat table, one row per customer (an id with several rows: its last row is scored)" })
      .option("id", { type: "string", describe: "id column of --table/--features (default subscriber_id)" })
      .option("exclude", { type: "string", describe: "columns that are not features, comma-separated: stops with a clear message if the model was trained with one of them" })
      .option("out", { type: "string", demandOption: true, describe: "run directory to write (replaced atomically); with --shard, the shard result" })
      .option("runs", {
        type: "string",
        describe: "with --shard: the runs folder the merged run will go to (its contacts log is read, as one churn score there would); default the folder --out is in",
      })
      .option("shard", {
        type: "string",
        describe: "score only shard k of K (0-based; the hash the cluster shards subscriber_id by) and write a shard result for churn plan --merge; k may be JOB_COMPLETION_INDEX",
      })
      .option("budget", { type: "number", describe: "retention budget for this run (default retention.budget; none = no limit)" })
      .option("format", { choices: CALL_LIST_FORMATS, describe: "CSV dialect of the call lists: utf8, utf8-bom (Excel), semicolon (`;` and decimal comma); default retention.callLists.format" })
      .option("allow-drift", { type: "boolean", default: false, describe: "write the run even when the input looks broken (or shifted, with scoring.stopOnShift)" })
      .option("wait", { type: "number", default: 0, describe: "seconds to wait when another run holds the output lock" })
      .option("backend", { choices: BACKENDS, describe: "TensorFlow.js backend for an mlp model" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn score --model models/champion --data data/sample --as-of 2026-05-31 --budget 50000 --out out/run", "score raw tables")
      .example("churn score --model models/champion --features features.parquet --out out/run", "score a feature table (latest as_of)")
      .example("churn score --model models/champion --table export.csv --id customerID --exclude fold --config churn.config.yaml --out out/run", "score a flat table in the config's CSV dialect")
      .example("churn score --data data/sample --as-of 2026-05-31 --format semicolon --out out/run", "call lists for a spreadsheet that writes 1,5")
      .example("churn score --model models/champion --data data/sample --as-of 2026-05-31 --shard 1/4 --out out/shard-1", "score shard 1 of 4, then churn plan --merge")
      .example("churn score --model models/champion --clickhouse http://ch:8123 --as-of 2026-05-31 --shard JOB_COMPLETION_INDEX/16 --out /shared/shard", "a Kubernetes Indexed Job's shard, features computed in ClickHouse")
      .epilogue(
        "Writes RUN_DIR/risk_list.csv|parquet, scores.parquet, rejects.csv, contacts.csv (every selected subscriber: contacted, or held out), call_lists/*.csv, changes.csv (when an earlier run is beside it), summary.json, report.html and manifest.json (last), through RUN_DIR.tmp-<pid>; then records the run's contacts in contacts_log.csv and its spend in budget_ledger.json beside RUN_DIR (the runs folder, shared by the runs in it: contact rules, period budget, learning). Exit 4 when the input looks broken (a column all missing, constant, in other units or swapped, compared with the model's training snapshots) unless --allow-drift; a population shift is a warning. Exit 3 when the as-of date is after the last usage day. Exit 2 when another run holds RUN_DIR.lock.",
      ) as never,
  handler: async (argv) => {
    const config = loadConfig(argv.config);
    const r = await scoreRun({
      shard: argv.shard === undefined ? undefined : parseShard(argv.shard),
      runs: argv.runs,
      model: argv.model,
      data: argv.data,
      clickhouse: argv.features === undefined && argv.table === undefined ? clickhouseUrl(argv.clickhouse, argv.data, config) : argv.clickhouse,
      asOf: argv["as-of"],
      features: argv.features,
      table: argv.table,
      id: argv.id,
      exclude: parseExclude(argv.exclude),
      out: argv.out,
      config,
      budget: argv.budget,
      format: argv.format,
      allowDrift: argv["allow-drift"],
      wait: argv.wait,
      backend: argv.backend,
      log: createLogger({ quiet: argv.quiet }),
      cache: cacheFrom(argv, config, argv.out),
    });
    emit(r, () => scoreText(r), { json: argv.json });
  },
};
