/**
 * Sharded scoring from a ClickHouse cluster: each shard's features computed inside a 2-shard ClickHouse cluster
 * (`churn score --clickhouse URL --shard k/K`), merged, give the run folder of one `churn score` on the files, also
 * on a second night that reads the runs folder's contacts log. In a file of its own so that it runs beside the
 * files and queue tests of merge.test.ts (one slow file would keep a test worker busy for both).
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { ClickHouse } from "../../src/io/clickhouse.js";
import { loadIntoCluster } from "../../src/pipeline/load.js";
import { mergeRun } from "../../src/pipeline/merge.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { needsClickHouse, startClickHouse, uniqueDatabase } from "../servers.js";
import { AS_OF, AS_OF2, BUDGET, config, read, runFiles, scoreShared, stable, useMergeWorld } from "./merge-fixture.js";

const clickhouse = needsClickHouse();

// the one-process run on the files that the merged ClickHouse shards must reproduce
const w = useMergeWorld((x) => scoreShared(x, join(x.dir, "single", "run")).then(() => undefined));

describe("churn score --clickhouse --shard k/K and churn plan --merge", () => {
  it.skipIf(!clickhouse.ok)(`from ClickHouse: the shards' features computed in a 2-shard cluster give the same risk list and scores, also on a second night with a contacts log (${clickhouse.ok ? "ClickHouse" : clickhouse.why})`, async () => {
    const { dir, world, model } = w;
    const server = startClickHouse();
    const database = uniqueDatabase("churn_merge");
    const chConfig = { ...config, clickhouse: { ...config.clickhouse, database } };
    try {
      await loadIntoCluster({ dir: world, url: server.url, config: chConfig });
      const shards = [0, 1].map((k) => join(dir, "ch", `shard-${k}`));
      for (const [k, s] of shards.entries()) {
        const r = await scoreRun({ model, clickhouse: server.url, asOf: AS_OF, out: s, config: chConfig, shard: { k, of: 2 } });
        expect(r.shard).toEqual({ k, of: 2 });
      }
      const merged = join(dir, "ch-merged", "run");
      await mergeRun({ shards, out: merged, config: chConfig, budget: BUDGET, allowDrift: true });
      const single = join(dir, "single", "run");
      // the plan, the scores and the learned effects are those of one process reading the files
      for (const f of ["risk_list.csv", "risk_list.parquet", "scores.parquet"]) expect({ f, same: read(merged, f).equals(read(single, f)) }).toEqual({ f, same: true });
      const summary = (run: string) => {
        const j = JSON.parse(readFileSync(join(run, "summary.json"), "utf8"));
        delete j.run.id;
        return j;
      };
      const a = summary(merged);
      const b = summary(single);
      // the loyalty KPIs need every subscriber's billing history on one machine: a ClickHouse run has none
      expect(a.kpis).toBeUndefined();
      expect(b.kpis).toBeDefined();
      delete b.kpis;
      expect(a).toEqual(b);
      // the same rejected subscribers, named by the ClickHouse table instead of the file
      const rejects = (run: string) => readFileSync(join(run, "rejects.csv"), "utf8").split("\n").map((l) => l.split(",").filter((_, i) => i !== 1).join(","));
      expect(rejects(merged)).toEqual(rejects(single));
      expect(stable(merged).counts).toEqual(stable(single).counts);

      // the second night, a month later, in copies of that runs folder: its contacts log holds the first night's
      // contacts (dated 2026-06-01, on or before as-of). The ClickHouse shards read it as one process reads it
      // from the files: the contact-history features and the contact waves see it (an outcome window of 28 days
      // makes the first night's contacts a wave to learn from) and the merge accepts the shards' log digest
      const night2 = { ...chConfig, retention: { ...chConfig.retention, effects: { ...chConfig.retention.effects, horizonDays: 28 } } };
      const runs = (name: string) => {
        cpSync(join(dir, "ch-merged"), join(dir, name), { recursive: true });
        return join(dir, name);
      };
      const [duck, duckShards, chRuns] = [runs("n2-duck"), runs("n2-duck-shards"), runs("n2-ch")];
      const n2 = { model, asOf: AS_OF2, config: night2, allowDrift: true };
      await scoreRun({ ...n2, data: world, out: join(duck, "run2"), budget: BUDGET });
      for (const k of [0, 1]) {
        await scoreRun({ ...n2, data: world, out: join(duckShards, `shard-${k}`), shard: { k, of: 2 } });
        await scoreRun({ ...n2, clickhouse: server.url, out: join(chRuns, `shard-${k}`), shard: { k, of: 2 } });
      }
      const chShards = [0, 1].map((k) => join(chRuns, `shard-${k}`));
      await mergeRun({ shards: chShards, out: join(chRuns, "run2"), config: night2, budget: BUDGET, allowDrift: true });
      const log = readFileSync(join(duck, "contacts_log.csv"), "utf8");
      const logged = log.split("\n").slice(1).filter((l) => l.includes(",2026-06-01,"));
      expect(logged.length).toBeGreaterThan(20);
      for (const k of [0, 1]) {
        const shardJson = (d: string) => JSON.parse(readFileSync(join(d, `shard-${k}`, "shard.json"), "utf8"));
        // the shard saw the log's rows dated on or before as-of, as the shard of one process on the files did
        expect(shardJson(chRuns).contacts_log).toEqual(shardJson(duckShards).contacts_log);
        expect(shardJson(chRuns).contacts_log.rows).toBe(logged.length);
        // the contact-history features (uplift modifiers, of every scored subscriber) and the contact waves'
        // outcomes, the first night's wave among them, equal those of the files' shard
        for (const f of ["modifiers.parquet", "outcomes.parquet", "scored.parquet", "contacts.parquet"]) {
          expect({ k, f, same: read(join(chRuns, `shard-${k}`), f).equals(read(join(duckShards, `shard-${k}`), f)) }).toEqual({ k, f, same: true });
        }
        const q = (sql: string, f: string) => withDb((db) => db.one(sql.replaceAll("FILE", `read_parquet('${join(chRuns, `shard-${k}`, f)}')`)));
        const treated = logged.filter((l) => l.includes(",treatment,")).map((l) => l.split(",")[0]!);
        const m = await q(
          `SELECT count(*) AS n, count(*) FILTER (WHERE days_since_last_contact <= 29 AND contacts_90d >= 1) AS seen FROM FILE WHERE subscriber_id IN (${treated.map((x) => `'${x}'`).join(", ")})`,
          "modifiers.parquet",
        );
        expect(Number(m?.["n"])).toBeGreaterThan(5);
        expect(m?.["seen"]).toBe(m?.["n"]);
        const w = await q("SELECT count(*) AS n FROM FILE WHERE date = '2026-06-01'", "outcomes.parquet");
        expect(Number(w?.["n"])).toBeGreaterThan(5);
      }
      // the merged second night is the one process's, file for file but the manifest (and its report's page
      // and summary, which have no loyalty KPIs from ClickHouse), and the runs folder's contacts log and ledger too
      const one = join(duck, "run2");
      const two = join(chRuns, "run2");
      expect(runFiles(two)).toEqual(runFiles(one));
      for (const f of runFiles(one).filter((x) => !["report.html", "summary.json", "rejects.csv"].includes(x))) {
        expect({ f, night: 2, same: read(two, f).equals(read(one, f)) }).toEqual({ f, night: 2, same: true });
      }
      const s2 = summary(two);
      const s1 = summary(one);
      delete s1.kpis;
      expect(s2).toEqual(s1);
      expect(rejects(two)).toEqual(rejects(one));
      expect(stable(two).counts).toEqual(stable(one).counts);
      expect(stable(two).effects).toEqual(stable(one).effects);
      for (const f of ["contacts_log.csv", "budget_ledger.json"]) expect({ f, same: read(chRuns, f).equals(read(duck, f)) }).toEqual({ f, same: true });
    } finally {
      const ch = ClickHouse.open({ url: server.url, timeoutSeconds: 60 });
      await ch.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await ch.close();
      server.stop();
    }
  }, 1_800_000);
});
