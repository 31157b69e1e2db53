/**
 * The JSON files of a scoring run folder (manifest.json, summary.json, evaluation.json), the sidecar of a feature
 * table (FILE.json of `churn features`) and the output lock, as zod schemas: the one definition of their shape,
 * checked whenever churn reads one back. Unknown extra fields are dropped on reading (a run of a newer churn still reads).
 */
import { z } from "zod";
import { BANDS, KPI_IDS, type KpiId, SEGMENT_COLUMNS } from "../ids.js";

const count = z.number().int().min(0);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 checksum (64 hex digits)");
const band = z.enum(BANDS);

export const runManifestSchema = z.object({
  kind: z.literal("churn-run"),
  version: z.literal(1),
  run_id: z.string(),
  model: z.object({ id: z.string(), kind: z.string(), reasons: z.string() }),
  as_of: z.string().nullable(),
  /** The label horizon ("30d", "1mo") the run's probabilities are for, when recorded (read by `churn evaluate`). */
  horizon: z.string().exactOptional(),
  /** The latest date in the data the run's features came from (its export's end), when known. */
  data_end: z.string().nullable().exactOptional(),
  created_at: z.string(),
  churn_version: z.string(),
  source: z.enum(["data", "features", "table"]),
  inputs: z.array(z.object({ name: z.string(), path: z.string(), sha256: z.string().nullable(), rows: count })),
  counts: z.object({
    /** Subscribers in the input (rows of subscribers.*, or of the feature/flat table for that as-of). */
    in: count,
    scored: count,
    rejected: count,
    rejected_by_reason: z.record(z.string(), count),
    per_band: z.record(z.string(), count),
    per_action: z.record(z.string(), count),
    /** in === scored + rejected. */
    reconciled: z.boolean(),
    /** Per raw table (with --data): rows, loaded, rejected. */
    tables: z.record(z.string(), z.object({ rows: count, loaded: count, rejected: count })).exactOptional(),
  }),
  budget: z.number().nullable(),
  budget_used: z.number(),
  expected_revenue_saved: z.number(),
  /** Sum of the churn probabilities of the scored subscribers. */
  expected_churners: z.number().exactOptional(),
  value_at_risk: z.number(),
  effects: z.object({ source: z.enum(["learned", "prior"]), note: z.string() }),
  drift: z.object({
    checked: z.boolean(),
    warn: z.number(),
    threshold: z.number(),
    score_psi: z.number().nullable(),
    max_feature: z.object({ feature: z.string(), psi: z.number() }).nullable(),
    alerts: z.array(z.string()),
    warnings: z.array(z.string()),
    allowed: z.boolean(),
  }),
  /** The input-integrity gate (src/monitoring/integrity.ts): what looked broken, and whether --allow-drift let it pass. */
  integrity: z.object({ checked: z.boolean(), failures: z.array(z.object({ column: z.string(), kind: z.string(), detail: z.string() })), allowed: z.boolean() }).exactOptional(),
  /** Contacts of this run (contacts.csv): the contact day, contacted and held out, candidates excluded by the contact rules;
   * `log` is the runs folder's contacts log, relative to the run folder (../contacts_log.csv). */
  contacts: z.object({ date: z.string(), treated: count, held_out: count, excluded: z.record(z.string(), count), log: z.string() }).exactOptional(),
  /** The period budget across runs (retention.periodBudget), after this run; `ledger` relative to the run folder. */
  period_budget: z
    .object({ period: z.string(), amount: z.number(), spent: z.number(), committed: z.number(), remaining: z.number(), ledger: z.string() })
    .exactOptional(),
  durations: z.record(z.string(), z.number()),
  /** sha256 of every other file in the run directory. */
  files: z.record(z.string(), sha256),
});
/** The run manifest (manifest.json), written last by `churn score`. */
export type RunManifest = z.infer<typeof runManifestSchema>;

const kpiRow = z.object({
  month: z.string(),
  segment: z.string(),
  customersStart: count,
  customersEnd: count,
  newCustomers: count,
  churned: count,
  churnRate: z.number().nullable(),
  retentionRate: z.number().nullable(),
  arpu: z.number().nullable(),
  lifetimeRevenue: z.number().nullable(),
  multiProductRate: z.number().nullable(),
  complaintRate: z.number().nullable(),
});
/** A KPI id; "renewalRate", a KPI of runs before the renewal rate came from the run history, is left out. */
const kpiIds = z.array(z.string()).transform((a) => a.filter((k): k is KpiId => (KPI_IDS as readonly string[]).includes(k)));

/**
 * summary.json: the planner report's data of the run, and the effects table with how it was found. Loose objects:
 * the fields the readers rely on are checked, and sections added by later versions (uplift, expected churners,
 * the what-if problem, ...) are kept for the report rather than dropped.
 */
