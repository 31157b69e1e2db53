/** Flat tables done right: --exclude, a fold column is never a feature, the config's CSV dialect (issue 16, item 5). */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/run.js";
import { msg } from "../../src/messages.js";
import { rng } from "../../src/model/split.js";
import { capture, tempDir, writeFlatCsv } from "./helpers.js";

const featureColumns = (models: string, id: string): string[] =>
  (JSON.parse(readFileSync(join(models, id, "preprocessing.json"), "utf8")).columns as { name: string }[]).map((c) => c.name);

/** The same customers written twice: plain CSV, and a ';' / decimal ',' / latin-1 export with dd.mm.yyyy dates. */
function writeTwoDialects(dir: string): { plain: string; local: string; config: string } {
  const r = rng(9);
  const plain = ["id,charges,signup,zone,churn"];
  const local = ["id;charges;signup;zone;churn"];
  for (let i = 0; i < 300; i++) {
    const charges = Math.round((20 + r() * 80) * 100) / 100;
    const day = 1 + Math.floor(r() * 28);
    const month = 1 + Math.floor(r() * 12);
    const zone = ["Nord", "Süd", "Mitte"][i % 3]!;
    const z = 0.04 * (charges - 60) + (month > 6 ? 0.6 : -0.6);
    const churn = r() < 1 / (1 + Math.exp(-z)) ? "1" : "0";
    const dd = String(day).padStart(2, "0");
    const mm = String(month).padStart(2, "0");
    plain.push(`C${i},${charges},2024-${mm}-${dd},${zone},${churn}`);
    local.push(`C${i};${String(charges).replace(".", ",")};${dd}.${mm}.2024;${zone};${churn}`);
  }
  const p = { plain: join(dir, "plain.csv"), local: join(dir, "local.csv"), config: join(dir, "churn.config.yaml") };
  writeFileSync(p.plain, `${plain.join("\n")}\n`);
  writeFileSync(p.local, Buffer.from(`${local.join("\n")}\n`, "latin1"));
  writeFileSync(p.config, 'data:\n  csv: { delimiter: ";", decimal: ",", encoding: latin-1, dateFormat: "%d.%m.%Y" }\n');
  return p;
}

describe("flat tables", () => {
  afterEach(() => vi.restoreAllMocks());

  it("--exclude leaves columns out of cv and train; a column named fold is left out with a note", async () => {
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 300);
    const models = join(dir, "models");
    const io = capture();
    expect(await run(["train", "--table", table, "--label", "churned", "--positive", "yes", "--id", "customer", "--exclude", "region", "--out", models, "--model-id", "m", "--quiet"])).toBe(0);
    expect(featureColumns(models, "m").sort()).toEqual(["complaints", "plan", "tenure"]);
    // the fold column is left out, and the result says so (even with --quiet)
    expect(io.out.join("")).toContain(`note: ${msg.foldColumnExcluded(table, "fold")}`);
    const training = JSON.parse(readFileSync(join(models, "m", "training.json"), "utf8"));
    expect(training.input.exclude).toEqual(["region", "fold"]);
    io.out.length = 0;
    expect(await run(["cv", "--table", table, "--label", "churned", "--positive", "yes", "--id", "customer", "--folds-column", "fold", "--exclude", "region,plan", "--json", "--quiet"])).toBe(0);
    const cv = JSON.parse(io.out.join(""));
    expect(cv.excluded).toEqual(["churned", "customer", "fold", "region", "plan"]);
    // an --exclude naming a column that is not there is a usage error naming the columns
    expect(await run(["train", "--table", table, "--label", "churned", "--positive", "yes", "--exclude", "regoin", "--out", models, "--quiet"])).toBe(2);
    expect(io.err.join("")).toContain(msg.columnNotInTable(table, "--exclude", "regoin", ["customer", "tenure", "complaints", "plan", "region", "churned", "fold"]));
  });

  it("the config's CSV dialect applies to --table: a ';' / decimal ',' / latin-1 export with dd.mm.yyyy dates trains the same model as the plain CSV", async () => {
    const dir = tempDir();
    const p = writeTwoDialects(dir);
    capture();
    const common = ["--label", "churn", "--positive", "1", "--id", "id", "--model-id", "m", "--quiet"];
    expect(await run(["train", "--table", p.plain, ...common, "--out", join(dir, "plain")])).toBe(0);
    expect(await run(["train", "--table", p.local, ...common, "--out", join(dir, "local"), "--config", p.config])).toBe(0);
    const pre = JSON.parse(readFileSync(join(dir, "local", "m", "preprocessing.json"), "utf8"));
    const kinds = Object.fromEntries((pre.columns as { name: string; kind: string }[]).map((c) => [c.name, c.kind]));
    // charges with a decimal comma are numbers, dates are numbers (days since 1970-01-01), Süd survived latin-1
    expect(kinds).toEqual({ charges: "numeric", signup: "numeric", zone: "categorical" });
    expect(JSON.stringify(pre)).toContain("Süd");
    for (const f of ["preprocessing.json", "model.json", "calibration.json", "metrics.json"]) {
      expect(readFileSync(join(dir, "local", "m", f), "utf8")).toBe(readFileSync(join(dir, "plain", "m", f), "utf8"));
    }
    // score reads --table in the same dialect: the same probabilities as the plain file
    const score = ["score", "--id", "id", "--budget", "0", "--quiet"];
    expect(await run([...score, "--model", join(dir, "plain", "champion"), "--table", p.plain, "--out", join(dir, "run-plain")])).toBe(0);
    // (a sibling run of a flat table, without an as-of date: the trend lists both in the order they ran)
    expect(await run([...score, "--model", join(dir, "local", "champion"), "--table", p.local, "--config", p.config, "--out", join(dir, "run-local")])).toBe(0);
    const probs = (run: string) => readFileSync(join(dir, run, "risk_list.csv"), "utf8").split("\n").map((l) => l.split(",").slice(1, 3).join(","));
    expect(probs("run-local")).toEqual(probs("run-plain"));
    // --exclude on score refuses a column the model needs, and says why
    const io = capture();
    expect(await run([...score, "--model", join(dir, "plain", "champion"), "--table", p.plain, "--exclude", "charges", "--out", join(dir, "run-x")])).toBe(2);
    expect(io.err.join("")).toContain(msg.excludeNeededByModel("m", ["charges"]));
  });
});
