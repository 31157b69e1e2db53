/**
 * `churn generate --continue WORLD --contacts RUN_DIR --months K`: the world K months further on, with the
 * true effects of the run's contacts applied to the subscribers it contacted (group treatment) and not to its
 * holdout (group control).
 *
 *   WORLD/truth/world.json (generator block) + earlier applied contacts (truth/applied_contacts.parquet)
 *     + the run's contacts (RUN_DIR/contacts.csv: dated in the first added month)
 *     ─► the same world rebuilt with K more months (generate.ts, continuedMonths) ─► tables and truth replaced
 *
 * The world is rebuilt from its seed, so nothing but the contacts is carried from one month to the next; the
 * days up to the old end come out as before (simulate.ts explains why), the added months follow on. Files are
 * written beside the world and renamed into place, truth/world.json last, so a killed continuation leaves the
 * world as it was or continued, and running it again finishes the job.
 */
import { basename, dirname, join } from "node:path";
import { ACTIONS, type ActionId, TABLE_NAMES } from "../contract/tables.js";
import { InputDataError, UsageError } from "../errors.js";
import { type ContactRow, CONTACTS_FILE, readContacts } from "../io/contacts-log.js";
import { quoteLiteral, withDb } from "../io/duckdb.js";
import { ensureDir, fileExists, isDirectory, listDir, removePath, renamePath } from "../io/files.js";
import { readWorldFile } from "../io/world-file.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { addMonths, dayOf, isoOf } from "./dates.js";
import { type GenerateResult, generateWorld } from "./generate.js";
import type { RunContact } from "./simulate.js";
import { APPLIED_CONTACTS, TRUTH_DIR } from "./truth.js";
import { arrivalsPerMonth } from "./world.js";

export interface ContinueOptions {
  /** The world folder (`--out` of churn generate). */
  world: string;
  /** Run folders (their contacts.csv) or contacts files whose contacts fall in the first added month. */
  contacts?: readonly string[];
  /** Months to add (default 1). */
  months?: number;
  /** Write the continued world here instead of replacing WORLD. */
  out?: string | undefined;
  log?: Logger;
  memoryLimit?: string;
}

export interface ContinueResult extends GenerateResult {
  /** First and last day added. */
  added: { from: string; to: string };
  contacts: { treatment: number; control: number; reached: number };
  continuedMonths: number;
}

interface Applied {
  sid: number;
  day: number;
  action: ActionId;
  treated: boolean;
}

const sidOf = (id: string): number => (/^S\d+$/.test(id) ? Number(id.slice(1)) - 1 : -1);

