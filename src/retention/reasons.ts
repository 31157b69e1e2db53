/**
 * Reasons: readable text for the features that push a subscriber's risk up, and the main driver.
 *
 * A reason is a feature (a source column), not a model-matrix column: the contributions of its one-hot levels,
 * missing flag and value add up to how much this subscriber's value of the feature moves the risk (logit) away
 * from the population's average. The text states the subscriber's actual value: the level that is set ("Contract
 * is Month-to-month, like 55% of customers"), the number and where it stands among customers ("tenure 1, shorter
 * than 93% of customers"), or "unknown".
 *
 * Each feature may carry its own reason template (FeatureDef.reason in src/features), with placeholders
 *   {value}      the feature value (integers as is, else 1 decimal, or none from 100 up)
 *   {s}          "s" unless the value is 1 ("{value} day{s}" → "1 day", "21 days")
 *   {pct}        |value| rounded, for changes in %        {direction}  "down" when value < 0, else "up"
 *   {reference}  the reference value (e.g. population median) when given, {level} a category level
 * e.g. "data volume {direction} {pct}% vs the previous 60 days" → "data volume down 62% vs the previous 60 days".
 * Features without a template get a generic sentence: name, value and unit, and where the value stands among
 * the model's validation customers when their percentiles are known. A 0/1 flag that is 0 reads "no <flag>"; a
 * numeric column whose values are all 0 or 1 reads "SeniorCitizen: yes (like 16% of customers)".
 *
 * Which reasons (selectReasons): the (at most) three features with the largest positive contribution, shown
 * most distinctive first: ordered by contribution over the population's typical size of that feature's
 * contribution (its root mean square on the validation rows, `scale`), so "out of contract", which raises the risk
 * of half the base, comes after a dropped-call rate above 99% of customers'. The main driver is the driver of
 * the first reason that has one: the reason that raises this subscriber's risk most relative to the population.
 * "none" when nothing pushes the risk up; the score pipeline also gives the low band no reasons and no driver.
 *
 * Drivers: each feature maps to network, billing, service, disengagement, price or contract_end, by an
 * explicit `driver` on the feature or else by its name (DRIVER_PATTERNS).
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

/**
 * Name patterns → driver, first match wins (complaint categories before generic words). "service" is the
 * experience of customer service (calls to it, complaints, tickets, surveys), not a product or a period of service:
 * InternetService, PhoneService or TechSupport (what a customer holds) and MonthsInService (tenure) match none.
 */
export const DRIVER_PATTERNS: readonly [RegExp, Driver][] = [
  [/complain.*network|network.*complain|dropped|blocked\W*_?calls?|call\W*_?fail|coverage|outage|signal|network/i, "network"],
  [/complain.*billing|billing.*complain|paid_late|late_pay|bill_shock|overdue|billing/i, "billing"],
  [/complain|ticket|nps|survey|unresolved|resolution|cust(omer)?\W*_?(serv|care)|(care|support|service|retention)\W*_?calls?\b/i, "service"],
  [/contract|renewal/i, "contract_end"],
  [/fee|arpu|price|discount|amount|charge|cheaper|tariff/i, "price"],
  [/data|voice|sms|session|activ|usage|engag|product|streak/i, "disengagement"],
];

