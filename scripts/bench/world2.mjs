#!/usr/bin/env node
/**
 * A second synthetic world, shaped independently of `churn generate`, to check that the plan is not tuned to
 * one world. An ISP whose base is mostly broadband households, simulated month by month (not a daily hazard),
 * with other product names, other churn drivers and another effect structure:
 *
 *   churn     monthly hazard = base x tenure x contract (end within 30 days: x4) x open ticket x drift (a slow
 *             decline of use that has run for months) x price rise (price-sensitive, 60 days) x outage region;
 *             the day of leaving is uniform within the month
 *   products  internet (everyone) + tv / phone (landline) / mobile; voice and SMS only with phone or mobile
 *   effects   smooth in what is visible in the history, with harm:
 *               care_call            0.5 with an open ticket; 1.15 when contacted in the last 30 days; else 0.95
 *               complaint_fasttrack  0.55 with an open ticket, else 1
 *               network_fix          0.6 with a network ticket in the last 60 days, else 1
 *               price_incentive      0.6 after a price rise (60 days), 0.8 in the last 60 days of a contract,
 *                                    1.3 for customers of 6+ years with no complaint in a year (reminded to
 *                                    shop around), else 0.97
 *               renewal_offer        0.5 in the last 45 days of a contract, else 1
 *               digital_nudge        0.7 while use has fallen by more than 30% against months 4-9, 1.25 with
 *                                    an open ticket, else 1
 *               bundle_addon         0.75 for a single-product customer whose use has fallen, else 0.98
 *               loyalty_points       0.9 for tenure over 3 years, else 1
 *               referral_invite      0.95 after an NPS of 9-10, else 1
 *             a contact within 30 days halves a helpful effect's log (m^0.5); effects last 45 days
 *   campaigns nine waves about five weeks apart, 7-10% of active customers, control groups of 20-29%
 *
 * `--variant 3` builds a third world on the same machinery, written after the plan's modifiers and segments were
 * set and never used to choose them: other churn drivers and effects keyed on other observable things.
 *   churn     as above but no price-rise churn; x2 after a bill paid late (the last ended month), x1.6 for an NPS
 *             detractor (latest answer 0-4), renewal spike x3
 *   effects   care_call            0.6 for high-value customers of 2+ years; 1.2 for low-value ones contacted in
 *                                    the last 45 days; else 0.97
 *             complaint_fasttrack  0.5 with an open billing ticket, 0.85 with another open ticket, else 1
 *             network_fix          0.55 after a network ticket in the last 30 days; 1.1 with none in 180 days
 *             price_incentive      0.6 after a late payment; 0.75 for low-value detractors; 1.25 for high-value
 *                                    promoters (NPS 9-10); else 0.97
 *             renewal_offer        0.55 in the last 60 days of a contract; 1.2 for month-to-month customers of 5+
 *                                    years; else 1
 *             digital_nudge        0.7 for app users whose use has fallen by a fifth; 1.15 for phone-preferring
 *                                    customers; else 0.98
 *             bundle_addon         0.8 with exactly two products, else 1
 *             loyalty_points       0.85 for tenure over 5 years, else 0.98
 *             referral_invite      0.9 after an NPS of 9-10, 1.15 after one of 0-4, else 1
 *             a contact within 45 days takes a helpful effect to m^0.3; effects last 45 days
 *   campaigns eleven waves about four weeks apart, 6-8% of active customers, control groups of 15-25%
 *
 * Writes the seven canonical tables (Parquet) and truth/ in churn's truth format: monthly.parquet
 * (subscriber_id, month_start, p_churn_30d, churned_30d, m_<action>) and subscribers.parquet.
 *
 *   npm run build && node scripts/bench/world2.mjs --subscribers 30000 --seed 1 --out /tmp/world2
 */
