import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { CALL_LIST_FORMATS, type CallListFormat } from "../../config/retention.js";
import { type CallListsSummary, exportCallLists } from "../../pipeline/call-lists.js";
import { emit } from "../output.js";

export interface CallListsArgs {
  run: string;
  out: string;
  format?: CallListFormat | undefined;
  json?: boolean | undefined;
  config?: string | undefined;
}

export function callListsFromArgs(a: CallListsArgs): Promise<CallListsSummary> {
  const config = loadConfig(a.config);
  return exportCallLists({ run: a.run, out: a.out, format: a.format ?? config.retention.callLists.format, config: config.retention });
}

export function callListsText(s: CallListsSummary, out: string): string {
  return [
    `${s.lists.length} call list${s.lists.length === 1 ? "" : "s"} (${s.format}) in ${out}/call_lists/:`,
    ...s.lists.map((l) => `  ${l.file}: ${l.contacts} contact${l.contacts === 1 ? "" : "s"}${l.team ? `, team ${l.team} at ${l.perDay} a day: ${l.days} workday${l.days === 1 ? "" : "s"}` : ""}, last contact by ${l.lastContactBy || "-"}`),
  ].join("\n");
}

export const callListsCommand: CommandModule<object, CallListsArgs> = {
  command: "call-lists",
  describe: "write a run's call lists again (another CSV dialect, other teams from --config) into OUT/call_lists/",
  builder: (y) =>
    y
      .option("run", { type: "string", demandOption: true, describe: "run directory written by `churn score --out`" })
      .option("out", { type: "string", demandOption: true, describe: "folder to write call_lists/ into (the run folder itself is checksummed and left alone)" })
      .option("format", { choices: CALL_LIST_FORMATS, describe: "utf8, utf8-bom (Excel reads accents right) or semicolon (`;` and decimal comma); default retention.callLists.format" })
      .option("json", { type: "boolean", default: false, describe: "print the lists as JSON" })
      .example("churn call-lists --run out/demo/run --format semicolon --out out/crm", "lists for a spreadsheet that writes 1,5")
      .example("churn call-lists --run out/demo/run --config teams.yaml --out out/crm", "one list per team of teams.yaml (retention.callLists.teams)") as never,
  handler: async (argv) => {
    const s = await callListsFromArgs(argv);
    emit(s, () => callListsText(s, argv.out), { json: argv.json });
  },
};
