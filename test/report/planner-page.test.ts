/**
 * The planner page of real scoring runs, in headless Chromium, looked at and used as a planner would: three monthly
 * runs of a seeded feature table (planner-runs.ts), the last one's report opened at 1280 px; the budget slider
 * dragged to three places, and at each budget the page's figures and selection compared with `churn score --budget X`
 * run on the same inputs. Both reports (this planner page and the model card) then read cleanly at 1280 px, 390 px
 * and on A4; screenshots go to docs/screenshots/. No console error, no outside request.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { callListsFromArgs } from "../../src/cli/commands/call-lists.js";
import { ConfigError } from "../../src/errors.js";
import { selectionFingerprint } from "../../src/report/what-if.js";
import { tempDir } from "../model/helpers.js";
import { chromiumAvailable, describeProblems, type OpenPage, openPage, VIEWS } from "./cdp.js";
import { AS_OF, plannerModel, plannerRun } from "./planner-runs.js";

/**
 * Screenshots of the real runs' reports go to out/screenshots/runs/ on every run (out/screenshots/ holds
 * browser.test.ts's, of the sample reports); with CHURN_WRITE_DOCS=1 also to
 * docs/screenshots/ (the README's pictures), so a plain `npm test` leaves the checkout as it was.
 */
const SHOT_DIRS = [resolve("out/screenshots/runs"), ...(process.env["CHURN_WRITE_DOCS"] ? [resolve("docs/screenshots")] : [])];
const available = chromiumAvailable();

/** risk_list.csv rows (no quoted commas in the columns read here: ids, bands, actions, selected). */
function riskList(dir: string): { id: string; band: string; action: string; selected: boolean; cost: number; group: string }[] {
  const [head, ...lines] = readFileSync(join(dir, "risk_list.csv"), "utf8").trim().split("\n");
  const cols = head!.split(",");
  const at = (name: string) => cols.indexOf(name);
  return lines.map((l) => {
    // reasons may hold quoted commas: the columns read here all come before them
    const f = l.split(",");
    return { id: f[at("subscriber_id")]!, band: f[at("band")]!, action: f[at("action")]!, selected: f[at("selected")] === "yes", cost: Number(f[at("action_cost")]), group: f[at("group")] ?? "" };
  });
}

