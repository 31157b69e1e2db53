/**
 * Output faults that don't need `churn score`: `churn features --out` where nothing can be written (a path
 * under a file, /proc: root ignores chmod, so permissions can't be used), and a full disk (a 512 KB tmpfs
 * in a user + mount namespace; skipped where that is not permitted). Each gives a clear message naming the
 * path (exit 2) and leaves no partial file: only nothing, or the old file and its sidecar.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toolGate } from "../tool-gate.js";
import { msg } from "../../src/messages.js";
import { ensureBuilt, FEATURES_AS_OF, listOutputs, MAIN, makeWorld, runInProcess, STACK, tempRoot } from "./helpers.js";

let root: string;
let world: string;
beforeAll(async () => {
  root = tempRoot("churn-faults-");
  world = await makeWorld(join(root, "world"));
});

describe("features --out where nothing can be written", () => {
  it.each(["/dev/null/x.parquet", "/proc/x.parquet"])("%s", async (out) => {
    const r = await runInProcess(["features", "--data", world, "--as-of", FEATURES_AS_OF, "--out", out, "--quiet"]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write ${out}:`);
    expect(r.stderr).toContain("choose another --out");
    expect(existsSync(out)).toBe(false);
  });
});

const mount = toolGate(
  "a tmpfs mount in a user namespace (unshare -rm, mount)",
  spawnSync("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /mnt"]).status === 0,
  "util-linux mount",
);

describe.runIf(mount.run)("features --out on a full disk", () => {
  beforeAll(() => {
    mount.check();
    ensureBuilt();
  }, 180_000);

  it("exit 2 with the path; the old output and its sidecar are kept; nothing partial", () => {
    const mnt = join(root, "mnt");
    mkdirSync(mnt);
    const out = join(mnt, "features.parquet");
    // Inside the namespace: mount, put an old output, fill the disk to ~16 KB free, run, list what is left.
    const script = [
      `mount -t tmpfs -o size=512k none '${mnt}'`,
      `printf OLD > '${out}'`,
      `printf '{}' > '${out}.json'`,
      `head -c 480k /dev/zero > '${mnt}/filler'`,
      `TZ=UTC '${process.execPath}' '${MAIN}' features --data '${world}' --as-of ${FEATURES_AS_OF} --out '${out}' --quiet; echo "rc=$?"`,
      `echo "files: $(ls -A '${mnt}' | tr '\\n' ' ')"`,
      `echo "old: $(cat '${out}')"`,
    ].join("\n");
    writeFileSync(join(root, "full.sh"), script);
    const r = spawnSync("unshare", ["-rm", "sh", join(root, "full.sh")], { encoding: "utf8", timeout: 120_000 });
    const text = `${r.stdout}${r.stderr}`;
    expect(text).not.toMatch(STACK);
    expect(text).toContain("rc=2");
    expect(text).toContain(`cannot write ${out}:`);
    expect(text).toContain("Free disk space or choose another --out");
    expect(text).toContain("files: features.parquet features.parquet.json filler \n");
    expect(text).toContain("old: OLD");
  });
});

describe("a failed sidecar leaves no output without its sidecar", () => {
  it("the sidecar path is a folder: exit 2, and the new output is removed", async () => {
    const dir = join(root, "sidecar-blocked");
    const out = join(dir, "f.csv");
    mkdirSync(join(dir, "f.csv.json"), { recursive: true });
    writeFileSync(join(dir, "f.csv.json", "keep"), "x");
    const r = await runInProcess(["features", "--data", world, "--as-of", FEATURES_AS_OF, "--out", out, "--quiet"]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(msg.notWritable(`${out}.json`, "").split(":")[0] as string);
    expect(listOutputs(dir)).toEqual(["f.csv.json/keep"]);
  });
});
