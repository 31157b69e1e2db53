/**
 * Ids shared by every layer: input table names, contract types, retention action ids, risk bands and the
 * segment dimensions with their levels. A leaf module (imports nothing), so the contract, the config
 * schemas, io and the domain folders agree on one list each.
 */

/** The canonical input tables (src/contract/tables.ts defines their columns). */
export const TABLE_NAMES = ["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const CONTRACT_TYPES = ["prepaid", "month_to_month", "fixed_12m", "fixed_24m"] as const;
export const COMPLAINT_CATEGORIES = ["billing", "network", "service", "other"] as const;
export const CAMPAIGN_GROUPS = ["treatment", "control"] as const;

/** Retention action ids: the `action` column of the campaigns table and the ids of the action catalog. */
export const ACTIONS = [
  "price_incentive",
  "bundle_addon",
  "care_call",
  "complaint_fasttrack",
  "network_fix",
  "renewal_offer",
  "loyalty_points",
  "digital_nudge",
  "referral_invite",
] as const;
export type ActionId = (typeof ACTIONS)[number];
/** Catalog ids: every action, and `none` (no contact). */
export const ACTION_IDS = [...ACTIONS, "none"] as const;
export type ActionIdOrNone = (typeof ACTION_IDS)[number];
/** How an action reaches the subscriber. */
export const CHANNELS = ["sms", "email", "app", "phone", "agent", "ticket", "mail", "none"] as const;

/** Risk bands, highest risk first. */
export const BANDS = ["critical", "high", "medium", "low"] as const;
export type Band = (typeof BANDS)[number];

export const VALUE_TIERS = ["high", "mid", "low"] as const;
export const PRICE_SENSITIVITY = ["sensitive", "insensitive"] as const;
export const TENURE_STAGES = ["new", "established", "loyal"] as const;
export const CONTRACT_STAGES = ["in_contract", "renewal_window", "out_of_contract"] as const;
/** Main drivers of churn risk (the reasons' families), `none` when no reason stands out. */
export const DRIVERS = ["network", "billing", "service", "disengagement", "price", "contract_end", "none"] as const;
/**
 * Use: falling (down by at least `segments.usage.fallingPct` against the subscriber's own past, beyond `fallingZ`
 * standard errors), quiet (not falling, and among the least active subscribers: `segments.usage.quietQuantile`), else
 * steady.
 */
export const USAGE_TRENDS = ["falling", "steady", "quiet"] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];
export type TenureStage = (typeof TENURE_STAGES)[number];
export type ContractStage = (typeof CONTRACT_STAGES)[number];
export type Driver = (typeof DRIVERS)[number];
export type UsageTrend = (typeof USAGE_TRENDS)[number];

/** The segment dimensions, in key order, with their levels. */
export const SEGMENT_DIMS = {
  value: VALUE_TIERS,
  price: PRICE_SENSITIVITY,
  tenure: TENURE_STAGES,
  contract: CONTRACT_STAGES,
  driver: DRIVERS,
  usage: USAGE_TRENDS,
} as const;
export type SegmentDim = keyof typeof SEGMENT_DIMS;
export const SEGMENT_DIM_NAMES = Object.keys(SEGMENT_DIMS) as SegmentDim[];

/**
 * Loyalty KPIs of the planner report (report/kpis.ts), stored in a run's summary.json. The contract renewal rate is
 * not one of them: it comes from renewal events in the run history (monitoring/changes.ts).
 */
export const KPI_IDS = ["churnRate", "retentionRate", "arpu", "lifetimeRevenue", "multiProductRate", "complaintRate"] as const;
export type KpiId = (typeof KPI_IDS)[number];
/** Columns of `subscribers` the KPIs can be segmented by. */
export const SEGMENT_COLUMNS = ["contract_type", "region", "plan", "preferred_channel"] as const;
export type SegmentColumn = (typeof SEGMENT_COLUMNS)[number];

/**
 * The renewal window: a fixed term that ends within this many days (feature `in_renewal_window`, and the default
 * of `retention.segments.contract.renewalWindowDays`, the segment that renewal offers target).
 */
export const RENEWAL_WINDOW_DAYS = 60;
/**
 * A fixed term that started fewer than this many days before as-of is not taken as in force at as-of (unless it is
 * the subscriber's first): the subscribers table holds only the current term, and a renewal signed after as-of
 * usually starts its new term where the old one ended, before as-of. Without this, training snapshots a few days
 * after a term ended show every subscriber who later renewed as bound for a whole new term and only the leavers as
 * out of contract, so the model learns "just out of contract" as near-certain churn (0.93 for a subscriber 7 days
 * past the end on the nightly loop's first run, who renewed). Applied the same way at every as-of, so training
 * and scoring agree whenever the renewal was signed within this many days of the new term's start.
 */
export const RENEWAL_SIGN_GRACE_DAYS = 30;

/**
 * The contact-history features (src/features/families/contacts.ts). They move whenever subscribers are contacted:
 * once churn's nightly loop contacts thousands a month, their distribution shifts from the training data's by
 * design, and the drift reports say so instead of calling it a data problem.
 */
export const CONTACT_HISTORY_FEATURES = ["days_since_last_contact", "contacts_90d", "contacts_365d"] as const;
export const isContactHistoryFeature = (name: string): boolean => (CONTACT_HISTORY_FEATURES as readonly string[]).includes(name);
