/**
 * The planner report's budget what-if section: the spend → expected net return curve and a budget slider.
 *
 *   WhatIfData (from the run: curve points, the plan at the run's budget, the selection problem) ─► a section: the curve (inline SVG, drawn here so the page can move its marker), the slider, the
 *   figures at the chosen budget, why budget is left, the split by action and band
 *           ─► the page script: decodes the problem and, on every move of the slider, reruns the selection
 *              `churn score --budget X` runs (retention/budget.ts and what-if.ts, inlined as source) and redraws
 *
 * Without a problem (a run too large to carry it) the slider steps through the curve's points, whose figures the
 * run computed with the same selection. The figures at the run's budget are written into the page, so it reads and
 * prints the same without the script. `whatIfWhy` and `whatIfLastUnit` write the sentences both here and in the page
 * (their source is inlined), so both say the same thing; they use no imports.
 */
import { type EncodedWhatIfProblem, type WhatIfPoint, type WhatIfSummary, whatIfClientSource } from "../retention/what-if.js";
import { CHART_WIDTH } from "./charts.js";
import type { Section } from "./doc.js";
import { escapeHtml } from "./html.js";
import { textWidth } from "./render.js";

export type WhatIfSummaryData = WhatIfSummary;
export type WhatIfPointData = WhatIfPoint;

export interface WhatIfData {
  /** The run's budget; null = no limit. */
  budget: number | null;
  /** Spend at which no action worth its cost is left (capacities apply). */
  saturation: number;
  /** The curve, budgets ascending, from 0 to the saturation. */
  points: WhatIfPoint[];
  /** The plan at the run's budget. */
  atRun: WhatIfSummary;
  /** The plan without a budget limit (it spends the saturation). */
  atSaturation: WhatIfSummary;
  /** Candidate cells (subscriber-action pairs worth their cost) in the run. */
  cells: number;
  /** The selection problem: the page reruns the selection at any budget. */
  problem?: EncodedWhatIfProblem;
  /** Without a problem (a run too large to carry it): the plan at each curve point; the slider steps through them. */
  summaries?: WhatIfSummary[];
  /**
   * What the period budget (retention.periodBudget) had left for this run: `churn score --budget X` spends at most
   * this, so the slider caps X at it too (the curve shows what a larger period budget would buy).
   */
  periodAvailable?: number;
}

/** Format money the way format.ts does ("4,597 EUR"), in the page as here. */
export function whatIfMoney(x: number, currency: string): string {
  const s = Math.round(x).toLocaleString("en-US");
  return currency ? `${s} ${currency}` : s;
}

/** Why budget is left at this budget, in words (runs in the page too). */
export function whatIfWhy(s: WhatIfSummaryData, currency: string): string {
  const money = (x: number) => {
    const t = Math.round(x).toLocaleString("en-US");
    return currency ? `${t} ${currency}` : t;
  };
  const n = (x: number, one: string, many: string) => `${x.toLocaleString("en-US")} ${x === 1 ? one : many}`;
  const held = s.heldOut > 0 ? `${n(s.heldOut, "subscriber", "subscribers")} held out as the control group (selected, not contacted: ${money(s.heldOutCost)} not spent)` : "";
  if (s.budget === null) return `No budget limit: the plan spends ${money(s.cost)}, everything worth more than it costs within the capacities${held ? `; ${held}` : ""}.`;
  if (s.unspent < 0.5) return `The whole budget is used: ${money(s.cost)} of ${money(s.budget)}.`;
  if (held && s.unspent - s.heldOutCost < 0.5) return `${money(s.unspent)} of ${money(s.budget)} is left unspent: the selection used the whole budget, but ${held}.`;
  const parts = [];
  if (s.left.capacity > 0)
    parts.push(`${n(s.left.capacity, "subscriber", "subscribers")} whose worthwhile actions are all at capacity (${s.left.full.map((f) => `${f[0]} ${f[1].toLocaleString("en-US")}`).join(", ")})`);
  if (s.left.tooCostly > 0) parts.push(`${n(s.left.tooCostly, "subscriber", "subscribers")} whose cheapest worthwhile action costs more than the ${money(s.unspent)} left`);
  if (s.left.other > 0) parts.push(`${n(s.left.other, "subscriber", "subscribers")} left out for a better use of the budget`);
  const rules = Object.entries(s.left.excluded).filter((e) => e[1] > 0);
  if (rules.length) parts.push(`kept out by the contact rules: ${rules.map((e) => `${n(e[1], "subscriber", "subscribers")} ${e[0]}`).join(", ")}`);
  const head = `${money(s.unspent)} of ${money(s.budget)} is left unspent${held ? ` (${held})` : ""}`;
  if (!parts.length) return `${head}: no action left returns more than it costs; every subscriber with a worthwhile action is selected.`;
  return `${head}. Not selected: ${parts.join("; ")}. Everyone else with a worthwhile action is selected.`;
}

