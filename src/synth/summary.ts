/**
 * Realism statistics of a generated world, computed with DuckDB SQL over the written tables and truth/:
 * monthly churn, the oracle AUC of the true 30-day probability, the usage decline before churn, and churn
 * rates of complaint-holders vs others, single- vs multi-product and new vs loyal subscribers.
 */
import { type Db, quoteLiteral, withDb } from "../io/duckdb.js";
import { fileExists } from "../io/files.js";
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { TRUTH_DIR } from "./truth.js";

export interface Check {
  name: string;
  value: number;
  target: string;
  ok: boolean;
}

export interface WorldSummary {
  subscribers: number;
  monthStarts: number;
  /** Mean over complete months of (left during the month / active at its first day). */
  monthlyChurn: number;
  /** AUC of truth p_churn_30d against leaving within 30 days, pooled over month starts. */
  oracleAuc: number;
  /** Mean true p_churn_30d and the realised 30-day churn rate (calibration of the truth). */
  meanP30: number;
  realised30: number;
  usage: { churners: number; dataBefore: number; dataLast60: number; ratio: number; sessionsRatio: number; shareDeclined: number };
  churnByGroup: {
    complaint90d: number;
    noComplaint90d: number;
    singleProduct: number;
    multiProduct: number;
    tenureUnder1y: number;
    tenureOver2y: number;
  };
  disengagedShareOfChurners: number;
  rows: Record<string, number>;
  campaigns: {
    contacts: number;
    treatedChurn60d: number;
    controlChurn60d: number;
    /** Per action: churn within 60 days of contact, treated vs control. */
    byAction: { action: string; treated: number; control: number; treatedChurn60d: number; controlChurn60d: number }[];
  };
  checks: Check[];
}

function findTable(dir: string, table: string): string {
  for (const ext of ["parquet", "csv"]) if (fileExists(`${dir}/${table}.${ext}`)) return `${dir}/${table}.${ext}`;
  throw new InputDataError(msg.synthTruthMissing(dir, `${table}.parquet`));
}

const reader = (path: string) => (path.endsWith(".parquet") ? `read_parquet(${quoteLiteral(path)})` : `read_csv(${quoteLiteral(path)}, header = true)`);

const num = (v: unknown) => (v === null || v === undefined ? Number.NaN : Number(v));

