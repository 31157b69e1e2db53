import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { type SimOutcome, type SimulateResult, simulateRun } from "../../pipeline/simulate.js";
import { emit } from "../output.js";

interface Args {
  plan: string;
  truth: string;
  draws: number;
  seed?: number;
  json: boolean;
  config?: string;
}

/** "care_call 120 (net 1,234), ..." */
const mix = (by: SimulateResult["plan"]["by_action"]): string =>
  Object.entries(by)
    .map(([a, e]) => `${a} ${e.contacts} (net ${Math.round(e.net_value)})`)
    .join(", ") || "nothing";

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");

export function simulateText(r: SimulateResult): string {
  const line = (name: string, o: SimOutcome) =>
    `${name.padEnd(18)} contacts ${String(o.contacts).padStart(8)}  cost ${o.cost.toFixed(0).padStart(10)}  churners saved ${o.churners_saved.toFixed(1).padStart(8)}  revenue saved ${o.revenue_saved.toFixed(0).padStart(10)}  net ${o.net_value.toFixed(0).padStart(10)}  harmful ${String(o.harmful_contacts).padStart(6)}`;
  const share = r.plan_share_of_oracle === null ? "n/a (the oracle finds nothing worth buying)" : `${(r.plan_share_of_oracle * 100).toFixed(1)}%`;
  const t = r.top_risk_first;
  const seg = Object.entries(r.best_per_segment.actions).map(([a, n]) => `${a} ${n}`).join(", ");
  return [
    `true outcome at ${r.month_start} for ${r.subscribers} subscribers (${r.not_in_truth} not in the truth)`,
    line("plan", r.plan),
    line(`random (${r.random.draws})`, r.random),
    line("top risk first", t),
    line("best per segment", r.best_per_segment),
    line("oracle", r.oracle),
    `top risk first used ${t.action} (${t.source} effect ${(t.effect * 100).toFixed(1)}% on average)${t.excluded.length ? `; left out: ${t.excluded.map((e) => e.why).join("; ")}` : ""}`,
    `best per segment used ${seg || "no action"}`,
    `plan bought ${mix(r.plan.by_action)}`,
    `oracle bought ${mix(r.oracle.by_action)}`,
    `plan revenue saved vs top risk first ${ratio(r.plan.revenue_saved, t.revenue_saved)}, vs best per segment ${ratio(r.plan.revenue_saved, r.best_per_segment.revenue_saved)}, vs random ${ratio(r.plan.revenue_saved, r.random.revenue_saved)}`,
    `plan net value / oracle net value (the best plan the same budget and capacities buy knowing the true effects): ${share}`,
  ].join("\n");
}

export const simulateCommand: CommandModule<object, Args> = {
  command: "simulate",
  describe: "what a scoring run's plan would save in a generated world (true hazards and effects), against random, top-risk-first, best-action-per-segment and the oracle plan",
  builder: (y) =>
    y
      .option("plan", { type: "string", demandOption: true, describe: "run directory written by `churn score`" })
      .option("truth", { type: "string", demandOption: true, describe: "truth folder of the generated world (WORLD/truth)" })
      .option("draws", { type: "number", default: 5, describe: "random-targeting draws to average" })
      .option("seed", { type: "number", describe: "seed of the random baseline (default: config seed)" })
      .option("json", { type: "boolean", default: false, describe: 'print {"plan", "random", "top_risk_first", "best_per_segment", "oracle", "plan_share_of_oracle"} as JSON' })
      .example("churn simulate --plan out/run --truth data/sample/truth --json", "compare the plan with the baselines") as never,
  handler: async (argv) => {
    const r = await simulateRun({ plan: argv.plan, truth: argv.truth, config: loadConfig(argv.config), draws: argv.draws, seed: argv.seed });
    emit(r, () => simulateText(r), { json: argv.json });
  },
};
