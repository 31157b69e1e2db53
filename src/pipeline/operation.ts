/**
 * What scoring runs share in their runs folder (the folder holding RUN_DIR, e.g. nightly.sh's RUNS_ROOT):
 *
 *   contacts_log.csv     every run's selected subscribers (contacted: treatment; held out: control), in the
 *                        campaigns table's format: the contact rules' history, and campaigns to learn effects from
 *   budget_ledger.json   what each run spent in its period (retention.periodBudget)
 *
 * A run reads both at its start (a damaged ledger stops it, exit 3), plans with them, writes its own
 * RUN_DIR/contacts.csv with the run, and after the run is in place records itself in both (replacing what an
 * earlier attempt of the same run recorded). A run killed between its commit and that record is back-filled
 * from its contacts.csv by the next run. The runs folder is locked for the whole run (runs/.churn-runs.lock).
 */
import { basename, dirname, join } from "node:path";
import type { Config } from "../config/schema.js";
import type { LoadResult } from "../contract/load.js";
import { InputDataError } from "../errors.js";
import { LEDGER_FILE, LEDGER_PREVIOUS, readLedger, writeLedger } from "../io/budget-ledger.js";
import { CONTACTS_FILE, CONTACTS_LOG, ContactLog, type ContactRow, readContacts, readIdList } from "../io/contacts-log.js";
import type { Db } from "../io/duckdb.js";
import { fileExists, isDirectory, listDir, removeStaleTemps } from "../io/files.js";
import { msg } from "../messages.js";
import { contactHistory, epochDay, isoDay, type RuleContext, ruleWindowDays, subscriberExclusion, actionOnCooldown } from "../retention/contact-rules.js";
import { type LedgerEntry, type PeriodPosition, periodPosition, periodSummary, recordRun } from "../retention/period-budget.js";
import type { Plan, PlanContact } from "../retention/plan.js";

export interface RunsFolder {
  dir: string;
  log: string;
  ledger: string;
  ledgerPrevious: string;
}

export function runsFolderOf(out: string): RunsFolder {
  const dir = dirname(out.replace(/[\\/]+$/, ""));
  return { dir, log: join(dir, CONTACTS_LOG), ledger: join(dir, LEDGER_FILE), ledgerPrevious: join(dir, LEDGER_PREVIOUS) };
}

/** The day contacts of a run happen: the day after its as-of date (today for a run without one). */
export function contactDayOf(asOf: string | null): number {
  return asOf ? epochDay(asOf) + 1 : epochDay(new Date().toISOString().slice(0, 10));
}

export interface OperationState {
  runs: RunsFolder;
  runId: string;
  contactDay: number;
  /** The contacts log without this run's rows (with runs that never made it into the log back-filled), by column. */
  log: ContactLog;
  ledger: LedgerEntry[];
  period: PeriodPosition | undefined;
  rules: RuleContext;
}

/**
 * Read the runs folder's state for run `runId` (its own earlier rows left out: a re-run replaces them).
 * Damaged files stop the run with exit 3 naming them.
 */
export function readOperationState(out: string, asOf: string | null, config: Config): OperationState {
  const runs = runsFolderOf(out);
  const runId = basename(out.replace(/[\\/]+$/, ""));
  for (const p of [runs.log, runs.ledger, runs.ledgerPrevious]) removeStaleTemps(p);
  const r = config.retention;
  let log = ContactLog.read(runs.log);
  // back-fill runs that were committed but not recorded (killed in between)
  const logged = log.runIds();
  for (const name of listDir(runs.dir)) {
    const dir = join(runs.dir, name);
    if (name === runId || logged.has(name) || name.startsWith(".") || /\.(tmp|old)-\d+$/.test(name) || !isDirectory(dir)) continue;
    if (!fileExists(join(dir, "manifest.json")) || !fileExists(join(dir, CONTACTS_FILE))) continue;
    log = log.replaceRun(name, readContacts(join(dir, CONTACTS_FILE)));
  }
  log = log.withoutRun(runId);
  const ledger = r.periodBudget ? readLedger(runs.ledger, config.scoring.currency).entries : [];
  const contactDay = contactDayOf(asOf);
  const holdoutDays = r.holdout.share > 0 ? r.effects.horizonDays : 0;
  const period = r.periodBudget ? periodPosition(ledger, r.periodBudget, runId, contactDay) : undefined;
  const dnc = r.contactRules.doNotContact ? readIdList(r.contactRules.doNotContact, "retention.contactRules.doNotContact") : new Set<string>();
  return {
    runs,
    runId,
    contactDay,
    log,
    ledger,
    period,
    rules: { contactDay, rules: r.contactRules, holdoutDays, history: contactHistory(log, { contactDay, days: ruleWindowDays(r.contactRules, holdoutDays) }), doNotContact: dnc },
  };
}

