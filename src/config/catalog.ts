/**
 * The action catalog: what the operator can do to keep a subscriber, at what cost, for whom, with what
 * expected effect. Lives in the config (`retention.actions`, zod-validated; src/config/retention.ts); a default
 * ships below. The rule that picks an action's prior for a segment is retention/catalog.ts `priorEffect`.
 *
 * Effects are relative reductions of the churn hazard over the horizon (0.2 = the risk of leaving x 0.8 while
 * the action works, so a small churn probability x 0.8: retention/expected.ts; negative = the action provokes
 * churn, a "sleeping dog"). `effect.default` applies to every
 * segment; `effect.segments` overrides it for segments matching a key of `dim=level` tokens joined by
 * ';' (e.g. "value=high" or "value=low;price=sensitive"). The most specific matching key wins (most
 * tokens), ties go to the first listed. Learned effects from campaigns replace these priors (effects.ts).
 *
 * Cost = unitCost + feeMonths x the subscriber's monthly ARPU. The fee part models incentives whose cost
 * scales with the bill (a 20% discount for 3 months is feeMonths 0.6); it is counted when the offer is
 * made, a conservative choice (not every contacted subscriber takes it up).
 *
 * The default effects are generic priors from retention practice (contact uplift studies typically report
 * relative churn reductions of a few percent for digital nudges, 10-20% for agent contact and offers,
 * more when the action removes the cause, e.g. a fixed network fault or a resolved complaint). They are
 * starting points that campaign learning corrects; they were not fitted to any data set.
 *
 * Engagement actions are priced by the usage level (segments.ts): a digital nudge (usage tips, an offer reminder)
 * is what wins back use that is going away, and a blanket nudge to steady users changes little, so 10% where use is
 * falling against the subscriber's own past and 1% elsewhere; it costs cents, so it is offered in every value tier
 * (a high-value subscriber whose use falls has the most to lose). A bundle add-on gets 15% where use is falling.
 *
 * Marketing contacts (loyalty points, digital nudges, referral invites) have no prior effect on quiet subscribers
 * (use not falling, among the least active: segments.ts), the "sleeping dogs" of retention practice: settled customers
 * who use little, whom an unsolicited offer reminds of a contract they had stopped thinking about. Uplift studies find
 * such contacts neutral at best and harmful for some, and the harm is too rare to measure in a campaign (a few percent
 * more churn among a sixth of the quiet), so the plan leaves them alone unless campaigns show a gain. A tie between
 * "usage=quiet" and another one-token key goes to the first listed, so it is listed first.
 *
 * Marketing contacts (loyalty points, digital nudges, referral invites) are not made while a complaint is open
 * (`maxOpenComplaints: 0`): a common suppression rule in retention practice, since an offer pushed at someone who
 * waits for a fix tends to annoy more than it retains, and a campaigns table rarely holds enough such contacts to
 * learn it (9-40 per action in the worlds measured in the README). complaint_fasttrack is the action for them.
 */
import { z } from "zod";
import { ACTION_IDS, BANDS, CHANNELS, SEGMENT_DIMS, type SegmentDim } from "../ids.js";
import { channelFallbackSchema } from "./operation.js";

const effectValue = z.number().min(-5).max(0.99);

/** Check one effect-segment key: ';'-joined `dim=level` tokens with known dims and levels. */
export function effectKeyProblem(key: string): string | undefined {
  for (const token of key.split(/[;&]/).map((t) => t.trim())) {
    const [dim, level, extra] = token.split("=");
    const levels = dim !== undefined ? (SEGMENT_DIMS as Record<string, readonly string[]>)[dim] : undefined;
    if (!levels || level === undefined || extra !== undefined)
      return `'${token}' is not dim=level; dims: ${Object.keys(SEGMENT_DIMS).join(", ")}`;
    if (!levels.includes(level)) return `'${level}' is not a level of ${dim}; levels: ${levels.join(", ")}`;
  }
  return undefined;
}

