/**
 * The churn command line. yargs wiring only: each command lives in cli/commands/<name>.ts and is listed
 * in cli/commands/index.ts. `run` holds the single top-level catch that maps typed errors to exit codes
 * (0 ok, 1 internal, 2 usage/config, 3 input data, 4 quality gate) and never shows a stack trace for a
 * user mistake. src/cli/main.ts is the executable that calls it.
 */
import yargs from "yargs";
import { EXIT, isChurnError } from "../errors.js";
import { msg } from "../messages.js";
import { commands } from "./commands/index.js";

/** A command line yargs refused (unknown option, missing value, ...): thrown from `.fail` so no command runs. */
class UsageFailure extends Error {}

export async function run(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName("churn")
    .usage("churn <command> [options]\n\nPredict which subscribers are about to leave and plan what to do about it.")
    .option("config", { type: "string", describe: "config file (.yaml or .json); default churn.config.yaml if present", global: true })
    .option("quiet", { type: "boolean", describe: "no progress or log lines on stderr", global: true, default: false })
    .command(commands)
    .demandCommand(1, "Name a command. Run `churn --help` to see them.")
    .recommendCommands()
    .strict()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue("Exit codes: 0 ok, 1 internal error, 2 usage or config error, 3 input data error, 4 quality gate failed.")
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      // throw, not return: yargs goes on to run the command's handler when `.fail` returns, so a mistyped
      // option (`--as-off`) would run the command with the default in its place and only then be reported
      // recommendCommands reports first, before strict's "Unknown argument": name the command it is about
      const unknown = argv.find((a) => !a.startsWith("-"));
      throw new UsageFailure(/^Did you mean/.test(message) && unknown ? `unknown command '${unknown}'. ${message}` : message);
    });
  try {
    await parser.parseAsync();
    return Number(process.exitCode ?? EXIT.ok);
  } catch (e) {
    if (e instanceof UsageFailure) {
      process.stderr.write(`churn: ${e.message}\nRun \`churn --help\` (or \`churn <command> --help\`) for usage.\n`);
      return EXIT.usage;
    }
    if (isChurnError(e)) {
      process.stderr.write(`churn: ${e.message}\n`);
      if (process.env["CHURN_DEBUG"]) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`churn: ${msg.internalError(err?.message ?? String(e))}\n`);
    if (process.env["CHURN_DEBUG"]) process.stderr.write(`${err?.stack}\n`);
    return EXIT.internal;
  }
}

