import { tmpdir } from "node:os";
/**
 * Hostile configs (hostile-cases.ts) are refused with exit 2 and a clear message, or (a data folder named
 * like SQL) load normally; in every case no file appears in the temp root, and, under strace when it is
 * installed, the process opens nothing but its inputs, its outputs and its own code.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toolGate } from "../tool-gate.js";
import { HOSTILE_CASES, type HostileCase } from "./hostile-cases.js";
import { copyWorld, ensureBuilt, FEATURES_AS_OF, listFiles, listOutputs, makeWorld, ROOT, runInProcess, spawnCli, STACK, tempRoot } from "./helpers.js";

let world: string;
beforeAll(async () => {
  world = await makeWorld(join(tempRoot("churn-hostile-world-"), "world"));
});

function prepare(c: HostileCase): { root: string; data: string; config: string } {
  const root = tempRoot("churn-hostile-");
  const data = copyWorld(world, join(root, c.dataDir ?? "data"));
  const body = c.config(root);
  const config = join(root, typeof body === "string" ? "churn.config.yaml" : "churn.config.json");
  writeFileSync(config, typeof body === "string" ? body : JSON.stringify(body));
  if (c.id === "table-fifo") spawnSync("mkfifo", [join(root, "pipe.csv")]);
  return { root, data, config };
}

describe("hostile configs", () => {
  it.each(HOSTILE_CASES.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const p = prepare(c);
    const before = listFiles(p.root);
    const r = await runInProcess(["validate", "--data", p.data, "--config", p.config, "--as-of", "2026-07-01", "--quiet"]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code, r.stderr).toBe(c.exit);
    if (c.exit !== 0) {
      expect(r.stderr).toContain(c.message(p.root, p.config));
      expect(r.stderr.length).toBeLessThan(5000); // a huge value is never echoed whole
    }
    expect(listFiles(p.root)).toEqual(before);
    expect(existsSync(join(ROOT, "pwned.csv"))).toBe(false);
  });
});

/** Paths a process opened (successful or not), from an strace log. */
function openedPaths(log: string): string[] {
  const out = new Set<string>();
  for (const line of log.split("\n")) {
    const m = /open(?:at2?)?\((?:AT_FDCWD|\d+), "([^"]*)"/.exec(line) ?? /open\("([^"]*)"/.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return [...out];
}

const strace = toolGate("strace", spawnSync("strace", ["-V"]).status === 0, "strace");

describe.runIf(strace.run)("nothing is read beyond the inputs (strace)", () => {
  beforeAll(() => {
    strace.check();
    ensureBuilt();
  }, 180_000);

  /** Opened paths outside the code, the runtime and the system libraries. */
  function foreign(paths: string[]): string[] {
    const nodeDir = process.execPath.replace(/\/bin\/node$/, "");
    // /etc/ssl: node itself reads the CA bundle at start-up (`node -e 1` does too); no connection follows (network.test.ts).
    // TMPDIR/churn-duckdb-<uid>: churn's own DuckDB spill folders (src/io/duckdb.ts), nothing else in TMPDIR is listed
    const spill = join(tmpdir(), `churn-duckdb-${process.getuid?.() ?? "user"}`);
    const allowed = [ROOT, nodeDir, spill, "/proc/", "/sys/", "/dev/", "/lib", "/usr/", "/etc/ld.so", "/etc/localtime", "/etc/ssl/"];
    // Ancestors of the repo and of the temp dir (e.g. "/", "/tmp") are opened as directories while resolving
    // paths; opening a directory on the way to an allowed place reads nothing.
    const ancestor = (p: string) => [ROOT, tmpdir()].some((a) => p === "/" || a.startsWith(p.endsWith("/") ? p : `${p}/`));
    return paths.filter((p) => p.startsWith("/") && !allowed.some((a) => p.startsWith(a)) && !ancestor(p));
  }

  it("features on a data folder named like SQL opens only that folder, the config and the output", () => {
    const c = HOSTILE_CASES.find((x) => x.id === "data-dir-injection") as HostileCase;
    const p = prepare(c);
    const out = join(p.root, "out", "features.parquet");
    mkdirSync(join(p.root, "out"));
    const log = join(p.root, "..", `strace-${Date.now()}.log`);
    const r = spawnCli(["features", "--data", p.data, "--config", p.config, "--as-of", FEATURES_AS_OF, "--out", out, "--quiet"], {
      prefix: ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log],
    });
    expect(r.code, r.stderr).toBe(0);
    const paths = openedPaths(readFileSync(log, "utf8"));
    const outside = foreign(paths).filter((x) => !x.startsWith(p.root));
    expect(outside).toEqual([]);
    // inside the temp root: the inputs, the config, and the output folder only
    const inRoot = paths.filter((x) => x.startsWith(p.root)).map((x) => x.slice(p.root.length + 1));
    for (const x of inRoot) expect(x === "churn.config.json" || x.startsWith(c.dataDir as string) || x.startsWith("out")).toBe(true);
    expect(paths).not.toContain("/etc/passwd");
    expect(listOutputs(join(p.root, "out"))).toEqual(["features.parquet", "features.parquet.json"]);
  });

  it("data.tables.subscribers: /etc/passwd is refused without opening it", () => {
    const c = HOSTILE_CASES.find((x) => x.id === "table-etc-passwd") as HostileCase;
    const p = prepare(c);
    const log = join(p.root, "..", `strace-${Date.now()}-passwd.log`);
    const r = spawnCli(["validate", "--data", p.data, "--config", p.config, "--quiet"], {
      prefix: ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", log],
    });
    expect(r.code).toBe(2);
    const paths = openedPaths(readFileSync(log, "utf8"));
    expect(paths).not.toContain("/etc/passwd");
    expect(foreign(paths).filter((x) => !x.startsWith(p.root))).toEqual([]);
  });
});
