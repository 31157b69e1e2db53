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
 * The months reported are the complete months up to `asOf`, from the month the data start in: the month of the
 * first recorded deactivation (before it the subscribers table holds no churn, so churn would read 0% and
 * retention 100%), or of the first billing or complaint row when nobody ever left. A KPI whose own table starts
 * later is null in the months before that table's first row.
 * The contract renewal rate is not computed here: the subscribers table keeps only each contract's current end
 * date, so a renewal (the end moving forward) cannot be seen in it. It is measured from renewal events in the run
 * history (src/monitoring) and shown beside these KPIs when there are any.
 * Segments: one column of `subscribers` from SEGMENT_COLUMNS (current value), plus an "(all)" row per month.
 */
import type { Db } from "../io/duckdb.js";
import { KPI_IDS, type KpiId, SEGMENT_COLUMNS, type SegmentColumn } from "../ids.js";
import { quoteIdent } from "../io/duckdb.js";
import { UsageError } from "../errors.js";
import { msg } from "../messages.js";

export { KPI_IDS, type KpiId, SEGMENT_COLUMNS, type SegmentColumn } from "../ids.js";

export const LIFETIME_CAP_MONTHS = 60;
export const ALL_SEGMENTS = "(all)";


/** Label with unit for each KPI (panel titles, table headers). */
export const KPI_LABELS: Record<KpiId, string> = {
  churnRate: "Churn rate (%)",
  retentionRate: "Retention rate (%)",
  arpu: "ARPU (per month)",
  lifetimeRevenue: "Lifetime revenue (ARPU ÷ churn rate)",
  multiProductRate: "Multi-product rate (%)",
  complaintRate: "Complaint rate (%)",
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
  /** The months reported (first days), oldest first: the requested ones from the month the data start in. */
  months: string[];
  /** First day of the month the data start in (see the module comment), or null when no table has a dated row. */
  dataStart: string | null;
  /** Requested months left out because they lie before the data start. */
  leftOut: string[];
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

/** Build the KPI query. `has` says which optional tables exist. Params: $1 first month, $2 end (exclusive). */
export function buildKpiSql(segment: SegmentColumn | null, has: { billing: boolean; products: boolean; complaints: boolean }): string {
  if (segment !== null && !(SEGMENT_COLUMNS as readonly string[]).includes(segment)) throw new UsageError(msg.reportBadSegment(segment, SEGMENT_COLUMNS));
  const seg = segment === null ? `'${ALL_SEGMENTS}'` : `COALESCE(CAST(s.${quoteIdent(segment)} AS VARCHAR), '(missing)')`;
  const ctes = [
    `months AS (SELECT CAST(r AS DATE) AS month_start, CAST(r + INTERVAL 1 MONTH AS DATE) AS month_next FROM range(CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP), INTERVAL 1 MONTH) t(r))`,
    // sid: an integer key per subscriber, so the month-level joins and group-bys hash integers, not id strings.
    `subs AS (SELECT row_number() OVER () AS sid, s.subscriber_id, ${seg} AS segment, CAST(s.activation_date AS DATE) AS act, CAST(s.deactivation_date AS DATE) AS deact
       FROM subscribers s)`,
    `base AS (SELECT m.month_start, m.month_next, u.sid, u.segment,
       (u.act < m.month_start AND (u.deact IS NULL OR u.deact >= m.month_start)) AS at_start,
       (u.act < m.month_next AND (u.deact IS NULL OR u.deact >= m.month_next)) AS at_end,
       (u.act >= m.month_start AND u.act < m.month_next) AS is_new,
       (u.act < m.month_start AND u.deact >= m.month_start AND u.deact < m.month_next) AS churned_from_start
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
  CAST(${compl} AS DOUBLE) AS complaint_rate
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

/** First day of the month of a YYYY-MM-DD date. */
const monthOf = (d: string): string => `${d.slice(0, 7)}-01`;

/** First day of the month each table's dated rows start in (null when it has none or is absent). */
async function tableStarts(db: Db, has: { billing: boolean; complaints: boolean }): Promise<{ subscribers: string | null; billing: string | null; complaints: string | null }> {
  const first = async (sql: string): Promise<string | null> => {
    const v = (await db.one(`SELECT strftime(CAST((${sql}) AS DATE), '%Y-%m-%d') AS d`))?.["d"];
    return v == null ? null : monthOf(String(v));
  };
  return {
    subscribers: await first("SELECT min(CAST(deactivation_date AS DATE)) FROM subscribers"),
    billing: has.billing ? await first("SELECT min(CAST(month AS DATE)) FROM billing") : null,
    complaints: has.complaints ? await first("SELECT min(CAST(opened_at AS DATE)) FROM complaints") : null,
  };
}

/** Compute the KPIs over the canonical tables in `db` (they must be tables or views named as in the contract). */
export async function computeKpis(db: Db, opts: KpiOptions): Promise<KpiResult> {
  const requested = kpiMonths(opts.asOf, opts.months ?? 12);
  const segment = opts.segment === undefined ? "contract_type" : opts.segment;
  if (!(await tableExists(db, "subscribers"))) throw new UsageError(msg.reportNoSubscribers());
  const has = { billing: await tableExists(db, "billing"), products: await tableExists(db, "products"), complaints: await tableExists(db, "complaints") };
  const starts = await tableStarts(db, has);
  const eventStarts = [starts.billing, starts.complaints].filter((x): x is string => x !== null).sort();
  const dataStart = starts.subscribers ?? eventStarts[0] ?? null;
  const months = dataStart === null ? requested : requested.filter((m) => m >= dataStart);
  const leftOut = requested.filter((m) => !months.includes(m));
  const skipped = KPI_IDS.flatMap((k) => {
    const t = KPI_TABLE[k];
    return t && !has[t] ? [{ kpi: k, table: t }] : [];
  });
  const computed = KPI_IDS.filter((k) => !skipped.some((s) => s.kpi === k));
  if (!months.length) return { segmentColumn: segment, months, dataStart, leftOut, rows: [], computed, skipped };
  const last = months[months.length - 1]!;
  const end = new Date(`${last}T00:00:00Z`);
  end.setUTCMonth(end.getUTCMonth() + 1);
  const rows = await db.all(buildKpiSql(segment, has), [months[0]!, end.toISOString().slice(0, 10)]);
  // before its own table's first row a KPI has no data (not a zero)
  const before = (start: string | null, month: string) => start !== null && month < start;
  const out: KpiRow[] = rows.map((r) => {
    const month = String(r["month"]);
    const start = Number(r["customers_start"]);
    const endN = Number(r["customers_end"]);
    const fresh = Number(r["new_customers"]);
    const churned = Number(r["churned"]);
    const churnRate = rate(churned, start);
    const arpu = r["arpu"] == null || before(starts.billing, month) ? null : Number(r["arpu"]);
    const lifetime = churnRate === null ? null : churnRate > 0 ? Math.min(LIFETIME_CAP_MONTHS, 1 / churnRate) : LIFETIME_CAP_MONTHS;
    return {
      month,
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
      complaintRate: r["complaint_rate"] == null || before(starts.complaints, month) ? null : Number(r["complaint_rate"]),
    };
  });
  return { segmentColumn: segment, months, dataStart, leftOut, rows: out, computed, skipped };
}
