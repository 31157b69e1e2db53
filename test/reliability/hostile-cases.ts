/**
 * Hostile configs: values that try SQL injection, path traversal or absurd sizes. Each runs
 * `churn validate --data <world> --config <file>` in a temp root; the injection targets point inside that
 * root, so hostile.test.ts can prove no file appeared there. docs/reliability.md is generated from this list.
 */
import { join } from "node:path";
import { msg } from "../../src/messages.js";

export interface HostileCase {
  id: string;
  title: string;
  /** The config written (JSON), given the temp root. Text cases give the raw file. */
  config: (root: string) => Record<string, unknown> | string;
  /** Use this data dir (relative to root) instead of the world; created by the test as a copy of it. */
  dataDir?: string;
  exit: 0 | 2 | 3;
  /** A fragment the message must contain. */
  message: (root: string, configPath: string) => string;
  result: string;
}

const INJECT = (root: string) => `x') TO '${join(root, "pwned.csv")}' (FORMAT csv); --`;
const IDENT_RULE = "must be a plain column name";

export const HOSTILE_CASES: HostileCase[] = [
  {
    id: "mapping-quote",
    title: "column mapping with quotes and ;",
    config: () => ({ data: { columns: { subscribers: { monthly_fee: 'fee"; DROP TABLE subscribers; --' } } } }),
    exit: 2,
    message: () => `data.columns.subscribers.monthly_fee: ${IDENT_RULE}`,
    result: "refused: a column name may not hold quotes, semicolons or backslashes",
  },
  {
    id: "mapping-copy-to",
    title: "column mapping with COPY ... TO",
    config: (root) => ({ data: { columns: { usage: { data_mb: INJECT(root) } } } }),
    exit: 2,
    message: () => `data.columns.usage.data_mb: ${IDENT_RULE}`,
    result: "refused; no file is written",
  },
  {
    id: "mapping-read-csv",
    title: "column mapping with read_csv('/etc/passwd')",
    config: () => ({ data: { columns: { subscribers: { region: "read_csv('/etc/passwd')" } } } }),
    exit: 2,
    message: () => `data.columns.subscribers.region: ${IDENT_RULE}`,
    result: "refused; /etc/passwd is not opened",
  },
  {
    id: "date-format",
    title: "date format with SQL",
    config: (root) => ({ data: { csv: { dateFormat: `%Y'); COPY (SELECT 1) TO '${join(root, "pwned.csv")}'; --` } } }),
    exit: 2,
    message: () => "data.csv.dateFormat: must be a strftime-style format",
    result: "refused (and it would be a bound parameter anyway)",
  },
  {
    id: "data-dir-injection",
    title: "data folder named like SQL",
    config: () => ({}),
    dataDir: "x'); COPY (SELECT 1) TO 'pwned.csv'; --",
    exit: 0,
    message: () => "",
    result: "loads normally: paths are bound parameters, never SQL text; nothing is written",
  },
  {
    id: "table-etc-passwd",
    title: "data.tables.subscribers: /etc/passwd",
    config: () => ({ data: { tables: { subscribers: "/etc/passwd" } } }),
    exit: 2,
    message: () => msg.tableFileExtension("subscribers", "/etc/passwd", [".csv", ".parquet", ".csv.gz", ".tsv", ".txt"]),
    result: "refused before opening: an explicit table path is the operator's choice, but it must be a regular .csv/.parquet (.csv.gz, .tsv, .txt, .pq) file",
  },
  {
    id: "table-traversal",
    title: "data.tables with ../../ traversal",
    config: () => ({ data: { tables: { subscribers: "../../../../../../etc/passwd" } } }),
    exit: 2,
    message: () => "is not a CSV or Parquet file",
    result: "refused: same rule; a traversal to a real CSV would be the operator's own choice",
  },
  {
    id: "table-read-csv",
    title: "data.tables value read_csv('/etc/passwd')",
    config: () => ({ data: { tables: { subscribers: "read_csv('/etc/passwd')" } } }),
    exit: 2,
    message: () => "is not a CSV or Parquet file",
    result: "refused: it is a path, never SQL",
  },
  {
    id: "table-fifo",
    title: "data.tables pointing at a pipe",
    config: (root) => ({ data: { tables: { usage: join(root, "pipe.csv") } } }),
    exit: 2,
    message: (root) => msg.tableFileNotRegular("usage", join(root, "pipe.csv")),
    result: "refused: reading a pipe would block the nightly job forever",
  },
  {
    id: "config-10mb",
    title: "10 MB config value",
    config: () => ({ data: { dir: "d".repeat(10 * 1024 * 1024) } }),
    exit: 2,
    message: (_root, cfg) => `config file ${cfg} is `,
    result: "refused before parsing: a config is at most 1 MiB",
  },
  {
    id: "config-long-path",
    title: "500 KB path value",
    config: () => ({ data: { dir: "d".repeat(500 * 1024) } }),
    exit: 2,
    message: () => "data.dir: Too big",
    result: "refused: paths are at most 4096 characters (the message does not echo the value)",
  },
  {
    id: "yaml-alias-bomb",
    title: "YAML alias bomb",
    config: () => `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
    exit: 2,
    message: () => "is not valid YAML",
    result: "refused: the YAML parser caps alias expansion",
  },
  {
    id: "reject-share-1e9",
    title: "validation.maxRejectShare: 1e9",
    config: () => ({ validation: { maxRejectShare: 1e9 } }),
    exit: 2,
    message: () => "validation.maxRejectShare: Too big",
    result: "refused: a share is at most 1",
  },
  {
    id: "band-1e9",
    title: "retention.bands.high: 1e9",
    config: () => ({ retention: { bands: { high: 1e9 } } }),
    exit: 2,
    message: () => "retention.bands.high: Too big",
    result: "refused: a probability is at most 1",
  },
  {
    id: "horizon-1e9",
    title: "features.horizon: 1000000000d",
    config: () => ({ features: { horizon: "1000000000d" } }),
    exit: 2,
    message: () => "features.horizon: must be a whole number of days",
    result: "refused: at most 4 digits",
  },
  {
    id: "window-1e9",
    title: "retention renewalWindowDays / effects.horizonDays: 1e9",
    config: () => ({ retention: { segments: { contract: { renewalWindowDays: 1e9 } }, effects: { horizonDays: 1e9 } } }),
    exit: 2,
    message: () => "retention.segments.contract.renewalWindowDays: Too big",
    result: "refused: day counts are at most 3660 (before: accepted, and date arithmetic overflowed later)",
  },
  {
    id: "seed-1e12",
    title: "seed: 1e12",
    config: () => ({ seed: 1e12 }),
    exit: 2,
    message: () => "seed: Too big",
    result: "refused: a seed is a 31-bit integer",
  },
  {
    id: "unknown-key",
    title: "unknown config key",
    config: () => ({ data: { dirr: "x" } }),
    exit: 2,
    message: () => 'data: unrecognized key: "dirr" (did you mean "dir"?)',
    result: "refused: every section is strict, so a typo is not silently ignored",
  },
];

/** Output faults of `churn features` (faults.test.ts). */
export interface FaultCase {
  id: string;
  title: string;
  result: string;
}

/** For the doc: the faults below and what happens. */
export const FAULT_CASES: FaultCase[] = [
  { id: "out-under-file", title: "--out /dev/null/x.parquet (a file where a folder is expected)", result: "exit 2, names the path; nothing written (before: exit 1, ENOTDIR while cleaning up)" },
  { id: "out-proc", title: "--out /proc/x.parquet (a folder nobody can write, even root)", result: "exit 2, names the path (before: the run hung forever: Node's recursive mkdir loops on /proc)" },
  {
    id: "disk-full",
    title: "--out on a full disk (512 KB tmpfs, an older output already there)",
    result: "exit 2, names the path and says to free space or choose another --out; the old file and its sidecar are kept, no temp or part file left (before: exit 1)",
  },
  {
    id: "spill-shared",
    title: "two processes beyond their memory limit in the same working directory (queue mode: 2 shard workers scoring 1M subscribers)",
    result:
      "each DuckDB connection spills into a folder of its own, TMPDIR/churn-duckdb-<uid>/<pid>-*, removed at close; those of dead pids are removed by the next run (before: both used DuckDB's default `.tmp` in the working directory, overwrote each other's spill files, and a worker failed with \"internal error: cannot read usage.parquet ... Could not read enough bytes from file .tmp/duckdb_temp_storage...\"; test/io/duckdb-spill.test.ts crashed its test worker on the old code)",
  },
  {
    id: "features-beyond-memory",
    title: "features of more subscribers than the memory limit holds (1M subscribers x 90 days of daily usage under score's 1 GB; 10M under 1 GB or 4 GB)",
    result:
      "the subscribers are split into passes by a hash of their id (as many as the limit needs: 2 at 1M, 20 at 10M), the large tables written once into one Parquet part per pass in the spill folder (removed at the end, also on failure), each pass computing its subscribers' features from its parts; the feature rows are byte-identical to one pass (test/features/passes.test.ts). Before: exit 2 \"DuckDB needed more memory than its limit\", and before that, exit 1 \"internal error\" (the monthly usage aggregation, ~30M groups at 10M, does not spill well in DuckDB)",
  },
  {
    id: "spill-full",
    title: "the spill folder full or unwritable",
    result:
      "exit 2 from any DuckDB statement (validation scans, feature SQL, scoring): names the folder and says to free space, set TMPDIR or raise the memory limit (before: a scan blamed the input file, and feature or scoring SQL was exit 1 \"internal error\") (test/io/duckdb-spill.test.ts)",
  },
  {
    id: "queue-user-error",
    title: "a shard job that fails on a user mistake in queue mode (bad input, config, a quality gate)",
    result: "`churn queue submit --wait` exits with the worker's code (2, 3 or 4) and message, and the job is not retried (before: exit 1 \"internal error\", after 3 attempts) (test/io/queue.test.ts)",
  },
];