/** The fingerprint the page computes, from a run's risk list (rank = position of the id among the sorted ids). */
function runFingerprint(dir: string): string {
  const rows = riskList(dir);
  const ids = rows.map((r) => r.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map(ids.map((id, i) => [id, i]));
  const picked = rows.filter((r) => r.selected).map((r) => [rank.get(r.id)!, r.action] as const);
  picked.sort((x, y) => x[0] - y[0]);
  return selectionFingerprint(picked.map((p) => `${p[0]}:${p[1]}`));
}

interface PageFigures {
  budget: string;
  selection: string;
  figures: Record<string, string>;
  byAction: Record<string, string>;
  byBand: Record<string, string>;
}

const READ = `(() => {
  const root = document.getElementById("what-if-widget");
  const rows = (id) => Object.fromEntries([...document.querySelectorAll("#" + id + " tr[data-key]")].map((tr) => [tr.dataset.key, tr.querySelector('[data-wi="contacts"]').dataset.value]));
  return { budget: root.dataset.budget, selection: root.dataset.selection || "", figures: Object.fromEntries([...document.querySelectorAll("#wi-figures [data-wi]")].map((e) => [e.dataset.wi, e.dataset.value])),
    byAction: rows("wi-by-action"), byBand: rows("wi-by-band") };
})()`;
const READY = `new Promise((res) => { const f = () => document.getElementById("what-if-widget").dataset.state === "ready" ? res(true) : setTimeout(f, 25); f(); })`;

describe.skipIf(!available)("the planner page of real runs", () => {
  let dir: string;
  let model: { features: string; models: string };
  const runDir = (asOf: string) => join(dir, "runs", asOf);

  beforeAll(async () => {
    dir = tempDir("churn-planner-page-");
    model = await plannerModel(dir);
    for (const asOf of AS_OF) await plannerRun(model, runDir(asOf), asOf, { budget: 150 });
    for (const d of SHOT_DIRS) mkdirSync(d, { recursive: true });
  }, 180_000);

  it("the run history: changes since the last run, renewal events, call lists", () => {
    const s = JSON.parse(readFileSync(join(runDir(AS_OF[2]), "summary.json"), "utf8"));
    expect(s.changes.previous).toEqual({ runId: AS_OF[1], asOf: AS_OF[1] });
    expect(s.changes.newlyCritical + s.changes.newlyHigh).toBeGreaterThan(0);
    // subscribers who left in April are absent from the May feature table
    expect(s.changes.notInData).toBeGreaterThan(0);
    const csv = readFileSync(join(runDir(AS_OF[2]), "changes.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("subscriber_id,change,previous_band,band,previous_probability,probability,previously_selected,previous_action,previous_group,action");
    expect(csv.length - 1).toBe(s.changes.new + s.changes.movedUp + s.changes.movedDown + s.changes.left + s.changes.notInData);
    // April's terms, as the March run saw them, judged in May (30 days after April ended)
    expect(s.renewals.months.map((m: { month: string }) => m.month)).toEqual(["2026-04-01"]);
    const apr = s.renewals.months[0];
    expect(apr.ending).toBe(apr.renewed + apr.rolledOver + apr.left);
    expect(apr.renewed).toBeGreaterThan(0);
    expect(apr.rolledOver).toBeGreaterThan(0);
    // call lists: one per action and channel, as many rows as the plan selected
    const selected = riskList(runDir(AS_OF[2])).filter((r) => r.selected).length;
    const lists = s.callLists.lists as { file: string; contacts: number }[];
    expect(lists.reduce((a, l) => a + l.contacts, 0)).toBe(selected);
    const first = readFileSync(join(runDir(AS_OF[2]), lists[0]!.file), "utf8");
    expect(first.split("\r\n")[0]).toBe("subscriber_id,action,channel,priority,contact_by,reason,offer_cost,holdout");
    // the control group is listed with holdout = yes (not to be contacted), the others with no
    const held = new Set(riskList(runDir(AS_OF[2])).filter((r) => r.group === "control").map((r) => r.id));
    expect(held.size).toBeGreaterThan(0);
    const flagged = new Set<string>();
    for (const l of lists) for (const line of readFileSync(join(runDir(AS_OF[2]), l.file), "utf8").trim().split("\r\n").slice(1)) if (line.endsWith(",yes")) flagged.add(line.split(",")[0]!);
    expect(flagged).toEqual(held);
  });

  it("churn call-lists writes a run's lists again for a spreadsheet that writes 1,5: the same rows, `;`, decimal commas", async () => {
    const out = join(dir, "crm");
    const r = await callListsFromArgs({ run: runDir(AS_OF[2]), out, format: "semicolon" });
    const s = JSON.parse(readFileSync(join(runDir(AS_OF[2]), "summary.json"), "utf8"));
    expect(r.lists.map((l) => [l.file, l.contacts, l.lastContactBy])).toEqual(s.callLists.lists.map((l: { file: string; contacts: number; lastContactBy: string }) => [l.file, l.contacts, l.lastContactBy]));
    for (const l of r.lists) {
      const a = readFileSync(join(runDir(AS_OF[2]), l.file), "utf8").trim().split("\r\n");
      const b = readFileSync(join(out, l.file), "utf8");
      expect(b.startsWith("\uFEFFsubscriber_id;action;channel;priority;contact_by;reason;offer_cost;holdout\r\n")).toBe(true);
      const rows = b.slice(1).trim().split("\r\n");
      expect(rows.length).toBe(a.length);
      // the same subscribers in the same order, the offer cost with a decimal comma
      expect(rows.map((x) => x.split(";")[0])).toEqual(a.map((x) => x.split(",")[0]));
      expect(rows.slice(1).every((x) => /;\d+,\d\d;(yes|no)$/.test(x))).toBe(true);
    }
    await expect(callListsFromArgs({ run: dir, out })).rejects.toThrow(ConfigError);
  });

  it("the slider, dragged to three budgets, shows what churn score --budget X selects there", async () => {
    const page = await openPage(pathToFileURL(join(runDir(AS_OF[2]), "report.html")).href, { width: 1280 });
    try {
      const slider = await page.evaluate<{ x: number; y: number; w: number; max: number }>(
        `(() => { const s = document.getElementById("wi-budget"); s.scrollIntoView({ block: "center" }); const b = s.getBoundingClientRect(); return { x: b.left, y: b.top + b.height / 2, w: b.width, max: Number(s.max) }; })()`,
      );
      const seen: PageFigures[] = [];
      let from = await page.evaluate<number>(`Number(document.getElementById("wi-budget").value)`);
      for (const at of [0.12, 0.45, 0.8]) {
        // the thumb sits at value/max along the track (its half-width aside); drag it from there
        await page.drag(slider.x + 8 + (from / slider.max) * (slider.w - 16), slider.y, slider.x + 8 + at * (slider.w - 16), slider.y, 6);
        await page.evaluate(READY);
        const f = await page.evaluate<PageFigures>(READ);
        from = Number(f.budget);
        seen.push(f);
      }
      expect(new Set(seen.map((f) => f.budget)).size).toBe(3);
      for (const f of seen) {
        const budget = Number(f.budget);
        expect(budget).toBeGreaterThan(0);
        // the same run at that budget: in a copy of its runs folder (the same history, contacts log and ledger, so
        // the same contact rules apply) and under the same folder name (the holdout is drawn from the run's id)
        const runs = join(dir, "at-budget", String(budget));
        cpSync(join(dir, "runs"), runs, { recursive: true });
        const out = join(runs, AS_OF[2]);
        await plannerRun(model, out, AS_OF[2], { budget });
        const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
        const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
        // the same subscribers with the same actions...
        expect(f.selection, `selection at ${budget}`).toBe(runFingerprint(out));
        // ...hence the same figures
        // contacted (treatment) and held out (control group), in all, by action and by band
        expect(Number(f.figures["contacts"])).toBe(m.contacts.treated);
        expect(Number(f.figures["heldOut"])).toBe(m.contacts.held_out);
        expect(m.contacts.held_out).toBeGreaterThan(0);
        expect(Math.round(Number(f.figures["cost"]) * 100) / 100).toBeCloseTo(m.budget_used, 2);
        expect(Number(f.figures["saving"])).toBeCloseTo(m.expected_revenue_saved, 1);
        const treated = riskList(out).filter((r) => r.selected && r.group !== "control");
        const tally = (key: (r: (typeof treated)[number]) => string) => treated.reduce((a, r) => a.set(key(r), (a.get(key(r)) ?? 0) + 1), new Map<string, number>());
        const byAction = tally((r) => r.action);
        const byBand = tally((r) => r.band);
        for (const [action, n] of Object.entries(f.byAction)) expect(Number(n), action).toBe(byAction.get(action) ?? 0);
        for (const [band, n] of Object.entries(f.byBand)) expect(Number(n), band).toBe(byBand.get(band) ?? 0);
        for (const [action, n] of Object.entries(m.counts.per_action as Record<string, number>)) if (action !== "none") expect(Number(f.byAction[action] ?? 0), action).toBeLessThanOrEqual(n);
        expect(s.run.id).toBe(AS_OF[2]);
      }
      expect(page.errors).toEqual([]);
      expect(page.externalRequests).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it("both reports read cleanly at 1280 px, 390 px and on A4 (screenshots in out/screenshots/runs/)", async () => {
    const reports = [
      { name: "planner-report", file: join(runDir(AS_OF[2]), "report.html") },
      { name: "model-card", file: join(model.models, "lr", "model_card.html") },
    ];
    const problems: string[] = [];
    for (const r of reports) {
      expect(existsSync(r.file), r.file).toBe(true);
      const page: OpenPage = await openPage(pathToFileURL(r.file).href, { width: 1280 });
      try {
        // the report itself, not a browser error page
        expect((await page.dom()).sections, r.name).toBeGreaterThanOrEqual(8);
        for (const v of VIEWS) {
          await page.setView(v);
          problems.push(...describeProblems(`${r.name} ${v.name}`, await page.layoutProblems()));
          if (v.media !== "print") {
            const png = await page.screenshot();
            for (const d of SHOT_DIRS) writeFileSync(join(d, `${r.name}-${v.name}.png`), png);
          }
        }
        problems.push(...page.errors.map((e) => `${r.name}: ${e}`), ...page.externalRequests.map((u) => `${r.name}: request ${u}`));
      } finally {
        await page.close();
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
