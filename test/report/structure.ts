/** What a rendered report is made of, read from its HTML: sections, tables, charts and headline figures. */

export interface SectionShape {
  id: string;
  heading: string;
  /** Per table: its caption and column labels. */
  tables: { caption: string; columns: string[] }[];
  /** Chart ids (figure#chart-<id>) with their captions. */
  charts: string[];
  /** Labels of the headline figures. */
  figures: string[];
}

const text = (s: string) =>
  s
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim();

/** The sections of a report, in order, each with its tables, charts and figures. */
export function reportStructure(html: string): SectionShape[] {
  const out: SectionShape[] = [];
  for (const m of html.matchAll(/<section id="([^"]+)"[^>]*>([\s\S]*?)<\/section>/g)) {
    const body = m[2]!;
    out.push({
      id: m[1]!,
      heading: text(body.match(/<h2[^>]*>([\s\S]*?)<\/h2>/)?.[1] ?? ""),
      tables: [...body.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) => ({
        caption: text(t[1]!.match(/<caption>([\s\S]*?)<\/caption>/)?.[1] ?? ""),
        columns: [...(t[1]!.match(/<thead>([\s\S]*?)<\/thead>/)?.[1] ?? "").matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((c) => text(c[1]!)),
      })),
      charts: [...body.matchAll(/<figure class="chart" id="chart-([^"]+)"><figcaption>([\s\S]*?)<\/figcaption>/g)].map((c) => `${c[1]}: ${text(c[2]!)}`),
      figures: [...body.matchAll(/<div class="label">([\s\S]*?)<\/div>/g)].map((f) => text(f[1]!)),
    });
  }
  return out;
}
