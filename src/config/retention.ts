/**
 * The `retention` section of the pipeline config (plugged into schema.ts). Every option has a
 * default; `actions` replaces the default catalog as a whole when given.
 */
import { z } from "zod";
import { ACTION_IDS, CONTRACT_TYPES, RENEWAL_WINDOW_DAYS, SEGMENT_DIM_NAMES } from "../ids.js";
import { catalogSchema, DEFAULT_CATALOG, effectDims } from "./catalog.js";
import { contactRulesSchema, holdoutSchema, periodBudgetSchema } from "./operation.js";

const prob = z.number().gt(0).max(1);

export const segmentsConfigSchema = z
  .object({
    valueTier: z
      .object({
        by: z.enum(["value", "arpu"]).default("value").describe("rank subscribers by customer value or by monthly ARPU"),
        method: z
          .enum(["quantile", "amount"])
          .default("quantile")
          .describe("quantile: high/mid are quantiles of the scored population; amount: they are amounts"),
        high: z.number().min(0).default(0.8).describe("at or above this → high tier (quantile 0.8 = top 20%)"),
        mid: z.number().min(0).default(0.4).describe("at or above this → mid tier, else low"),
      })
      .strict()
      .refine((v) => v.high >= v.mid, { message: "high must be >= mid" })
      .refine((v) => v.method === "amount" || v.high <= 1, { message: "quantiles must be between 0 and 1" })
      .default({ by: "value", method: "quantile", high: 0.8, mid: 0.4 }),
    priceSensitivity: z
      .object({
        discountShareMin: z.number().min(0).max(1).default(0.1).describe("signal: discount is at least this share of the bill"),
        lowArpuQuantile: z.number().min(0).max(1).default(0.25).describe("signal: ARPU in this lowest share of the population"),
        lowArpuAmount: z.number().min(0).optional().describe("signal: ARPU below this amount (replaces lowArpuQuantile)"),
        flexibleContracts: z
          .array(z.enum(CONTRACT_TYPES))
          .default(["prepaid", "month_to_month"])
          .describe("signal: contract types the subscriber can leave at any time"),
        priceIncreaseMin: z.number().min(0).default(0.05).describe("signal: the fee rose by at least this share recently"),
        minSignals: z.number().int().min(1).max(4).default(2).describe("price-sensitive when at least this many signals"),
      })
      .strict()
      .default({
        discountShareMin: 0.1,
        lowArpuQuantile: 0.25,
        flexibleContracts: ["prepaid", "month_to_month"],
        priceIncreaseMin: 0.05,
        minSignals: 2,
      }),
    tenure: z
      .object({
        newMonths: z.number().min(0).max(1200).default(6).describe("tenure below this many months → new"),
        loyalMonths: z.number().min(0).max(1200).default(36).describe("tenure above this many months → loyal"),
      })
      .strict()
      .refine((v) => v.loyalMonths >= v.newMonths, { message: "loyalMonths must be >= newMonths" })
      .default({ newMonths: 6, loyalMonths: 36 }),
    contract: z
      .object({
        renewalWindowDays: z
          .number()
          .int()
          .min(0)
          .max(3660)
          .default(RENEWAL_WINDOW_DAYS)
          .describe("fixed term ending within this many days → renewal window"),
      })
      .strict()
      .default({ renewalWindowDays: RENEWAL_WINDOW_DAYS }),
    usage: z
      .object({
        fallingPct: z
          .number()
          .min(1)
          .max(100)
          .default(30)
          .describe(
            "falling when use in the last 30 days is at least this many % below the subscriber's own months 4-9 (data, voice, sessions or active days; without an own past: the last 30 vs the previous 60 days)",
          ),
        fallingMeasures: z
          .number()
          .int()
          .min(1)
          .max(4)
          .default(1)
          .describe(
            "how many measures of use (of those the subscriber has) must have fallen by fallingPct for use to count as falling; with fewer measures, all of them. 1: a fall in any measure; 2: a fall in one measure alone (often noise at low use) is not disengagement",
          ),
        fallingZ: z
          .number()
          .min(0)
          .max(10)
          .default(2)
          .describe(
            "a measure's fall counts only when it is at least this many standard errors of its last-30-day level, from the subscriber's own day-to-day spread (data and voice: their daily coefficient of variation; sessions: as counts; active days: as a share of days); 0: any fall of fallingPct counts. A third of the usual use moving by 30% in a month is often chance",
          ),
        quietQuantile: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.2)
          .describe(
            "quiet when use is not falling and the active days of the last 30 are at or below this quantile of the scored subscribers' (0.2: the least active fifth; 0: nobody is quiet)",
          ),
        quietActiveDays: z
          .number()
          .min(0)
          .max(31)
          .nullable()
          .default(null)
          .describe("a fixed number of active days in the last 30 at or below which a subscriber whose use is not falling is quiet, instead of quietQuantile"),
      })
      .strict()
      .default({ fallingPct: 30, fallingMeasures: 1, fallingZ: 2, quietQuantile: 0.2, quietActiveDays: null }),
    effectKey: z
      .array(z.enum(SEGMENT_DIM_NAMES as [string, ...string[]]))
      .default(["value", "price", "driver", "usage"])
      .describe("segment dimensions that effects are priced and learned on (value, price, tenure, contract, driver, usage)"),
  })
  .strict();

