/**
 * Reasons: readable text for the features that push a subscriber's risk up, and the main driver.
 *
 * Each feature may carry its own reason template (FeatureDef.reason in src/features), with placeholders
 *   {value}      the feature value (integers as is, else 1 decimal, or none from 100 up)
 *   {pct}        |value| rounded, for changes in %        {direction}  "down" when value < 0, else "up"
 *   {reference}  the reference value (e.g. population median) when given, {level} a category level
 * e.g. "data volume {direction} {pct}% vs the previous 60 days" → "data volume down 62% vs the previous 60 days".
 * Features without a template get a generic sentence from their description and unit.
 * Contribution columns may be one-hot ("contract_type=prepaid") or missing indicators ("x__missing"); the
 * part before "=" / "__missing" names the feature. A 0/1 flag or one-hot level that is 0 is never shown
 * (a reason should state something true about the subscriber).
 *
 * Drivers: each feature maps to network, billing, service, disengagement, price or contract_end, by an
 * explicit `driver` on the feature or else by its name (DRIVER_PATTERNS). The main driver of a subscriber
 * is the driver with the largest sum of positive contributions ("none" when nothing pushes the risk up).
 *
 * Structural zeros: a feature with `appliesIf` (voice minutes: uses_voice) says nothing about a subscriber for
 * whom that marker is 0 (a broadband-only household makes no calls; "voice down" would be false), so its
 * contribution counts for neither reasons nor drivers there (gateStructural); markers themselves (`structural`)
 * are never a reason or a driver.
 */
import { DRIVERS, type Driver } from "./segments.js";

/** What the reasons need to know about a feature (structurally compatible with features' FeatureDef). */
export interface ReasonFeature {
  name: string;
  unit?: string;
  description?: string;
  reason?: string;
  driver?: Driver;
  /** A 0/1 feature (e.g. uses_voice): where it is 0 this feature's value is a structural zero, never a reason or a driver. */
  appliesIf?: string;
  /** A marker of what the subscriber holds (uses_voice): never a reason or a driver itself. */
  structural?: boolean;
}

/** Name patterns → driver, first match wins (complaint categories before generic words). */
export const DRIVER_PATTERNS: readonly [RegExp, Driver][] = [
  [/complain.*network|network.*complain|dropped|coverage|outage|signal|network/i, "network"],
  [/complain.*billing|billing.*complain|paid_late|late_pay|bill_shock|overdue|billing/i, "billing"],
  [/complain|ticket|nps|survey|unresolved|resolution|service|support/i, "service"],
  [/contract|renewal/i, "contract_end"],
  [/fee|arpu|price|discount|amount|cheaper|tariff/i, "price"],
  [/data|voice|sms|session|activ|usage|engag|product|streak/i, "disengagement"],
];

/** Templates for features that do not (yet) declare their own; extend as families land. */
export const FALLBACK_REASONS: Record<string, string> = {
  open_complaints: "{value} unresolved complaints",
  open_network_complaints: "{value} unresolved network complaints",
  open_billing_complaints: "{value} unresolved billing complaints",
  discount_share: "discounts are {pct}% of the bill",
  fee_change_pct: "monthly fee {direction} {pct}%",
  nps_last: "last survey score {value} out of 10",
  products_held: "holds {value} product(s)",
};

/** The feature a contribution column comes from, and the one-hot level if any. */
export function splitColumn(column: string): { source: string; level?: string; missing: boolean } {
  if (column.endsWith("__missing")) return { source: column.slice(0, -"__missing".length), missing: true };
  const eq = column.indexOf("=");
  return eq > 0 ? { source: column.slice(0, eq), level: column.slice(eq + 1), missing: false } : { source: column, missing: false };
}