/** Templates for features that do not (yet) declare their own; extend as families land. */
export const FALLBACK_REASONS: Record<string, string> = {
  open_complaints: "{value} unresolved complaint{s}",
  open_network_complaints: "{value} unresolved network complaint{s}",
  open_billing_complaints: "{value} unresolved billing complaint{s}",
  discount_share: "discounts are {pct}% of the bill",
  fee_change_pct: "monthly fee {direction} {pct}%",
  nps_last: "last survey score {value} out of 10",
  products_held: "holds {value} product{s}",
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
  const parts = template.split(/\{(value|pct|direction|reference|level|s)\}/g);
  const render: Render = (value, reference, level) => {
    let out = parts[0]!;
    for (let q = 1; q < parts.length; q += 2) {
      const k = parts[q]!;
      out +=
        k === "value"
          ? formatNumber(value)
          : k === "s"
            ? formatNumber(Math.abs(value)) === "1"
              ? ""
              : "s"
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

/** Where values stand among customers: percentiles of numeric features, shares of categorical levels. */
export interface Standing {
  /** 101 percentiles (0th..100th) of each numeric feature's values. */
  percentiles?: ReadonlyMap<string, readonly number[]>;
  /** Share of customers per level of each categorical feature. */
  shares?: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** How long someone has been a customer: shorter / longer reads right (other counts of days are lower / higher). */
const TIME_LIKE = /tenure|duration|lifetime|(^|[_ ])(age|length)($|[_ ])/i;
const AGE_LIKE = /(^|[_ ])age($|[_ ])/i;
// the unit is the name's last word: "tenure_months" counts months, "Total day minutes" does not count days
const UNIT_OF_NAME: [RegExp, string][] = [
  [/(^|[_ ])months?$/i, "month"],
  [/(^|[_ ])days?$/i, "day"],
  [/(^|[_ ])years?$/i, "year"],
  [/(^|[_ ])weeks?$/i, "week"],
];

/** "shorter than 93% of customers" / "higher than 80% of customers", from the feature's percentiles; "" when unknown. */
export function standingText(name: string, value: number, percentiles: readonly number[] | undefined): string {
  if (!percentiles?.length || !Number.isFinite(value)) return "";
  let below = 0;
  let above = 0;
  for (const q of percentiles) {
    if (q < value) below++;
    else if (q > value) above++;
  }
  const n = percentiles.length;
  const pBelow = Math.round((100 * below) / n);
  const pAbove = Math.round((100 * above) / n);
  const time = TIME_LIKE.test(name);
  // an age is young or old, a duration short or long, anything else low or high
  const [less, more] = AGE_LIKE.test(name) ? ["younger", "older"] : time ? ["shorter", "longer"] : ["lower", "higher"];
  if (Math.max(pBelow, pAbove) < 1) return "";
  return pAbove >= pBelow ? `${less} than ${pAbove}% of customers` : `${more} than ${pBelow}% of customers`;
}

const spaced = (s: string) => s.replaceAll("_", " ");

/** The unit word of a feature (singular), from its definition or its name; "" when none. */
function unitOf(name: string, def: ReasonFeature | undefined): string {
  const u = def?.unit;
  if (u && !["count", "0/1", "category", "flag"].includes(u)) return u.replace(/s$/, "");
  for (const [re, unit] of UNIT_OF_NAME) if (re.test(name)) return unit;
  return "";
}

/**
 * The text of one contribution column as a function of its display value (undefined = do not show): the one
 * implementation behind reasonText and prepareReasonColumns.
 */
export function columnRenderer(column: string, defs: ReadonlyMap<string, ReasonFeature>, reference?: number, standing?: Standing): (value: number) => string | undefined {
  const { source, level, missing } = splitColumn(column);
  const def = defs.get(source);
  const what = def?.description && def.description.length <= 40 ? def.description : spaced(source);
  if (missing) {
    const text = `${what}: unknown`;
    return (v) => (v === 0 ? undefined : text);
  }
  if (level !== undefined) {
    const share = standing?.shares?.get(source)?.get(level);
    const text = `${spaced(source)} is ${spaced(level)}${share !== undefined ? ` (like ${Math.max(1, Math.round(share * 100))}% of customers)` : ""}`;
    return (v) => (v === 0 ? undefined : text);
  }
  const template = def?.reason ?? FALLBACK_REASONS[source];
  const isFlag = def?.unit === "0/1";
  if (template) {
    const fill = compileTemplate(template);
    // a value the template states gets its standing too ("customer for 45 days, shorter than 93% of customers");
    // changes in % ({pct}, {direction}) and flags speak for themselves
    const pct = !isFlag && /\{value\}/.test(template) && !/\{(pct|direction)\}/.test(template) ? standing?.percentiles?.get(source) : undefined;
    return (v) => {
      if (isFlag && v === 0) return `no ${spaced(source)}`;
      const st = pct ? standingText(source, v, pct) : "";
      return st ? `${fill(v, reference)}, ${st}` : fill(v, reference);
    };
  }
  const unit = unitOf(source, def);
  const pct = standing?.percentiles?.get(source);
  const refText = reference === undefined || pct ? "" : ` (typical ${formatNumber(reference)})`;
  // a 0/1 column of a flat table (SeniorCitizen): yes or no and how common that is, not "1, higher than 83%"
  const binary = !isFlag && pct !== undefined && pct.length > 0 && pct.every((q) => q === 0 || q === 1);
  return (v) => {
    if (isFlag && v === 0) return `no ${spaced(source)}`;
    if (!Number.isFinite(v)) return `${what}: unknown`;
    if (binary && (v === 0 || v === 1)) {
      const share = pct!.filter((q) => q === v).length / pct!.length;
      return `${what}: ${v === 1 ? "yes" : "no"} (like ${Math.max(1, Math.round(share * 100))}% of customers)`;
    }
    const u = unit ? ` ${unit}${formatNumber(Math.abs(v)) === "1" ? "" : "s"}` : "";
    const st = standingText(source, v, pct);
    return `${what} ${formatNumber(v)}${u}${st ? `, ${st}` : refText}`;
  };
}

/**
 * The reason text for one contribution column, or undefined when it should not be shown.
 * @example reasonText("days_to_contract_end", 21, defs) // "contract ends in 21 days"
 */
export function reasonText(column: string, value: number, defs?: ReadonlyMap<string, ReasonFeature>, reference?: number, standing?: Standing): string | undefined {
  return columnRenderer(column, defs ?? new Map(), reference, standing)(value);
}

/** Precomputed per-column and per-feature lookups, built once per plan. */
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
  /** The features (source columns) and, per matrix column, its feature's index. */
  sources: readonly string[];
  source: Int32Array;
  /** Per feature: the population's typical contribution size (1 when unknown: raw contributions then order). */
  scale: Float64Array;
  /** Per column: 0 value, 1 one-hot level, 2 missing flag. */
  role: Uint8Array;
}

export interface ReasonOptions {
  /** Reference value per column, shown as "(typical x)" when no percentiles are known. */
  references?: ArrayLike<number> | undefined;
  standing?: Standing | undefined;
  /** Per feature: root mean square of its contribution over the population (importance.json contributionScale). */
  scale?: Readonly<Record<string, number>> | undefined;
}

export function prepareReasonColumns(columns: readonly string[], features: readonly ReasonFeature[] = [], opts: ReasonOptions = {}): ReasonColumns {
  const defs = new Map(features.map((f) => [f.name, f]));
  const driver = new Int8Array(columns.length);
  const at = new Map(columns.map((c, j) => [c, j]));
  const gate = new Int32Array(columns.length).fill(-1);
  const structural = new Uint8Array(columns.length);
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const source = new Int32Array(columns.length);
  const role = new Uint8Array(columns.length);
  columns.forEach((c, j) => {
    const def = defs.get(splitColumn(c).source);
    structural[j] = def?.structural ? 1 : 0;
    const d = driverOf(c, defs);
    driver[j] = d === undefined || def?.structural ? -1 : DRIVERS.indexOf(d);
    if (def?.appliesIf) gate[j] = at.get(def.appliesIf) ?? -1;
    const sp = splitColumn(c);
    let k = sourceIndex.get(sp.source);
    if (k === undefined) {
      k = sources.length;
      sources.push(sp.source);
      sourceIndex.set(sp.source, k);
    }
    source[j] = k;
    role[j] = sp.missing ? 2 : sp.level !== undefined ? 1 : 0;
  });
  const reference = new Float64Array(columns.length).fill(Number.NaN);
  if (opts.references) for (let j = 0; j < columns.length; j++) reference[j] = opts.references[j] ?? Number.NaN;
  const render = columns.map((c, j): ((value: number) => string | undefined) =>
    structural[j] ? () => undefined : columnRenderer(c, defs, Number.isNaN(reference[j]!) ? undefined : reference[j]!, opts.standing),
  );
  const scale = Float64Array.from(sources, (s) => {
    const v = opts.scale?.[s];
    return v !== undefined && v > 0 ? v : 1;
  });
  return { columns, driver, defs, reference, render, gate, sources, source, scale, role };
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
/** Contributions at or below this (logit) do not count as raising the risk. */
const MIN_CONTRIBUTION = 1e-6;

/** Scratch buffers for selectReasons, sized for one ReasonColumns. */
export interface ReasonScratch {
  sums: Float64Array;
  used: Uint8Array;
  pick: Int32Array;
}

export function reasonScratch(rc: ReasonColumns, k = 3): ReasonScratch {
  return { sums: new Float64Array(rc.sources.length), used: new Uint8Array(rc.sources.length), pick: new Int32Array(k) };
}

/** The column that shows a feature for this row: its missing flag or level that is set, else its value column. */
function representative(rc: ReasonColumns, s: number, values: ArrayLike<number> | undefined, at: number, F: number): number {
  let value = -1;
  let anyOn = -1;
  for (let j = 0; j < F; j++) {
    if (rc.source[j] !== s) continue;
    const role = rc.role[j]!;
    const v = values ? values[at + j]! : 1;
    if (role === 2 && v === 1) return j;
    if (role === 0 && value < 0) value = j;
    if (role === 1 && v === 1 && anyOn < 0) anyOn = j;
  }
  return value >= 0 ? value : anyOn;
}

/**
 * The reasons of one row (contributions and display values at offset `at`, F columns): writes the chosen
 * columns, most distinctive first, into `out` and returns how many (at most out.length); see the module comment.
 */
export function selectReasons(contrib: ArrayLike<number>, values: ArrayLike<number> | undefined, at: number, rc: ReasonColumns, scratch: ReasonScratch, out: Int32Array = scratch.pick): number {
  const F = rc.columns.length;
  const S = rc.sources.length;
  const { sums, used } = scratch;
  sums.fill(0);
  used.fill(0);
  for (let j = 0; j < F; j++) sums[rc.source[j]!]! += contrib[at + j]!;
  const chosen: number[] = [];
  const cols: number[] = [];
  while (chosen.length < out.length) {
    let best = -1;
    for (let s = 0; s < S; s++) if (!used[s] && sums[s]! > MIN_CONTRIBUTION && (best < 0 || sums[s]! > sums[best]!)) best = s;
    if (best < 0) break;
    used[best] = 1;
    const j = representative(rc, best, values, at, F);
    if (j < 0 || rc.render[j]!(values ? values[at + j]! : Number.NaN) === undefined) continue;
    chosen.push(best);
    cols.push(j);
  }
  // most distinctive first: contribution over the population's typical size of it (stable for ties)
  const order = chosen.map((_, k) => k).sort((a, b) => sums[chosen[b]!]! / rc.scale[chosen[b]!]! - sums[chosen[a]!]! / rc.scale[chosen[a]!]! || a - b);
  order.forEach((k, r) => {
    out[r] = cols[k]!;
  });
  return order.length;
}

/** The main driver of chosen reason columns: the driver of the first one that has one, else none. */
export function driverOfReasons(rc: ReasonColumns, cols: Int32Array, n: number): number {
  for (let r = 0; r < n; r++) {
    const d = rc.driver[cols[r]!]!;
    if (d >= 0) return d;
  }
  return NONE_DRIVER;
}

/**
 * Main driver index of row i (see the module comment). `contrib` is row-major n x columns.length.
 * `scratch` may be a Float64Array (legacy) or a ReasonScratch.
 */
export function mainDriverIndex(contrib: ArrayLike<number>, i: number, rc: ReasonColumns, scratch?: ReasonScratch | Float64Array, values?: ArrayLike<number>): number {
  const sc = scratch && !(scratch instanceof Float64Array) ? scratch : reasonScratch(rc);
  const n = selectReasons(contrib, values, i * rc.columns.length, rc, sc);
  return driverOfReasons(rc, sc.pick, n);
}

/** The top `k` reasons of row i as text (see the module comment). */
export function topReasons(contrib: ArrayLike<number>, values: ArrayLike<number> | undefined, i: number, rc: ReasonColumns, k = 3, scratch?: ReasonScratch): string[] {
  const sc = scratch && scratch.pick.length === k ? scratch : reasonScratch(rc, k);
  const F = rc.columns.length;
  const n = selectReasons(contrib, values, i * F, rc, sc);
  const out: string[] = [];
  for (let r = 0; r < n; r++) {
    const j = sc.pick[r]!;
    const t = rc.render[j]!(values ? values[i * F + j]! : Number.NaN);
    if (t !== undefined) out.push(t);
  }
  return out;
}