/** The contact rules for the plan, by subscriber position. */
export function planContactOf(ids: readonly string[], s: OperationState): PlanContact {
  return {
    excluded: (i) => subscriberExclusion(ids[i]!, s.rules),
    onCooldown: (i, action) => actionOnCooldown(ids[i]!, action, s.rules),
    channels: s.rules.rules.channels,
  };
}

/** The run's budget: the smaller of its own (--budget / retention.budget) and what the period has left. */
export function runBudget(own: number | null, s: OperationState): number | null {
  if (!s.period) return own;
  return own === null ? s.period.available : Math.min(own, s.period.available);
}

/** The run's contacts (every selected subscriber: contacted or held out), in rank order. */
export function contactsOfPlan(plan: Plan, s: OperationState): ContactRow[] {
  const date = isoDay(s.contactDay);
  const rows: ContactRow[] = [];
  for (let k = 0; k < plan.size; k++) {
    const row = plan.row(k);
    if (!row.selected) continue;
    const treated = row.group !== "control";
    rows.push({
      subscriber_id: row.subscriber_id,
      date,
      action: row.recommended_action,
      group: treated ? "treatment" : "control",
      run_id: s.runId,
      channel: row.channel,
      cost: treated ? Math.round(row.action_cost * 100) / 100 : 0,
    });
  }
  return rows;
}

/** The period budget's position after this run (for the summary and the report). */
export function periodOf(s: OperationState, spent: number) {
  return s.period ? periodSummary(s.period, spent) : undefined;
}

/** After the run is in place: record its contacts in the log and its spend in the ledger (replacing an earlier attempt). */
export function recordRunState(s: OperationState, contacts: readonly ContactRow[], asOf: string | null, spent: number, config: Config): void {
  s.log.recordRun(s.runs.log, s.runId, contacts);
  const pb = config.retention.periodBudget;
  if (pb && s.period) {
    const treated = contacts.filter((c) => c.group === "treatment").length;
    const entries = recordRun(s.ledger, { run_id: s.runId, as_of: asOf ?? "", period: s.period.period, budget: pb.amount, spent, contacts: treated });
    writeLedger(s.runs.ledger, s.runs.ledgerPrevious, config.scoring.currency, entries);
  }
}

/**
 * Add the contacts log's rows to the `campaigns` relation (creating it when the operator has none), so effects
 * are learned from churn's own holdouts together with the operator's campaigns. Returns whether campaigns exist now.
 */
export async function mergeContactsIntoCampaigns(db: Db, load: LoadResult, log: ContactLog): Promise<boolean> {
  const present = load.tables.campaigns?.present === true;
  if (!log.size) return present;
  await db.run('CREATE OR REPLACE TEMP TABLE churn_contacts (subscriber_id VARCHAR, date DATE, action VARCHAR, "group" VARCHAR)');
  const app = await db.conn.createAppender("churn_contacts");
  for (let i = 0; i < log.size; i++) {
    app.appendVarchar(log.subscriberId(i));
    app.appendVarchar(log.dateOf(i));
    app.appendVarchar(log.actionOf(i));
    app.appendVarchar(log.groupOf(i));
    app.endRow();
  }
  app.closeSync();
  const cols = 'subscriber_id, date, action, "group"';
  if (present) {
    // the operator's campaigns may already hold contacts made from churn's lists: UNION keeps each once
    await db.run(`CREATE OR REPLACE TEMP TABLE campaigns_merged AS SELECT ${cols} FROM campaigns UNION SELECT ${cols} FROM churn_contacts`);
    await db.run(load.tables.campaigns!.storage === "view" ? "DROP VIEW campaigns" : "DROP TABLE campaigns");
  } else {
    await db.run(`CREATE OR REPLACE TEMP TABLE campaigns_merged AS SELECT ${cols} FROM churn_contacts`);
  }
  await db.run(`CREATE TABLE campaigns AS SELECT * FROM campaigns_merged ORDER BY date, subscriber_id, action`);
  return true;
}

/** Is an as-of date after the last day of the daily data (usage)? Then the export is stale: exit 3. */
export function checkDataEnd(load: LoadResult, asOf: string, lagDays: number): void {
  const usage = load.tables.usage;
  if (!usage?.present || !usage.maxDate) return;
  const last = usage.maxDate.toISOString().slice(0, 10);
  if (epochDay(asOf) - epochDay(last) > lagDays) throw new InputDataError(msg.asOfAfterData("usage", usage.file ?? "usage", last, asOf, lagDays));
}

