/** Killed runs (kill.test.ts, docs/reliability.md): what is checked after a SIGKILL of each command. */
export interface KillCase {
  command: "features" | "train" | "score";
  title: string;
  result: string;
}

/** Kill moments per command: one seeded moment in each equal slice of 5-90% of its measured duration. */
export const KILLS_PER_COMMAND = 3;

export const KILL_CASES: KillCase[] = [
  {
    command: "features",
    title: "`churn features --out F` killed (from nothing, and over a previous complete F + F.json)",
    result: "F and F.json are absent or complete (same bytes as an uninterrupted run); never a sidecar without its file; the re-run gives identical bytes and removes the killed run's temp file and parts folder; the validated-table cache beside F (.churn-cache) keeps only complete entries, no temporary folder of the killed run and no lock",
  },
  {
    command: "train",
    title: "`churn train --model-id m1` killed",
    result: "every models/<id>/ with a manifest.json verifies (checksums); the champion pointer, when present, loads; the re-run gives the same files (createdAt, fitSeconds aside) and the champion, and removes the killed run's .<id>.tmp-<pid> folder",
  },
  {
    command: "score",
    title: "`churn score --out RUN_DIR` killed",
    result: "no RUN_DIR with a manifest.json unless it verifies (readRun); the stale RUN_DIR.lock and RUN_DIR.tmp-<pid> don't block the re-run, which gives identical files (manifest created_at/durations aside), releases the lock and removes the RUN_DIR.tmp-<pid> / RUN_DIR.old-<pid> of dead pids; the validated-table cache beside RUN_DIR keeps only complete entries, no temporary folder of the killed run and no lock; the runs folder's contacts log is the uninterrupted run's",
  },
];