/** The return of the last unit spent, in words (runs in the page too). */
export function whatIfLastUnit(s: WhatIfSummaryData, currency: string): string {
  if (s.lastUnitReturn === null) return "Nothing is spent.";
  const unit = currency ? `1 ${currency}` : "1";
  return `The least productive ${unit} of this plan brings back ${s.lastUnitReturn.toFixed(2)} in expected revenue saved (${(s.lastUnitReturn - 1).toFixed(2)} net).`;
}

/**
 * FNV-1a (32 bit, hex) of the lines "rank:action" of the selected subscribers in rank order, rank = the position
 * of the subscriber id among the run's ids sorted: the page's and a scoring run's selections compare by it.
 */
export function selectionFingerprint(lines: string[]): string {
  let h = 0x811c9dc5;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      h ^= line.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 10;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Nice round tick values from 0 to at least `max`: about `count` of them. */
export function niceTicks(max: number, count: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  if (out[out.length - 1]! < max) out.push(Math.round((out[out.length - 1]! + step) * 1e6) / 1e6);
  return out;
}

const num = (x: number) => Math.round(x).toLocaleString("en-US");

/** The curve as inline SVG with known scales (data attributes), so the page can place the slider's marker. */
export function whatIfCurveSvg(d: WhatIfData, xMax: number, currency: string): string {
  const W = CHART_WIDTH;
  const H = 230;
  const yMaxData = Math.max(...d.points.map((p) => p.net), 1);
  // ticks that fit: fewer when their labels would run into each other
  let xt = niceTicks(xMax, 4);
  for (let c = 4; c > 1 && xt.length > 1 && (W - 80) / (xt.length - 1) < Math.max(...xt.map((v) => textWidth(num(v), 11))) + 8; c--) xt = niceTicks(xMax, c - 1);
  const yt = niceTicks(yMaxData, 4);
  const yLabelW = Math.max(...yt.map((v) => textWidth(num(v), 11)));
  const left = Math.ceil(yLabelW + 30);
  // room for half the last x label, which is centred on the axis end
  const right = Math.ceil(Math.max(14, textWidth(num(xt[xt.length - 1]!), 11) / 2 + 3));
  const top = 10;
  const bottom = 44;
  const x1 = xt[xt.length - 1]!;
  const y1 = yt[yt.length - 1]!;
  const sx = (v: number) => left + (v / x1) * (W - left - right);
  const sy = (v: number) => top + (1 - v / y1) * (H - top - bottom);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  for (const v of yt) parts.push(`<line x1="${left}" x2="${W - right}" y1="${f(sy(v))}" y2="${f(sy(v))}" stroke="#e3e3e3"/><text x="${left - 6}" y="${f(sy(v) + 4)}" text-anchor="end">${num(v)}</text>`);
  for (const v of xt) parts.push(`<line x1="${f(sx(v))}" x2="${f(sx(v))}" y1="${H - bottom}" y2="${H - bottom + 4}" stroke="#888"/><text x="${f(sx(v))}" y="${H - bottom + 16}" text-anchor="middle">${num(v)}</text>`);
  parts.push(`<line x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}" stroke="#888"/>`);
  parts.push(`<text x="${f((left + W - right) / 2)}" y="${H - 8}" text-anchor="middle" font-weight="bold">${escapeHtml(`Budget spent${currency ? ` (${currency})` : ""}`)}</text>`);
  parts.push(`<text transform="translate(12 ${f((top + H - bottom) / 2)}) rotate(-90)" text-anchor="middle" font-weight="bold">${escapeHtml(`Expected net return${currency ? ` (${currency})` : ""}`)}</text>`);
  const path = d.points.map((p, i) => `${i ? "L" : "M"}${f(sx(p.spent))},${f(sy(Math.max(0, p.net)))}`).join("");
  parts.push(`<path d="${path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>`);
  // past the saturation a bigger budget buys nothing more: the curve stays flat
  const endNet = Math.max(0, d.points[d.points.length - 1]?.net ?? 0);
  parts.push(`<line x1="${f(sx(d.saturation))}" x2="${f(sx(xMax))}" y1="${f(sy(endNet))}" y2="${f(sy(endNet))}" stroke="#1f5fa8" stroke-width="2" stroke-dasharray="2 3"/>`);
  for (const p of d.points) parts.push(`<circle cx="${f(sx(p.spent))}" cy="${f(sy(Math.max(0, p.net)))}" r="2" fill="#1f5fa8"/>`);
  const run = d.atRun;
  parts.push(`<line x1="${f(sx(run.cost))}" x2="${f(sx(run.cost))}" y1="${top}" y2="${H - bottom}" stroke="#333" stroke-dasharray="4 4"/>`);
  // the slider's position: moved by the page script
  parts.push(
    `<g id="wi-marker"><line id="wi-marker-line" x1="${f(sx(run.cost))}" x2="${f(sx(run.cost))}" y1="${top}" y2="${H - bottom}" stroke="#e08214" stroke-width="2"/><circle id="wi-marker-dot" cx="${f(sx(run.cost))}" cy="${f(sy(Math.max(0, run.net)))}" r="5" fill="#e08214"/></g>`,
  );
  const title = `Expected net return against budget spent: the plan at ${d.points.length} budgets from 0 to ${whatIfMoney(d.saturation, currency)}, where no action worth its cost is left. Dashed: this run's spend.`;
  return `<figure class="chart" id="chart-what-if"><figcaption>Spend and expected net return</figcaption><svg role="img" aria-labelledby="chart-what-if-title" id="wi-curve" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="'Liberation Sans', Arial, Helvetica, sans-serif" font-size="11" fill="#1a1a1a" data-left="${left}" data-right="${W - right}" data-top="${top}" data-bottom="${H - bottom}" data-xmax="${x1}" data-ymax="${y1}"><title id="chart-what-if-title">${escapeHtml(title)}</title>${parts.join("")}</svg></figure>`;
}

function totalsTable(id: string, caption: string, keyLabel: string, rows: { key: string; t: { contacts: number; cost: number; saving: number } }[], currency: string): string {
  const body = rows
    .map(
      (r) =>
        `<tr data-key="${escapeHtml(r.key)}"><th scope="row"><span class="cl" aria-hidden="true">${escapeHtml(keyLabel)}</span><span class="cv">${escapeHtml(r.key).replace(/_/g, "_<wbr>")}</span></th>` +
        [
          ["contacts", "Contacts", num(r.t.contacts), r.t.contacts],
          ["cost", "Cost", whatIfMoney(r.t.cost, currency), r.t.cost],
          ["saving", "Expected saved", whatIfMoney(r.t.saving, currency), r.t.saving],
        ]
          .map(([k, label, text, v]) => `<td class="num" data-wi="${k}" data-value="${v}"><span class="cl" aria-hidden="true">${label}</span><span class="cv">${text}</span></td>`)
          .join("") +
        "</tr>",
    )
    .join("");
  return `<div class="table-wrap"><table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr><th scope="col">${escapeHtml(keyLabel)}</th><th scope="col" class="num">Contacts</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Expected saved</th></tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The figure cards and texts of the plan at one budget (the page rewrites their values). */
function panel(s: WhatIfSummaryData, currency: string, held: boolean): string {
  const fig = (key: string, label: string, text: string, value: number | null, labelHtml = escapeHtml(label)) =>
    `<div class="figure"><div class="value" data-wi="${key}" data-value="${value ?? ""}">${escapeHtml(text)}</div><div class="label">${labelHtml}</div></div>`;
  // a run with a holdout: the control group is selected within the budget but not contacted
  return [
    `<div class="figures cols-3" id="wi-figures">`,
    fig("contacts", "Contacts", num(s.contacts), s.contacts, held ? `Contacts (and <span data-wi="heldOut" data-value="${s.heldOut}">${num(s.heldOut)}</span> held out)` : "Contacts"),
    fig("cost", "Cost (budget spent)", whatIfMoney(s.cost, currency), s.cost),
    fig("saving", "Expected revenue saved", whatIfMoney(s.saving, currency), s.saving),
    fig("net", "Expected net return", whatIfMoney(s.net, currency), s.net),
    fig("unspent", "Budget left unspent", whatIfMoney(s.unspent, currency), s.unspent),
    fig("lastUnitReturn", "Return of the last unit spent", s.lastUnitReturn === null ? "–" : `${s.lastUnitReturn.toFixed(2)} per 1`, s.lastUnitReturn),
    `</div>`,
    `<p class="intro" id="wi-why">${escapeHtml(whatIfWhy(s, currency))}</p>`,
    `<p class="intro" id="wi-last">${escapeHtml(whatIfLastUnit(s, currency))}</p>`,
    `<div class="wi-tables">`,
    totalsTable("wi-by-action", "By action", "Action", s.byAction.map((t) => ({ key: t.action, t })), currency),
    totalsTable("wi-by-band", "By risk band", "Band", s.byBand.map((t) => ({ key: t.band, t })), currency),
    `</div>`,
  ].join("");
}

/** Why spending stops at the saturation: nothing worth its cost left, or capacities full. */
function saturationReason(d: WhatIfData): string {
  const full = d.atSaturation.left.full;
  const capped = d.atSaturation.left.capacity > 0 && full.length > 0;
  return capped
    ? `the actions still worth their cost are at capacity (${full.map((f) => `${f[0]} ${f[1].toLocaleString("en-US")}`).join(", ")}), everything else worth its cost is bought`
    : "every action still worth its cost is bought";
}

/** The slider's range: up to the run's budget or a little past the saturation, whichever is larger. */
export function sliderMax(d: WhatIfData): number {
  return Math.ceil(Math.max(d.budget ?? 0, d.saturation * 1.2, 1));
}

/** The holdout at every budget, in words (nothing without one). */
function holdoutNote(d: WhatIfData): string {
  const share = d.problem?.holdoutShare ?? 0;
  if (!(share > 0)) return "";
  return ` At every budget ${Math.round(share * 100)}% of each action's selection is held out as the control group, drawn as churn score draws it: selected within the budget, not contacted, nothing spent and nothing saved on them, so the return can step down where one more valuable subscriber falls into the control group.`;
}

/** The what-if section: curve, slider, figures (the plan at the run's budget until the slider moves). */
export function whatIfSection(d: WhatIfData | undefined, currency: string): Section {
  if (!d) return { id: "what-if", title: "Budget what-if", note: "This run carries no budget what-if (it was written before churn computed one). Re-run churn score to get it." };
  const max = sliderMax(d);
  // exact: the page reruns the selection; points: it steps through the curve's plans; static: no slider
  const mode = d.problem !== undefined ? "exact" : d.summaries?.length === d.points.length ? "points" : "static";
  const exact = mode === "exact";
  const runBudget = d.budget === null ? max : Math.min(d.budget, max);
  const startIndex = d.points.findIndex((p) => p.budget >= (d.budget ?? Number.POSITIVE_INFINITY));
  const slider = mode === "static"
    ? ""
    : exact
    ? `<input type="range" id="wi-budget" min="0" max="${max}" step="1" value="${Math.round(runBudget)}" aria-describedby="wi-budget-note"><input type="number" id="wi-budget-n" min="0" step="any" value="${runBudget}" aria-label="Budget (${escapeHtml(currency)})">`
    : `<input type="range" id="wi-budget" min="0" max="${d.points.length - 1}" step="1" value="${startIndex < 0 ? d.points.length - 1 : startIndex}" aria-describedby="wi-budget-note">`;
  const how = mode === "static"
    ? "The plan at this run's budget (the run carries neither its selection problem nor the plans of its curve, so there is no slider)."
    : exact
    ? `Move the budget: the page reruns the selection churn score runs (capacities, contact rules and all), so the figures are those of \`churn score --budget X\` on this run.${d.periodAvailable !== undefined ? ` The period budget had ${whatIfMoney(d.periodAvailable, currency)} left for this run: a larger budget is capped at it, as churn score caps it.` : ""}`
    : `This run has ${d.cells.toLocaleString("en-US")} worthwhile subscriber-action pairs, too many to recompute in the page: the slider steps through the ${d.points.length} budgets of the curve, each planned by churn score's own selection.`;
  const html = [
    `<div class="what-if" id="what-if-widget" data-state="ready" data-budget="${d.budget ?? ""}" data-mode="${mode}">`,
    whatIfCurveSvg(d, Math.min(max, Math.max(d.saturation * 1.25, 1)), currency),
    `<div class="wi-panel">`,
    `<div class="wi-controls"><label for="wi-budget">Budget</label>${slider}<output id="wi-budget-out" for="wi-budget">${escapeHtml(d.budget === null ? "no limit" : whatIfMoney(d.budget, currency))}</output></div>`,
    `<p class="note" id="wi-budget-note">${escapeHtml(how)}</p>`,
    panel(d.atRun, currency, (d.problem?.holdoutShare ?? 0) > 0 || d.atRun.heldOut > 0),
    `</div></div>`,
  ].join("");
  return {
    id: "what-if",
    title: "Budget what-if",
    intro: `At ${d.budget === null ? "no budget limit" : `this run's budget of ${whatIfMoney(d.budget, currency)}`} the plan spends ${whatIfMoney(d.atRun.cost, currency)}. Beyond ${whatIfMoney(d.saturation, currency)} a bigger budget buys nothing more: ${saturationReason(d)}.${holdoutNote(d)}`,
    widget: html,
    // Markdown and JSON show the curve as a table (HTML shows the widget instead)
    tables: [
      {
        caption: "Spend and expected return by budget",
        columns: [
          { key: "budget", label: "Budget", format: "money" },
          { key: "spent", label: "Spent", format: "money" },
          { key: "contacts", label: "Contacts", format: "int" },
          { key: "saving", label: "Expected saved", format: "money" },
          { key: "net", label: "Expected net return", format: "money" },
        ],
        rows: d.points.map((p) => ({ ...p })),
      },
    ],
  };
}

/** The page script's own part (the selection and what-if functions come before it): wire the slider. */
export const WHAT_IF_PAGE = String.raw`
(function () {
  const $ = (id) => document.getElementById(id);
  const root = $("what-if-widget");
  if (!root) return;
  const data = JSON.parse($("report-data").textContent).whatIf;
  const currency = JSON.parse($("report-data").textContent).currency;
  const mode = root.dataset.mode;
  if (mode === "static") return;
  const exact = mode === "exact";
  const w = exact ? decodeWhatIfProblem(data.problem) : null;
  const slider = $("wi-budget");
  const box = $("wi-budget-n");
  const out = $("wi-budget-out");
  const svg = $("wi-curve");
  const num = (x) => Math.round(x).toLocaleString("en-US");
  const sx = (v) => Number(svg.dataset.left) + (Math.min(v, Number(svg.dataset.xmax)) / Number(svg.dataset.xmax)) * (Number(svg.dataset.right) - Number(svg.dataset.left));
  const sy = (v) => Number(svg.dataset.top) + (1 - Math.max(0, v) / Number(svg.dataset.ymax)) * (Number(svg.dataset.bottom) - Number(svg.dataset.top));
  const set = (el, text, value) => {
    el.dataset.value = value === null ? "" : String(value);
    const cv = el.querySelector(".cv");
    (cv || el).textContent = text;
  };
  function render(s) {
    for (const el of root.querySelectorAll("#wi-figures [data-wi]")) {
      const k = el.dataset.wi;
      const v = s[k];
      const text = k === "contacts" || k === "heldOut" ? num(v) : k === "lastUnitReturn" ? (v === null ? "\u2013" : v.toFixed(2) + " per 1") : whatIfMoney(v, currency);
      set(el, text, v);
    }
    for (const [id, list, key] of [["wi-by-action", s.byAction, "action"], ["wi-by-band", s.byBand, "band"]]) {
      for (const t of list) {
        const row = $(id).querySelector('tr[data-key="' + t[key] + '"]');
        if (!row) continue;
        for (const el of row.querySelectorAll("[data-wi]")) {
          const k = el.dataset.wi;
          set(el, k === "contacts" ? num(t[k]) : whatIfMoney(t[k], currency), t[k]);
        }
      }
    }
    $("wi-why").textContent = whatIfWhy(s, currency);
    $("wi-last").textContent = whatIfLastUnit(s, currency);
    const x = sx(s.cost).toFixed(1);
    const line = $("wi-marker-line");
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
    $("wi-marker-dot").setAttribute("cx", x);
    $("wi-marker-dot").setAttribute("cy", sy(s.net).toFixed(1));
    root.dataset.budget = s.budget === null ? "" : String(s.budget);
  }
  // one computation at a time, always of the latest budget asked for
  let wanted = null;
  let busy = false;
  // a fingerprint of the selection (subscriber ranks and actions), so a test can compare it with a scoring run's
  function fingerprint(choice) {
    const picked = [];
    for (let i = 0; i < choice.length; i++) if (choice[i] >= 0) picked.push([w.rank[i], choice[i]]);
    picked.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    return selectionFingerprint(picked.map((p) => p[0] + ":" + w.actions[p[1]]));
  }
  function step() {
    // as churn score does: the run's budget is at most what the period budget has left
    const b = data.periodAvailable === undefined || data.periodAvailable === null ? wanted : Math.min(wanted, data.periodAvailable);
    wanted = null;
    const sel = selectActions(whatIfSelectionProblem(w, b));
    render(summariseWhatIf(w, sel.choice, b));
    root.dataset.selection = fingerprint(sel.choice);
    if (wanted !== null) setTimeout(step, 0);
    else {
      busy = false;
      root.dataset.state = "ready";
    }
  }
  function ask(b) {
    out.textContent = whatIfMoney(b, currency);
    root.dataset.state = "computing";
    wanted = b;
    if (!busy) {
      busy = true;
      setTimeout(step, 0);
    }
  }
  if (exact) {
    slider.addEventListener("input", () => {
      box.value = slider.value;
      ask(Number(slider.value));
    });
    box.addEventListener("change", () => {
      const b = Number(box.value);
      if (!(b >= 0)) return;
      slider.value = String(Math.round(b));
      ask(b);
    });
  } else {
    slider.addEventListener("input", () => {
      const i = Number(slider.value);
      out.textContent = whatIfMoney(data.points[i].budget, currency);
      render(data.summaries[i]);
    });
  }
})();
`;

/** The page script: the selection and what-if functions (retention), the sentences above, the slider's wiring. */
export function whatIfPageSource(): string {
  return [whatIfClientSource(), whatIfMoney.toString(), whatIfWhy.toString(), whatIfLastUnit.toString(), selectionFingerprint.toString(), WHAT_IF_PAGE].join("\n");
}
