/**
 * vega-lite → vega → SVG string, in Node, with no browser and no canvas package.
 *
 * Without node-canvas vega estimates text width as 0.8 × font size per character, which is far too wide for
 * proportional fonts (labels get cut, axes get pushed). We install a width function from Helvetica/Arial
 * character widths (Liberation Sans, the font the reports ask for, has the same metrics). Warnings from
 * vega-lite and vega are collected; `renderSvg` fails on any, so a spec mistake never ships silently.
 * Data loading is disabled: every spec carries its rows inline.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

// Helvetica AFM advance widths (1/1000 em) for ASCII 32..126.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278,
  584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
  667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** Width in px of `text` at `fontSize` in Helvetica/Arial; bold is about 7% wider. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c >= 32 && c <= 126 ? HELVETICA[c - 32]! : 600;
  }
  return (w / 1000) * fontSize * (bold ? 1.07 : 1);
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

let metricsInstalled = false;
function installTextMetrics(): void {
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
  installTextMetrics();
  const problems: string[] = [];
  const logger = collector(problems);
  const vgSpec = vl.compile(spec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: "none",
    logger: logger as unknown as vega.LoggerInterface,
    logLevel: vega.Warn,
    loader: noLoader as unknown as vega.Loader,
  });
  try {
    const svg = await view.toSVG();
    if (problems.length) throw new ChartRenderError(`chart "${spec.description ?? "?"}": ${problems.join("; ")}`);
    return svg;
  } finally {
    view.finalize();
  }
}
