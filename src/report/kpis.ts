/**
 * Loyalty KPIs by month and segment, computed in DuckDB from the canonical tables (`subscribers`, and where
 * present `billing`, `products`, `complaints`; columns as in src/contract/tables.ts). A KPI whose table is absent
 * is skipped (its value is null and it is listed in `skipped`).
 *
 * Definitions (month m = [first day, first day of next month); "active on day d" = activation_date <= d and
 * (deactivation_date is null or deactivation_date > d), i.e. the deactivation day is the first day gone):
 * - customers at start S: active at the first moment of m (activated before m, not deactivated before m).
 * - customers at end E: active at the first moment of the next month.  new N: activated during m.
 * - churn rate: customers at start who deactivated during m ÷ S. (New customers leaving in their first month
 *   are not in it; they do lower the retention rate.)
 * - retention rate: (E − N) ÷ S, the standard customer retention rate.
 * - ARPU (billing): amount billed for m ÷ subscribers billed for m (rows whose `month` falls in m), over
 *   subscribers active at some time in m.
 * - lifetime revenue: ARPU × expected lifetime in months, lifetime = 1 ÷ churn rate capped at LIFETIME_CAP_MONTHS
 *   (a churn rate of 0 gives the cap). A simple revenue proxy, deliberately not called customer value: the
 *   customer value of the plan and the report is retention/value.ts's discounted margin.
 * - multi-product rate (products): share of customers at end holding two or more distinct products at the end of m.
 * - complaint rate (complaints): share of customers active at any time in m with at least one complaint opened in m.
 * - contract renewal rate: fixed-term contracts (fixed_12m, fixed_24m) whose contract_end_date falls in m, held by a
 *   subscriber still active on that date, that did not churn within 30 days after it (deactivation_date is null or
 *   later than end + 30 days). Counted only once the 30 days have passed by `asOf`, else null. Limitation: the
 *   subscribers table keeps only the current term's end date, so a renewal that moved the end date forward hides
 *   the earlier end; read the rate as "of contracts still recorded as ending in m".
 * Segments: one column of `subscribers` from SEGMENT_COLUMNS (current value), plus an "(all)" row per month.
 */
import type { Db } from "../io/duckdb.js";
import { KPI_IDS, type KpiId, SEGMENT_COLUMNS, type SegmentColumn } from "../ids.js";
import { quoteIdent } from "../io/duckdb.js";
import { UsageError } from "../errors.js";
import { msg } from "../messages.js";

export { KPI_IDS, type KpiId, SEGMENT_COLUMNS, type SegmentColumn } from "../ids.js";

export const LIFETIME_CAP_MONTHS = 60;
/** A fixed-term contract counts as renewed when its holder is still active this many days after the term ended. */
export const RENEWAL_OBSERVATION_DAYS = 30;
export const ALL_SEGMENTS = "(all)";


/** Label with unit for each KPI (panel titles, table headers). */
export const KPI_LABELS: Record<KpiId, string> = {
  churnRate: "Churn rate (%)",
  retentionRate: "Retention rate (%)",
  arpu: "ARPU (per month)",
  lifetimeRevenue: "Lifetime revenue (ARPU ÷ churn rate)",
  multiProductRate: "Multi-product rate (%)",
  complaintRate: "Complaint rate (%)",
  renewalRate: "Contract renewal rate (%)",
};

/** Which table each KPI needs beyond subscribers. */
const KPI_TABLE: Partial<Record<KpiId, "billing" | "products" | "complaints">> = {
  arpu: "billing",
  lifetimeRevenue: "billing",
  multiProductRate: "products",
  complaintRate: "complaints",
};

export interface KpiRow {
  /** First day of the month, YYYY-MM-DD. */
  month: string;
  /** Segment value, or "(all)". */
  segment: string;
  customersStart: number;
  customersEnd: number;
  newCustomers: number;
  churned: number;
  churnRate: number | null;
  retentionRate: number | null;
  arpu: number | null;
  lifetimeRevenue: number | null;
  multiProductRate: number | null;
  complaintRate: number | null;
  /** Fixed-term contracts ending in the month and evaluable by asOf. */
  contractsEnding: number;
  renewalRate: number | null;
}

export interface KpiOptions {
  /** Observation end (YYYY-MM-DD): months ending on or before it are reported. */
  asOf: string;
  /** How many months back from the last complete one (default 12). */
  months?: number;
  /** Segment column, or null for "(all)" only. */
  segment?: SegmentColumn | null;
}

export interface KpiResult {
  segmentColumn: SegmentColumn | null;
  months: string[];
  rows: KpiRow[];
  /** KPIs computed / skipped because their table is absent. */
  computed: KpiId[];
  skipped: { kpi: KpiId; table: string }[];
}

const DAY_MS = 86_400_000;

/**
 * The months to report: the `count` complete calendar months ending on or before `asOf`.
 * @example kpiMonths("2026-06-30", 2) // ["2026-05-01", "2026-06-01"]
 */
