import type { CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import { msg } from "../../messages.js";
import { listModels, promoteModel, showModel } from "../../model/registry.js";
import { emit, toJson } from "../output.js";

interface ModelsArgs {
  action: "list" | "show" | "promote";
  id?: string | undefined;
  dir: string;
  json?: boolean | undefined;
}

export function modelsAction(a: ModelsArgs): unknown {
  if (a.action === "list") return listModels(a.dir);
  if (a.id === undefined) throw new UsageError(msg.modelsNeedsId(a.action));
  if (a.action === "show") return showModel(a.dir, a.id);
  return promoteModel(a.dir, a.id);
}

export const modelsCommand: CommandModule<object, ModelsArgs> = {
  command: "models <action> [id]",
  describe: "list the trained models, show one, or promote one to champion",
  builder: (y) =>
    y
      .positional("action", { choices: ["list", "show", "promote"] as const, demandOption: true, describe: "what to do" })
      .positional("id", { type: "string", describe: "model id (show, promote)" })
      .option("dir", { type: "string", default: "models", describe: "models directory" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn models list", "every model, the champion marked")
      .example("churn models show logistic-20260101T000000Z --json", "metrics, bands, importance, checksums")
      .example("churn models promote mlp-20260101T000000Z", "make a model the champion") as never,
  handler: async (argv) => {
    const r = modelsAction(argv);
    emit(r, () => {
      if (argv.action === "list") {
        const list = r as ReturnType<typeof listModels>;
        if (list.length === 0) return `no models in ${argv.dir}`;
        return list.map((m) => `${m.champion ? "*" : " "} ${m.id.padEnd(36)} ${(m.kind ?? "?").padEnd(9)} ${m.createdAt ?? m.error ?? ""}`).join("\n");
      }
      if (argv.action === "promote") {
        const p = r as { id: string; previous?: string };
        return `${p.id} is now the champion${p.previous ? ` (was ${p.previous})` : ""}`;
      }
      return toJson(r);
    }, { json: argv.json });
  },
};