import { mkdirSync, rmSync, createWriteStream } from "node:fs";
import { once } from "node:events";
import { withDb, quoteLiteral } from "../../dist/io/duckdb.js";
import { ACTIONS } from "../../dist/contract/tables.js";
import { rng } from "../../dist/rng.js";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const N = Number(opt("subscribers", 30000));
const SEED = Number(opt("seed", 1));
const OUT = opt("out", "/tmp/world2");
const VARIANT = Number(opt("variant", 2));
if (VARIANT !== 2 && VARIANT !== 3) throw new Error(`--variant ${VARIANT}: 2 or 3`);
const V3 = VARIANT === 3;
const MONTHS = 12;
const END = Date.UTC(2026, 5, 30) / 86_400_000; // 2026-06-30
const START = Date.UTC(2025, 6, 1) / 86_400_000; // 2025-07-01

const world = rng(SEED * 7919 + 17);
const iso = (d) => new Date(d * 86_400_000).toISOString().slice(0, 10);
const monthStarts = [];
for (let m = 0; m < MONTHS; m++) monthStarts.push(Date.UTC(2025, 6 + m, 1) / 86_400_000);
const REGIONS = ["harbour", "hills", "old_town", "new_town", "valley"];
const REGION_OUTAGE = [0.02, 0.06, 0.03, 0.01, 0.05]; // daily outage probability
const outage = REGIONS.map(() => new Uint8Array(END - START + 1));
for (let r = 0; r < REGIONS.length; r++) for (let d = 0; d <= END - START; d++) outage[r][d] = world() < REGION_OUTAGE[r] ? 1 : 0;
const PRICE_RISE = Date.UTC(2026, 0, 1) / 86_400_000; // January 1st, +8% for contract customers
const campaigns = [];
if (V3) {
  for (let d = START + 15 + Math.floor(world() * 10); d <= END - 5 && campaigns.length < 11; d += 26 + Math.floor(world() * 8)) {
    campaigns.push({ day: d, sample: 0.06 + world() * 0.02, control: 0.15 + world() * 0.1 });
  }
} else {
  for (let d = START + 20 + Math.floor(world() * 10); d <= END - 5 && campaigns.length < 9; d += 33 + Math.floor(world() * 10)) {
    campaigns.push({ day: d, sample: 0.07 + world() * 0.03, control: 0.2 + world() * 0.09 });
  }
}
const EFFECT_DAYS = 45;
const REPEAT_DAYS = V3 ? 45 : 30;
const CHANNELS = ["email", "sms", "phone", "app", ""];

/** Variant 3: whether the customer paid the last ended month's bill late (billing shows it from then on). */
const lateLastMonth = (s, d) => {
  const m = monthStarts.findLastIndex((ms) => ms <= d);
  return m >= 1 && s.lateByMonth[m - 1] === true;
};

/** Variant 3's true multiplier of `action` for a customer in state `s` on day `d`. */
function multiplier3(action, s, d) {
  const recent = d - s.lastContact < REPEAT_DAYS;
  const daysToEnd = s.contractEnd >= 0 ? s.contractEnd - d : Number.POSITIVE_INFINITY;
  const tenure = d - s.activation;
  const promoter = s.lastNps >= 9;
  const detractor = s.lastNps >= 0 && s.lastNps <= 4;
  let m = 1;
  switch (action) {
    case "care_call":
      m = !s.lowValue && tenure > 2 * 365 ? 0.6 : s.lowValue && recent ? 1.2 : 0.97;
      break;
    case "complaint_fasttrack":
      m = s.ticketUntil > d ? (s.openCategory === "billing" ? 0.5 : 0.85) : 1;
      break;
    case "network_fix":
      m = d - s.lastNetworkTicket < 30 ? 0.55 : d - s.lastNetworkTicket > 180 ? 1.1 : 1;
      break;
    case "price_incentive":
      m = lateLastMonth(s, d) ? 0.6 : s.lowValue && detractor ? 0.75 : !s.lowValue && promoter ? 1.25 : 0.97;
      break;
    case "renewal_offer":
      m = daysToEnd >= 0 && daysToEnd <= 60 ? 0.55 : s.contractEnd < 0 && s.contract === "month_to_month" && tenure > 5 * 365 ? 1.2 : 1;
      break;
    case "digital_nudge":
      m = s.channel === "app" && s.drift > 0.2 ? 0.7 : s.channel === "phone" ? 1.15 : 0.98;
      break;
    case "bundle_addon":
      m = s.products.length === 2 ? 0.8 : 1;
      break;
    case "loyalty_points":
      m = tenure > 5 * 365 ? 0.85 : 0.98;
      break;
    case "referral_invite":
      m = promoter ? 0.9 : detractor ? 1.15 : 1;
      break;
  }
  if (recent && m < 1) m = m ** 0.3;
  return m;
}

