/**
 * The second night, as a user meets it (issue 14 item 2): a second flat-table run into the same runs folder,
 * a column renamed in the scoring export, the config's data.dir, and an as-of date after the export's last day.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msg } from "../../src/messages.js";
import { rng } from "../../src/rng.js";
import { generateWorld } from "../../src/synth/index.js";
import { runInProcess, STACK } from "../reliability/helpers.js";

/** CSV of `n` customers shaped like the telco benchmark (customerID, tenure, Contract, charges, Churn Yes/No). */
function telcoLike(n: number, seed: number): string {
  const r = rng(seed);
  const contracts = ["Month-to-month", "One year", "Two year"];
  const rows = ["customerID,gender,tenure,Contract,PaperlessBilling,MonthlyCharges,TotalCharges,Churn"];
  for (let i = 0; i < n; i++) {
    const contract = Math.floor(r() * 3);
    const tenure = 1 + Math.floor(r() * 72);
    const monthly = Math.round((20 + r() * 90) * 100) / 100;
    const risk = 1 / (1 + Math.exp(-(1.2 - 1.1 * contract - 0.03 * tenure + 0.01 * monthly)));
    const churn = r() < risk ? "Yes" : "No";
    rows.push(`C${String(i).padStart(4, "0")},${r() < 0.5 ? "Female" : "Male"},${tenure},${contracts[contract]},${r() < 0.6 ? "Yes" : "No"},${monthly},${(monthly * tenure).toFixed(2)},${churn}`);
  }
  return `${rows.join("\n")}\n`;
}