/** Compute the realism statistics of the world in `dir` (the --out of `churn generate`). */
export async function summarizeWorld(dir: string): Promise<WorldSummary> {
  const truth = `${dir}/${TRUTH_DIR}/monthly.parquet`;
  if (!fileExists(truth)) throw new InputDataError(msg.synthTruthMissing(`${dir}/${TRUTH_DIR}`, "monthly.parquet"));
  return withDb(async (db) => {
    for (const t of ["subscribers", "usage", "complaints", "products", "campaigns", "billing", "surveys"]) {
      await db.run(`CREATE VIEW ${t} AS SELECT * FROM ${reader(findTable(dir, t))}`);
    }
    await db.run(`CREATE VIEW truth AS SELECT * FROM read_parquet(${quoteLiteral(truth)})`);
    await db.run(`CREATE VIEW truth_subs AS SELECT * FROM read_parquet(${quoteLiteral(`${dir}/${TRUTH_DIR}/subscribers.parquet`)})`);
    // Panel: one row per subscriber and month start whose 30 days are observed.
    await db.run(`CREATE TABLE panel AS
      WITH dataend AS (SELECT max(date) AS e FROM usage)
      SELECT t.subscriber_id, t.month_start AS ms, t.p_churn_30d AS p, t.disengaged,
        (s.deactivation_date IS NOT NULL AND s.deactivation_date BETWEEN t.month_start AND t.month_start + 29) AS y30,
        (s.deactivation_date IS NOT NULL AND s.deactivation_date <= last_day(t.month_start)) AS ym,
        last_day(t.month_start) <= (SELECT e FROM dataend) AS full_month,
        t.month_start - s.activation_date AS tenure_days
      FROM truth t JOIN subscribers s USING (subscriber_id)
      WHERE t.churned_30d IS NOT NULL`);
    await db.run(`CREATE TABLE panel2 AS
      SELECT p.*,
        (SELECT count(*) FROM products pr WHERE pr.subscriber_id = p.subscriber_id AND pr.start_date <= p.ms AND (pr.end_date IS NULL OR pr.end_date > p.ms)) AS n_products,
        EXISTS (SELECT 1 FROM complaints c WHERE c.subscriber_id = p.subscriber_id AND c.opened_at < p.ms AND c.opened_at >= p.ms - 90) AS complaint90
      FROM panel p`);
    const g = (await db.one(`SELECT count(DISTINCT ms) AS months,
        avg(CASE WHEN full_month THEN ym::INT END) AS monthly_churn,
        avg(p) AS mean_p, avg(y30::INT) AS realised,
        avg(CASE WHEN complaint90 THEN ym::INT END) AS c1, avg(CASE WHEN NOT complaint90 THEN ym::INT END) AS c0,
        avg(CASE WHEN n_products = 1 THEN ym::INT END) AS single, avg(CASE WHEN n_products >= 2 THEN ym::INT END) AS multi,
        avg(CASE WHEN tenure_days < 365 THEN ym::INT END) AS new_, avg(CASE WHEN tenure_days >= 730 THEN ym::INT END) AS loyal
      FROM panel2`))!;
    // Monthly churn as a mean over months of per-month rates.
    const mc = (await db.one(`SELECT avg(r) AS r FROM (SELECT avg(ym::INT) AS r FROM panel2 WHERE full_month GROUP BY ms)`))!;
    const auc = await oracleAuc(db);
    const u = (await db.one(`
      WITH ch AS (
        SELECT subscriber_id, deactivation_date AS dd FROM subscribers
        WHERE deactivation_date IS NOT NULL AND deactivation_date - 120 >= greatest(activation_date, (SELECT min(date) FROM usage))
      ), agg AS (
        SELECT ch.subscriber_id,
          coalesce(sum(u.data_mb) FILTER (WHERE u.date >= ch.dd - 60), 0) / 60 AS d_last,
          coalesce(sum(u.data_mb) FILTER (WHERE u.date < ch.dd - 60), 0) / 60 AS d_before,
          coalesce(sum(u.sessions) FILTER (WHERE u.date >= ch.dd - 60), 0) / 60 AS s_last,
          coalesce(sum(u.sessions) FILTER (WHERE u.date < ch.dd - 60), 0) / 60 AS s_before
        FROM ch LEFT JOIN usage u ON u.subscriber_id = ch.subscriber_id AND u.date >= ch.dd - 120 AND u.date < ch.dd
        GROUP BY ch.subscriber_id
      )
      SELECT count(*) AS n, avg(d_before) AS b, avg(d_last) AS l, avg(s_before) AS sb, avg(s_last) AS sl,
        avg((d_last < d_before)::INT) AS declined FROM agg`))!;
    const dis = (await db.one(`SELECT avg((t.disengaged_from IS NOT NULL AND t.disengaged_from < s.deactivation_date AND t.recovered_at IS NULL)::INT) AS share
      FROM subscribers s JOIN truth_subs t USING (subscriber_id) WHERE s.deactivation_date IS NOT NULL`))!;
    const camp = (await db.one(`SELECT count(*) AS n,
        avg(CASE WHEN c."group" = 'treatment' THEN (s.deactivation_date IS NOT NULL AND s.deactivation_date BETWEEN c.date AND c.date + 59)::INT END) AS t,
        avg(CASE WHEN c."group" = 'control' THEN (s.deactivation_date IS NOT NULL AND s.deactivation_date BETWEEN c.date AND c.date + 59)::INT END) AS c
      FROM campaigns c JOIN subscribers s USING (subscriber_id)`))!;
    const byAction = await db.all(`SELECT c.action,
        count(*) FILTER (WHERE c."group" = 'treatment') AS nt, count(*) FILTER (WHERE c."group" = 'control') AS nc,
        avg(CASE WHEN c."group" = 'treatment' THEN (s.deactivation_date IS NOT NULL AND s.deactivation_date BETWEEN c.date AND c.date + 59)::INT END) AS t,
        avg(CASE WHEN c."group" = 'control' THEN (s.deactivation_date IS NOT NULL AND s.deactivation_date BETWEEN c.date AND c.date + 59)::INT END) AS c
      FROM campaigns c JOIN subscribers s USING (subscriber_id) GROUP BY c.action ORDER BY c.action`);
    const rows: Record<string, number> = {};
    for (const t of ["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"]) {
      rows[t] = num((await db.one(`SELECT count(*) AS n FROM ${t}`))!["n"]);
    }
    const s: Omit<WorldSummary, "checks"> = {
      subscribers: rows["subscribers"]!,
      monthStarts: num(g["months"]),
      monthlyChurn: num(mc["r"]),
      oracleAuc: auc,
      meanP30: num(g["mean_p"]),
      realised30: num(g["realised"]),
      usage: {
        churners: num(u["n"]),
        dataBefore: num(u["b"]),
        dataLast60: num(u["l"]),
        ratio: num(u["l"]) / num(u["b"]),
        sessionsRatio: num(u["sl"]) / num(u["sb"]),
        shareDeclined: num(u["declined"]),
      },
      churnByGroup: {
        complaint90d: num(g["c1"]),
        noComplaint90d: num(g["c0"]),
        singleProduct: num(g["single"]),
        multiProduct: num(g["multi"]),
        tenureUnder1y: num(g["new_"]),
        tenureOver2y: num(g["loyal"]),
      },
      disengagedShareOfChurners: num(dis["share"]),
      rows,
      campaigns: {
        contacts: num(camp["n"]),
        treatedChurn60d: num(camp["t"]),
        controlChurn60d: num(camp["c"]),
        byAction: byAction.map((r) => ({
          action: String(r["action"]),
          treated: num(r["nt"]),
          control: num(r["nc"]),
          treatedChurn60d: num(r["t"]),
          controlChurn60d: num(r["c"]),
        })),
      },
    };
    return { ...s, checks: realismChecks(s) };
  });
}

