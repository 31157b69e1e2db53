/**
 * Number formatting for reports, one place so HTML and Markdown agree. Fixed English locale (the reports
 * must be byte-identical across machines), never the process locale.
 */

export type CellFormat = "int" | "num" | "num3" | "pct" | "pp" | "money" | "text" | "date" | "band" | "list";

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const num2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const num3 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const pct1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "–" for missing or non-finite values, so a table never shows NaN. */
export const MISSING = "–";

/**
 * Format a cell value. `pct` takes a share (0.123 → "12.3%"); `pp` a difference of shares in percentage points;
 * `money` rounds to whole units with the currency code.
 * @example formatValue(0.1234, "pct") // "12.3%"
 */
export function formatValue(v: unknown, fmt: CellFormat, currency = ""): string {
  if (v === null || v === undefined) return MISSING;
  if (fmt === "list") return Array.isArray(v) ? v.map(String).join("; ") : String(v);
  if (fmt === "text" || fmt === "band" || fmt === "date") return String(v);
  const x = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(x)) return MISSING;
  switch (fmt) {
    case "int":
      return intFmt.format(x);
    case "num":
      return num2.format(x);
    case "num3":
      return num3.format(x);
    case "pct":
      return `${pct1.format(x * 100)}%`;
    case "pp":
      return `${x >= 0 ? "+" : ""}${pct1.format(x * 100)} pp`;
    case "money":
      return currency ? `${intFmt.format(x)} ${currency}` : intFmt.format(x);
  }
}
