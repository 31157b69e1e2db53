/** Small deterministic tables for the model tests, written to a temp folder. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { rng } from "../../src/model/split.js";

export function tempDir(prefix = "churn-model-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A flat customer table: churn depends on tenure (negatively), complaints and plan. */
export function writeFlatCsv(path: string, rows = 300, seed = 1): void {
  const r = rng(seed);
  const lines = ["customer,tenure,complaints,plan,region,churned,fold"];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.floor(r() * 60);
    const complaints = Math.floor(r() * 4);
    const plan = ["basic", "plus", "max"][Math.floor(r() * 3)]!;
    const z = -0.05 * tenure + 0.8 * complaints + (plan === "basic" ? 0.7 : 0) - 0.5;
    const churn = r() < 1 / (1 + Math.exp(-z)) ? "yes" : "no";
    const region = r() < 0.05 ? "NA" : ["north", "south"][i % 2]!;
    lines.push(`C${i},${r() < 0.03 ? "" : tenure},${complaints},${plan},${region},${churn},${i % 3}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/**
 * A feature table as `churn features` writes it: monthly snapshots, the last one with unknown labels.
 * Returns the as-of dates used.
 */
export function writeFeatureCsv(path: string, subscribers = 80, seed = 2): string[] {
  const r = rng(seed);
  const dates = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"];
  const lines = ["subscriber_id,as_of,tenure_days,complaints_90d,contract_type,label"];
  for (const d of dates) {
    for (let s = 0; s < subscribers; s++) {
      const tenure = Math.floor(r() * 900);
      const comp = Math.floor(r() * 3);
      const contract = r() < 0.5 ? "monthly" : "fixed_12m";
      const z = -0.003 * tenure + 0.9 * comp + (contract === "monthly" ? 0.8 : -0.5) - 0.3;
      const label = d === "2026-06-30" ? "" : r() < 1 / (1 + Math.exp(-z)) ? "1" : "0";
      lines.push(`S${s},${d},${tenure},${comp},${contract},${label}`);
    }
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return dates;
}

/** Capture what a command writes to stdout and stderr (restore with vi.restoreAllMocks()). */
export function capture(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err.push(String(s));
    return true;
  });
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  return { out, err };
}

/**
 * A CPU clock tests can drive. The thread's real clock advances in scheduler ticks (a few ms), during which a small
 * net finishes 0 to 3 epochs, so what a 1e-6 s budget allowed depended on the machine. A test file mocks the clock
 * module with `vi.mock("../../src/io/cpu-clock.js", async () => (await import("../model/helpers.js")).cpuClockModule())`
 * (under vitest the mlp trains on the test's thread, so the mock reaches it) and sets `cpuClock.fake` around a fit.
 */
export const cpuClock = { fake: null as (() => number) | null };

export async function cpuClockModule() {
  const real = await vi.importActual<typeof import("../../src/io/cpu-clock.js")>("../../src/io/cpu-clock.js");
  return { ...real, threadCpuSeconds: () => (cpuClock.fake ? cpuClock.fake() : real.threadCpuSeconds()) };
}

/** Runs `f` with a CPU clock that advances by `step` seconds at every read. */
export async function withTickingClock<T>(f: () => Promise<T>, step = 0.001): Promise<T> {
  let t = 0;
  cpuClock.fake = () => (t += step);
  try {
    return await f();
  } finally {
    cpuClock.fake = null;
  }
}
