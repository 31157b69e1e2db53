/**
 * The run's call lists (retention/call-lists.ts) from table `risk_list`: the selected subscribers in plan order,
 * written to RUN_DIR/call_lists/<name>.csv in the configured CSV dialect (or --format). `exportCallLists` (`churn
 * call-lists`) writes them again from a finished run's files, in another dialect or for other teams, elsewhere.
 */
import { join } from "node:path";
import type { CallListFormat, RetentionConfig } from "../config/retention.js";
import { Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { ensureDir, fileExists, writeAtomic } from "../io/files.js";
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";
import { readRun } from "./run-dir.js";
import { buildCallLists, type CallList, callListCsv } from "../retention/call-lists.js";

/** What summary.json says about the call lists. */
export interface CallListsSummary {
  format: CallListFormat;
  lists: { file: string; team?: string; contacts: number; perDay?: number; days?: number; lastContactBy: string }[];
}

/** The call lists of the plan in `risk_list` (as-of `asOf`). */
export async function callListsOf(db: Db, cfg: RetentionConfig, asOf: string | null): Promise<CallList[]> {
  const channel = new Map(cfg.actions.map((a) => [a.id as string, a.channel as string]));
  // only the columns the lists use (all of them as row objects took 9 of 12 s of SQL in a 1M-subscriber run); runs
  // written before the plan chose channels and held out a control group have neither column: NULL then
  const have = new Set((await db.describe("SELECT * FROM risk_list")).map((c) => c.name));
  const cols = ["subscriber_id", "action", "channel", "preferred_channel", "reason_1", "reason_2", "reason_3", "action_cost", "days_to_contract_end", "group"];
  const select = cols.map((c) => (have.has(c) ? quoteIdent(c) : `NULL AS ${quoteIdent(c)}`)).join(", ");
  const rows = await db.all(`SELECT ${select} FROM risk_list WHERE selected = 'yes' ORDER BY rank`);
  if (rows.length && !have.has("days_to_contract_end")) throw new Error('risk_list has no column "days_to_contract_end"');
  const input = rows.map((r) => {
    // the channel the plan offered the action on (contact rules, preferred channel); else the catalogue's, by preference
    const planned = r["channel"] == null || r["channel"] === "" ? null : String(r["channel"]);
    return {
      subscriberId: String(r["subscriber_id"]),
      action: String(r["action"]),
      channel: planned ?? channel.get(String(r["action"])) ?? "none",
      preferredChannel: planned !== null || r["preferred_channel"] == null ? null : String(r["preferred_channel"]),
      reasons: [r["reason_1"], r["reason_2"], r["reason_3"]].filter((x) => x != null).map(String),
      cost: Number(r["action_cost"]),
      daysToContractEnd: r["days_to_contract_end"] == null ? null : Number(r["days_to_contract_end"]),
      holdout: r["group"] === "control",
    };
  });
  return buildCallLists(input, cfg.callLists, asOf);
}

/** Write the lists into DIR/call_lists/ and return their paths relative to DIR, with the summary. */
export function writeCallLists(dir: string, lists: CallList[], format: CallListFormat): { files: string[]; summary: CallListsSummary } {
  ensureDir(join(dir, "call_lists"));
  const files: string[] = [];
  const summary: CallListsSummary = { format, lists: [] };
  for (const l of lists) {
    const file = `call_lists/${l.name}.csv`;
    writeAtomic(join(dir, file), callListCsv(l, format));
    files.push(file);
    const last = l.entries.map((e) => e.contact_by).sort().at(-1) ?? "";
    summary.lists.push({ file, ...(l.team ? { team: l.team, perDay: l.perDay!, days: l.days! } : {}), contacts: l.entries.length, lastContactBy: last });
  }
  return { files, summary };
}

/**
 * Write a finished run's call lists again into OUT/call_lists/ from its risk_list.parquet and scores.parquet (the
 * run folder is checksummed and left as it is). The run's manifest is verified first.
 */
export async function exportCallLists(o: { run: string; out: string; format: CallListFormat; config: RetentionConfig }): Promise<CallListsSummary> {
  const { manifest } = await readRun(o.run);
  const risk = join(o.run, "risk_list.parquet");
  const scores = join(o.run, "scores.parquet");
  for (const f of [risk, scores]) if (!fileExists(f)) throw new ConfigError(msg.runFileMissing(o.run, f.slice(o.run.length + 1)));
  const db = await Db.open({ threads: 1 });
  try {
    // the days to the term's end as the run saw them (scores.parquet keeps the end date)
    const asOf = manifest.as_of === null ? "NULL" : `CAST(${quoteLiteral(manifest.as_of)} AS DATE)`;
    await db.run(`CREATE VIEW risk_list AS SELECT r.*, CAST(date_diff('day', ${asOf}, s.contract_end) AS DOUBLE) AS days_to_contract_end
      FROM read_parquet(${quoteLiteral(risk)}) r LEFT JOIN read_parquet(${quoteLiteral(scores)}) s USING (subscriber_id)`);
    return writeCallLists(o.out, await callListsOf(db, o.config, manifest.as_of), o.format).summary;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(msg.callListsRunTooOld(o.run, (e as Error).message.split("\n")[0]!));
  } finally {
    db.close();
  }
}
