/**
 * JSON that churn reads back (model artifacts, run folders, locks, the champion pointer, feature sidecars) is
 * parsed here by a zod schema into a typed value; a malformed or hand-edited file gives the field, the value and
 * what was expected, never a TypeError later. Callers turn a problem into their error (exit 2 for a model
 * artifact, 3 for a run folder).
 */
import { existsSync, readFileSync } from "node:fs";
import type { z } from "zod";

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const MAX_ISSUES = 3;

/** One clause per zod issue (at most three): `field a.b is "7" (expected number, received string)`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((i) => {
    const field = i.path.length ? `field ${i.path.map(String).join(".")}` : "the content";
    const input = (i as { input?: unknown }).input;
    const shown = input === undefined ? "missing" : truncate(JSON.stringify(input) ?? String(input));
    return `${field} is ${shown} (${i.message.replace(/^Invalid (input|option): /, "")})`;
  });
  if (issues.length > MAX_ISSUES) lines.push(`and ${issues.length - MAX_ISSUES} more`);
  return lines.join("; ");
}

const truncate = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** Parse JSON text and check it against `schema`. */
export function parseJsonText<S extends z.ZodType>(text: string, schema: S): Parsed<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `is not valid JSON (${(e as Error).message})` };
  }
  return checkValue(raw, schema);
}

/** Check an already parsed value against `schema`. */
export function checkValue<S extends z.ZodType>(raw: unknown, schema: S): Parsed<z.output<S>> {
  const r = schema.safeParse(raw, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: describeIssues(r.error.issues) };
}

/** Read and check a JSON file; `{ok: false}` when it is missing, unreadable or does not fit the schema. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S): Parsed<z.output<S>> {
  if (!existsSync(path)) return { ok: false, problem: "is missing" };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { ok: false, problem: `cannot be read (${(e as Error).message})` };
  }
  return parseJsonText(text, schema);
}
