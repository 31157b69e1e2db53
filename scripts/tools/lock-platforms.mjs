#!/usr/bin/env node
// The npm registry reachable here serves only the linux-x64 builds of packages that ship one package per
// platform (biome, DuckDB bindings), so `npm install` leaves the other platforms out of package-lock.json
// and `npm ci` then refuses the lock as out of sync. This adds a platform-tagged, optional lock entry for each
// missing one, which npm ci checks and then skips (wrong os/cpu) without downloading anything.
// Run after `npm install` changes the lock: `node scripts/tools/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const pkgs = lock.packages;
const platformOf = (name) => {
  const os = /darwin/.test(name) ? "darwin" : /win32/.test(name) ? "win32" : /android/.test(name) ? "android" : /freebsd/.test(name) ? "freebsd" : "linux";
  const cpu = /arm64/.test(name) ? "arm64" : /arm/.test(name) ? "arm" : /ia32/.test(name) ? "ia32" : "x64";
  const libc = /musl/.test(name) ? ["musl"] : os === "linux" ? ["glibc"] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
};
let added = 0;
for (const [key, entry] of Object.entries(pkgs)) {
  if (!key.startsWith("node_modules/")) continue;
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depKey = `node_modules/${dep}`;
    if (pkgs[depKey]) continue;
    if (!/(linux|darwin|win32|android|freebsd)/.test(dep)) continue;
    pkgs[depKey] = { version, optional: true, ...platformOf(dep) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform entries`);
