/**
 * The pipeline makes no network request: generate → validate → features → train on a tiny world, twice:
 * - in a user + network namespace (`unshare -rn`: only a downed loopback exists), which proves it at the
 *   OS level; skipped where unshare is not permitted;
 * - with a preload (`node --import`) that makes net.connect, dns.lookup, http(s).request, fetch and
 *   WebSocket throw and records every attempt with its stack, which names a culprit; no attempt may happen.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toolGate } from "../tool-gate.js";
import { ensureBuilt, type CliResult, spawnCli, STACK, tempRoot } from "./helpers.js";

const HOOK = `
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const log = process.env.CHURN_NET_LOG;
const deny = (what) => function () {
  appendFileSync(log, what + "\\n" + new Error().stack + "\\n---\\n");
  throw new Error("network disabled in this test: " + what);
};
const net = require("node:net"), dns = require("node:dns"), http = require("node:http"), https = require("node:https"), tls = require("node:tls");
net.connect = net.createConnection = deny("net.connect");
net.Socket.prototype.connect = deny("net.Socket.connect");
tls.connect = deny("tls.connect");
dns.lookup = deny("dns.lookup"); dns.resolve = deny("dns.resolve");
dns.promises.lookup = deny("dns.promises.lookup"); dns.promises.resolve = deny("dns.promises.resolve");
http.request = http.get = deny("http.request"); https.request = https.get = deny("https.request");
globalThis.fetch = deny("fetch");
globalThis.WebSocket = deny("WebSocket");
`;

/** The four steps on a tiny world in `root`; each step's result. */
function pipeline(root: string, opts: { prefix?: string[]; nodeArgs?: string[]; env?: Record<string, string> }): CliResult[] {
  const world = join(root, "world");
  const steps = [
    ["generate", "--subscribers", "300", "--months", "4", "--seed", "5", "--format", "parquet", "--out", world, "--quiet"],
    ["validate", "--data", world, "--as-of", "2026-07-01", "--quiet"],
    ["features", "--data", world, "--as-of-range", "2026-03-31..2026-05-31", "--every", "1mo", "--out", join(root, "train.parquet"), "--quiet"],
    ["train", "--features", join(root, "train.parquet"), "--model", "logistic", "--out", join(root, "models"), "--quiet"],
  ];
  const results: CliResult[] = [];
  for (const args of steps) {
    const r = spawnCli(args, { cwd: root, ...opts });
    results.push(r);
    if (r.code !== 0) break;
  }
  return results;
}

const unshare = toolGate("a network namespace (unshare -rn)", spawnSync("unshare", ["-rn", "true"]).status === 0, "util-linux");

describe("no network request at any point", () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it.runIf(unshare.run)("generate → validate → features → train in a namespace without network (unshare -rn)", () => {
    unshare.check();
    const root = tempRoot("churn-netns-");
    const results = pipeline(root, { prefix: ["unshare", "-rn"] });
    for (const r of results) {
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(results).toHaveLength(4);
    expect(existsSync(join(root, "models", "champion"))).toBe(true);
  });

  it("generate → validate → features → train with every network API hooked to throw: no attempt", () => {
    const root = tempRoot("churn-nethook-");
    const hook = join(root, "no-network.mjs");
    const log = join(root, "attempts.log");
    writeFileSync(hook, HOOK);
    writeFileSync(log, "");
    const results = pipeline(root, { nodeArgs: ["--import", hook], env: { CHURN_NET_LOG: log } });
    expect(readFileSync(log, "utf8")).toBe("");
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results).toHaveLength(4);
    // the hook is live: a connection attempt under it is recorded and refused
    const probe = spawnSync(process.execPath, ["--import", hook, "-e", "fetch('http://example.invalid').catch(()=>{})"], {
      env: { ...process.env, CHURN_NET_LOG: log },
      encoding: "utf8",
    });
    expect(probe.status === 0 || probe.status === 1).toBe(true);
    expect(readFileSync(log, "utf8")).toContain("fetch");
  });
});
