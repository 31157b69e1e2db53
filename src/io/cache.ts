/**
 * The validated-table cache: a folder of immutable entries, each a directory named by a content key
 * (sha256 of what it was computed from), holding Parquet files and a `meta.json` written last.
 *
 *   CACHE/v1/<kind>/<k0k1>/<key>/meta.json, *.parquet     complete entries (never modified once published)
 *   CACHE/v1/<kind>/<k0k1>/<key>/used                       touched (mtime) each time a run uses the entry
 *   CACHE/v1/tmp/<pid>-<n>/                                 entries being written by a live run
 *   CACHE/v1/hashes/<sha256(path)>.json                     a file's sha256, valid while its stat is unchanged
 *   CACHE/v1.lock                                           short lock: taking entries vs. pruning them
 *
 * Safety:
 * - concurrent runs: an entry is written in tmp/ and renamed into place; when two runs compute the same key,
 *   the first rename wins and the other's copy is dropped (both are identical). Readers only see complete
 *   entries (meta.json is written before the rename).
 * - kills: a killed run leaves only its tmp/<pid>-* folder, removed by the next prune once that pid is gone.
 * - pruning: entries not used for `keepDays` are removed at the end of a run. Taking an entry (check it is
 *   complete, touch `used`) and deciding to prune it both happen under the cache lock, so an entry a run
 *   has taken is never pruned under it.
 * - content hashes: a file's sha256 is computed once and reused while its size, mtime, ctime, inode and
 *   device are unchanged (as git's index does); any write to the file changes its ctime.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, utimesSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { ensureDir, isDirectory, processAlive, sha256File, writeJsonAtomic } from "./files.js";
import { acquireLock } from "./lock.js";

export type CacheKind = "part" | "ref" | "table";

/** What the cache saved in one load: files seen, files whose value stage was reused, reference stages re-run. */
export interface CacheUse {
  dir: string;
  files: number;
  reused: number;
  rechecked: number;
}

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable();

/** meta.json of a file's value stage (beside rejects.parquet, dups.parquet and, for CSV, rows.parquet). */
export const partMetaSchema = z.object({
  kind: z.literal("churn-validated-file"),
  version: z.number().int(),
  table: z.string(),
  format: z.enum(["csv", "parquet"]),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** canonical column (contract order) -> the file's column and its type; source null when absent */
  columns: z.array(z.object({ name: z.string(), source: z.string().nullable(), sourceType: z.string() })),
  delimiter: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  refMax: isoDay,
  eventMin: isoDay,
  eventMax: isoDay,
});
export type PartMeta = z.infer<typeof partMetaSchema>;

/** meta.json of a file's reference stage (beside rejects.parquet). */
export const refMetaSchema = z.object({ kind: z.literal("churn-validated-reference"), version: z.number().int(), rejected: z.number().int().nonnegative() });
export type RefMeta = z.infer<typeof refMetaSchema>;

/** meta.json of a table's own rules and date range (beside rejects.parquet). */
export const tableMetaSchema = z.object({ kind: z.literal("churn-validated-table"), version: z.number().int(), table: z.string(), minDate: isoDay, maxDate: isoDay });
export type TableMeta = z.infer<typeof tableMetaSchema>;

const parser =
  <T>(schema: z.ZodType<T>) =>
  (v: unknown): T | undefined => {
    const r = schema.safeParse(v);
    return r.success ? r.data : undefined;
  };
export const parsePartMeta = parser(partMetaSchema);
export const parseRefMeta = parser(refMetaSchema);
export const parseTableMeta = parser(tableMetaSchema);

export interface CacheOptions {
  /** Entries unused for this many days are pruned (default 7). */
  keepDays?: number | undefined;
}

const VERSION = "v1";
const DAY_MS = 86_400_000;

/**
 * The cache a command uses: `dir` when given, else `.churn-cache` beside its output (`beside`: a file or a
 * folder the command writes); none when disabled or when the command writes nothing.
 */