/** The true multiplier of `action` for a customer in state `s` on day `d`. */
function multiplier(action, s, d) {
  if (V3) return multiplier3(action, s, d);
  const open = s.ticketUntil > d;
  const recent = d - s.lastContact < REPEAT_DAYS;
  const daysToEnd = s.contractEnd >= 0 ? s.contractEnd - d : Number.POSITIVE_INFINITY;
  const fallen = s.drift > 0.3;
  let m = 1;
  switch (action) {
    case "care_call":
      m = open ? 0.5 : recent ? 1.15 : 0.95;
      break;
    case "complaint_fasttrack":
      m = open ? 0.55 : 1;
      break;
    case "network_fix":
      m = d - s.lastNetworkTicket < 60 ? 0.6 : 1;
      break;
    case "price_incentive":
      m = s.priceSensitive && d - PRICE_RISE >= 0 && d - PRICE_RISE < 60 && s.contract !== "prepaid" ? 0.6 : daysToEnd >= 0 && daysToEnd <= 60 ? 0.8 : d - s.activation > 6 * 365 && d - s.lastComplaint > 365 ? 1.3 : 0.97;
      break;
    case "renewal_offer":
      m = daysToEnd >= 0 && daysToEnd <= 45 ? 0.5 : 1;
      break;
    case "digital_nudge":
      m = open ? 1.25 : fallen ? 0.7 : 1;
      break;
    case "bundle_addon":
      m = s.products.length === 1 && fallen ? 0.75 : 0.98;
      break;
    case "loyalty_points":
      m = d - s.activation > 3 * 365 ? 0.9 : 1;
      break;
    case "referral_invite":
      m = s.lastNps >= 9 ? 0.95 : 1;
      break;
  }
  if (recent && m < 1) m = m ** 0.5;
  return m;
}

/** The hazard's factors of each variant (variant 3: the same shape with other sizes and drivers). */
const HAZARD = V3
  ? { base: 0.01, lowValue: 1.3, spike: 3, ticket: 2, drift: 4, outage: 6, bundled: 0.7 }
  : { base: 0.011, lowValue: 1.4, spike: 4, ticket: 2.5, drift: 5, outage: 8, bundled: 0.6 };

/** Monthly hazard (expected departures per 30 days) in state s on day d, before any contact effect. */
function hazard(s, d) {
  const k = HAZARD;
  let h = k.base * (s.lowValue ? k.lowValue : 1);
  const tenure = d - s.activation;
  h *= 1 + 1.5 * Math.exp(-tenure / 240);
  if (s.contractEnd >= 0) {
    const toEnd = s.contractEnd - d;
    h *= toEnd >= -15 && toEnd <= 30 ? k.spike : toEnd > 30 ? 0.4 : 1.3;
  } else h *= s.contract === "prepaid" ? 1.5 : 1.2;
  if (s.ticketUntil > d) h *= k.ticket;
  h *= 1 + k.drift * s.drift;
  if (V3) {
    // a bill paid late last month, an NPS detractor; no price-rise churn
    if (lateLastMonth(s, d)) h *= 2;
    if (s.lastNps >= 0 && s.lastNps <= 4) h *= 1.6;
  } else if (s.priceSensitive && d - PRICE_RISE >= 0 && d - PRICE_RISE < 60 && s.contract !== "prepaid") h *= 1.8;
  h *= 1 + k.outage * REGION_OUTAGE[s.region];
  if (s.products.length >= 3) h *= k.bundled;
  return h;
}

