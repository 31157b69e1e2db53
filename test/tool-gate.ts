/**
 * Suites that need a system tool (strace, unshare, mount, chromium). Outside CI a missing tool skips the suite
 * with a warning naming the package; under CI=true the suite runs anyway and fails with that message, so a CI
 * machine without the tool cannot pass silently (.ci/run installs them).
 */
export interface ToolGate {
  /** Run the suite: the tool works, or we are in CI (where a missing tool must fail). */
  run: boolean;
  /** Throws, naming the package to install, when the tool does not work (call it in beforeAll). */
  check(): void;
}

export function toolGate(what: string, works: boolean, debianPackage: string): ToolGate {
  const ci = process.env["CI"] === "true";
  const message = `${what} is not available: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage}; .ci/run does this in CI)`;
  if (!works && !ci) console.warn(`suite skipped: ${message}`);
  return {
    run: works || ci,
    check() {
      if (!works) throw new Error(message);
    },
  };
}
