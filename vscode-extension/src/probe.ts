// Checks that an interpreter can run threatlint before the client starts it,
// so a missing install gets a clear message instead of a dead server.
export interface RunResult {
  /** Exit code; null when the process could not run or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started (ENOENT, EACCES) or timed out. */
  error?: { code?: string; message: string };
}

export type Runner = (command: string, args: string[], options?: { cwd?: string }) => Promise<RunResult>;

export type ProbeResult = { ok: true; version: string } | { ok: false; reason: string };

/** Runs `<python> ...args --version` (args: `-m threatlint` or the bundled launcher). */
export async function probeThreatlint(launch: { python: string; args: string[] }, run: Runner, cwd?: string): Promise<ProbeResult> {
  const result = await run(launch.python, [...launch.args, "--version"], { cwd });
  if (result.error && result.code === null) {
    if (result.error.code === "ENOENT") return { ok: false, reason: "interpreter not found" };
    if (result.error.code === "ETIMEDOUT") return { ok: false, reason: "timed out running threatlint --version" };
    return { ok: false, reason: result.error.message };
  }
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code === 0) {
    const match = /threatlint\s+(\S+)/.exec(output);
    if (match) return { ok: true, version: match[1] };
    return { ok: false, reason: `unexpected output of threatlint --version: ${firstLine(output)}` };
  }
  const tooOld = /threatlint needs Python 3\.10 or newer[^\n]*/.exec(output);
  if (tooOld) return { ok: false, reason: tooOld[0] };
  if (/No module named '?threatlint/.test(output)) {
    return { ok: false, reason: "threatlint is not installed for this interpreter" };
  }
  return { ok: false, reason: `exit code ${result.code}: ${lastLine(result.stderr) || firstLine(result.stdout)}` };
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0] ?? "";
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return lines[lines.length - 1] ?? "";
}
