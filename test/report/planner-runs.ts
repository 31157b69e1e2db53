/**
 * Real scoring runs for the planner page's tests, built in seconds: a seeded feature table (every column the plan
 * reads, three monthly as-of dates, fixed terms that end, renew or lapse, subscribers who leave), a logistic model
 * trained on it, and `churn score` runs from it. Same seed → same runs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { type ScoreOptions, scoreRun } from "../../src/pipeline/score.js";
import { renderModelCardHtml } from "../../src/report/from-model.js";
import { rng } from "../../src/rng.js";

export const AS_OF = ["2026-03-31", "2026-04-30", "2026-05-31"] as const;

const DAY = 86_400_000;
const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / DAY);
const addMonths = (iso: string, m: number) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + m);
  return d.toISOString().slice(0, 10);
};

/**
 * Write the feature table (CSV). Labels are known for the first two as-of dates. A subscriber whose label is 1
 * left within the month and is absent from later snapshots; a fixed term past its end renews (end + term) for
 * 60% of those who stay, else the contract becomes month_to_month.
 */
export function writePlannerFeatures(path: string, subscribers = 600, seed = 17): void {
  const r = rng(seed);
  const lines = [
    "subscriber_id,as_of,label,tenure_days,arpu_3m,days_to_contract_end,contract_type,open_complaints,active_products,preferred_channel,discount_share_3m,price_increase_90d,complaints_90d,dropped_calls_30d,sessions_30d",
  ];
  const subs = Array.from({ length: subscribers }, (_, i) => {
    const contract = ["prepaid", "month_to_month", "fixed_12m", "fixed_24m"][Math.floor(r() * 4)]!;
    const term = contract === "fixed_12m" ? 12 : contract === "fixed_24m" ? 24 : 0;
    return {
      id: `S${String(i).padStart(4, "0")}`,
      risk: r() * 2 - 1,
      activated: -Math.floor(r() * 1500) - 20,
      arpu: Math.round((12 + r() * 70) * 100) / 100,
      contract,
      term,
      end: term ? addMonths("2026-03-01", Math.floor(r() * 5) - 1).slice(0, 8) + String(1 + Math.floor(r() * 28)).padStart(2, "0") : null,
      products: 1 + Math.floor(r() * 3),
      channel: ["sms", "email", "app", "phone"][Math.floor(r() * 4)]!,
      discount: r() < 0.3 ? Math.round(r() * 30) / 100 : 0,
      gone: false,
    };
  });
  for (const asOf of AS_OF) {
    for (const s of subs) {
      if (s.gone) continue;
      // a fixed term that ended before this as-of renews or lapses
      if (s.end !== null && s.end < asOf) {
        if (r() < 0.6) s.end = addMonths(s.end, s.term);
        else {
          s.end = null;
          s.contract = "month_to_month";
        }
      }
      const complaints = r() < 0.25 + 0.15 * s.risk ? 1 + Math.floor(r() * 3) : 0;
      const dropped = Math.floor(r() * 6 * (1 + s.risk));
      const sessions = Math.max(0, Math.round(30 - 20 * s.risk + 10 * (r() - 0.5)));
      const toEnd = s.end === null ? "" : String(days(asOf, s.end));
      const z = -2.6 + 1.3 * s.risk + 0.6 * complaints + 0.05 * dropped - 0.02 * sessions + (s.contract === "month_to_month" ? 0.5 : 0) + (toEnd !== "" && Number(toEnd) < 45 ? 0.8 : 0);
      const churn = r() < 1 / (1 + Math.exp(-z));
      const label = asOf === AS_OF[2] ? "" : churn ? "1" : "0";
      lines.push(
        [s.id, asOf, label, days("2026-01-01", asOf) - s.activated, s.arpu, toEnd, s.contract, complaints, s.products, s.channel, s.discount, r() < 0.1 ? 1 : 0, complaints + (r() < 0.2 ? 1 : 0), dropped, sessions].join(","),
      );
      if (label === "1") s.gone = true;
    }
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/** A config where a capacity binds, so the selection's capacity handling and repair matter. */
export function plannerConfig() {
  const base = defaultConfig();
  return {
    ...base,
    retention: { ...base.retention, actions: base.retention.actions.map((a) => (a.id === "care_call" ? { ...a, capacity: 12 } : a.id === "renewal_offer" ? { ...a, capacity: 9 } : a)) },
  };
}

/** The feature table and a trained logistic model (registered as champion, with its model card) under `dir`. */
export async function plannerModel(dir: string): Promise<{ features: string; models: string }> {
  const features = join(dir, "features.csv");
  writePlannerFeatures(features);
  const models = join(dir, "models");
  const input = await featureTrainingInput(features, "30d");
  await trainAndRegister(input, { model: "logistic", seed: 1, calibration: "none", modelsDir: models, id: "lr", renderCard: renderModelCardHtml });
  return { features, models };
}

/** `churn score` on the feature table at `asOf` into `out`. */
export function plannerRun(m: { features: string; models: string }, out: string, asOf: string, extra: Partial<ScoreOptions> = {}) {
  return scoreRun({ model: join(m.models, "champion"), features: m.features, asOf, out, config: plannerConfig(), allowDrift: true, ...extra });
}