export const actionSchema = z
  .object({
    id: z.enum(ACTION_IDS).describe("action id (the ids used in the campaigns table), or none"),
    description: z.string().min(1).describe("what the planner sees"),
    channel: z.enum(CHANNELS).describe("how the action reaches the subscriber"),
    unitCost: z.number().min(0).describe("cost per contacted subscriber, in the operator's currency"),
    channels: z
      .partialRecord(z.enum(CHANNELS), z.object({ unitCost: z.number().min(0).optional().describe("cost per contact on this channel (default unitCost)") }).strict())
      .default({})
      .describe("other channels the action can be offered on, each with its cost; used when it is the subscriber's preferred channel (retention.contactRules.channels)"),
    fallback: channelFallbackSchema
      .optional()
      .describe(
        "this action's own rule for a subscriber whose preferred channel is not one of its channels, in place of retention.contactRules.channels.fallback: default = its own channel, none = not offered to them, or channels to try in order",
      ),
    feeMonths: z
      .number()
      .min(0)
      .max(24)
      .default(0)
      .describe("cost also includes this many months of the subscriber's ARPU (a 20% discount for 3 months = 0.6)"),
    capacity: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .describe("most subscribers this action can reach per run (agent hours, field crews); null = unlimited"),
    eligibility: z
      .object({
        bands: z.array(z.enum(BANDS)).optional().describe("risk bands; all when omitted"),
        value: z.array(z.enum(SEGMENT_DIMS.value)).optional().describe("value tiers; all when omitted"),
        price: z.array(z.enum(SEGMENT_DIMS.price)).optional().describe("price sensitivity; all when omitted"),
        tenure: z.array(z.enum(SEGMENT_DIMS.tenure)).optional().describe("tenure stages; all when omitted"),
        contract: z.array(z.enum(SEGMENT_DIMS.contract)).optional().describe("contract stages; all when omitted"),
        driver: z.array(z.enum(SEGMENT_DIMS.driver)).optional().describe("main drivers; all when omitted"),
        usage: z.array(z.enum(SEGMENT_DIMS.usage)).optional().describe("use: falling against the subscriber's own past, steady, or quiet (not falling, among the least active); all when omitted"),
        minOpenComplaints: z.number().int().min(0).default(0).describe("needs at least this many open complaints"),
        maxOpenComplaints: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe("at most this many open complaints (0 = not while a complaint is open: no marketing to someone waiting for a fix)"),
        maxProducts: z.number().int().min(1).optional().describe("at most this many products held (1 = single-product)"),
      })
      .strict()
      .default({ minOpenComplaints: 0 }),
    effect: z
      .object({
        default: effectValue.describe("relative reduction of the churn hazard (for small probabilities: of the churn probability; negative = provokes churn)"),
        segments: z
          .record(z.string(), effectValue)
          .default({})
          .describe("overrides per segment key such as 'value=high' or 'value=low;price=sensitive'"),
      })
      .strict()
      .superRefine((e, ctx) => {
        for (const key of Object.keys(e.segments)) {
          const problem = effectKeyProblem(key);
          if (problem) ctx.addIssue({ code: "custom", path: ["segments", key], message: problem });
        }
      }),
  })
  .strict();

export type ActionDef = z.infer<typeof actionSchema>;
export type ActionInput = z.input<typeof actionSchema>;

