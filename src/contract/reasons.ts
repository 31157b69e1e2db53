/**
 * Reject reason codes, in the order the checks run (a row is rejected for the first that applies). The
 * sentence for each is `msg.rejectReason(code)`.
 */
export const REJECT_REASONS = [
  "empty_id",
  "missing_value",
  "bad_date",
  "bad_number",
  "bad_integer",
  "bad_boolean",
  "bad_enum",
  "negative",
  "out_of_range",
  "date_order",
  "future_date",
  "unknown_subscriber",
  "before_activation",
  "after_deactivation",
  "duplicate_row",
  "duplicate_id",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
