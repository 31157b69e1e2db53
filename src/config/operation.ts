/**
 * The options of a retention programme run night after night (plugged into the `retention` section): contact
 * rules, the holdout kept from every run, and the budget per period across runs. Every option has a default.
 */
import { z } from "zod";
import { ACTIONS } from "../ids.js";

export const PERIODS = ["month", "week"] as const;
export type PeriodKind = (typeof PERIODS)[number];

/** Channels a subscriber can prefer and an action can be offered on. */
export const CONTACT_CHANNELS = ["sms", "email", "app", "phone", "agent", "ticket", "mail"] as const;

/** Where an action goes when the subscriber's preferred channel is not one of its channels. */
export const channelFallbackSchema = z.union([z.enum(["default", "none"]), z.array(z.enum(CONTACT_CHANNELS)).min(1)], {
  error: `expected default (the action's own channel), none (not offered), or a list of channels to try in order (${CONTACT_CHANNELS.join(", ")})`,
});
export type ChannelFallback = z.infer<typeof channelFallbackSchema>;

export const contactRulesSchema = z
  .object({
    cooldownDays: z
      .number()
      .int()
      .min(0)
      .max(3660)
      .default(30)
      .describe("no subscriber is contacted again within this many days of an earlier contact by churn (0 = off)"),
    actionCooldownDays: z
      .partialRecord(z.enum(ACTIONS), z.number().int().min(0).max(3660))
      .default({})
      .describe("per action: not the same action again within this many days, e.g. {price_incentive: 180}"),
    maxContacts: z
      .object({
        count: z.number().int().min(1).max(1000).describe("at most this many contacts per subscriber"),
        period: z.enum(PERIODS).default("month").describe("per calendar month or ISO week"),
      })
      .strict()
      .nullable()
      .default(null)
      .describe("at most `count` contacts per subscriber per period; null = no limit beyond the cooldown"),
    doNotContact: z
      .string()
      .max(4096)
      .nullable()
      .default(null)
      .describe("a file of subscriber ids never to contact (CSV with a subscriber_id column, or one id per line); relative to the working directory"),
    channels: z
      .object({
        usePreferred: z
          .boolean()
          .default(true)
          .describe("offer an action on the subscriber's preferred channel when the catalog has it there (its cost on that channel)"),
        fallback: channelFallbackSchema
          .default("default")
          .describe(
            "when the action is not offered on the preferred channel: default = the action's own channel, none = do not offer it, or a list of channels to try in order",
          ),
      })
      .strict()
      .default({ usePreferred: true, fallback: "default" }),
  })
  .strict();

export const holdoutSchema = z
  .object({
    share: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.1)
      .describe("share of the selected subscribers of each action kept uncontacted (a control group churn learns effects from)"),
  })
  .strict();

export const periodBudgetSchema = z
  .object({
    amount: z.number().min(0).describe("spend allowed per period across all runs, in the operator's currency"),
    period: z.enum(PERIODS).default("month").describe("calendar month or ISO week (of the contact day, the day after the as-of date)"),
  })
  .strict();

export type ContactRulesConfig = z.infer<typeof contactRulesSchema>;
export type HoldoutConfig = z.infer<typeof holdoutSchema>;
export type PeriodBudgetConfig = z.infer<typeof periodBudgetSchema>;

export const defaultContactRules = (): ContactRulesConfig => contactRulesSchema.parse({});
