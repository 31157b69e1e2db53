/** Every command, in the order `churn --help` lists them. One file per command. */
import type { CommandModule } from "yargs";
import { configCommand } from "./config.js";
import { validateCommand } from "./validate.js";
import { cvCommand } from "./cv.js";
import { featuresCommand } from "./features.js";
import { loadCommand } from "./load.js";
import { generateCommand } from "./generate.js";
import { modelsCommand } from "./models.js";
import { trainCommand } from "./train.js";
import { scoreCommand } from "./score.js";
import { planCommand } from "./plan.js";
import { queueCommand, workerCommand } from "./queue.js";
import { simulateCommand } from "./simulate.js";
import { evaluateCommand } from "./evaluate.js";
import { reportCommand } from "./report.js";
import { callListsCommand } from "./call-lists.js";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argv types
export const commands: CommandModule<any, any>[] = [configCommand, validateCommand, generateCommand, loadCommand, featuresCommand, cvCommand, trainCommand, modelsCommand, scoreCommand, callListsCommand, planCommand, queueCommand, workerCommand, simulateCommand, evaluateCommand, reportCommand];
