/**
 * A customer with several rows (monthly rows of one table) is never both trained on and tested on: with --id, cv's
 * folds, its inner early-stopping split and train's validation split keep each id's rows together; without --id,
 * an id-like column that repeats gets a note saying so.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { msg } from "../../src/messages.js";
import { innerSplit } from "../../src/model/cv.js";
import { cvFolds, loadLabelledTable, tableTrainingInput } from "../../src/model/inputs.js";
import { rng } from "../../src/model/split.js";
import { capture, tempDir } from "./helpers.js";

/** 400 customers with 1-3 monthly rows each; the label and plan are the customer's, usage varies by month. */
function writeMonthly(path: string): void {
  const r = rng(5);
  const lines = ["customer_id,month,plan,usage,churn"];
  for (let c = 0; c < 400; c++) {
    const plan = ["basic", "plus", "max"][c % 3]!;
    const churn = r() < (plan === "basic" ? 0.4 : 0.15) ? 1 : 0;
    for (let m = 1; m <= 1 + (c % 3); m++) lines.push(`C${c},${m},${plan},${(r() * 10 - churn * 2).toFixed(2)},${churn}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

const spanOne = (rowsA: number[], rowsB: number[], ids: (string | null)[]): boolean => {
  const a = new Set(rowsA.map((i) => ids[i]));
  return rowsB.some((i) => a.has(ids[i]!));
};

describe("rows grouped by a repeated id", () => {
  it("cv folds, the inner split and train's validation split never put one id on both sides", async () => {
    const dir = tempDir();
    const table = join(dir, "monthly.csv");
    writeMonthly(table);
    const spec = { path: table, label: "churn", positive: "1", id: "customer_id" };
    const t = await loadLabelledTable(spec);
    expect(t.groups?.count).toBe(400);
    const ids = readFileSync(table, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]!);
    const folds = cvFolds(t, 5, 42);
    for (let f = 0; f < 5; f++) {
      const test = [...folds.keys()].filter((i) => folds[i] === f);
      const train = [...folds.keys()].filter((i) => folds[i] !== f);
      expect(spanOne(train, test, ids)).toBe(false);
      const inner = innerSplit(train, t.y, f, { seed: 42, groups: t.groups!.groups });
      expect(spanOne(inner.fit, inner.valid, ids)).toBe(false);
      expect(inner.valid.length).toBeGreaterThan(0.1 * train.length);
    }
    // the row folds of the same table do put customers on both sides: what grouping prevents
    const { groups: _grouped, ...ungrouped } = t;
    const rowFolds = cvFolds(ungrouped, 5, 42);
    expect(spanOne([...rowFolds.keys()].filter((i) => rowFolds[i] !== 0), [...rowFolds.keys()].filter((i) => rowFolds[i] === 0), ids)).toBe(true);

    const input = await tableTrainingInput(spec, 42);
    expect(input.split["method"]).toBe("stratified-grouped");
    expect(input.split["groups"]).toBe(400);
    expect(spanOne(input.fitRows, input.validRows, ids)).toBe(false);
    // a model trained before grouping is compared on its own row split
    expect((await tableTrainingInput(spec, 42, 0.2, false)).split["method"]).toBe("stratified-random");
  });

  it("cv says it grouped, and without --id a repeating id-like column gets a note", async () => {
    const dir = tempDir();
    const table = join(dir, "monthly.csv");
    writeMonthly(table);
    const io = capture();
    expect(await run(["cv", "--table", table, "--label", "churn", "--positive", "1", "--id", "customer_id", "--json", "--quiet"])).toBe(0);
    const cv = JSON.parse(io.out.join(""));
    expect(cv.grouped_by).toEqual({ column: "customer_id", groups: 400, rows: 799 });
    expect(cv.folds_source).toContain("grouped by customer_id");
    io.out.length = 0;
    expect(await run(["cv", "--table", table, "--label", "churn", "--positive", "1", "--quiet"])).toBe(0);
    expect(io.out.join("")).toContain(`note: ${msg.idLikeRepeats(table, "customer_id", 400, 799)}`);
    // a fold column that splits customers is named
    const rows = readFileSync(table, "utf8").trim().split("\n");
    writeFileSync(table, `${[`${rows[0]},fold`, ...rows.slice(1).map((l, i) => `${l},${i % 5}`)].join("\n")}\n`);
    io.out.length = 0;
    expect(await run(["cv", "--table", table, "--label", "churn", "--positive", "1", "--id", "customer_id", "--folds-column", "fold", "--quiet"])).toBe(0);
    expect(io.out.join("")).toContain("in more than one fold");
    // the model card says how the split kept customers whole
    const models = join(dir, "models");
    expect(await run(["train", "--table", table, "--label", "churn", "--positive", "1", "--id", "customer_id", "--out", models, "--model-id", "g", "--quiet"])).toBe(0);
    expect(readFileSync(join(models, "g", "model_card.html"), "utf8")).toContain("grouped by customer_id: the 400 ids each have all their rows on one side");
  });
  it("without --id, rows that repeat another row exactly stay in one fold, with a note", async () => {
    const dir = tempDir();
    const table = join(dir, "dups.csv");
    const r = rng(8);
    const lines = ["plan,usage,calls,churn"];
    const rows: string[] = [];
    for (let i = 0; i < 300; i++) rows.push(`${["a", "b", "c"][i % 3]},${(r() * 100).toFixed(3)},${Math.floor(r() * 40)},${r() < 0.25 ? 1 : 0}`);
    // 60 of them exported twice, 20 three times
    lines.push(...rows, ...rows.slice(0, 60), ...rows.slice(0, 20));
    writeFileSync(table, `${lines.join("\n")}\n`);
    const t = await loadLabelledTable({ path: table, label: "churn", positive: "1" });
    expect(t.groups?.column).toBeNull();
    expect(t.groups?.count).toBe(300);
    expect(t.notes).toContain(msg.identicalRows(table, 80));
    const folds = cvFolds(t, 5, 1);
    // rows 300-359 copy rows 0-59, rows 360-379 copy rows 0-19
    for (let i = 300; i < 380; i++) expect(folds[i]).toBe(folds[(i - 300) % 60]);
    const input = await tableTrainingInput({ path: table, label: "churn", positive: "1" }, 1);
    const text = (i: number) => lines[i + 1];
    const valid = new Set(input.validRows.map(text));
    expect(input.fitRows.some((i) => valid.has(text(i)))).toBe(false);
    expect(input.split["groupedBy"]).toBe("identical rows");
    // the same rows without copies are not grouped
    writeFileSync(table, `${["plan,usage,calls,churn", ...rows].join("\n")}\n`);
    expect((await loadLabelledTable({ path: table, label: "churn", positive: "1" })).groups).toBeUndefined();
    // a column that numbers the rows is named too
    writeFileSync(table, `${["RowNumber,plan,usage,calls,churn", ...rows.map((l, i) => `${i + 1},${l}`)].join("\n")}\n`);
    expect((await loadLabelledTable({ path: table, label: "churn", positive: "1" })).notes).toEqual([msg.rowNumberColumn(table, "RowNumber")]);
  });
});
