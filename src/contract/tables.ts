/**
 * The canonical input tables, defined once. data/README.md documents the same (its tables are generated
 * from this list by `contractMarkdown()` in src/contract/markdown.ts, and a test checks the committed file
 * matches, so the two cannot drift). Loading, validation, features and the
 * synthetic generator all read these definitions.
 */
import { ACTIONS, CAMPAIGN_GROUPS, COMPLAINT_CATEGORIES, CONTRACT_TYPES, type TableName } from "../ids.js";

export type ColumnType = "id" | "date" | "number" | "integer" | "boolean" | "enum" | "text";

/**
 * The DuckDB type of each column type: what the loader casts a valid value to, and what the generator writes
 * (one map, so a generated table has exactly the types a loaded one has).
 */
export const DUCKDB_TYPE: Record<ColumnType, string> = {
  id: "VARCHAR",
  date: "DATE",
  number: "DOUBLE",
  integer: "BIGINT",
  boolean: "BOOLEAN",
  enum: "VARCHAR",
  text: "VARCHAR",
};

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** The column must exist in the file. */
  required: boolean;
  /** Empty values are allowed (e.g. deactivation_date while active). */
  nullable: boolean;
  meaning: string;
  example: string;
  values?: readonly string[];
  /** Must be >= 0. */
  nonNegative?: boolean;
  min?: number;
  max?: number;
  /** A date that may lie after the as-of date (e.g. the end of a contract term); others are rejected as future. */
  allowFuture?: boolean;
  /** This date must not be earlier than that column of the same row (e.g. resolved_at >= opened_at). */
  notBefore?: string;
}

export interface TableDef {
  name: TableName;
  required: boolean;
  meaning: string;
  columns: readonly ColumnDef[];
  /** The column that dates an event row (checked against the subscriber's active period and the future). */
  eventDate?: string;
  /** Event rows whose subscriber_id must exist in subscribers. */
  referencesSubscribers: boolean;
}

export { ACTIONS, type ActionId, CAMPAIGN_GROUPS, COMPLAINT_CATEGORIES, CONTRACT_TYPES, TABLE_NAMES, type TableName } from "../ids.js";

const id = (meaning = "the subscriber this row belongs to"): ColumnDef => ({
  name: "subscriber_id",
  type: "id",
  required: true,
  nullable: false,
  meaning,
  example: "S0001234",
});