/** CSV dialects of the call lists: UTF-8, UTF-8 with a byte order mark (Excel opens it right), `;` and decimal comma. */
export const CALL_LIST_FORMATS = ["utf8", "utf8-bom", "semicolon"] as const;
export type CallListFormat = (typeof CALL_LIST_FORMATS)[number];
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export const callListsSchema = z
  .object({
    format: z
      .enum(CALL_LIST_FORMATS)
      .default("utf8")
      .describe("utf8; utf8-bom (a byte order mark, so Excel reads accents right); semicolon (`;` between fields, decimal comma, with a byte order mark: for spreadsheets in locales that write 1,5)"),
    contactWithinDays: z.number().int().min(1).max(365).default(7).describe("contact-by date of an action no team handles: as-of + this many days (earlier when a fixed term ends sooner)"),
    teams: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "use lowercase letters, digits, '-' and '_' (it names the file team-<id>.csv)").describe("team name"),
            actions: z.array(z.enum(ACTION_IDS)).min(1).describe("the actions this team carries out"),
            agents: z.number().int().min(1).max(100_000).describe("agents working the list"),
            perAgentPerDay: z.number().int().min(1).max(10_000).describe("contacts one agent makes in a day"),
            workdays: z.array(z.enum(WEEKDAYS)).min(1).default(["mon", "tue", "wed", "thu", "fri"]).describe("days the team works"),
          })
          .strict(),
      )
      .default([])
      .describe("teams that work call lists: one list per team, contact-by dates spread by its capacity (agents x contacts per agent per day); other actions get one list per action and channel"),
  })
  .strict()
  .superRefine((c, ctx) => {
    const owner = new Map<string, string>();
    c.teams.forEach((t, i) => {
      if (c.teams.findIndex((u) => u.id === t.id) !== i) ctx.addIssue({ code: "custom", path: ["teams", i, "id"], message: `team '${t.id}' is listed twice; give each team one entry` });
      t.actions.forEach((a, j) => {
        const o = owner.get(a);
        if (o !== undefined) ctx.addIssue({ code: "custom", path: ["teams", i, "actions", j], message: `action '${a}' is already worked by team '${o}'; give each action to one team` });
        else owner.set(a, t.id);
      });
    });
  });

const DEFAULT_EFFECTS = new Map(catalogSchema.parse(DEFAULT_CATALOG).map((a) => [a.id, JSON.stringify(a.effect)]));