const lines = { subscribers: [], billing: [], complaints: [], products: [], surveys: [], campaigns: [], monthly: [], truthSubs: [] };
mkdirSync(`${OUT}/truth`, { recursive: true });
const usagePath = `${OUT}/usage.csv`;
const usage = createWriteStream(usagePath);
usage.write("subscriber_id,date,voice_minutes,data_mb,sms,sessions,dropped_calls\n");
let usageBuf = [];
const flushUsage = async () => {
  if (!usage.write(usageBuf.join(""))) await once(usage, "drain");
  usageBuf = [];
};

for (let i = 0; i < N; i++) {
  const r = rng(SEED * 1_000_003 + i * 31 + 1);
  const id = `C${String(i + 1).padStart(6, "0")}`;
  const isNew = r() < 0.2;
  const activation = isNew ? START + Math.floor(r() * (END - START - 30)) : START - 30 - Math.floor(r() ** 1.5 * 3000);
  const contract = r() < 0.45 ? "fixed_24m" : r() < 0.5 ? "fixed_12m" : r() < 0.1 ? "prepaid" : "month_to_month";
  const term = contract === "fixed_24m" ? 730 : contract === "fixed_12m" ? 365 : 0;
  let contractEnd = -1;
  if (term) {
    contractEnd = activation + term;
    while (contractEnd < START - 15) contractEnd += term;
  }
  const products = ["internet"];
  if (r() < 0.35) products.push("tv");
  if (r() < 0.3) products.push("phone");
  if (r() < 0.2) products.push("mobile");
  const lowValue = r() < 0.4;
  const fee = Math.round((lowValue ? 25 : 45) + products.length * 9 + r() * 10);
  const s = {
    activation,
    contract,
    contractEnd,
    products,
    region: Math.floor(r() * REGIONS.length),
    lowValue,
    priceSensitive: r() < (lowValue ? 0.6 : 0.25),
    drift: 0,
    driftRate: 0,
    ticketUntil: -1e9,
    lastComplaint: -1e9,
    lastNetworkTicket: -1e9,
    lastContact: -1e9,
    lastNps: -1,
    effectM: 1,
    effectUntil: -1e9,
    // variant 3: the preferred channel (drawn here), each month's late payment, the open ticket's category
    channel: V3 ? CHANNELS[Math.floor(r() * CHANNELS.length)] : null,
    lateByMonth: [],
    openCategory: null,
  };
  const voice = products.includes("phone") || products.includes("mobile");
  const sms = products.includes("mobile");
  const dataLevel = (lowValue ? 900 : 2500) * Math.exp(0.6 * (r() - 0.5));
  const voiceLevel = voice ? (products.includes("mobile") ? 12 : 5) * Math.exp(0.5 * (r() - 0.5)) : 0;
  const sessLevel = 0.2 + r() * 0.5;
  let deact = -1;
  for (let d = Math.max(START, activation); d <= END; d++) {
    const dayIdx = d - START;
    if (monthStarts.includes(d)) {
      // month start: drift begins / progresses, truth row
      if (s.driftRate === 0 && r() < 0.02) s.driftRate = 0.04 + r() * 0.06;
      if (V3) s.lateByMonth[monthStarts.indexOf(d)] = r() < (s.lowValue ? (s.priceSensitive ? 0.18 : 0.07) : 0.03) + 0.1 * s.drift;
      const h = hazard(s, d);
      const active = s.effectUntil > d ? s.effectM : 1;
      let H = 0;
      for (let k = 0; k < 30; k++) H += (h / 30) * (d + k < s.effectUntil ? active : 1) * (1 + (s.driftRate * k) / 30 * 5);
      const p = 1 - Math.exp(-H);
      lines.monthly.push({ id, d, p, m: ACTIONS.map((a) => multiplier(a, s, d)) });
    }
    if (s.driftRate > 0) s.drift = Math.min(0.9, s.drift + s.driftRate / 30);
    // campaigns
    const c = campaigns.find((x) => x.day === d);
    if (c && r() < c.sample) {
      const action = ACTIONS[Math.floor(r() * ACTIONS.length)];
      const treated = r() >= c.control;
      lines.campaigns.push(`${id},${iso(d)},${action},${treated ? "treatment" : "control"}`);
      if (treated) {
        s.effectM = multiplier(action, s, d);
        s.effectUntil = d + EFFECT_DAYS;
        s.lastContact = d;
      }
    }
    // events of the day
    const out = outage[s.region][dayIdx] === 1;
    if (r() < (out ? 0.03 : 0.0015)) {
      const cat = out ? "network" : ["billing", "service", "other", "network"][Math.floor(r() * 4)];
      const len = 2 + Math.floor(r() * 30);
      if (V3 && d + len > s.ticketUntil) s.openCategory = cat;
      s.ticketUntil = Math.max(s.ticketUntil, d + len);
      s.lastComplaint = d;
      if (cat === "network") s.lastNetworkTicket = d;
      lines.complaints.push(`${id},${iso(d)},${cat},${d + len <= END ? iso(d + len) : ""}`);
    }
    if (r() < 0.0015) {
      const nps = Math.max(0, Math.min(10, Math.round(8 - 4 * s.drift - (s.ticketUntil > d ? 3 : 0) + 2 * (r() - 0.5))));
      s.lastNps = nps;
      lines.surveys.push(`${id},${iso(d)},${nps}`);
    }
    if (s.contractEnd >= 0 && d === s.contractEnd + 16) {
      if (r() < 0.5) s.contractEnd += term;
      else s.contractEnd = -1;
    }
    // churn
    const h = hazard(s, d) / 30 * (s.effectUntil > d ? s.effectM : 1);
    if (d > activation && r() < 1 - Math.exp(-h)) {
      deact = d;
      break;
    }
    // usage of the day
    const eng = 1 - s.drift;
    if (r() < 0.9 * (0.4 + 0.6 * eng)) {
      const wk = (d + 4) % 7 >= 5 ? 1.25 : 0.9;
      const dm = Math.round(dataLevel * eng * wk * (0.5 + r()) * (out ? 0.4 : 1) * 10) / 10;
      const vm = voice ? Math.round(voiceLevel * eng * (0.3 + 1.4 * r()) * 10) / 10 : 0;
      const sm = sms ? Math.floor(3 * eng * r()) : 0;
      const se = Math.floor(sessLevel * (0.5 + eng) * 2 * r() + 0.2);
      const dc = voice && out && vm > 0 ? Math.floor(3 * r()) : 0;
      usageBuf.push(`${id},${iso(d)},${vm},${dm},${sm},${se},${dc}\n`);
    }
  }
  if (usageBuf.length > 50000) await flushUsage();
  const contractType = s.contractEnd >= 0 ? contract : contract === "prepaid" ? "prepaid" : "month_to_month";
  lines.subscribers.push(`${id},${iso(activation)},${deact >= 0 ? iso(deact) : ""},${products.join("_")}_${lowValue ? "basic" : "plus"},${contractType},${s.contractEnd >= 0 ? iso(s.contractEnd) : ""},${fee},${REGIONS[s.region]},${V3 ? s.channel : CHANNELS[Math.floor(r() * 5)]}`);
  // extra products were added on the way (never after the data's end or the customer's departure)
  const lastDay = deact >= 0 ? deact - 1 : END;
  products.forEach((p, k) => {
    lines.products.push(`${id},${p},${iso(k === 0 ? activation : Math.min(lastDay, activation + Math.floor(r() * 400)))},`);
  });
  for (const ms of monthStarts) {
    if (ms < activation || (deact >= 0 && ms > deact)) continue;
    if (ms > END) continue;
    const bill = fee * (ms >= PRICE_RISE && contract !== "prepaid" ? 1.08 : 1);
    const disc = s.lowValue && r() < 0.2 ? Math.round(bill * 0.15 * 100) / 100 : 0;
    const late = V3 ? s.lateByMonth[monthStarts.indexOf(ms)] === true : r() < 0.05;
    lines.billing.push(`${id},${iso(ms)},${Math.round((bill - disc) * 100) / 100},${disc},${late}`);
  }
  lines.truthSubs.push(`${id},${s.lowValue ? "low" : "high"},${s.priceSensitive},${s.driftRate > 0}`);
  for (const row of lines.monthly) row.deact = deact;
  lines.monthlyDone = (lines.monthlyDone ?? []).concat(lines.monthly.map((x) => ({ ...x, deact })));
  lines.monthly = [];
}
await flushUsage();
usage.end();
await once(usage, "finish");

