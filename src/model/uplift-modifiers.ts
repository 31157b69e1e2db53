/**
 * Effect modifiers of the uplift model: the features at contact time that may change what an action does for
 * a subscriber, each turned into one standardised number.
 *
 * A modifier reads one feature (or the churn model's own risk, `__risk`, as a logit), fills an empty value
 * (`nullAs`, else the mean: no information), transforms it (`log1p`; `recency` = exp(-days / 60), which is
 * 1 for a contact today, 0.37 two months ago and 0 for never; `flag` = 1 when above 0; `decline` = how far a
 * change in % fell below 0, 0 for a rise), clips it to [lo, hi], then is standardised by
 * the mean and standard deviation of the contact rows it was learned on (the same scale is applied at plan
 * time). A modifier constant on those rows is left out. Features the data do not have are skipped.
 *
 * The default list holds the usual hypotheses of retention practice about who responds: how recently and how
 * often the subscriber was contacted already, an unresolved or recent complaint, the contract stage, usage
 * against the subscriber's own past and its trend, tenure, value, discounts and price rises, product depth, and
 * the churn risk itself.
 */

export interface ModifierDef {
  /** Feature name, or `__risk` for logit(churn probability). */
  feature: string;
  /** What the modifier means, for the model card. */
  label: string;
  transform?: "log1p" | "recency" | "flag" | "decline";
  /** Value used when the feature is empty (before the transform); default: the mean after it. */
  nullAs?: number;
  lo?: number;
  hi?: number;
}

export const RISK_MODIFIER = "__risk";
export const RECENCY_DAYS = 60;

export const DEFAULT_MODIFIERS: readonly ModifierDef[] = [
  { feature: RISK_MODIFIER, label: "churn risk (logit)" },
  { feature: "days_since_last_contact", label: `recent contact (exp(-days / ${RECENCY_DAYS}))`, transform: "recency", nullAs: Number.POSITIVE_INFINITY },
  { feature: "contacts_90d", label: "contacts in the last 90 days", nullAs: 0, lo: 0, hi: 3 },
  { feature: "open_complaints", label: "an unresolved complaint", transform: "flag", nullAs: 0 },
  { feature: "complaints_30d", label: "a complaint in the last 30 days", transform: "flag", nullAs: 0 },
  { feature: "in_renewal_window", label: "in the renewal window", nullAs: 0 },
  { feature: "out_of_contract", label: "out of contract", nullAs: 0 },
  { feature: "data_mb_30d_vs_own_past_pct", label: "data use fallen vs own past (%)", transform: "decline", nullAs: 0, hi: 100 },
  { feature: "sessions_30d_vs_own_past_pct", label: "sessions fallen vs own past (%)", transform: "decline", nullAs: 0, hi: 100 },
  { feature: "active_days_30d_vs_own_past_pct", label: "active days fallen vs own past (%)", transform: "decline", nullAs: 0, hi: 100 },
  { feature: "data_mb_trend_30v60_pct", label: "data use fallen, last 30 vs previous 60 days (%)", transform: "decline", nullAs: 0, hi: 100 },
  { feature: "data_mb_trend_12m_pct", label: "data use falling over the year (% a month)", transform: "decline", nullAs: 0, hi: 30 },
  { feature: "tenure_days", label: "tenure (log days)", transform: "log1p" },
  { feature: "arpu_3m", label: "monthly bill (log)", transform: "log1p" },
  { feature: "discount_share_3m", label: "discount share of the bill", nullAs: 0, lo: 0, hi: 1 },
  { feature: "price_increase_90d", label: "recent price rise", transform: "flag", nullAs: 0 },
  { feature: "active_products", label: "products held", nullAs: 1, lo: 1, hi: 5 },
];

export interface ModifierScale {
  defs: ModifierDef[];
  mean: Float64Array;
  sd: Float64Array;
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** The value of modifier `d` before standardising; NaN when empty without a `nullAs`. */
export function modifierValue(d: ModifierDef, v: number): number {
  let x = Number.isFinite(v) ? v : d.nullAs !== undefined ? d.nullAs : Number.NaN;
  if (d.feature === RISK_MODIFIER) return logit(x);
  if (d.transform === "recency") x = Number.isNaN(x) ? Number.NaN : Math.exp(-Math.max(0, x) / RECENCY_DAYS);
  else if (d.transform === "log1p") x = Math.log1p(Math.max(0, x));
  else if (d.transform === "flag") x = Number.isNaN(x) ? x : x > 0 ? 1 : 0;
  else if (d.transform === "decline") x = Number.isNaN(x) ? x : Math.max(0, -x);
  if (d.lo !== undefined) x = Math.max(d.lo, x);
  if (d.hi !== undefined) x = Math.min(d.hi, x);
  return x;
}

/**
 * Fit the scale of each modifier on rows (`raw` is row-major n x defs.length, one column per def, NaN empty);
 * modifiers constant on the rows are dropped (their column is not in the result).
 */
export function fitModifierScale(defs: readonly ModifierDef[], raw: ArrayLike<number>, n: number): { scale: ModifierScale; keep: number[] } {
  const M = defs.length;
  const keep: number[] = [];
  const mean: number[] = [];
  const sd: number[] = [];
  for (let j = 0; j < M; j++) {
    let s = 0;
    let ss = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const x = modifierValue(defs[j]!, raw[i * M + j]!);
      if (Number.isNaN(x)) continue;
      s += x;
      ss += x * x;
      c++;
    }
    if (c < 2) continue;
    const m = s / c;
    const v = ss / c - m * m;
    if (!(v > 1e-12)) continue;
    keep.push(j);
    mean.push(m);
    sd.push(Math.sqrt(v));
  }
  return { scale: { defs: keep.map((j) => defs[j]!), mean: Float64Array.from(mean), sd: Float64Array.from(sd) }, keep };
}

/**
 * Standardised modifiers (row-major n x scale.defs.length) from raw values laid out like `defs` (n x defs.length),
 * where `keep[k]` is the raw column of the scale's k-th modifier. Empty values become 0 (the mean).
 */
export function applyModifierScale(scale: ModifierScale, keep: readonly number[], raw: ArrayLike<number>, n: number, M: number): Float32Array {
  const K = scale.defs.length;
  const z = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const x = modifierValue(scale.defs[k]!, raw[i * M + keep[k]!]!);
      // clipped at 4 standard deviations: one odd value should not swing an effect
      z[i * K + k] = Number.isNaN(x) ? 0 : Math.max(-4, Math.min(4, (x - scale.mean[k]!) / scale.sd[k]!));
    }
  }
  return z;
}