export const TABLES: Record<TableName, TableDef> = {
  subscribers: {
    name: "subscribers",
    required: true,
    meaning: "one row per subscriber (current and former)",
    referencesSubscribers: false,
    columns: [
      id("unique subscriber identifier"),
      { name: "activation_date", type: "date", required: true, nullable: false, meaning: "day the subscription started", example: "2021-03-14" },
      { name: "deactivation_date", type: "date", required: true, nullable: true, notBefore: "activation_date", meaning: "day the subscriber left; empty while active", example: "2025-11-02" },
      { name: "plan", type: "text", required: true, nullable: false, meaning: "tariff plan name", example: "unlimited_plus" },
      { name: "contract_type", type: "enum", required: true, nullable: false, values: CONTRACT_TYPES, meaning: "prepaid, month_to_month, fixed_12m or fixed_24m", example: "fixed_24m" },
      { name: "contract_end_date", type: "date", required: true, nullable: true, allowFuture: true, meaning: "end of the current fixed term; empty for prepaid and month-to-month", example: "2026-03-13" },
      { name: "monthly_fee", type: "number", required: true, nullable: false, nonNegative: true, meaning: "recurring monthly fee, in the operator's currency", example: "39.90" },
      { name: "region", type: "text", required: true, nullable: false, meaning: "service region", example: "north" },
      { name: "preferred_channel", type: "text", required: true, nullable: true, meaning: "how the subscriber prefers to be contacted (sms, email, phone, app)", example: "sms" },
    ],
  },
  usage: {
    name: "usage",
    required: false,
    meaning: "daily engagement per subscriber (a missing day means no activity)",
    eventDate: "date",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "date", type: "date", required: true, nullable: false, meaning: "the day", example: "2026-05-01" },
      { name: "voice_minutes", type: "number", required: true, nullable: true, nonNegative: true, meaning: "minutes of voice calls", example: "23.5" },
      { name: "data_mb", type: "number", required: true, nullable: true, nonNegative: true, meaning: "mobile or fixed data volume, MB", example: "812.4" },
      { name: "sms", type: "integer", required: true, nullable: true, nonNegative: true, meaning: "SMS sent", example: "3" },
      { name: "sessions", type: "integer", required: true, nullable: true, nonNegative: true, meaning: "app or self-care portal logins", example: "1" },
      { name: "dropped_calls", type: "integer", required: false, nullable: true, nonNegative: true, meaning: "calls dropped by the network", example: "0" },
    ],
  },
  billing: {
    name: "billing",
    required: false,
    meaning: "one row per subscriber per billed month",
    eventDate: "month",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "month", type: "date", required: true, nullable: false, meaning: "first day of the billed month", example: "2026-05-01" },
      { name: "amount_billed", type: "number", required: true, nullable: false, nonNegative: true, meaning: "amount billed for the month, after discount", example: "42.10" },
      { name: "discount", type: "number", required: false, nullable: true, nonNegative: true, meaning: "discount granted that month", example: "5.00" },
      { name: "paid_late", type: "boolean", required: false, nullable: true, meaning: "the bill was paid after its due date (true/false, 1/0, yes/no)", example: "false" },
    ],
  },
  complaints: {
    name: "complaints",
    required: false,
    meaning: "one row per complaint or support ticket",
    eventDate: "opened_at",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "opened_at", type: "date", required: true, nullable: false, meaning: "day the complaint was opened", example: "2026-04-11" },
      { name: "category", type: "enum", required: true, nullable: false, values: COMPLAINT_CATEGORIES, meaning: "billing, network, service or other", example: "network" },
      { name: "resolved_at", type: "date", required: true, nullable: true, notBefore: "opened_at", meaning: "day it was resolved; empty while open", example: "2026-04-15" },
    ],
  },
  products: {
    name: "products",
    required: false,
    meaning: "one row per product holding (a subscriber with several products has several rows)",
    eventDate: "start_date",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "product", type: "text", required: true, nullable: false, meaning: "mobile, broadband, tv, email_hosting, cloud_storage, ...", example: "broadband" },
      { name: "start_date", type: "date", required: true, nullable: false, meaning: "day the product was added", example: "2022-01-20" },
      { name: "end_date", type: "date", required: true, nullable: true, allowFuture: true, notBefore: "start_date", meaning: "day the product was removed; empty while held", example: "" },
    ],
  },
  surveys: {
    name: "surveys",
    required: false,
    meaning: "survey answers (sparse)",
    eventDate: "date",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "date", type: "date", required: true, nullable: false, meaning: "day of the answer", example: "2026-02-03" },
      { name: "nps", type: "integer", required: true, nullable: false, min: 0, max: 10, meaning: "likelihood to recommend, 0-10", example: "7" },
    ],
  },
  campaigns: {
    name: "campaigns",
    required: false,
    meaning: "past retention contacts, with a control group: how the pipeline learns which action works for whom",
    eventDate: "date",
    referencesSubscribers: true,
    columns: [
      id(),
      { name: "date", type: "date", required: true, nullable: false, meaning: "day of the contact (or of selection, for controls)", example: "2026-01-05" },
      { name: "action", type: "text", required: true, nullable: false, meaning: `retention action id, e.g. ${ACTIONS.slice(0, 3).join(", ")}`, example: "care_call" },
      { name: "group", type: "enum", required: true, nullable: false, values: CAMPAIGN_GROUPS, meaning: "treatment (contacted) or control (held out)", example: "treatment" },
    ],
  },
};
