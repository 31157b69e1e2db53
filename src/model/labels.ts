/** Turn a raw label column into 0/1 labels, with the checks a user needs to hear about (exit 3). */
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { isMissingToken } from "../raw-table.js";

/** Does a raw value equal the positive value (exact after trimming; numerically equal, e.g. "1" and "1.0")? */
export function isPositive(value: string, positive: string): boolean {
  const v = value.trim();
  const p = positive.trim();
  if (v === p) return true;
  const a = Number(v);
  const b = Number(p);
  return v !== "" && p !== "" && Number.isFinite(a) && Number.isFinite(b) && a === b;
}

/**
 * Labels for every row. `allowMissing`: rows with an empty label get NaN (feature tables: outcome unknown);
 * otherwise an empty label is an error.
 */
export function parseLabels(values: (string | null)[], positive: string, where: { path: string; column: string }, allowMissing = false): Float32Array {
  const y = new Float32Array(values.length);
  let missing = 0;
  let firstMissing = -1;
  let pos = 0;
  let neg = 0;
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (v === null || isMissingToken(v)) {
      missing++;
      if (firstMissing < 0) firstMissing = i;
      y[i] = Number.NaN;
      return;
    }
    if (seen.size < 20) seen.add(v.trim());
    if (isPositive(v, positive)) {
      y[i] = 1;
      pos++;
    } else {
      y[i] = 0;
      neg++;
    }
  });
  if (missing > 0 && !allowMissing) throw new InputDataError(msg.labelMissingValues(where.path, where.column, missing, firstMissing));
  if (pos === 0) throw new InputDataError(msg.positiveNeverSeen(where.path, where.column, positive, [...seen].sort()));
  if (neg === 0) throw new InputDataError(msg.singleClass(where.path, where.column, "churner"));
  return y;
}