export const runSummarySchema = z.looseObject({
  kind: z.literal("planner-report"),
  run: z.object({ id: z.string(), asOf: z.string(), createdAt: z.string(), modelId: z.string(), scored: count, currency: z.string() }),
  bands: z.array(z.object({ band, subscribers: count, valueAtRisk: z.number(), selected: count })),
  /** total: the run's budget, or what it spent when it had none (`unlimited`). */
  budget: z.object({ total: z.number(), used: z.number(), unlimited: z.boolean().optional() }),
  expectedRevenueSaved: z.number(),
  expectedRevenueSavedOnPriors: z.number().exactOptional(),
  expectedChurnersBacktest: z.object({ dates: count, low: z.number(), high: z.number(), within10: count }).exactOptional(),
  segmentLabel: z.string(),
  matrix: z.array(z.object({ band, segment: z.string(), subscribers: count, valueAtRisk: z.number().exactOptional() })),
  actions: z.array(
    z.looseObject({
      action: z.string(),
      contacts: count,
      cost: z.number(),
      expectedSaving: z.number(),
      priorEffect: z.number(),
      learned: z.object({ effect: z.number(), ciLow: z.number(), ciHigh: z.number(), nTreat: count, nControl: count }).exactOptional(),
      effectUsed: z.number().exactOptional(),
      effectBasis: z.enum(["uplift", "per_action", "cells", "prior"]).exactOptional(),
    }),
  ),
  campaignEvidence: z
    .array(
      z.object({
        action: z.string(),
        nTreat: count,
        nControl: count,
        churnedTreat: count,
        churnedControl: count,
        effect: z.number(),
        ciLow: z.number(),
        ciHigh: z.number(),
      }),
    )
    .exactOptional(),
  top: z.array(
    z.object({
      rank: count,
      subscriberId: z.string(),
      probability: z.number(),
      band,
      segment: z.string(),
      value: z.number(),
      action: z.string(),
      expectedNet: z.number(),
      reasons: z.array(z.string()),
    }),
  ),
  drift: z.object({ threshold: z.number(), items: z.array(z.object({ feature: z.string(), psi: z.number(), status: z.enum(["ok", "warn", "alert"]) })) }).exactOptional(),
  effectsNote: z.string().exactOptional(),
  kpis: z
    .looseObject({
      segmentColumn: z.enum(SEGMENT_COLUMNS).nullable(),
      months: z.array(z.string()),
      /** The month the data start in, and the requested months before it (left out); absent in older runs. */
      dataStart: z.string().nullable().default(null),
      leftOut: z.array(z.string()).default([]),
      rows: z.array(kpiRow),
      computed: kpiIds,
      skipped: z.array(z.object({ kpi: z.string(), table: z.string() })).transform((a) => a.filter((s): s is { kpi: KpiId; table: string } => (KPI_IDS as readonly string[]).includes(s.kpi))),
    })
    .exactOptional(),
  effects: z.object({
    source: z.enum(["learned", "prior"]),
    note: z.string(),
    cells: z.array(
      z.looseObject({
        action: z.string(),
        segment: z.string(),
        effect: z.number(),
        ci_low: z.number(),
        ci_high: z.number(),
        n_treat: count,
        n_control: count,
        /** Observed churn rates of the campaign groups (null when a group is empty; absent in older runs). */
        churn_treat: z.number().nullable().exactOptional(),
        churn_control: z.number().nullable().exactOptional(),
        prior: z.number(),
        source: z.string(),
      }),
    ),
  }),
});

/** evaluation.json of `churn evaluate`: the outcome of a run (at the top level, or under `outcome`). */
export const outcomeSchema = z.object({
  runId: z.string(),
  asOf: z.string(),
  horizonDays: z.number(),
  byBand: z.array(z.object({ band, subscribers: count, churned: count })),
  auc: z.number().nullable(),
  lift10: z.number().nullable(),
  selected: count,
  selectedStayed: count,
  modelSaw: z
    .object({ role: z.enum(["training", "calibration", "validation", "unseen"]), trainAsOfMax: z.string(), calibAsOf: z.string().optional(), validAsOf: z.string() })
    .optional(),
});
export const evaluationSchema = z.union([z.object({ outcome: outcomeSchema }), outcomeSchema]);

/** FILE.json beside a feature table: the columns (with their feature family and reason text) and the label. */
export const featureSidecarSchema = z.object({
  columns: z
    .array(
      z.object({
        name: z.string(),
        unit: z.string().exactOptional(),
        description: z.string().exactOptional(),
        reason: z.string().exactOptional(),
        /** Only then does the feature describe the subscriber (else its value is a structural zero, not a reason). */
        applies_if: z.string().exactOptional(),
        structural: z.boolean().exactOptional(),
        family: z.string().nullable().exactOptional(),
      }),
    )
    .exactOptional(),
  /** data_end: the export's last date (YYYY-MM-DD) the features were computed from; checked where it is read. */
  label: z.object({ horizon: z.string().exactOptional(), data_end: z.unknown().exactOptional() }).exactOptional(),
});

/** RUN_DIR.lock: who holds the output. */
export const lockSchema = z.object({ pid: z.number().int(), started: z.string().exactOptional(), host: z.string().exactOptional() });