let dir: string;
let table: string;
let world: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "churn-night2-"));
  // a flat table of 400 customers with the telco benchmark's columns (seeded, so the test needs nothing beside the repo)
  table = join(dir, "telco.csv");
  writeFileSync(table, telcoLike(400, 21));
  world = join(dir, "world");
  await generateWorld({ subscribers: 600, months: 4, seed: 9, format: "parquet", out: world });
  for (const args of [
    ["train", "--table", table, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--model", "logistic", "--out", join(dir, "flat-models"), "--quiet"],
    ["features", "--data", world, "--as-of-range", "2026-04-30..2026-05-31", "--every", "1mo", "--out", join(dir, "train.parquet"), "--quiet"],
    ["train", "--features", join(dir, "train.parquet"), "--model", "logistic", "--out", join(dir, "models"), "--quiet"],
  ]) {
    const r = await runInProcess(args);
    expect(r.code, r.stderr).toBe(0);
  }
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("night two", () => {
  it("a second flat-table run into the same runs folder works; its report lists both runs in run order", async () => {
    const model = join(dir, "flat-models", "champion");
    for (const name of ["first", "second"]) {
      const r = await runInProcess(["score", "--model", model, "--table", table, "--id", "customerID", "--out", join(dir, "flat-runs", name), "--quiet"]);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code, r.stderr).toBe(0);
    }
    const html = readFileSync(join(dir, "flat-runs", "second", "report.html"), "utf8");
    expect(html).toContain("Trend against earlier runs");
    expect(html).toContain("Run (oldest first)");
    // no as-of date: the run names the page, and it is compared with the flat-table run before it
    expect(html).toContain("<title>Retention plan: second</title>");
    expect(html).not.toMatch(/as of \./);
    expect(html).toContain("Against run first.");
    expect(html).not.toContain("This is the first run in its folder");
    expect(html).not.toContain("this is the first scoring run in its folder");
    expect(html).toContain("Runs scored from a flat table have no as-of date and no horizon");
    const summary = JSON.parse(readFileSync(join(dir, "flat-runs", "second", "summary.json"), "utf8")) as { changes?: { previous: { runId: string } } };
    expect(summary.changes?.previous.runId).toBe("first");
  }, 120_000);

  it("a column renamed in the scoring export is exit 3 naming it and the mapping line to add; the mapping makes it score", async () => {
    const renamed = join(dir, "renamed.csv");
    writeFileSync(renamed, readFileSync(table, "utf8").replace("TotalCharges", "Total Charges"));
    const model = join(dir, "flat-models", "champion");
    const r = await runInProcess(["score", "--model", model, "--table", renamed, "--id", "customerID", "--out", join(dir, "flat-runs", "renamed"), "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain(`${renamed} lacks 1 column the model reads: TotalCharges`);
    expect(r.stderr).toContain('table: { "TotalCharges": "Total Charges" }');
    const cfg = join(dir, "map.yaml");
    writeFileSync(cfg, 'data:\n  columns:\n    table: { TotalCharges: "Total Charges" }\n');
    const ok = await runInProcess(["score", "--config", cfg, "--model", model, "--table", renamed, "--id", "customerID", "--out", join(dir, "flat-runs", "renamed"), "--quiet"]);
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);

  it("a flat table whose monthly revenue column has its own name: the warning says how to map it, and the mapping gives every customer a value", async () => {
    const named = join(dir, "billed.csv");
    writeFileSync(named, readFileSync(table, "utf8").replace("MonthlyCharges", "billed"));
    const models = join(dir, "billed-models");
    const t = await runInProcess(["train", "--table", named, "--label", "Churn", "--positive", "Yes", "--id", "customerID", "--model", "logistic", "--out", models, "--quiet"]);
    expect(t.code, t.stderr).toBe(0);
    const bare = await runInProcess(["score", "--model", join(models, "champion"), "--table", named, "--id", "customerID", "--out", join(dir, "flat-runs", "billed-bare")]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain("has no ARPU column");
    expect(bare.stderr).toContain("data: { columns: { table: { arpu: <your monthly revenue column> } } }");
    const cfg = join(dir, "billed.yaml");
    writeFileSync(cfg, "data:\n  columns:\n    table: { arpu: billed }\n");
    const mapped = await runInProcess(["score", "--config", cfg, "--model", join(models, "champion"), "--table", named, "--id", "customerID", "--out", join(dir, "flat-runs", "billed")]);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.stderr).not.toContain("has no ARPU column");
    const risk = readFileSync(join(dir, "flat-runs", "billed", "risk_list.csv"), "utf8").trim().split("\n");
    const arpu = risk[0]!.split(",").indexOf("arpu");
    expect(risk.slice(1).every((l) => Number(l.split(",")[arpu]) > 0)).toBe(true);
  }, 120_000);

  it("a flat table without an id column is scored with its row numbers as ids; one with an id-like column is told to name it", async () => {
    const model = join(dir, "flat-models", "champion");
    const noId = join(dir, "no-id.csv");
    writeFileSync(noId, readFileSync(table, "utf8").replace(/^customerID,/, "").replace(/\nC\d{4},/g, "\n"));
    const r = await runInProcess(["score", "--model", model, "--table", noId, "--out", join(dir, "flat-runs", "no-id")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(msg.scoreIdByRow(noId));
    const ids = readFileSync(join(dir, "flat-runs", "no-id", "risk_list.csv"), "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[1]));
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    const forgot = await runInProcess(["score", "--model", model, "--table", table, "--out", join(dir, "flat-runs", "forgot"), "--quiet"]);
    expect(forgot.code).toBe(3);
    expect(forgot.stderr).toContain("Name the id column with --id (--id customerID?)");
  }, 120_000);

  it("an id with several rows (monthly rows appended in time order): its last row is scored, the earlier ones are rejects naming it", async () => {
    const model = join(dir, "flat-models", "champion");
    const lines = readFileSync(table, "utf8").trim().split("\n");
    const first = lines[1]!.split(",");
    // the same customer a month later: one month more tenure, now month-to-month
    const later = [...first];
    later[2] = String(Number(first[2]) + 1);
    later[3] = "Month-to-month";
    const appended = join(dir, "appended.csv");
    writeFileSync(appended, `${[...lines, later.join(",")].join("\n")}\n`);
    const replaced = join(dir, "replaced.csv");
    writeFileSync(replaced, `${[lines[0], later.join(","), ...lines.slice(2)].join("\n")}\n`);
    const prob = (run: string) => {
      const risk = readFileSync(join(dir, "flat-runs", run, "risk_list.csv"), "utf8").trim().split("\n");
      return risk.find((l) => l.split(",")[1] === first[0])!.split(",")[2];
    };
    for (const [name, file] of [["appended", appended], ["replaced", replaced]] as const) {
      const r = await runInProcess(["score", "--model", model, "--table", file, "--id", "customerID", "--out", join(dir, "flat-runs", name), "--quiet"]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(prob("appended")).toBe(prob("replaced"));
    const rejects = readFileSync(join(dir, "flat-runs", "appended", "rejects.csv"), "utf8");
    expect(rejects).toContain(`,1,customerID,${first[0]},duplicate_id,row 401 of this id is scored (its last row)`);
  }, 120_000);

  it("a model that reads columns no feature family computes (a flat-table model, or one of an earlier churn) is exit 3 with the fix, not an internal error", async () => {
    const r = await runInProcess(["score", "--model", join(dir, "flat-models", "champion"), "--data", world, "--as-of", "2026-06-30", "--out", join(dir, "runs", "flat-on-data"), "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toContain("that churn does not compute from raw tables: ");
    expect(r.stderr).toContain("TotalCharges");
    expect(r.stderr).toContain("score it with --table");
  }, 120_000);

  it("score reads the config's data.dir when --data is not given", async () => {
    const cfg = join(dir, "datadir.yaml");
    writeFileSync(cfg, `data:\n  dir: ${JSON.stringify(world)}\n`);
    const r = await runInProcess(["score", "--config", cfg, "--model", join(dir, "models", "champion"), "--as-of", "2026-06-30", "--out", join(dir, "runs", "2026-06-30"), "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("as of 2026-06-30");
  }, 120_000);

  it("an as-of date after the last day of usage is a stale export: exit 3, not drift", async () => {
    const r = await runInProcess(["score", "--model", join(dir, "models", "champion"), "--data", world, "--as-of", "2026-11-30", "--out", join(dir, "runs", "2026-11-30"), "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("usage ends 2026-06-30; as-of 2026-11-30 is after it");
    expect(r.stderr).toContain(msg.asOfAfterData("usage", join(world, "usage.parquet"), "2026-06-30", "2026-11-30", 0));
  }, 120_000);

  it("a mistyped as-of day is a usage error naming --as-of, before any table is read", async () => {
    const r = await runInProcess(["score", "--model", join(dir, "models", "champion"), "--data", world, "--as-of", "2026-13-01", "--out", join(dir, "runs", "bad"), "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(msg.featBadDate("--as-of", "2026-13-01"));
    expect(r.stderr).not.toContain("validation.asOf");
    expect(r.stderr).not.toMatch(STACK);
  }, 60_000);
});
