#!/usr/bin/env node
/**
 * The plan against the oracle, as a user runs churn: for each seed, a world (the built-in generator, or the
 * independent month-by-month ISP worlds of scripts/bench/world2.mjs: world2, and world3 = its --variant 3), features
 * over 8 month-ends, `churn train`,
 * `churn score --data --as-of <last month-end with a known outcome> --budget B`, and `churn simulate` on the
 * world's truth. Reports per seed and as medians:
 *
 *   share      plan net value / oracle net value (greedy on the true effects, same budget and capacities)
 *   vs top     plan net value / net value of top-risk-first with one action at the same spend
 *   harmful    share of the plan's contacts whose true effect raises churn
 *   AUC        of the run's probabilities, and of the true probabilities, on the same realised outcomes
 *   method     what the plan bought with (uplift, no_heterogeneity = one correction per action, segment_cells), from summary.json
 *
 *   npm run build && nice -n 10 node scripts/bench/oracle-share.mjs --world gen|world2|world3 [--seeds 11,12]
 *     [--subscribers 30000] [--budget 20000] [--model logistic|mlp|auto] [--method auto|uplift|...] [--dir /tmp/oracle-share]
 *     [--contact-rules '{"channels": {"fallback": "none"}}']   (retention.contactRules for the scoring run)
 *     [--usage '{"fallingZ": 2}']   (retention.segments.usage settings for the scoring run)
 *     [--uplift '{"caution": 0}']   (retention.uplift settings for the scoring run, beside --method)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { withDb, quoteLiteral } from "../../dist/io/duckdb.js";
import { rocAuc } from "../../dist/model/metrics.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const WORLD = opt("world", "gen");
if (!["gen", "world2", "world3"].includes(WORLD)) throw new Error(`--world ${WORLD}: gen, world2 or world3`);
const SEEDS = opt("seeds", "11").split(",").map(Number);
const N = Number(opt("subscribers", 30000));
const BUDGET = Number(opt("budget", 20000));
const MODEL = opt("model", "logistic");
const METHOD = opt("method", "auto");
const USAGE = JSON.parse(opt("usage", "{}"));
/** retention.contactRules for the runs (e.g. '{"channels": {"fallback": "none"}}'). */
const RULES = JSON.parse(opt("contact-rules", "{}"));
/** retention.uplift settings beside the method (e.g. '{"caution": 0}'). */
const UPLIFT = JSON.parse(opt("uplift", "{}"));
const DIR = opt("dir", "/tmp/oracle-share");
/** Runs with other settings get their own runs folder and config file, so runs side by side do not collide. */
const TAG = [USAGE, RULES, UPLIFT].some((o) => Object.keys(o).length) ? `-${createHash("sha256").update(JSON.stringify([USAGE, RULES, UPLIFT])).digest("hex").slice(0, 8)}` : "";
const cli = join(root, "dist/cli/main.js");

const sh = (cmd, argv) => execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28, env: { ...process.env, TZ: "UTC" } });
const churn = (...argv) => sh(process.execPath, [cli, ...argv]);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// month-ends: 8 training as-ofs and the scoring as-of (its next month start has a realised 30-day outcome)
const END = "2026-06-30";
const monthEnd = (k) => new Date(Date.UTC(2026, 6 - k, 0)).toISOString().slice(0, 10); // k=1: 2026-05-31
const SCORE_AS_OF = monthEnd(1);
const TRAIN = Array.from({ length: 8 }, (_, j) => monthEnd(9 - j)); // 2025-09-30 .. 2026-04-30

