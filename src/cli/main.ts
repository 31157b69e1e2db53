#!/usr/bin/env node
/** The `churn` executable: parse argv, run, exit with the mapped code. The wiring is in run.ts. */
import { hideBin } from "yargs/helpers";
import { run } from "./run.js";

// `churn ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await run(hideBin(process.argv));