/** Driver of a contribution column; undefined when no rule matches. */
export function driverOf(column: string, defs?: ReadonlyMap<string, ReasonFeature>): Driver | undefined {
  const { source } = splitColumn(column);
  const explicit = defs?.get(source)?.driver;
  if (explicit) return explicit;
  for (const [re, d] of DRIVER_PATTERNS) if (re.test(source)) return d;
  return undefined;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "unknown";
  if (Number.isInteger(v)) return String(v);
  const r = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Fill a template. */
export function renderTemplate(template: string, value: number, reference?: number, level?: string): string {
  return compileTemplate(template)(value, reference, level);
}

type Render = (value: number, reference?: number, level?: string) => string;
const compiled = new Map<string, Render>();

/** Parse a template once into literal parts and placeholders (templates are few, rows are many). */
export function compileTemplate(template: string): Render {
  const hit = compiled.get(template);
  if (hit) return hit;
  const parts = template.split(/\{(value|pct|direction|reference|level)\}/g);
  const render: Render = (value, reference, level) => {
    let out = parts[0]!;
    for (let q = 1; q < parts.length; q += 2) {
      const k = parts[q]!;
      out +=
        k === "value"
          ? formatNumber(value)
          : k === "pct"
            ? formatNumber(Math.round(Math.abs(value)))
            : k === "direction"
              ? value < 0
                ? "down"
                : "up"
              : k === "reference"
                ? reference === undefined
                  ? "unknown"
                  : formatNumber(reference)
                : (level ?? "");
      out += parts[q + 1]!;
    }
    return out;
  };
  compiled.set(template, render);
  return render;
}

/**
 * The reason text for one contribution column, or undefined when it should not be shown.
 * @example reasonText("days_to_contract_end", 21, defs) // "contract ends in 21 days"
 */
export function reasonText(column: string, value: number, defs?: ReadonlyMap<string, ReasonFeature>, reference?: number): string | undefined {
  const { source, level, missing } = splitColumn(column);
  const def = defs?.get(source);
  const what = def?.description ?? source.replaceAll("_", " ");
  if (missing) return value === 0 ? undefined : `${what}: unknown`;
  if (level !== undefined) return value === 0 ? undefined : `${source.replaceAll("_", " ")} is ${level.replaceAll("_", " ")}`;
  if (def?.unit === "0/1" && value === 0) return undefined;
  const template = def?.reason ?? FALLBACK_REASONS[source];
  if (template) return renderTemplate(template, value, reference);
  if (!Number.isFinite(value)) return `${what}: unknown`;
  const unit = def?.unit && def.unit !== "count" && def.unit !== "0/1" ? ` ${def.unit}` : "";
  const ref = reference === undefined ? "" : ` (typical ${formatNumber(reference)})`;
  return `${what}: ${formatNumber(value)}${unit}${ref}`;
}

/** Precomputed per-column lookups, built once per plan. */
export interface ReasonColumns {
  columns: readonly string[];
  /** Driver index (into DRIVERS) per column, -1 when unmapped. */
  driver: Int8Array;
  defs: ReadonlyMap<string, ReasonFeature>;
  /** Reference value per column (NaN = none). */
  reference: Float64Array;
  /** Per column: render value → text (undefined = do not show), with the lookups done once. */
  render: ((value: number) => string | undefined)[];
  /** Per column: the column of its `appliesIf` marker (-1 none); where that marker's value is 0 the column is gated. */
  gate: Int32Array;
}

export function prepareReasonColumns(
  columns: readonly string[],
  features: readonly ReasonFeature[] = [],
  references?: ArrayLike<number>,
): ReasonColumns {
  const defs = new Map(features.map((f) => [f.name, f]));
  const driver = new Int8Array(columns.length);
  const at = new Map(columns.map((c, j) => [c, j]));
  const gate = new Int32Array(columns.length).fill(-1);
  const structural = new Uint8Array(columns.length);
  columns.forEach((c, j) => {
    const def = defs.get(splitColumn(c).source);
    structural[j] = def?.structural ? 1 : 0;
    const d = driverOf(c, defs);
    driver[j] = d === undefined || def?.structural ? -1 : DRIVERS.indexOf(d);
    if (def?.appliesIf) gate[j] = at.get(def.appliesIf) ?? -1;
  });
  const reference = new Float64Array(columns.length).fill(Number.NaN);
  if (references) for (let j = 0; j < columns.length; j++) reference[j] = references[j] ?? Number.NaN;
  const render = columns.map((c, j): ((value: number) => string | undefined) => {
    if (structural[j]) return () => undefined;
    const ref = Number.isNaN(reference[j]!) ? undefined : reference[j]!;
    const { level, missing } = splitColumn(c);
    // constant texts (one-hot levels, missing indicators, flags) are built once
    if (missing || level !== undefined) {
      const text = reasonText(c, 1, defs, ref);
      return (v: number) => (v === 0 ? undefined : text);
    }
    const def = defs.get(c);
    const template = def?.reason ?? FALLBACK_REASONS[c];
    if (template) {
      const fill = compileTemplate(template);
      const isFlag = def?.unit === "0/1";
      return (v: number) => (isFlag && v === 0 ? undefined : fill(v, ref));
    }
    const what = def?.description ?? c.replaceAll("_", " ");
    const unit = def?.unit && def.unit !== "count" && def.unit !== "0/1" ? ` ${def.unit}` : "";
    const refText = ref === undefined ? "" : ` (typical ${formatNumber(ref)})`;
    const isFlag = def?.unit === "0/1";
    return (v: number) =>
      isFlag && v === 0 ? undefined : Number.isFinite(v) ? `${what}: ${formatNumber(v)}${unit}${refText}` : `${what}: unknown`;
  });
  return { columns, driver, defs, reference, render, gate };
}

/**
 * Zero, in place, the contributions of rows 0..rows-1 (row-major, rc.columns wide) that are structural zeros:
 * columns whose `appliesIf` marker has the value 0 in `values` for that row (an unknown marker gates nothing).
 */
export function gateStructural(rc: ReasonColumns, contrib: Float32Array | Float64Array, values: ArrayLike<number>, rows: number): void {
  const F = rc.columns.length;
  const gated: number[] = [];
  for (let j = 0; j < F; j++) if (rc.gate[j]! >= 0) gated.push(j);
  if (!gated.length) return;
  for (let i = 0; i < rows; i++) {
    for (const j of gated) if (values[i * F + rc.gate[j]!] === 0) contrib[i * F + j] = 0;
  }
}

const NONE_DRIVER = DRIVERS.indexOf("none");

/**
 * Main driver index of row i: the driver with the largest sum of positive contributions.
 * `contrib` is row-major n x columns.length.
 */
export function mainDriverIndex(contrib: ArrayLike<number>, i: number, rc: ReasonColumns, scratch: Float64Array): number {
  const F = rc.columns.length;
  scratch.fill(0);
  for (let j = 0; j < F; j++) {
    const c = contrib[i * F + j]!;
    const d = rc.driver[j]!;
    if (c > 0 && d >= 0) scratch[d]! += c;
  }
  let best = NONE_DRIVER;
  let bestSum = 0;
  for (let d = 0; d < scratch.length; d++) if (scratch[d]! > bestSum) { best = d; bestSum = scratch[d]!; }
  return best;
}

let SCRATCH_IDX = new Int32Array(6);
let SCRATCH_VAL = new Float64Array(6);

/**
 * The top `k` reasons of row i by positive contribution (ties: column order), as text. Columns whose text
 * is suppressed (a 0 flag) are skipped and the next one is taken.
 */
export function topReasons(
  contrib: ArrayLike<number>,
  values: ArrayLike<number> | undefined,
  i: number,
  rc: ReasonColumns,
  k = 3,
): string[] {
  const F = rc.columns.length;
  const out: string[] = [];
  // one pass keeps the best k + 3 columns (a few spares for suppressed texts), then renders in order
  const m = k + 3;
  if (SCRATCH_IDX.length < m) {
    SCRATCH_IDX = new Int32Array(m);
    SCRATCH_VAL = new Float64Array(m);
  }
  const idx = SCRATCH_IDX;
  const val = SCRATCH_VAL;
  let size = 0;
  for (let j = 0; j < F; j++) {
    const c = contrib[i * F + j]!;
    if (!(c > 0) || (size === m && c <= val[m - 1]!)) continue;
    let q = size < m ? size++ : m - 1;
    while (q > 0 && val[q - 1]! < c) {
      val[q] = val[q - 1]!;
      idx[q] = idx[q - 1]!;
      q--;
    }
    val[q] = c;
    idx[q] = j;
  }
  for (let q = 0; q < size && out.length < k; q++) {
    const j = idx[q]!;
    const text = rc.render[j]!(values ? values[i * F + j]! : Number.NaN);
    if (text !== undefined) out.push(text);
  }
  if (out.length < k && size === m) return topReasonsSlow(contrib, values, i, rc, k);
  return out;
}

/** The column of row-offset `at` with the largest positive contribution not yet `used`, or -1. */
export function nextReasonColumn(contrib: ArrayLike<number>, at: number, F: number, used: Uint8Array): number {
  let best = -1;
  let bestC = 0;
  for (let j = 0; j < F; j++) {
    const c = contrib[at + j]!;
    if (!used[j] && c > bestC) {
      best = j;
      bestC = c;
    }
  }
  return best;
}

/** The same, scanning again for every reason: only when more than 3 of the top columns were suppressed. */
function topReasonsSlow(contrib: ArrayLike<number>, values: ArrayLike<number> | undefined, i: number, rc: ReasonColumns, k: number): string[] {
  const F = rc.columns.length;
  const out: string[] = [];
  const used = new Uint8Array(F);
  while (out.length < k) {
    const best = nextReasonColumn(contrib, i * F, F, used);
    if (best < 0) break;
    used[best] = 1;
    const text = rc.render[best]!(values ? values[i * F + best]! : Number.NaN);
    if (text !== undefined) out.push(text);
  }
  return out;
}
