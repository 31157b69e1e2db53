/**
 * Writers of the run's tables, through DuckDB: the plan rows are appended (in rank order) to a table, then
 * COPY'd to risk_list.csv / risk_list.parquet (rank order) and scores.parquet (subscriber order, with the contract
 * type and end date seen at as-of, which a later run compares to see renewals). Floats are
 * rounded (probabilities to 6 decimals, money to 2) so the files read well and compare stably.
 */
import { type Db, quoteLiteral } from "../io/duckdb.js";
import type { Plan } from "../retention/plan.js";
import type { ReasonColumns } from "../retention/reasons.js";
import { reasonTexts } from "../model/explain.js";
import type { Scored } from "./score-chunks.js";

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Append the plan to table `risk_list` (rank order). The subscriber's position comes from `plan.index(r)`.
 */
export async function appendPlan(db: Db, plan: Plan, scored: Scored, rc: ReasonColumns): Promise<void> {
  await db.run("DROP TABLE IF EXISTS risk_list");
  await db.run(`CREATE TABLE risk_list (rank BIGINT, subscriber_id VARCHAR, probability DOUBLE, band VARCHAR, segment VARCHAR, value_tier VARCHAR,
    arpu DOUBLE, customer_value DOUBLE, value_at_risk DOUBLE, action VARCHAR, action_cost DOUBLE, expected_net_value DOUBLE, selected VARCHAR,
    "group" VARCHAR, channel VARCHAR, reason_1 VARCHAR, reason_2 VARCHAR, reason_3 VARCHAR, preferred_channel VARCHAR, raw_score DOUBLE,
    contract_type VARCHAR, days_to_contract_end DOUBLE)`);
  const app = await db.conn.createAppender("risk_list");
  for (let r = 0; r < plan.size; r++) {
    const row = plan.row(r);
    const i = plan.index(r);
    const reasons = reasonTexts(rc, scored.reasonCol, scored.reasonVal, i);
    app.appendBigInt(BigInt(row.rank));
    app.appendVarchar(row.subscriber_id);
    app.appendDouble(r6(row.churn_probability));
    app.appendVarchar(row.risk_band);
    app.appendVarchar(row.segment);
    app.appendVarchar(row.value_tier);
    Number.isFinite(row.monthly_arpu) ? app.appendDouble(r2(row.monthly_arpu)) : app.appendNull();
    app.appendDouble(r2(row.customer_value));
    app.appendDouble(r2(row.value_at_risk));
    app.appendVarchar(row.recommended_action);
    app.appendDouble(r2(row.action_cost));
    app.appendDouble(r2(row.expected_net_value));
    app.appendVarchar(row.selected ? "yes" : "no");
    row.group ? app.appendVarchar(row.group) : app.appendNull();
    row.channel ? app.appendVarchar(row.channel) : app.appendNull();
    for (let k = 0; k < 3; k++) {
      const t = reasons[k];
      t === undefined ? app.appendNull() : app.appendVarchar(t);
    }
    row.preferred_channel ? app.appendVarchar(row.preferred_channel) : app.appendNull();
    app.appendDouble(r6(scored.raw[i]!));
    // the contract as seen now: a later run sees a renewal as this end moving forward (monitoring/changes.ts)
    const ct = scored.text.contractType?.[i];
    ct ? app.appendVarchar(ct) : app.appendNull();
    const dte = scored.num.daysToContractEnd?.[i];
    dte !== undefined && Number.isFinite(dte) ? app.appendDouble(Math.round(dte)) : app.appendNull();
    app.endRow();
  }
  app.closeSync();
}

const RISK_COLUMNS =
  'rank, subscriber_id, probability, band, segment, value_tier, arpu, customer_value, value_at_risk, action, action_cost, expected_net_value, selected, "group", channel, reason_1, reason_2, reason_3, preferred_channel';

/** risk_list was appended in rank order, and DuckDB keeps insertion order (no 10M-row sort needed). */
export async function writeRiskList(db: Db, dir: string): Promise<void> {
  await db.run(`COPY (SELECT ${RISK_COLUMNS} FROM risk_list) TO ${quoteLiteral(`${dir}/risk_list.csv`)} (FORMAT csv, HEADER true)`);
  await db.run(`COPY (SELECT ${RISK_COLUMNS} FROM risk_list) TO ${quoteLiteral(`${dir}/risk_list.parquet`)} (FORMAT parquet)`);
}

export async function writeScores(db: Db, dir: string, asOf: string | null): Promise<void> {
  const asOfSql = asOf === null ? "CAST(NULL AS DATE)" : `CAST(${quoteLiteral(asOf)} AS DATE)`;
  await db.run(
    `COPY (SELECT subscriber_id, ${asOfSql} AS as_of, probability, band, raw_score, contract_type,
       CAST(${asOfSql} + CAST(days_to_contract_end AS INTEGER) AS DATE) AS contract_end FROM risk_list ORDER BY subscriber_id)
     TO ${quoteLiteral(`${dir}/scores.parquet`)} (FORMAT parquet)`,
  );
}

export async function writeRejectsCsv(db: Db, dir: string): Promise<void> {
  await db.run(
    `COPY (SELECT table_name AS "table", file, row, column_name AS "column", value, reason, detail FROM rejects ORDER BY table_name, row NULLS LAST, value)
     TO ${quoteLiteral(`${dir}/rejects.csv`)} (FORMAT csv, HEADER true)`,
  );
}