async function oracleAuc(db: Db): Promise<number> {
  const r = (await db.one(`
    WITH ranked AS (
      SELECT y30, rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS rk FROM panel
    )
    SELECT sum(CASE WHEN y30 THEN rk ELSE 0 END) AS rsum, count(*) FILTER (WHERE y30) AS n1, count(*) FILTER (WHERE NOT y30) AS n0 FROM ranked`))!;
  const n1 = num(r["n1"]);
  const n0 = num(r["n0"]);
  return (num(r["rsum"]) - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}

export function realismChecks(s: Omit<WorldSummary, "checks">): Check[] {
  const c = s.churnByGroup;
  return [
    { name: "monthly churn", value: s.monthlyChurn, target: "0.015-0.03", ok: s.monthlyChurn >= 0.015 && s.monthlyChurn <= 0.03 },
    { name: "oracle AUC (30 days)", value: s.oracleAuc, target: "0.80-0.90", ok: s.oracleAuc >= 0.8 && s.oracleAuc <= 0.9 },
    { name: "churners' data use, last 60 days / days 61-120 before", value: s.usage.ratio, target: "< 1", ok: s.usage.ratio < 1 },
    { name: "churn, complaint in last 90 days / none", value: c.complaint90d / c.noComplaint90d, target: "> 1", ok: c.complaint90d > c.noComplaint90d },
    { name: "churn, single product / several", value: c.singleProduct / c.multiProduct, target: "> 1", ok: c.singleProduct > c.multiProduct },
    { name: "churn, tenure < 1 year / > 2 years", value: c.tenureUnder1y / c.tenureOver2y, target: "> 1", ok: c.tenureUnder1y > c.tenureOver2y },
  ];
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function formatSummary(s: WorldSummary): string {
  const c = s.churnByGroup;
  const lines = [
    `subscribers ${s.subscribers}, month starts with a 30-day outcome ${s.monthStarts}`,
    `rows: ${Object.entries(s.rows).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `monthly churn ${pct(s.monthlyChurn)}; mean true p_churn_30d ${pct(s.meanP30)} vs realised ${pct(s.realised30)}`,
    `oracle AUC (30 days, pooled over month starts) ${s.oracleAuc.toFixed(3)}`,
    `churners with 120 days of history: ${s.usage.churners}; mean data MB/day ${s.usage.dataBefore.toFixed(0)} (days 61-120 before) -> ${s.usage.dataLast60.toFixed(0)} (last 60) = x${s.usage.ratio.toFixed(2)}; sessions x${s.usage.sessionsRatio.toFixed(2)}; ${pct(s.usage.shareDeclined)} declined`,
    `monthly churn: complaint in last 90 days ${pct(c.complaint90d)} vs ${pct(c.noComplaint90d)}; single product ${pct(c.singleProduct)} vs ${pct(c.multiProduct)}; tenure <1y ${pct(c.tenureUnder1y)} vs >2y ${pct(c.tenureOver2y)}`,
    `churners disengaged before leaving (truth): ${pct(s.disengagedShareOfChurners)}`,
    `campaign contacts ${s.campaigns.contacts}: churn within 60 days treated ${pct(s.campaigns.treatedChurn60d)} vs control ${pct(s.campaigns.controlChurn60d)}`,
    ...s.campaigns.byAction.map(
      (a) => `  ${a.action.padEnd(20)} treated ${pct(a.treatedChurn60d)} (${a.treated}) vs control ${pct(a.controlChurn60d)} (${a.control})`,
    ),
    "checks:",
    ...s.checks.map((k) => `  ${k.ok ? "ok  " : "FAIL"} ${k.name}: ${k.value.toFixed(3)} (target ${k.target})`),
  ];
  return lines.join("\n");
}
