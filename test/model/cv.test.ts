import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cvFromArgs } from "../../src/cli/commands/cv.js";
import { InputDataError, UsageError } from "../../src/errors.js";
import { readFlatTable } from "../../src/io/flat-table.js";
import { msg } from "../../src/messages.js";
import { tempDir, writeFlatCsv } from "./helpers.js";

const base = { label: "churned", positive: "yes", id: "customer", model: "logistic" as const, calibration: "auto" as const, quiet: true, seed: 1 };

describe("churn cv on a flat table", () => {
  it("cross-validates on a fold column and writes out-of-fold probabilities by input row", async () => {
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 300);
    const oof = join(dir, "oof.csv");
    const r = await cvFromArgs({ ...base, table, foldsColumn: "fold", oof });
    expect(r.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    expect(r.folds.map((f) => f.rows)).toEqual([100, 100, 100]);
    expect(r.mean.auc).toBeGreaterThan(0.7);
    expect(r.mean.auc).toBeCloseTo(r.folds.reduce((a, f) => a + f.metrics.auc, 0) / 3, 12);
    const lines = readFileSync(oof, "utf8").trim().split("\n");
    expect(lines[0]).toBe("row,probability");
    expect(lines.length).toBe(301);
    expect(lines.slice(1).map((l) => Number(l.split(",")[0]))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // same seed → same result; --folds N gives stratified folds
    const again = await cvFromArgs({ ...base, table, foldsColumn: "fold" });
    expect(again.mean).toEqual(r.mean);
    const k4 = await cvFromArgs({ ...base, table, folds: 4 });
    expect(k4.folds.length).toBe(4);
  });

  it("fails clearly on bad input (exit 2 usage, exit 3 data)", async () => {
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 60);
    const t = await readFlatTable(table);
    await expect(cvFromArgs({ ...base, table, label: "gone", folds: 3 })).rejects.toThrow(new UsageError(msg.columnNotInTable(table, "--label", "gone", t.names)));
    // the same name in another case: the message says which column was meant
    await expect(cvFromArgs({ ...base, table, label: "Churned", folds: 3 })).rejects.toThrow("--label: column 'Churned' is not in");
    await expect(cvFromArgs({ ...base, table, label: "Churned", folds: 3 })).rejects.toThrow("Did you mean 'churned'? (names are case-sensitive)");
    await expect(cvFromArgs({ ...base, table, positive: "Yes", folds: 3 })).rejects.toThrow(new InputDataError(msg.positiveNeverSeen(table, "churned", "Yes", ["no", "yes"])));
    await expect(cvFromArgs({ ...base, table, folds: 3, foldsColumn: "fold" })).rejects.toThrow(new UsageError(msg.foldsOption()));
    const single = join(dir, "single.csv");
    writeFileSync(single, readFileSync(table, "utf8").replaceAll(",no,", ",yes,"));
    await expect(cvFromArgs({ ...base, table: single, folds: 3 })).rejects.toThrow(new InputDataError(msg.singleClass(single, "churned", "churner")));
    await expect(cvFromArgs({ ...base, table: join(dir, "nope.csv"), folds: 3 })).rejects.toThrow(new InputDataError(msg.tableNotFound(join(dir, "nope.csv"))));
    await expect(cvFromArgs({ ...base, table, label: "region", positive: "north", folds: 3 })).rejects.toThrow(InputDataError); // region has NA labels
  });
});

describe("flat table reading", () => {
  it("applies the missing tokens and the numeric rule, keeps file row order", async () => {
    const dir = tempDir();
    const p = join(dir, "m.csv");
    writeFileSync(p, "a,b,c,y\n1,x,NA,1\n ,y,2,0\nnan,?,N/A,1\n4,NULL,null,0\n");
    const t = await readFlatTable(p, { raw: ["y"] });
    expect(t.rows).toBe(4);
    const [a, b, c] = t.table.columns;
    expect(a).toMatchObject({ name: "a", kind: "numeric" });
    expect(Array.from((a as { values: Float64Array }).values).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, null, 4]);
    expect(b).toEqual({ name: "b", kind: "categorical", values: ["x", "y", null, null] });
    expect(c!.kind).toBe("numeric");
    expect(t.raw["y"]).toEqual(["1", "0", "1", "0"]);
  });
});

describe("mlp in cv", () => {
  it("refits the early-stopped mlp on all training rows of the fold for its best epochs, unless told not to", async () => {
    const { runCv } = await import("../../src/model/cv.js");
    const { loadLabelledTable } = await import("../../src/model/inputs.js");
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 240);
    const t = await loadLabelledTable({ path: table, label: "churned", positive: "yes", id: "customer", foldsColumn: "fold" });
    const mlp = { hidden: [8], k: 2, nBins: 4, dEmb: 2, maxEpochs: 3, patience: 3, batchSize: 64, members: 1 };
    const run = async (refitMlp: boolean) => {
      const logs: string[] = [];
      const r = await runCv(t.table, t.y, t.folds!, { model: "mlp", seed: 1, calibration: "auto", backend: "cpu", mlp, refitMlp, onLog: (l) => logs.push(l) });
      // folds run side by side, so their lines carry a "fold N: " prefix
      return { r, refits: logs.filter((l) => /(^|: )mlp refit epoch/.test(l)) };
    };
    const a = await run(true);
    const b = await run(false);
    // one refit per fold (3 folds), as many epochs as the early-stopped member's best
    expect(a.refits.filter((l) => /refit epoch 1\//.test(l))).toHaveLength(3);
    expect(b.refits).toHaveLength(0);
    expect(a.r.mean.auc).toBeGreaterThan(0.5);
    expect(a.r.mean.auc).not.toBe(b.r.mean.auc);
  }, 60_000);
});
