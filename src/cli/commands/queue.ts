import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { type SubmitResult, submitRun, workerRun } from "../../pipeline/queue.js";
import { emit } from "../output.js";
import { scoreText } from "./score.js";

interface SubmitArgs {
  action: "submit";
  redis?: string;
  queue?: string;
  model: string;
  data: string;
  "as-of": string;
  shards: number;
  out: string;
  attempts: number;
  wait: boolean;
  timeout?: number;
  merge?: string;
  budget?: number;
  "allow-drift": boolean;
  json: boolean;
  quiet: boolean;
  config?: string;
}

const redisUrl = (flag: string | undefined, command: string): string => {
  const url = flag ?? process.env["CHURN_REDIS_URL"];
  if (url === undefined) throw new UsageError(msg.redisMissing(command));
  return url;
};

export const queueCommand: CommandModule<object, SubmitArgs> = {
  command: "queue <action>",
  describe: "queue mode of sharded scoring (BullMQ + Redis): submit one job per shard for `churn worker` processes",
  builder: (y) =>
    y
      .positional("action", { choices: ["submit"] as const, demandOption: true, describe: "submit: queue the shards of a scoring run" })
      .option("redis", { type: "string", describe: "redis://HOST:PORT of the queue (default CHURN_REDIS_URL); password from CHURN_REDIS_PASSWORD" })
      .option("queue", { type: "string", describe: "queue name (default churn-score)" })
      .option("model", { type: "string", default: "models/champion", describe: "model folder or champion pointer, reachable by every worker" })
      .option("data", { type: "string", demandOption: true, describe: "folder with the raw tables, reachable by every worker" })
      .option("as-of", { type: "string", demandOption: true, describe: "scoring day YYYY-MM-DD" })
      .option("shards", { type: "number", demandOption: true, describe: "number of shards K (one job each)" })
      .option("out", { type: "string", demandOption: true, describe: "folder of the shard results (shard-<k>-of-<K>), reachable by every worker" })
      .option("attempts", { type: "number", default: 3, describe: "attempts per shard before it fails (a shard whose worker died is run again without counting)" })
      .option("wait", { type: "boolean", default: false, describe: "wait until every shard is done" })
      .option("timeout", { type: "number", describe: "with --wait: give up after this many seconds" })
      .option("merge", { type: "string", describe: "with --wait: then merge the shards into this run folder (churn plan --merge)" })
      .option("budget", { type: "number", describe: "with --merge: the retention budget (default retention.budget)" })
      .option("allow-drift", { type: "boolean", default: false, describe: "with --merge: write the run even when drift is above scoring.driftFail" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example(
        "churn queue submit --redis redis://127.0.0.1:6379 --data data/sample --as-of 2026-05-31 --shards 4 --out out/shards --wait --merge out/run --budget 50000",
        "4 shard jobs for `churn worker` processes, then one plan",
      ) as never,
  handler: async (argv) => {
    const config = loadConfig(argv.config);
    const r = await submitRun({
      redis: redisUrl(argv.redis, "churn queue submit"),
      queue: argv.queue,
      model: argv.model,
      data: argv.data,
      asOf: argv["as-of"],
      shards: argv.shards,
      out: argv.out,
      config,
      attempts: argv.attempts,
      wait: argv.wait,
      timeoutSeconds: argv.timeout,
      merge: argv.merge,
      budget: argv.budget,
      allowDrift: argv["allow-drift"],
      log: createLogger({ quiet: argv.quiet }),
    });
    emit(r, () => submitText(r), { json: argv.json });
  },
};

function submitText(r: SubmitResult): string {
  const lines = [`queued ${r.jobs.length} shard job(s) on ${r.queue}: ${r.jobs.join(", ")}`, ...r.shards.map((s) => `  ${s}`)];
  if (r.results) lines.push(`done: ${r.results.map((x) => `shard ${x.k} ${x.scored} scored by worker ${x.worker}`).join("; ")}`);
  if (r.run) lines.push(scoreText(r.run));
  return lines.join("\n");
}

interface WorkerArgs {
  redis?: string;
  queue?: string;
  concurrency: number;
  "lock-seconds": number;
  "exit-when-idle"?: number;
  json: boolean;
  quiet: boolean;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: "worker",
  describe: "process queued scoring shards (churn queue submit) until stopped",
  builder: (y) =>
    y
      .option("redis", { type: "string", describe: "redis://HOST:PORT of the queue (default CHURN_REDIS_URL); password from CHURN_REDIS_PASSWORD" })
      .option("queue", { type: "string", describe: "queue name (default churn-score)" })
      .option("concurrency", { type: "number", default: 1, describe: "shards scored at once by this process" })
      .option("lock-seconds", { type: "number", default: 60, describe: "a shard whose worker stops renewing its lock for this long (killed, lost) is run again by another worker" })
      .option("exit-when-idle", { type: "number", describe: "stop after this many seconds without a job (default: run until SIGTERM)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn worker --redis redis://127.0.0.1:6379", "score shards as they come; SIGTERM stops after the current one") as never,
  handler: async (argv) => {
    const r = await workerRun({
      redis: redisUrl(argv.redis, "churn worker"),
      queue: argv.queue,
      concurrency: argv.concurrency,
      lockSeconds: argv["lock-seconds"],
      exitWhenIdleSeconds: argv["exit-when-idle"],
      log: createLogger({ quiet: argv.quiet }),
    });
    emit(r, () => `${r.completed} shard job(s) done`, { json: argv.json });
  },
};
