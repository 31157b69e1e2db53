import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CONTRACT_BEGIN, CONTRACT_END, contractMarkdown, withContract } from "../../src/contract/markdown.js";
import { TABLE_NAMES, TABLES } from "../../src/contract/tables.js";

it("data/README.md holds exactly the contract generated from TABLES", () => {
  const readme = readFileSync("data/README.md", "utf8");
  const start = readme.indexOf(CONTRACT_BEGIN);
  const end = readme.indexOf(CONTRACT_END);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const embedded = readme.slice(start + CONTRACT_BEGIN.length, end).trim();
  // To fix a failure: regenerate with withContract() (the command is in its doc comment).
  expect(embedded).toBe(contractMarkdown());
  expect(withContract(readme)).toBe(readme);
  expect(readme).toContain("## Synthetic world");
});

it("documents every table and column", () => {
  const md = contractMarkdown();
  for (const t of TABLE_NAMES) {
    expect(md).toContain(`### ${t} `);
    for (const c of TABLES[t].columns) expect(md).toContain(`| \`${c.name}\` |`);
  }
});