export async function continueWorld(o: ContinueOptions): Promise<ContinueResult> {
  const months = o.months ?? 1;
  if (!Number.isInteger(months) || months < 1 || months > 60) throw new UsageError(msg.continueBadMonths(o.months));
  const world = o.world.replace(/[\\/]+$/, "");
  const log = o.log ?? silentLogger;
  const g = readWorldFile(world);
  const baseEnd = dayOf(g.end);
  const oldEnd = g.continued_months > 0 ? addMonths(baseEnd + 1, g.continued_months) - 1 : baseEnd;
  const newEnd = addMonths(baseEnd + 1, g.continued_months + months) - 1;
  const firstAddedMonthEnd = addMonths(baseEnd + 1, g.continued_months + 1) - 1;
  const population = g.subscribers + g.continued_months * arrivalsPerMonth(g.subscribers, g.months);

  // earlier contacts (already applied), then the new ones
  const applied: Applied[] = g.continued_months > 0 ? await readApplied(join(world, TRUTH_DIR, APPLIED_CONTACTS)) : [];
  const seen = new Set(applied.map((a) => `${a.sid}\u0000${a.day}\u0000${a.action}`));
  let treatment = 0;
  let control = 0;
  for (const src of o.contacts ?? []) {
    const file = isDirectory(src) ? join(src, CONTACTS_FILE) : src;
    if (!fileExists(file)) throw new InputDataError(msg.continueNoContacts(src));
    const rows: ContactRow[] = readContacts(file);
    rows.forEach((r, k) => {
      const row = k + 1;
      const day = dayOf(r.date);
      if (day <= oldEnd || day > firstAddedMonthEnd) throw new InputDataError(msg.continueContactDate(file, row, r.date, isoOf(oldEnd + 1), isoOf(firstAddedMonthEnd)));
      const sid = sidOf(r.subscriber_id);
      if (sid < 0 || sid >= population) throw new InputDataError(msg.continueUnknownSubscriber(file, row, r.subscriber_id));
      if (!(ACTIONS as readonly string[]).includes(r.action)) throw new InputDataError(msg.continueUnknownAction(file, row, r.action, ACTIONS));
      const key = `${sid}\u0000${day}\u0000${r.action}`;
      if (seen.has(key)) return; // the same contact given twice (or a re-run continuation): applied once
      seen.add(key);
      applied.push({ sid, day, action: r.action as ActionId, treated: r.group === "treatment" });
      if (r.group === "treatment") treatment++;
      else control++;
    });
  }
  const bySid = new Map<number, RunContact[]>();
  for (const a of applied) {
    const list = bySid.get(a.sid) ?? [];
    list.push({ day: a.day, action: a.action, treated: a.treated });
    bySid.set(a.sid, list);
  }
  for (const list of bySid.values()) list.sort((a, b) => a.day - b.day || (a.action < b.action ? -1 : 1));

  // rebuild with the added months beside the target, then move the files in (world.json last)
  const target = (o.out ?? world).replace(/[\\/]+$/, "");
  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  removePath(staging);
  log.info(`continuing ${world} from ${isoOf(oldEnd)} to ${isoOf(newEnd)} with ${treatment} treated and ${control} held-out contacts`);
  let result: GenerateResult;
  try {
    result = await generateWorld({
      subscribers: g.subscribers,
      months: g.months,
      seed: g.seed,
      format: g.format,
      end: g.end,
      campaigns: g.campaigns,
      continuedMonths: g.continued_months + months,
      contacts: bySid,
      out: staging,
      log,
      ...(o.memoryLimit ? { memoryLimit: o.memoryLimit } : {}),
    });
    ensureDir(join(target, TRUTH_DIR));
    for (const t of TABLE_NAMES) renamePath(join(staging, `${t}.${g.format}`), join(target, `${t}.${g.format}`));
    const truthFiles = listDir(join(staging, TRUTH_DIR)).filter((f) => f !== "world.json");
    for (const f of truthFiles) renamePath(join(staging, TRUTH_DIR, f), join(target, TRUTH_DIR, f));
    renamePath(join(staging, TRUTH_DIR, "world.json"), join(target, TRUTH_DIR, "world.json"));
  } finally {
    removePath(staging);
  }
  const reached = await countReached(join(target, TRUTH_DIR, APPLIED_CONTACTS), oldEnd + 1);
  return {
    ...result,
    out: target,
    truthDir: join(target, TRUTH_DIR),
    files: result.files.map((f) => ({ ...f, path: join(target, basename(f.path)) })),
    added: { from: isoOf(oldEnd + 1), to: isoOf(newEnd) },
    contacts: { treatment, control, reached },
    continuedMonths: g.continued_months + months,
  };
}

async function readApplied(path: string): Promise<Applied[]> {
  if (!fileExists(path)) return [];
  const rows = await withDb((db) =>
    db.all(`SELECT subscriber_id, CAST(date AS VARCHAR) AS date, action, "group" FROM read_parquet(${quoteLiteral(path)}) ORDER BY subscriber_id, date, action`),
  );
  return rows.map((r) => ({
    sid: sidOf(String(r["subscriber_id"])),
    day: dayOf(String(r["date"])),
    action: String(r["action"]) as ActionId,
    treated: r["group"] === "treatment",
  }));
}

/** Treated contacts from `fromDay` on that reached a subscriber still there. */
async function countReached(path: string, fromDay: number): Promise<number> {
  if (!fileExists(path)) return 0;
  const r = await withDb((db) =>
    db.one(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(path)}) WHERE active AND "group" = 'treatment' AND date >= CAST($1 AS DATE)`, [isoOf(fromDay)]),
  );
  return Number(r?.["n"] ?? 0);
}
