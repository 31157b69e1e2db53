/** Every command, in the order `churn --help` lists them. One file per command. */
import type { CommandModule } from "yargs";
import { configCommand } from "./config.js";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argv types
export const commands: CommandModule<any, any>[] = [configCommand];
