/**
 * Every test's temporary files go under one fresh folder, removed when the run ends: the helpers create their
 * folders with os.tmpdir(), which reads TMPDIR, and the test workers and the CLIs they start inherit it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "churn-tests-"));
  process.env["TMPDIR"] = root;
  return () => rmSync(root, { recursive: true, force: true });
}