const write = (name, header, rows) => {
  const f = `${OUT}/${name}.csv`;
  const s = createWriteStream(f);
  s.write(`${header}\n${rows.join("\n")}\n`);
  s.end();
  return once(s, "finish").then(() => f);
};
await write("subscribers", "subscriber_id,activation_date,deactivation_date,plan,contract_type,contract_end_date,monthly_fee,region,preferred_channel", lines.subscribers);
await write("billing", "subscriber_id,month,amount_billed,discount,paid_late", lines.billing);
await write("complaints", "subscriber_id,opened_at,category,resolved_at", lines.complaints);
await write("products", "subscriber_id,product,start_date,end_date", lines.products);
await write("surveys", "subscriber_id,date,nps", lines.surveys);
await write("campaigns", "subscriber_id,date,action,group", lines.campaigns);
const monthly = lines.monthlyDone.map((x) => `${x.id},${iso(x.d)},${x.p},${x.d + 29 > END ? "" : x.deact >= x.d && x.deact <= x.d + 29},${x.m.join(",")}`);
await write("truth/monthly", `subscriber_id,month_start,p_churn_30d,churned_30d,${ACTIONS.map((a) => `m_${a}`).join(",")}`, monthly);
await write("truth/subscribers", "subscriber_id,value_tier,price_sensitive,drifting", lines.truthSubs);

