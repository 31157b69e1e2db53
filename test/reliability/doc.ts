/**
 * docs/reliability.md, generated from the case lists the suite runs (cases.ts, hostile-cases.ts,
 * artifact-cases.ts), so the table and the tests cannot drift. doc.test.ts checks the committed file;
 * `CHURN_WRITE_DOCS=1 npx vitest run test/reliability/doc.test.ts` rewrites it.
 */
import { ARTIFACT_CASES } from "./artifact-cases.js";
import { DATA_CASES } from "./cases.js";
import { FAULT_CASES, HOSTILE_CASES } from "./hostile-cases.js";

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
export const exitOf = (result: string) => (/^stops/.test(result) ? "3" : /^refused/.test(result) ? "2" : "0");

export function reliabilityDoc(): string {
  const out = [
    "# Reliability: what was tried and what happens",
    "",
    "<!-- generated from test/reliability/*cases.ts by test/reliability/doc.ts; do not edit by hand -->",
    "",
    "A nightly job runs unattended on files exported by other systems. The suite under `test/reliability/` feeds",
    "churn what those systems produce and checks each outcome below; this page is generated from the same case lists.",
    "",
    "## Bad input files",
    "",
    "A valid tiny world (300 subscribers, 3 months, CSV) with one file changed, through `churn validate` and",
    "`churn features` (validation.maxRejectShare 0.5, so one bad row loads; at the default 0.01 a table with",
    "more rejected rows than that stops with exit 3). *Loads* means exit 0 with each bad row in the rejects file",
    "(`--rejects`) naming table, row (1-based data row, header not counted), column, value and reason; *stops*",
    "means exit 3 with a message naming the file, the line (file line, header = line 1) where it applies, the",
    "column and the value. No case gives a stack trace or exit 1.",
    "",
    "| case | what was changed | exit | what happens |",
    "|---|---|---|---|",
    ...DATA_CASES.map((c) => `| ${cell(c.title)} | ${cell(c.change)} | ${exitOf(c.result)} | ${cell(c.result)} |`),
    "",
    "## Hostile configs",
    "",
    "Each through `churn validate --config`; injection targets point inside a temp root whose file list is",
    "compared before and after (nothing appears). Under `strace` (when installed) `churn features` on a data",
    "folder named like SQL opens only its inputs, config, output folder, its own code and the runtime, and",
    "`data.tables.subscribers: /etc/passwd` is refused without opening the file.",
    "",
    "| case | exit | what happens |",
    "|---|---|---|",
    ...HOSTILE_CASES.map((c) => `| ${cell(c.title)} | ${c.exit} | ${cell(c.result)} |`),
    "",
    "## Tampered model artifacts",
    "",
    "Refused with exit 2 before any prediction, by `loadScorer` (what scoring uses) and `churn models show|promote`.",
    "An attacker who edits a file *and* rewrites its checksum in manifest.json is not detected by checksums",
    "(they guard against damage, not forgery); what such an edit may contain is still limited: weights are read",
    "only from plain file names inside the folder, never URLs or other folders.",
    "",
    "| case | exit | what happens |",
    "|---|---|---|",
    ...ARTIFACT_CASES.map((c) => `| ${cell(c.title)} | 2 | ${cell(c.result)} |`),
    "",
    "## Output faults",
    "",
    "| case | what happens |",
    "|---|---|",
    ...FAULT_CASES.map((c) => `| ${cell(c.title)} | ${cell(c.result)} |`),
    "",
    "## No network",
    "",
    "generate → validate → features → train run in a user + network namespace (`unshare -rn`, only a downed",
    "loopback), and again with a preload that makes `net.connect`, `tls.connect`, `dns.lookup`, `http(s).request`,",
    "`fetch` and `WebSocket` throw and record the caller: no attempt is recorded.",
    "",
  ];
  return out.join("\n");
}