export const retentionConfigSchema = z
  .object({
    bands: z
      .object({ critical: prob.optional(), high: prob.optional(), medium: prob.optional() })
      .strict()
      .default({})
      .describe("override the risk band thresholds frozen in the model (lower bound of each band)"),
    value: z
      .object({
        margin: z.number().min(0).max(1).default(0.6).describe("contribution margin as a share of ARPU"),
        horizonMonths: z.number().int().min(1).max(240).default(36).describe("customer value counts at most this many months"),
        annualDiscountRate: z.number().min(0).max(1).default(0.1).describe("discount rate per year for future margin"),
        probabilityHorizonMonths: z
          .number()
          .positive()
          .max(120)
          .default(1)
          .describe("the horizon of the churn probability in months (the model's label window, 30d = 1), to derive the monthly churn rate"),
        survival: z
          .enum(["population", "subscriber", "fixed"])
          .default("population")
          .describe(
            "monthly churn rate for survival: population = from the mean churn probability of the scored subscribers (the value of a subscriber once retained); subscriber = each one's own rate; fixed = fixedMonthlyChurn",
          ),
        fixedMonthlyChurn: z.number().min(0).max(1).default(0.015).describe("monthly churn rate used when survival is fixed"),
      })
      .strict()
      .default({
        margin: 0.6,
        horizonMonths: 36,
        annualDiscountRate: 0.1,
        probabilityHorizonMonths: 1,
        survival: "population",
        fixedMonthlyChurn: 0.015,
      }),
    segments: segmentsConfigSchema.default(segmentsConfigSchema.parse({})),
    actions: catalogSchema.default(catalogSchema.parse(DEFAULT_CATALOG)).describe("the action catalog"),
    effects: z
      .object({
        horizonDays: z.number().int().min(1).max(3660).default(90).describe("campaigns: churn within this many days after contact counts"),
        priorStrength: z
          .number()
          .min(0)
          .max(1e7)
          .default(200)
          .describe("weight of the prior effect, in pseudo-subscribers per group (treatment and control)"),
        // 100, not 30: at a 4% churn rate a difference between two groups of 30 has a standard error of ~5 points,
        // larger than any real effect; on generated worlds (20k and 100k) 100 gave plans that really saved more.
        minGroupSize: z.number().int().min(1).max(1e7).default(100).describe("fewer subscribers in either group → keep the prior"),
        confidence: z.number().gt(0).lt(1).default(0.95).describe("confidence level of the effect intervals"),
        // a nightly job adds a wave (up to a week of contacts) every week, and each wave costs a feature snapshot of
        // its contacted subscribers plus its share of the fits: 9 months of nightly runs on a 20k world took the
        // effects step from 7.4 s to 52.7 s (35 waves). 26 = half a year of weekly waves, or every wave of a
        // monthly programme's two years.
        maxWaves: z
          .number()
          .int()
          .min(1)
          .max(10000)
          .nullable()
          .default(26)
          .describe("learn effects from at most this many of the latest contact waves whose outcome is known (a wave: the contacts of up to a week); older waves are left out, so the effects step of a nightly job stops growing; null = every wave"),
        // each wave costs a feature snapshot of its contacted subscribers: at 1M subscribers, 8 weekly waves of
        // ~94k contacts each (a nightly programme of 13.5k contacts a night) took the effects step from 10 s to
        // 443 s. A sample keeps every group large enough for the cells (100 a group) and the uplift model.
        maxContactsPerWave: z
          .number()
          .int()
          .min(1000)
          .max(1e8)
          .nullable()
          .default(20000)
          .describe("learn from about this many contacts of a wave at most: from a larger wave a seeded random sample of its treated contacts (and of its control contacts when they are more than half of this) is taken, each subscriber's contacts of the wave kept or left out together; null = every contact"),
      })
      .strict()
      .default({ horizonDays: 90, priorStrength: 200, minGroupSize: 100, confidence: 0.95, maxWaves: 26, maxContactsPerWave: 20000 }),
    uplift: z
      .object({
        method: z
          .enum(["auto", "uplift", "no_heterogeneity", "segment_cells"])
          .default("auto")
          .describe(
            "what the plan buys with: auto = the segment cells, corrected per subscriber (uplift) or per action (no_heterogeneity) only when that predicts later, held-out contacts clearly better than the cells; or force one",
          ),
        caution: z
          .number()
          .min(0)
          .max(5)
          .default(1)
          .describe("a correction that makes an action better than its segment cell counts at log multiplier + caution x its standard deviation (never past the cell): a gain the contacts barely support counts less (0 = the estimate itself)"),
        modifiers: z
          .array(z.string().min(1))
          .nullable()
          .default(null)
          .describe("features whose value may change what an action does (null = the built-in list: recent contacts, complaints, contract stage, usage against the subscriber's own past, tenure, value, discounts, price rises, products, churn risk)"),
        priorPrecision: z
          .number()
          .min(0)
          .max(1e6)
          .default(20)
          .describe("weight of the segment cells on each action's average correction (about the number of treated churners it is worth)"),
        minContacts: z.number().int().min(1).max(1e9).default(1000).describe("fewer contacts with a known outcome → no uplift model (segment cells)"),
        folds: z.number().int().min(1).max(20).default(3).describe("later campaign waves held out, one at a time, to judge the uplift model"),
      })
      .strict()
      .default({ method: "auto", caution: 1, modifiers: null, priorPrecision: 20, minContacts: 1000, folds: 3 })
      .describe("per-subscriber uplift learned from campaigns and the contacts log"),
    budget: z
      .number()
      .min(0)
      .nullable()
      .default(null)
      .describe("total spend allowed per run, in the operator's currency; null = no limit (capacities still apply)"),
    periodBudget: periodBudgetSchema
      .nullable()
      .default(null)
      .describe("spend allowed per calendar month or week across runs, kept in budget_ledger.json in the runs folder; null = none"),
    contactRules: contactRulesSchema.default(contactRulesSchema.parse({})).describe("who may be contacted again, when, and on which channel"),
    holdout: holdoutSchema.default(holdoutSchema.parse({})).describe("the share of each action's selection held out to learn its effect"),
    callLists: callListsSchema.default(callListsSchema.parse({})).describe("the call lists a CRM or e-mail tool imports (RUN_DIR/call_lists/)"),
  })
  .strict()
  .superRefine((r, ctx) => {
    r.actions.forEach((a, i) => {
      // the shipped catalogue's own overrides on a dimension the operator left out of the key simply do not apply
      // (its default holds there); an override someone wrote is refused, so that it is never ignored unseen
      if (JSON.stringify(a.effect) === DEFAULT_EFFECTS.get(a.id)) return;
      for (const dim of effectDims(a))
        if (!r.segments.effectKey.includes(dim))
          ctx.addIssue({
            code: "custom",
            path: ["actions", i, "effect", "segments"],
            message: `action '${a.id}' sets effects by '${dim}', which is not in retention.segments.effectKey (${r.segments.effectKey.join(", ")}); add it there or drop the override`,
          });
    });
  });

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;
export type SegmentsConfig = RetentionConfig["segments"];
export type ValueConfig = RetentionConfig["value"];
export type EffectsConfig = RetentionConfig["effects"];

export const defaultRetentionConfig = (): RetentionConfig => retentionConfigSchema.parse({});
export type CallListsConfig = RetentionConfig["callLists"];
