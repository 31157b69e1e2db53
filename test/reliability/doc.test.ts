import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { reliabilityDoc } from "./doc.js";
import { ROOT } from "./helpers.js";

const PATH = join(ROOT, "docs", "reliability.md");

it("docs/reliability.md is the table generated from the suite's case lists", () => {
  if (process.env["CHURN_WRITE_DOCS"]) writeFileSync(PATH, reliabilityDoc());
  expect(existsSync(PATH)).toBe(true);
  expect(readFileSync(PATH, "utf8")).toBe(reliabilityDoc());
});
