/**
 * Stage 8 of `churn score`: this run against the run history (monitoring/changes.ts). The previous run is the latest
 * sibling run folder with an earlier as-of date (for a flat table, which has none: the latest earlier flat-table run,
 * in the order they ran); renewal events are judged for the months that have become judgeable since it, each against
 * the latest run from before the month began. Earlier runs written before these files existed (no risk_list.parquet,
 * or scores.parquet without contract columns) are skipped, not failed on.
 * So is a reference run whose data ran past the month's start (its manifest's data_end): the subscribers table holds
 * each contract as of the export, so such a run saw a term that ended and rolled over to month-to-month as never
 * fixed, and every stayer would count as renewed.
 */
import { join } from "node:path";
import { type ChangeSubscriber, computeChanges, countRenewals, type PreviousRun, type RenewalCount, type RunChanges, renewalMonths, writeChangesCsv } from "../monitoring/changes.js";
import type { Db } from "../io/duckdb.js";
import { fileExists } from "../io/files.js";
import type { Logger } from "../log.js";
import { msg } from "../messages.js";
import type { RunManifest } from "./manifest.js";

export type { ChangeSubscriber, RenewalCount, RunChanges };

export interface History {
  changes?: RunChanges;
  /** Renewal months this run judged (earlier runs' judgements are in their summary.json). */
  renewals: RenewalCount[];
  /** Why a judgeable month was not counted (for the report), when one was not. */
  renewalNote?: string;
}

/** Changes since the previous run and the renewal months newly judgeable; needs `risk_list` and `rejects` in db. */
export async function historyOf(db: Db, o: { asOf: string | null; earlier: { dir: string; manifest: RunManifest }[]; log: Logger }): Promise<History> {
  const asOf = o.asOf;
  // earlier: a dated run, an earlier dated run; a flat-table run, an earlier flat-table run (o.earlier is in run order)
  const earlier = (m: RunManifest) => (asOf === null ? m.as_of === null : m.as_of !== null && m.as_of < asOf);
  const runs = o.earlier.filter((r) => earlier(r.manifest) && fileExists(join(r.dir, "risk_list.parquet")));
  const last = runs[runs.length - 1];
  const out: History = { renewals: [] };
  if (last) {
    const prev: PreviousRun = { dir: last.dir, runId: last.manifest.run_id, asOf: last.manifest.as_of ?? "" };
    out.changes = await computeChanges(db, prev);
  }
  // a flat table has no dates: no renewal months
  if (asOf === null) return out;
  for (const month of renewalMonths(asOf, last?.manifest.as_of ?? null)) {
    const ref = [...runs].reverse().find((r) => r.manifest.as_of! < month);
    if (!ref) continue;
    const seen = ref.manifest.data_end;
    if (typeof seen === "string" && seen >= month) {
      out.renewalNote = msg.renewalsPeeked(ref.dir, month.slice(0, 7), seen);
      o.log.warn(out.renewalNote);
      continue;
    }
    try {
      out.renewals.push(await countRenewals(db, ref, month, asOf));
    } catch (e) {
      // a run from before scores.parquet held the contract columns
      o.log.warn(msg.renewalsSkipped(ref.dir, month.slice(0, 7), (e as Error).message));
    }
  }
  return out;
}

export { writeChangesCsv };
