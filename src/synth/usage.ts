/**
 * Daily usage, generated in DuckDB SQL from per-subscriber parameters (levels, activity probability,
 * disengagement onset/recovery, region) with deterministic hash noise keyed by (seed, subscriber, day):
 * weekly seasonality, log-normal day-to-day noise, days without activity left out, outage days in the
 * subscriber's region cut data and drop calls, and usage fades after disengagement begins.
 * No JS object per row: 1M subscribers x 180 days stream straight into the output file.
 */
import { quoteLiteral } from "../io/duckdb.js";
import type { World } from "./world.js";

/** Uniform in [0,1) from 16 bits of a 64-bit hash (DOUBLE arithmetic: decimal literals would be slow). */
const u16 = (h: string, k: number) => `(((${h} >> ${16 * k}) & 65535)::DOUBLE * 1.52587890625e-05)`;
const dbl = (x: number) => `${x}::DOUBLE`;

/** SQL of the usage rows (staging columns; the writer maps them to the contract's columns). */
export function usageSql(w: World, seed: number): string {
  const s1 = Math.abs(seed) % 2147483647;
  const s2 = (s1 + 7919) % 2147483647;
  const masks = w.outageMask.map((m, r) => `WHEN ${r} THEN ${quoteLiteral(m)}::BIT`).join(" ");
  return `
WITH days AS (
  SELECT sid, id, bv, bd, bs, bss, ap, onset, recovered, reg, unnest(range(u0, u1 + 1)) AS day FROM st_usage_params
), h AS (
  SELECT id, bv, bd, bs, bss, ap, day,
    hash(${s1}, sid, day) AS h1, hash(${s2}, sid, day) AS h2,
    CASE WHEN onset IS NOT NULL AND day >= onset AND (recovered IS NULL OR day < recovered)
      THEN greatest(${dbl(0.15)}, ${dbl(1)} - ${dbl(0.012)} * (day - onset)) ELSE ${dbl(1)} END AS eng,
    get_bit(CASE reg ${masks} END, (day - ${w.start})::INTEGER) = 1 AS outage,
    ((day + 4) % 7) AS dow
  FROM days
)
SELECT id, day,
  round(bv * eng * (CASE WHEN dow IN (0, 6) THEN ${dbl(0.75)} ELSE ${dbl(1.1)} END)
    * (${dbl(0.5)} + ${u16("h1", 0)}) * (${dbl(0.5)} + ${u16("h1", 1)}), 1) AS voice_minutes,
  round(bd * eng * (CASE WHEN dow IN (0, 6) THEN ${dbl(1.3)} ELSE ${dbl(0.88)} END) * (CASE WHEN outage THEN ${dbl(0.45)} ELSE ${dbl(1)} END)
    * (${dbl(0.5)} + ${u16("h1", 2)}) * (${dbl(0.5)} + ${u16("h1", 3)}), 1) AS data_mb,
  floor(bs * eng * ${dbl(2)} * ${u16("h2", 0)} + ${dbl(0.2)})::INTEGER AS sms,
  floor(bss * (${dbl(0.4)} + ${dbl(0.6)} * eng) * ${dbl(2)} * ${u16("h2", 1)} + ${dbl(0.25)})::INTEGER AS sessions,
  (CASE WHEN bv * eng < ${dbl(0.5)} THEN 0
        WHEN outage THEN floor(${dbl(4)} * ${u16("h2", 2)})
        WHEN ${u16("h2", 2)} < ${dbl(0.015)} THEN 1 ELSE 0 END)::INTEGER AS dropped_calls
FROM h
WHERE ${u16("h2", 3)} < ap * (${dbl(0.35)} + ${dbl(0.65)} * eng)`;
}