await withDb(async (db) => {
  for (const t of ["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"]) {
    await db.run(`COPY (SELECT * FROM read_csv(${quoteLiteral(`${OUT}/${t}.csv`)}, header = true, all_varchar = false)) TO ${quoteLiteral(`${OUT}/${t}.parquet`)} (FORMAT parquet)`);
    rmSync(`${OUT}/${t}.csv`);
  }
  await db.run(`COPY (SELECT * FROM read_csv(${quoteLiteral(`${OUT}/truth/monthly.csv`)}, header = true)) TO ${quoteLiteral(`${OUT}/truth/monthly.parquet`)} (FORMAT parquet)`);
  await db.run(
    `COPY (SELECT subscriber_id, 'world${VARIANT}' AS segment, value_tier, price_sensitive, false AS service_sensitive, drifting AS dormant FROM read_csv(${quoteLiteral(`${OUT}/truth/subscribers.csv`)}, header = true)) TO ${quoteLiteral(`${OUT}/truth/subscribers.parquet`)} (FORMAT parquet)`,
  );
  rmSync(`${OUT}/truth/monthly.csv`);
  rmSync(`${OUT}/truth/subscribers.csv`);
  const r = await db.one(`SELECT count(*) AS n, avg(p_churn_30d) AS p, avg(CAST(churned_30d AS INTEGER)) AS c FROM read_parquet(${quoteLiteral(`${OUT}/truth/monthly.parquet`)})`);
  console.log(`world${VARIANT}: ${N} subscribers, ${campaigns.length} campaigns, ${lines.campaigns.length} contacts; monthly rows ${r.n}, mean p ${Number(r.p).toFixed(4)}, realised ${Number(r.c).toFixed(4)} -> ${OUT}`);
});