export function kpiMonths(asOf: string, count: number): string[] {
  const d = new Date(`${asOf}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(d.getTime())) throw new UsageError(msg.reportBadDate("asOf", asOf));
  // The day after asOf: if that starts a month, asOf's month is complete.
  const next = new Date(d.getTime() + DAY_MS);
  let y = next.getUTCFullYear();
  let m = next.getUTCMonth() - 1; // last complete month
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    while (m < 0) {
      m += 12;
      y--;
    }
    out.unshift(`${y}-${String(m + 1).padStart(2, "0")}-01`);
    m--;
  }
  return out;
}

/** Build the KPI query. `has` says which optional tables exist. Params: $1 first month, $2 end (exclusive), $3 asOf. */
export function buildKpiSql(segment: SegmentColumn | null, has: { billing: boolean; products: boolean; complaints: boolean }): string {
  if (segment !== null && !(SEGMENT_COLUMNS as readonly string[]).includes(segment)) throw new UsageError(msg.reportBadSegment(segment, SEGMENT_COLUMNS));
  const seg = segment === null ? `'${ALL_SEGMENTS}'` : `COALESCE(CAST(s.${quoteIdent(segment)} AS VARCHAR), '(missing)')`;
  const ctes = [
    `months AS (SELECT CAST(r AS DATE) AS month_start, CAST(r + INTERVAL 1 MONTH AS DATE) AS month_next FROM range(CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP), INTERVAL 1 MONTH) t(r))`,
    // sid: an integer key per subscriber, so the month-level joins and group-bys hash integers, not id strings.
    `subs AS (SELECT row_number() OVER () AS sid, s.subscriber_id, ${seg} AS segment, CAST(s.activation_date AS DATE) AS act, CAST(s.deactivation_date AS DATE) AS deact,
       CAST(s.contract_type AS VARCHAR) AS contract_type, CAST(s.contract_end_date AS DATE) AS cend FROM subscribers s)`,
    `base AS (SELECT m.month_start, m.month_next, u.sid, u.segment,
       (u.act < m.month_start AND (u.deact IS NULL OR u.deact >= m.month_start)) AS at_start,
       (u.act < m.month_next AND (u.deact IS NULL OR u.deact >= m.month_next)) AS at_end,
       (u.act >= m.month_start AND u.act < m.month_next) AS is_new,
       (u.act < m.month_start AND u.deact >= m.month_start AND u.deact < m.month_next) AS churned_from_start,
       (u.contract_type IN ('fixed_12m', 'fixed_24m') AND u.cend >= m.month_start AND u.cend < m.month_next
         AND u.act <= u.cend AND (u.deact IS NULL OR u.deact >= u.cend)
         AND u.cend + INTERVAL ${RENEWAL_OBSERVATION_DAYS} DAY <= CAST($3 AS DATE)) AS term_ends,
       (u.deact IS NULL OR u.deact > u.cend + INTERVAL ${RENEWAL_OBSERVATION_DAYS} DAY) AS stayed_after_term
     FROM months m JOIN subs u ON u.act < m.month_next AND (u.deact IS NULL OR u.deact >= m.month_start))`,
  ];
  if (has.billing)
    ctes.push(`bill AS (SELECT u.sid, CAST(date_trunc('month', CAST(x.month AS DATE)) AS DATE) AS month_start, sum(CAST(x.amount_billed AS DECIMAL(38, 6))) AS billed
       FROM billing x JOIN subs u ON u.subscriber_id = x.subscriber_id
       WHERE CAST(x.month AS DATE) >= CAST($1 AS DATE) AND CAST(x.month AS DATE) < CAST($2 AS DATE) GROUP BY ALL)`);
  if (has.products)
    // Two or more distinct products ⇔ min <> max of the product's 64-bit hash: far cheaper than count(DISTINCT) on text.
    ctes.push(`held AS (SELECT u.sid, hash(p.product) AS product, CAST(p.start_date AS DATE) AS pstart, CAST(p.end_date AS DATE) AS pend
       FROM products p JOIN subs u ON u.subscriber_id = p.subscriber_id WHERE p.end_date IS NULL OR CAST(p.end_date AS DATE) >= CAST($1 AS DATE))`);
    ctes.push(`prod AS (SELECT m.month_start, h.sid, min(h.product) <> max(h.product) AS multi FROM months m JOIN held h
       ON h.pstart < m.month_next AND (h.pend IS NULL OR h.pend >= m.month_next) GROUP BY ALL)`);
  if (has.complaints)
    ctes.push(`comp AS (SELECT DISTINCT u.sid, CAST(date_trunc('month', CAST(c.opened_at AS DATE)) AS DATE) AS month_start
       FROM complaints c JOIN subs u ON u.subscriber_id = c.subscriber_id
       WHERE CAST(c.opened_at AS DATE) >= CAST($1 AS DATE) AND CAST(c.opened_at AS DATE) < CAST($2 AS DATE))`);
  const joins = [
    has.billing ? "LEFT JOIN bill USING (sid, month_start)" : "",
    has.products ? "LEFT JOIN prod USING (sid, month_start)" : "",
    has.complaints ? "LEFT JOIN comp c ON c.sid = b.sid AND c.month_start = b.month_start" : "",
  ].join(" ");
  // DECIMAL sums are exact, so the parallel aggregation gives the same bits on every run (a DOUBLE sum does not)
  const arpu = has.billing ? "sum(bill.billed) / NULLIF(count(bill.billed), 0)" : "NULL";
  const multi = has.products ? "count(*) FILTER (WHERE b.at_end AND prod.multi) / NULLIF(count(*) FILTER (WHERE b.at_end), 0)" : "NULL";
  const compl = has.complaints ? "count(c.sid) / NULLIF(count(*), 0)" : "NULL";
  return `WITH ${ctes.join(",\n")}
SELECT strftime(b.month_start, '%Y-%m-%d') AS month,
  CASE WHEN GROUPING(b.segment) = 1 THEN '${ALL_SEGMENTS}' ELSE b.segment END AS segment,
  count(*) FILTER (WHERE b.at_start) AS customers_start,
  count(*) FILTER (WHERE b.at_end) AS customers_end,
  count(*) FILTER (WHERE b.is_new) AS new_customers,
  count(*) FILTER (WHERE b.churned_from_start) AS churned,
  CAST(${arpu} AS DOUBLE) AS arpu,
  CAST(${multi} AS DOUBLE) AS multi_product_rate,
  CAST(${compl} AS DOUBLE) AS complaint_rate,
  count(*) FILTER (WHERE b.term_ends) AS contracts_ending,
  count(*) FILTER (WHERE b.term_ends AND b.stayed_after_term) AS contracts_renewed
FROM base b ${joins}
${segment === null ? "GROUP BY GROUPING SETS ((b.month_start, b.segment))" : "GROUP BY GROUPING SETS ((b.month_start, b.segment), (b.month_start))"}
ORDER BY month, GROUPING(b.segment) DESC, segment`;
}

async function tableExists(db: Db, name: string): Promise<boolean> {
  const r = await db.one(
    "SELECT count(*) AS n FROM (SELECT table_name AS t FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal) WHERE t = $1",
    [name],
  );
  return Number(r?.["n"] ?? 0) > 0;
}

const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** Compute the KPIs over the canonical tables in `db` (they must be tables or views named as in the contract). */
export async function computeKpis(db: Db, opts: KpiOptions): Promise<KpiResult> {
  const months = kpiMonths(opts.asOf, opts.months ?? 12);
  const segment = opts.segment === undefined ? "contract_type" : opts.segment;
  if (!(await tableExists(db, "subscribers"))) throw new UsageError(msg.reportNoSubscribers());
  const has = { billing: await tableExists(db, "billing"), products: await tableExists(db, "products"), complaints: await tableExists(db, "complaints") };
  const last = months[months.length - 1]!;
  const end = new Date(`${last}T00:00:00Z`);
  end.setUTCMonth(end.getUTCMonth() + 1);
  const rows = await db.all(buildKpiSql(segment, has), [months[0]!, end.toISOString().slice(0, 10), opts.asOf]);
  const out: KpiRow[] = rows.map((r) => {
    const start = Number(r["customers_start"]);
    const endN = Number(r["customers_end"]);
    const fresh = Number(r["new_customers"]);
    const churned = Number(r["churned"]);
    const churnRate = rate(churned, start);
    const arpu = r["arpu"] == null ? null : Number(r["arpu"]);
    const lifetime = churnRate === null ? null : churnRate > 0 ? Math.min(LIFETIME_CAP_MONTHS, 1 / churnRate) : LIFETIME_CAP_MONTHS;
    const ending = Number(r["contracts_ending"]);
    return {
      month: String(r["month"]),
      segment: String(r["segment"]),
      customersStart: start,
      customersEnd: endN,
      newCustomers: fresh,
      churned,
      churnRate,
      retentionRate: rate(endN - fresh, start),
      arpu,
      lifetimeRevenue: arpu === null || lifetime === null ? null : arpu * lifetime,
      multiProductRate: r["multi_product_rate"] == null ? null : Number(r["multi_product_rate"]),
      complaintRate: r["complaint_rate"] == null ? null : Number(r["complaint_rate"]),
      contractsEnding: ending,
      renewalRate: rate(Number(r["contracts_renewed"]), ending),
    };
  });
  const skipped = KPI_IDS.flatMap((k) => {
    const t = KPI_TABLE[k];
    return t && !has[t] ? [{ kpi: k, table: t }] : [];
  });
  return { segmentColumn: segment, months, rows: out, computed: KPI_IDS.filter((k) => !skipped.some((s) => s.kpi === k)), skipped };
}