export function openCache(o: { enabled: boolean; dir?: string | undefined; beside?: string | undefined; keepDays?: number | undefined }): ValidationCache | undefined {
  if (!o.enabled) return undefined;
  if (o.dir !== undefined) return new ValidationCache(o.dir, { keepDays: o.keepDays });
  if (o.beside === undefined) return undefined;
  const dir = join(dirname(resolve(o.beside.replace(/[\\/]+$/, ""))), ".churn-cache");
  return usableBeside(dir) ? new ValidationCache(dir, { keepDays: o.keepDays }) : undefined;
}

/** Free space below which the default cache (beside the output) is not used: a cache must never fill the output's disk. */
export const CACHE_MIN_FREE_BYTES = 256 * 1024 * 1024;

/**
 * The default cache folder is a convenience, never a reason to fail: it is used only when its folder can be made
 * and the disk has room; otherwise the command runs without a cache and fails, if at all, on its own output.
 */
function usableBeside(dir: string): boolean {
  try {
    // the output's folder may not exist yet (the command makes it): judge the nearest folder that does
    let base = dirname(dir);
    while (!existsSync(base) && dirname(base) !== base) base = dirname(base);
    if (!isDirectory(base)) return false;
    const fs = statfsSync(base);
    if (Number(fs.bavail) * Number(fs.bsize) < CACHE_MIN_FREE_BYTES) return false;
    ensureDir(dir);
    return true;
  } catch {
    return false;
  }
}

