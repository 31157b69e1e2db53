/**
 * vega-lite → vega → SVG string, in Node, with no browser and no canvas package.
 *
 * Without node-canvas vega estimates text width as 0.8 × font size per character, which is far too wide for
 * proportional fonts (labels get cut, axes get pushed). We install a width function from per-character advance
 * widths that are the larger of Helvetica/Arial (Liberation Sans has the same metrics) and DejaVu Sans, the font
 * a Linux browser falls back to when the first two are absent: it is up to 14% wider (digits 0.636 em against
 * 0.556), and layouts measured with Helvetica alone made axis labels touch ("3,5004,000") and cut labels at the
 * chart's edge in such browsers. Warnings from vega-lite and vega are collected; `renderSvg` fails on any, so a
 * spec mistake never ships silently. Data loading is disabled: every spec carries its rows inline.
 */
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";

/** vega and vega-lite, loaded on the first chart: a third of a second of start-up that commands without a report do not pay. */
let libs: Promise<{ vega: typeof import("vega"); vl: typeof import("vega-lite") }> | undefined;
const loadVega = () => {
  libs ??= Promise.all([import("vega"), import("vega-lite")]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
};

// Advance widths (1/1000 em) for ASCII 32..126: max(Helvetica AFM, DejaVu Sans), regular and bold.
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337,
  337, 838, 838, 838, 556, 1015, 684, 686, 722, 770, 667, 611, 778, 752, 295, 500, 667, 557, 863, 748, 787, 667, 787, 722, 667, 611, 732,
  684, 989, 685, 667, 685, 390, 337, 390, 838, 556, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635,
  635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400,
  400, 838, 838, 838, 595, 1086, 774, 762, 773, 830, 714, 683, 832, 837, 372, 535, 775, 637, 995, 837, 850, 733, 850, 773, 720, 682, 812,
  774, 1103, 771, 724, 725, 457, 365, 457, 838, 595, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716,
  716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
// A few non-ASCII characters the reports use; anything else counts as a full em.
const OTHER: Record<string, number> = { "–": 556, "—": 1000, "×": 838, "÷": 838, "≥": 838, "≤": 838, "…": 1000, "€": 696, "£": 696, "Σ": 683, "’": 380, "é": 678 };

/** Width in px of `text` at `fontSize` in the widest of Helvetica/Arial and DejaVu Sans. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c >= 32 && c <= 126 ? table[c - 32]! : (OTHER[ch] ?? 1000);
  }
  return (w / 1000) * fontSize;
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

let metricsInstalled = false;
function installTextMetrics(vega: typeof Vega): void {
  if (metricsInstalled) return;
  metricsInstalled = true;
  const tm = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics;
  tm.width = (item: TextItem, text: unknown) => {
    const s = text == null ? "" : String(text).trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const bold = item.fontWeight === "bold" || Number(item.fontWeight) >= 600;
    const w = textWidth(s, size, bold);
    return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}

export class ChartRenderError extends Error {}

/** A loader that refuses every request: reports are self-contained. */
const noLoader = {
  load: (uri: string) => Promise.reject(new ChartRenderError(`chart tried to load ${uri}; specs must carry their data inline`)),
  sanitize: (uri: string) => Promise.reject(new ChartRenderError(`chart tried to load ${uri}; specs must carry their data inline`)),
  http: () => Promise.reject(new ChartRenderError("charts make no HTTP requests")),
  file: () => Promise.reject(new ChartRenderError("charts read no files")),
};

function collector(sink: string[]) {
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: unknown[]) => {
      sink.push(`error: ${a.map(String).join(" ")}`);
      return logger;
    },
    warn: (...a: unknown[]) => {
      sink.push(`warn: ${a.map(String).join(" ")}`);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** Compile a vega-lite spec to SVG markup. Throws ChartRenderError on any vega-lite or vega warning. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vl } = await loadVega();
  installTextMetrics(vega);
  const problems: string[] = [];
  const logger = collector(problems);
  const vgSpec = vl.compile(spec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: "none",
    logger: logger as unknown as Vega.LoggerInterface,
    logLevel: vega.Warn,
    loader: noLoader as unknown as Vega.Loader,
  });
  try {
    const svg = await view.toSVG();
    if (problems.length) throw new ChartRenderError(`chart "${spec.description ?? "?"}": ${problems.join("; ")}`);
    return svg;
  } finally {
    view.finalize();
  }
}
