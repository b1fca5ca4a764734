// Which Python runs `threatlint lsp`: the setting when set, else the Python
// extension's interpreter, else python3 on PATH; the first that has threatlint.
import { ProbeResult } from "./probe";

export interface Attempt {
  python: string;
  /** Where the candidate came from, for the error message. */
  source: "setting" | "python extension" | "PATH";
  reason: string;
}

export type Resolution =
  | { ok: true; python: string; version: string; source: Attempt["source"] }
  | { ok: false; attempts: Attempt[] };

export interface ResolveDeps {
  /** The expanded `threatlint.interpreter` setting, "" when unset. */
  setting: string;
  pythonExtension(): Promise<string | undefined>;
  probe(python: string): Promise<ProbeResult>;
  platform: NodeJS.Platform;
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

export async function candidates(deps: Pick<ResolveDeps, "setting" | "pythonExtension" | "platform">): Promise<Array<Omit<Attempt, "reason">>> {
  if (deps.setting) {
    // An explicit setting is the user's choice: never silently run another Python.
    return [{ python: deps.setting, source: "setting" }];
  }
  const out: Array<Omit<Attempt, "reason">> = [];
  const fromExtension = await deps.pythonExtension();
  if (fromExtension) out.push({ python: fromExtension, source: "python extension" });
  const fallback = defaultPython(deps.platform);
  if (!out.some((c) => c.python === fallback)) out.push({ python: fallback, source: "PATH" });
  return out;
}

export async function resolveInterpreter(deps: ResolveDeps): Promise<Resolution> {
  const attempts: Attempt[] = [];
  for (const candidate of await candidates(deps)) {
    const probe = await deps.probe(candidate.python);
    if (probe.ok) return { ok: true, python: candidate.python, version: probe.version, source: candidate.source };
    attempts.push({ ...candidate, reason: probe.reason });
  }
  return { ok: false, attempts };
}

/** The error text shown when no candidate can run threatlint. */
export function missingMessage(attempts: Attempt[]): string {
  const tried = attempts.map((a) => `${a.python} (${a.source}): ${a.reason}`).join("; ");
  return (
    `threatlint: the language server cannot start, no Python with threatlint was found. Tried ${tried}. ` +
    "Install it with `python3 -m pip install threatlint` in that environment, or set `threatlint.interpreter` to a Python that has it."
  );
}

/** How the language server process is started. */
export function serverCommand(python: string): { command: string; args: string[] } {
  return { command: python, args: ["-m", "threatlint", "lsp"] };
}