const results = [];
for (const seed of SEEDS) {
  const w = join(DIR, `${WORLD}-${seed}-${N}`);
  const t0 = performance.now();
  if (!existsSync(join(w, "truth/monthly.parquet"))) {
    mkdirSync(w, { recursive: true });
    if (WORLD === "world2" || WORLD === "world3") {
      sh(process.execPath, [join(root, "scripts/bench/world2.mjs"), "--subscribers", String(N), "--seed", String(seed), "--variant", WORLD.slice(-1), "--out", w]);
    }
    else churn("generate", "--subscribers", String(N), "--months", "12", "--seed", String(seed), "--format", "parquet", "--end", END, "--out", w);
  }
  const feats = join(w, "features.parquet");
  if (!existsSync(feats)) churn("features", "--data", w, "--as-of", TRAIN.join(","), "--horizon", "30d", "--out", feats);
  const models = join(w, `models-${MODEL}`);
  if (!existsSync(join(models, "champion"))) churn("train", "--features", feats, "--model", MODEL, "--out", models);
  // each run in its own runs folder: runs in one folder share a contacts log and a period budget ledger (a second
  // run in the same folder would find the period's budget spent)
  const runs = join(w, `runs-${MODEL}-${METHOD}${TAG}`);
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true });
  const run = join(runs, "run");
  const cfg = join(w, `config-${METHOD}${TAG}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({ retention: { uplift: { ...UPLIFT, method: METHOD }, ...(Object.keys(USAGE).length ? { segments: { usage: USAGE } } : {}), ...(Object.keys(RULES).length ? { contactRules: RULES } : {}) } }),
  );
  // --allow-drift: world2 raises prices in its last months, which the drift gate rightly flags; this measures the plan
  churn("score", "--config", cfg, "--model", join(models, "champion"), "--data", w, "--as-of", SCORE_AS_OF, "--budget", String(BUDGET), "--allow-drift", "--out", run);
  const sim = JSON.parse(churn("simulate", "--config", cfg, "--plan", run, "--truth", join(w, "truth"), "--json"));
  const manifest = JSON.parse(sh("cat", [join(run, "manifest.json")]));
  // AUC of the run's probabilities and of the true ones, on the realised outcomes of the month after as-of
  const rows = await withDb((db) =>
    db.all(
      `SELECT s.probability AS p, t.p_churn_30d AS q, CAST(t.churned_30d AS INTEGER) AS y
       FROM read_parquet(${quoteLiteral(join(run, "risk_list.parquet"))}) s
       JOIN read_parquet(${quoteLiteral(join(w, "truth/monthly.parquet"))}) t
         ON t.subscriber_id = s.subscriber_id AND t.month_start = DATE '${SCORE_AS_OF}' + INTERVAL 1 DAY
       WHERE t.churned_30d IS NOT NULL`,
    ),
  );
  const y = rows.map((r) => Number(r.y));
  const auc = rocAuc(y, rows.map((r) => Number(r.p)));
  const aucTrue = rocAuc(y, rows.map((r) => Number(r.q)));
  const note = manifest.effects.note;
  // what the plan bought with: the judgement's choice in summary.json (absent: the segment cells, nothing to judge)
  const summary = JSON.parse(sh("cat", [join(run, "summary.json")]));
  const method = summary.uplift?.method ?? "segment_cells";
  const r = {
    seed,
    share: sim.plan_share_of_oracle,
    vsTop: sim.top_risk_first.net_value > 0 ? sim.plan.net_value / sim.top_risk_first.net_value : null,
    harmful: sim.plan.contacts ? sim.plan.harmful_contacts / sim.plan.contacts : 0,
    contacts: sim.plan.contacts,
    planNet: sim.plan.net_value,
    oracleNet: sim.oracle.net_value,
    topNet: sim.top_risk_first.net_value,
    auc,
    aucTrue,
    method,
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  results.push(r);
  console.log(JSON.stringify(r));
  console.log(`  effects: ${note}`);
}
const m = (k) => median(results.map((r) => r[k]).filter((v) => v !== null));
console.log(
  `${WORLD}, ${N} subscribers, budget ${BUDGET}, model ${MODEL}, method ${METHOD}${Object.keys(USAGE).length ? `, usage ${JSON.stringify(USAGE)}` : ""}${Object.keys(RULES).length ? `, contact rules ${JSON.stringify(RULES)}` : ""}${Object.keys(UPLIFT).length ? `, uplift ${JSON.stringify(UPLIFT)}` : ""}, seeds ${SEEDS.join(",")}: median share of oracle ${(100 * m("share")).toFixed(1)}%, plan/top-risk-first net ${m("vsTop").toFixed(2)}x, harmful ${(100 * m("harmful")).toFixed(2)}% of contacts, AUC ${m("auc").toFixed(4)} vs true ${m("aucTrue").toFixed(4)}`,
);
