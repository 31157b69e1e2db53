/**
 * Every user-facing sentence lives here, so that tests can check messages against these functions
 * rather than copied strings, and so wording stays consistent. Each message names the thing, shows the
 * bad value and says the fix.
 */

const show = (v: unknown): string => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
export const quoteValue = (v: unknown): string => `'${show(v)}'`;

export const msg = {
  // --- CLI / usage -------------------------------------------------------------------------------
  unknownCommand: (cmd: string) => `unknown command '${cmd}'. Run \`churn --help\` to see the commands.`,
  internalError: (detail: string) =>
    `internal error: ${detail}\nThis is a bug in churn, not in your data. Re-run with CHURN_DEBUG=1 for a stack trace and report it.`,

  // --- config ------------------------------------------------------------------------------------
  configNotFound: (path: string) => `config file ${path} does not exist. Check the path given to --config.`,
  configParse: (path: string, detail: string) =>
    `config file ${path} is not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${detail}`,
  configInvalid: (path: string, lines: string[]) =>
    `config file ${path} has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n${lines.map((l) => `  - ${l}`).join("\n")}\nSee churn.config.schema.json for every option and its default.`,
  configExtension: (path: string) => `config file ${path} must end in .yaml, .yml or .json.`,

  // --- files -------------------------------------------------------------------------------------
  notWritable: (path: string, detail: string) =>
    `cannot write ${path}: ${detail}. Choose another output location (--out) or free disk space.`,
  unsafeIdentifier: (where: string, value: string) =>
    `${where}: ${quoteValue(value)} is not a safe column or table name. Use letters, digits, spaces, '_', '-' or '.' only (at most 128 characters).`,
} as const;
