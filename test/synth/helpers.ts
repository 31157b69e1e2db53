import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateWorld, type GenerateOptions, type GenerateResult } from "../../src/synth/generate.js";

/** Generate a world in a fresh temp dir; call `cleanup` when done. */
export async function tempWorld(opts: Omit<GenerateOptions, "out">): Promise<{ dir: string; result: GenerateResult; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "churn-synth-"));
  const result = await generateWorld({ ...opts, out: join(dir, "world") });
  return { dir: join(dir, "world"), result, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