/** sha256 (hex) of a JSON-able description: the key of an entry. */
export function cacheKey(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Temporary folder numbers, shared by every cache of this process (two caches on one folder must not collide). */
let tmpCount = 0;

export class ValidationCache {
  readonly root: string;
  private readonly keepMs: number;
  /** Entries this process has taken (checked complete and touched), by path. */
  private readonly taken = new Set<string>();

  constructor(
    readonly dir: string,
    opts: CacheOptions = {},
  ) {
    this.root = join(dir, VERSION);
    this.keepMs = (opts.keepDays ?? 7) * DAY_MS;
  }

  entryPath(kind: CacheKind, key: string): string {
    return join(this.root, kind, key.slice(0, 2), key);
  }

  /**
   * The entry's folder and parsed meta.json when it is complete, else undefined. Marks it used (under the
   * cache lock, so a concurrent prune cannot remove it while this run reads it).
   */
  async take<M>(kind: CacheKind, key: string, parse: (v: unknown) => M | undefined): Promise<{ path: string; meta: M } | undefined> {
    const path = this.entryPath(kind, key);
    if (!isDirectory(path)) return undefined;
    if (!this.taken.has(path)) {
      const ok = await this.locked(() => {
        if (!isDirectory(path)) return false;
        try {
          statSync(join(path, "meta.json"));
        } catch {
          return false;
        }
        touch(join(path, "used"));
        return true;
      });
      if (!ok) return undefined;
      this.taken.add(path);
    }
    let meta: M | undefined;
    try {
      meta = parse(JSON.parse(readFileSync(join(path, "meta.json"), "utf8")));
    } catch {
      meta = undefined;
    }
    // an entry written by another version of the code, or damaged by hand: recompute it
    if (meta === undefined) return undefined;
    return { path, meta };
  }

  /**
   * Write an entry: `produce(dir)` fills a fresh temporary folder, then meta.json is written and the folder
   * renamed into place. Returns the entry's final path (another run's identical copy when it won the race).
   */
  async publish(kind: CacheKind, key: string, meta: unknown, produce: (dir: string) => Promise<void>): Promise<string> {
    const final = this.entryPath(kind, key);
    const tmp = this.tempDir();
    try {
      await produce(tmp);
      writeJsonAtomic(join(tmp, "meta.json"), meta);
      touch(join(tmp, "used"));
      ensureDir(join(this.root, kind, key.slice(0, 2)));
      await this.locked(() => {
        if (isDirectory(final)) return; // another run published the same key first: keep theirs
        renameSync(tmp, final);
        this.taken.add(final);
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    if (!this.taken.has(final)) await this.take(kind, key, (v) => v);
    return final;
  }

  /** Remove an entry that could not be read (so a recomputed one can take its place). */
  async discard(kind: CacheKind, key: string): Promise<void> {
    const path = this.entryPath(kind, key);
    const trash = join(this.root, "tmp", `trash-${process.pid}-${++tmpCount}`);
    await this.locked(() => {
      if (!isDirectory(path)) return;
      ensureDir(join(this.root, "tmp"));
      renameSync(path, trash);
      this.taken.delete(path);
    });
    rmSync(trash, { recursive: true, force: true });
  }

  /** A fresh temporary folder inside the cache (same filesystem, so the final rename is atomic). */
  tempDir(): string {
    const dir = join(this.root, "tmp", `${process.pid}-${++tmpCount}-${Date.now()}`);
    ensureDir(dir);
    return dir;
  }

  /** A file's sha256, reused while the file's stat signature is unchanged. */
  async fileHash(path: string): Promise<string> {
    const st = statSync(path, { bigint: true });
    const sig = [String(st.dev), String(st.ino), String(st.size), String(st.mtimeNs), String(st.ctimeNs)];
    const memo = join(this.root, "hashes", `${createHash("sha256").update(path).digest("hex")}.json`);
    try {
      const m = JSON.parse(readFileSync(memo, "utf8")) as { path?: string; sig?: string[]; sha256?: string };
      if (m.path === path && JSON.stringify(m.sig) === JSON.stringify(sig) && typeof m.sha256 === "string" && /^[0-9a-f]{64}$/.test(m.sha256)) return m.sha256;
    } catch {
      // no memo yet, or an unreadable one: hash the file
    }
    const sha256 = await sha256File(path);
    // the file may have changed while it was read: only remember a hash whose stat held still
    const after = statSync(path, { bigint: true });
    if (String(after.mtimeNs) === sig[3] && String(after.ctimeNs) === sig[4] && String(after.size) === sig[2]) {
      try {
        writeJsonAtomic(memo, { path, sig, sha256 });
      } catch {
        // a read-only cache still works, it only hashes again next time
      }
    }
    return sha256;
  }

  /**
   * Remove entries not used for `keepDays` and the temporary folders of runs that are no longer alive.
   * Returns the number of entries removed.
   */
  async prune(now = Date.now()): Promise<number> {
    const trash: string[] = [];
    if (!isDirectory(this.root)) return 0;
    await this.locked(() => {
      for (const kind of ["part", "ref", "table"] as const) {
        for (const shard of list(join(this.root, kind))) {
          for (const key of list(join(this.root, kind, shard))) {
            const path = join(this.root, kind, shard, key);
            if (this.taken.has(path)) continue;
            let used: number;
            try {
              used = statSync(join(path, "used")).mtimeMs;
            } catch {
              used = 0; // no marker: not a complete entry of this code
            }
            if (now - used <= this.keepMs) continue;
            const to = join(this.root, "tmp", `trash-${process.pid}-${++tmpCount}`);
            ensureDir(join(this.root, "tmp"));
            renameSync(path, to);
            trash.push(to);
          }
        }
      }
      for (const name of list(join(this.root, "tmp"))) {
        const pid = Number(/^(?:trash-)?(\d+)-/.exec(name)?.[1] ?? Number.NaN);
        if (Number.isFinite(pid) && pid !== process.pid && !processAlive(pid)) trash.push(join(this.root, "tmp", name));
      }
    });
    for (const t of trash) rmSync(t, { recursive: true, force: true });
    return trash.filter((t) => /trash-/.test(t)).length;
  }

  private async locked<T>(fn: () => T): Promise<T> {
    ensureDir(this.root);
    const lock = await acquireLock(this.root, 120, 10);
    try {
      return fn();
    } finally {
      lock.release();
    }
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function touch(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    closeSync(openSync(path, "a"));
    utimesSync(path, now, now);
  }
}
