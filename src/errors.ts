/**
 * Typed errors. Code anywhere throws one of these; the CLI's single top-level catch
 * (src/cli/main.ts) maps them to an exit code and prints the message without a stack trace.
 *
 * Exit codes: 0 ok, 1 internal error, 2 usage or config error, 3 input data error, 4 quality gate failed.
 */
export const EXIT = { ok: 0, internal: 1, usage: 2, data: 3, gate: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class ChurnError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Wrong command-line usage: a missing or contradictory option. Exit 2. */
export class UsageError extends ChurnError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** A config file or config value is invalid, or a model artifact is damaged or mismatched. Exit 2. */
export class ConfigError extends ChurnError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Input data cannot be used: missing file or column, unreadable file, too many rejected rows. Exit 3. */
export class InputDataError extends ChurnError {
  constructor(message: string) {
    super(message, EXIT.data);
  }
}

/** A quality gate failed: drift above threshold, too many rejects, a model worse than required. Exit 4. */
export class QualityGateError extends ChurnError {
  constructor(message: string) {
    super(message, EXIT.gate);
  }
}

export function isChurnError(e: unknown): e is ChurnError {
  return e instanceof ChurnError;
}
