import { z } from "zod";
import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { configSchema } from "../../config/schema.js";
import { writeAtomic } from "../../io/files.js";
import { toJson } from "../output.js";

/** The JSON Schema of the config file, generated from the zod schema (editors use it to autocomplete). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" });
}

interface Args {
  action: "schema" | "show" | "check";
  out?: string;
  config?: string;
}

export const configCommand: CommandModule<object, Args> = {
  command: "config <action>",
  describe: "show the effective config, check a config file, or write the config JSON Schema",
  builder: (y) =>
    y
      .positional("action", { choices: ["schema", "show", "check"] as const, demandOption: true, describe: "what to do" })
      .option("out", { type: "string", describe: "write to this file instead of stdout" })
      .example("churn config check --config churn.config.yaml", "validate a config file (exit 2 with path-precise messages)")
      .example("churn config show", "print the effective config with every default filled in")
      .example("churn config schema --out churn.config.schema.json", "regenerate the JSON Schema") as never,
  handler: async (argv) => {
    let body: unknown;
    if (argv.action === "schema") body = configJsonSchema();
    else if (argv.action === "show") body = loadConfig(argv.config);
    else {
      loadConfig(argv.config); // throws ConfigError (exit 2) with every problem listed
      body = { ok: true };
    }
    const text = `${toJson(body)}\n`;
    if (argv.out) writeAtomic(argv.out, text);
    else process.stdout.write(text);
  },
};