export const catalogSchema = z.array(actionSchema).superRefine((actions, ctx) => {
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (seen.has(a.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate action id '${a.id}'; list each action once` });
    seen.add(a.id);
  });
});

const NO_HIGH = ["critical", "high", "medium"] as const;

/** The default catalog (generic priors; see the module comment). */
export const DEFAULT_CATALOG: ActionInput[] = [
  {
    id: "price_incentive",
    description: "20% discount for 3 months, or a move to a cheaper plan",
    channel: "phone",
    unitCost: 2,
    channels: { email: { unitCost: 0.5 }, sms: { unitCost: 0.5 }, app: { unitCost: 0.5 } },
    feeMonths: 0.6,
    eligibility: { bands: [...NO_HIGH], price: ["sensitive"], value: ["low", "mid"] },
    effect: { default: 0.15, segments: { "driver=price": 0.25, "driver=billing": 0.2 } },
  },
  {
    id: "bundle_addon",
    description: "free add-on for 6 months (email hosting, TV) to a single-product subscriber",
    channel: "email",
    unitCost: 12,
    eligibility: { bands: [...NO_HIGH], maxProducts: 1 },
    effect: { default: 0.12, segments: { "usage=falling": 0.15, "driver=disengagement": 0.15 } },
  },
  {
    id: "care_call",
    description: "proactive care call; a dedicated agent for high-value subscribers",
    channel: "agent",
    unitCost: 15,
    capacity: 5000,
    eligibility: { bands: ["critical", "high"], value: ["high", "mid"] },
    effect: { default: 0.12, segments: { "value=high": 0.18, "driver=service": 0.2 } },
  },
  {
    id: "complaint_fasttrack",
    description: "fast-track the open complaints and call back when resolved",
    channel: "phone",
    unitCost: 10,
    capacity: 3000,
    eligibility: { bands: [...NO_HIGH], minOpenComplaints: 1 },
    effect: { default: 0.2, segments: { "driver=service": 0.25, "driver=billing": 0.25 } },
  },
  {
    id: "network_fix",
    description: "network fix ticket for the subscriber's area and a follow-up message",
    channel: "ticket",
    unitCost: 25,
    capacity: 1000,
    eligibility: { bands: [...NO_HIGH], driver: ["network"] },
    effect: { default: 0.25 },
  },
  {
    id: "renewal_offer",
    description: "renewal offer before the contract ends (device or loyalty discount for re-contracting)",
    channel: "phone",
    unitCost: 10,
    channels: { email: { unitCost: 2 }, sms: { unitCost: 2 }, app: { unitCost: 2 } },
    feeMonths: 0.5,
    eligibility: { bands: [...NO_HIGH], contract: ["renewal_window"] },
    effect: { default: 0.2, segments: { "driver=contract_end": 0.3 } },
  },
  {
    id: "loyalty_points",
    description: "loyalty points credited with a thank-you message",
    channel: "app",
    unitCost: 4,
    channels: { email: {}, sms: {} },
    eligibility: { maxOpenComplaints: 0, tenure: ["established", "loyal"] },
    effect: { default: 0.05, segments: { "usage=quiet": 0, "value=high": 0.07 } },
  },
  {
    id: "digital_nudge",
    description: "personalised app / email nudge (usage tips, offer reminder)",
    channel: "app",
    unitCost: 0.2,
    channels: { sms: { unitCost: 0.05 }, email: { unitCost: 0.02 } },
    eligibility: { maxOpenComplaints: 0 },
    effect: { default: 0.01, segments: { "usage=falling": 0.1, "usage=quiet": 0, "driver=disengagement": 0.05 } },
  },
  {
    id: "referral_invite",
    description: "invitation to refer a friend, both get a bill credit",
    channel: "email",
    unitCost: 1,
    channels: { sms: {}, app: {} },
    eligibility: { maxOpenComplaints: 0, bands: ["low", "medium"], tenure: ["loyal"] },
    effect: { default: 0.02, segments: { "usage=quiet": 0 } },
  },
  {
    id: "none",
    description: "no contact: the cost exceeds the expected saving",
    channel: "none",
    unitCost: 0,
    effect: { default: 0 },
  },
];

/** Dims referenced by an action's effect overrides (to check them against the effect key). */
export function effectDims(action: ActionDef): SegmentDim[] {
  const dims = new Set<SegmentDim>();
  for (const key of Object.keys(action.effect.segments))
    for (const t of key.split(/[;&]/)) dims.add(t.trim().split("=")[0] as SegmentDim);
  return [...dims];
}
