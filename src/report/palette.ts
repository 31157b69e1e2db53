/**
 * The report palette, defined once. Every chart and table uses BAND_COLORS for risk bands, so "critical"
 * is the same red in the headline, the matrix, the trend and the outcome charts. Chosen to stay apart for
 * the common colour-vision deficiencies (red → orange → sand → blue, not red/green) and to print on white.
 */
import { BANDS, type Band } from "../retention/bands.js";

export { BANDS, type Band };

export const BAND_COLORS: Record<Band, string> = {
  critical: "#b2182b",
  high: "#e66101",
  medium: "#d8a437",
  low: "#4a7bb7",
};

/** Text colour readable on each band colour (for chips). */
export const BAND_TEXT: Record<Band, string> = {
  critical: "#ffffff",
  high: "#ffffff",
  medium: "#1a1a1a",
  low: "#ffffff",
};

/** Series colours for non-band comparisons: the model, the champion, the baseline, reference lines. */
export const SERIES = {
  candidate: "#1f5fa8",
  champion: "#7a7a7a",
  baseline: "#c2185b",
  reference: "#9e9e9e",
  before: "#e08214",
  after: "#1f5fa8",
  churned: "#b2182b",
  stayed: "#7fa7d6",
} as const;

/** A categorical palette for segments (up to 10; more repeat). Tableau 10, which prints well. */
export const CATEGORY_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
] as const;

/** Vega-lite colour scale for a `band` field: fixed domain and range, legend in band order. */
export function bandScale(): { domain: string[]; range: string[] } {
  return { domain: [...BANDS], range: BANDS.map((b) => BAND_COLORS[b]) };
}

export const FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, sans-serif";
