/**
 * The period-budget ledger, `budget_ledger.json` in the runs folder: one entry per run (what it spent, in which
 * period). Written atomically after each run; the previous version is kept as `budget_ledger.prev.json`.
 * A checksum over the entries catches a hand edit; a damaged or edited ledger stops the run (exit 3) instead
 * of silently resetting the budget.
 */
import { z } from "zod";
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { fileExists, readText, sha256Text, writeAtomic, writeJsonAtomic } from "./files.js";

export const LEDGER_FILE = "budget_ledger.json";
export const LEDGER_PREVIOUS = "budget_ledger.prev.json";

const entrySchema = z
  .object({
    run_id: z.string().min(1),
    as_of: z.string(),
    period: z.string().regex(/^\d{4}-(\d{2}|W\d{2})$/),
    budget: z.number().min(0),
    spent: z.number().min(0),
    contacts: z.number().int().min(0),
  })
  .strict();

export const ledgerSchema = z
  .object({
    kind: z.literal("churn-budget-ledger"),
    version: z.literal(1),
    currency: z.string(),
    entries: z.array(entrySchema),
    checksum: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type Ledger = z.infer<typeof ledgerSchema>;
export type LedgerFileEntry = z.infer<typeof entrySchema>;

const checksumOf = (entries: readonly LedgerFileEntry[]): string => sha256Text(JSON.stringify(entries));

/** Parse ledger text; any problem is an InputDataError naming the file and the fix. */
export function parseLedger(text: string, path: string): Ledger {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputDataError(msg.ledgerDamaged(path, `not JSON (${(e as Error).message})`));
  }
  const r = ledgerSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputDataError(msg.ledgerDamaged(path, `${i.path.join(".") || "(top level)"}: ${i.message}`));
  }
  if (r.data.checksum !== checksumOf(r.data.entries)) throw new InputDataError(msg.ledgerEdited(path));
  const seen = new Set<string>();
  for (const e of r.data.entries) {
    if (seen.has(e.run_id)) throw new InputDataError(msg.ledgerDamaged(path, `run ${e.run_id} is listed twice`));
    seen.add(e.run_id);
  }
  return r.data;
}

/** The ledger at `path`, or an empty one when the file does not exist yet. */
export function readLedger(path: string, currency: string): Ledger {
  if (!fileExists(path)) return { kind: "churn-budget-ledger", version: 1, currency, entries: [], checksum: checksumOf([]) };
  return parseLedger(readText(path), path);
}

/** Write the ledger (atomically), keeping a copy of the previous version beside it (the ledger is never absent). */
export function writeLedger(path: string, previousPath: string, currency: string, entries: readonly LedgerFileEntry[]): void {
  if (fileExists(path)) writeAtomic(previousPath, readText(path));
  writeJsonAtomic(path, { kind: "churn-budget-ledger", version: 1, currency, entries: [...entries], checksum: checksumOf(entries) } satisfies Ledger);
}
