/**
 * truth/world.json of a generated world, read back by `churn generate --continue`: only its `generator`
 * block (what rebuilds and extends the world) is parsed; the rest is documentation for people.
 */
import { z } from "zod";
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { fileExists, readText } from "./files.js";

export const worldGeneratorSchema = z
  .object({
    subscribers: z.number().int().min(1),
    months: z.number().int().min(1),
    seed: z.number().int().min(0),
    end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    format: z.enum(["csv", "parquet"]),
    campaigns: z.boolean(),
    continued_months: z.number().int().min(0),
    arrivals: z.number().int().min(0),
  })
  .strict();

export type WorldGenerator = z.infer<typeof worldGeneratorSchema>;

/** Parse world.json text; the problem is described for `msg.continueOldWorld`. */
export function parseWorldFile(text: string, dir: string): WorldGenerator {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputDataError(msg.continueOldWorld(dir, `not JSON: ${(e as Error).message}`));
  }
  const block = (raw as { generator?: unknown } | null)?.generator;
  if (block === undefined) throw new InputDataError(msg.continueOldWorld(dir, "it has no generator block"));
  const r = worldGeneratorSchema.safeParse(block);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new InputDataError(msg.continueOldWorld(dir, first ? `generator.${first.path.join(".")}: ${first.message}` : "no generator block"));
  }
  return r.data;
}

export function readWorldFile(dir: string): WorldGenerator {
  const path = `${dir}/truth/world.json`;
  if (!fileExists(path)) throw new InputDataError(msg.continueNotAWorld(dir));
  return parseWorldFile(readText(path), dir);
}
