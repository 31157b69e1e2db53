#!/usr/bin/env node
/** The `churn` executable: parse argv, run, exit with the mapped code. The wiring is in run.ts. */
import { hideBin } from "yargs/helpers";
import { run } from "./run.js";

process.exitCode = await run(hideBin(process.argv));
