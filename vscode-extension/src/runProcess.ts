// Runs a short-lived process (the threatlint probe, the report) and never rejects.
import { execFile } from "child_process";
import { RunResult, Runner } from "./probe";

export function makeRunner(timeoutMs: number): Runner {
  return (command, args, options) =>
    new Promise<RunResult>((resolve) => {
      execFile(
        command,
        args,
        { cwd: options?.cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true, encoding: "utf8" },
        (error, stdout, stderr) => {
          if (!error) {
            resolve({ code: 0, stdout, stderr });
            return;
          }
          const err = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
          if (typeof err.code === "number") {
            resolve({ code: err.code, stdout, stderr });
          } else if (err.killed) {
            resolve({ code: null, stdout, stderr, error: { code: "ETIMEDOUT", message: `timed out after ${timeoutMs} ms` } });
          } else {
            resolve({
              code: null,
              stdout,
              stderr,
              error: { code: typeof err.code === "string" ? err.code : undefined, message: err.message },
            });
          }
        },
      );
    });
}
