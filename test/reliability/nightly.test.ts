/**
 * scripts/nightly.sh as cron runs it: from another working directory (cron's is the user's home), with cron's
 * bare environment (PATH=/usr/bin:/bin, NODE set in the crontab line), relative DATA_DIR and RUNS_ROOT, and no
 * network (a network namespace where unshare is permitted, and every network API of node hooked to throw).
 * Two nights in a row, then the second night again.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, makeWorld, ROOT, spawnCli, STACK, tempRoot } from "./helpers.js";

const NO_NETWORK = `
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const deny = (what) => function () { appendFileSync(process.env.CHURN_NET_LOG, what + "\\n"); throw new Error("network disabled: " + what); };
const net = require("node:net"), dns = require("node:dns"), http = require("node:http"), https = require("node:https");
net.connect = net.createConnection = deny("net.connect"); net.Socket.prototype.connect = deny("net.Socket.connect");
dns.lookup = deny("dns.lookup"); http.request = http.get = deny("http.request"); https.request = https.get = deny("https.request");
globalThis.fetch = deny("fetch");
`;

const unshareWorks = spawnSync("unshare", ["-rn", "true"]).status === 0;
const script = join(ROOT, "scripts", "nightly.sh");

describe("scripts/nightly.sh from cron", () => {
  let root = "";
  let home = "";
  let hook = "";
  let netLog = "";
  beforeAll(async () => {
    ensureBuilt();
    root = tempRoot("churn-nightly-");
    home = join(root, "home");
    mkdirSync(home);
    await makeWorld(join(home, "exports"));
    for (const args of [
      ["features", "--data", join(home, "exports"), "--as-of-range", "2026-04-30..2026-05-31", "--every", "1mo", "--out", join(root, "train.parquet"), "--quiet"],
      ["train", "--features", join(root, "train.parquet"), "--model", "logistic", "--out", join(root, "models"), "--quiet"],
    ]) {
      const r = spawnCli(args, { cwd: root });
      expect(r.code, r.stderr).toBe(0);
    }
    hook = join(root, "no-network.mjs");
    netLog = join(root, "net.log");
    writeFileSync(hook, NO_NETWORK);
    writeFileSync(netLog, "");
  }, 240_000);

  const night = (asOf: string) => {
    const env = { PATH: "/usr/bin:/bin", HOME: home, TZ: "UTC", NODE: process.execPath, MODEL: join(root, "models", "champion"), AS_OF: asOf, NODE_OPTIONS: `--import ${hook}`, CHURN_NET_LOG: netLog };
    const cmd = [...(unshareWorks ? ["unshare", "-rn"] : []), "/bin/bash", script, "exports", "runs"];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: home, env, encoding: "utf8", timeout: 180_000 });
    return { code: r.status, stderr: `${r.stderr}${r.error ?? ""}` };
  };

  it("never calls npx or a bare `churn`: it runs this checkout's entry point", () => {
    const text = readFileSync(script, "utf8").split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
    expect(text).not.toMatch(/\bnpx\b/);
    expect(text).toContain('main="$checkout/dist/cli/main.js"');
  });

  it("scores two nights and a re-run of the second from cron's working directory, without network", () => {
    const logs: string[] = [];
    for (const asOf of ["2026-06-29", "2026-06-30", "2026-06-30"]) {
      const r = night(asOf);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`nightly: ok (${join(home, "runs", asOf)})`);
      expect(existsSync(join(home, "runs", asOf, "manifest.json"))).toBe(true);
      logs.push(readFileSync(join(home, "runs", "contacts_log.csv"), "utf8"));
    }
    expect(readFileSync(netLog, "utf8")).toBe("");
    // the second night contacts nobody the first did (30-day cooldown); its re-run replaces its contacts
    const ids = (run: string) => new Set(logs[2]!.split("\n").map((l) => l.split(",")).filter((f) => f[4] === run && f[3] === "treatment").map((f) => f[0]));
    const first = ids("2026-06-29");
    expect(first.size).toBeGreaterThan(0);
    expect([...ids("2026-06-30")].some((id) => first.has(id))).toBe(false);
    expect(logs[2]).toBe(logs[1]);
  }, 600_000);

  it("says what is missing when node cannot be found (cron's PATH)", () => {
    const r = spawnSync("/bin/bash", [script, "exports", "runs"], { cwd: home, env: { PATH: "/usr/bin:/bin", HOME: home, NODE: "/nonexistent/node" }, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("nightly: node not found");
  });
});
