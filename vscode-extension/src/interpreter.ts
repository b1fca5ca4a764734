// Which Python runs threatlint, and which threatlint it runs. The interpreter:
// the setting when set, else the Python extension's, else python3 on PATH; the
// first that can run it. The threatlint: the one bundled with the extension
// (bundled/libs, any Python 3.10+ with nothing installed) or, with
// `threatlint.importStrategy: fromEnvironment`, the one installed for that interpreter.
import { ProbeResult } from "./probe";
import { ImportStrategy } from "./settings";

export interface Attempt {
  python: string;
  /** Where the candidate came from, for the error message. */
  source: "setting" | "python extension" | "PATH";
  reason: string;
}

/** How to run threatlint: `<python> ...args <subcommand>`. */
export interface Launch {
  python: string;
  args: string[];
}

export type Resolution =
  | { ok: true; python: string; version: string; source: Attempt["source"]; launch: Launch; strategy: ImportStrategy }
  | { ok: false; attempts: Attempt[]; strategy: ImportStrategy };

export interface ResolveDeps {
  /** The expanded `threatlint.interpreter` setting, "" when unset. */
  setting: string;
  strategy: ImportStrategy;
  /** bundled/tool/launch.py inside the installed extension. */
  bundledLauncher: string;
  pythonExtension(): Promise<string | undefined>;
  probe(launch: Launch): Promise<ProbeResult>;
  platform: NodeJS.Platform;
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

/** The arguments before threatlint's own: the bundled launcher (isolated from PYTHONPATH and user site-packages) or `-m threatlint`. */
export function launchArgs(strategy: ImportStrategy, bundledLauncher: string): string[] {
  return strategy === "useBundled" ? ["-I", bundledLauncher] : ["-m", "threatlint"];
}

export async function candidates(
  deps: Pick<ResolveDeps, "setting" | "pythonExtension" | "platform">,
): Promise<Array<Omit<Attempt, "reason">>> {
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
  const args = launchArgs(deps.strategy, deps.bundledLauncher);
  for (const candidate of await candidates(deps)) {
    const launch = { python: candidate.python, args };
    const probe = await deps.probe(launch);
    if (probe.ok) {
      return { ok: true, python: candidate.python, version: probe.version, source: candidate.source, launch, strategy: deps.strategy };
    }
    attempts.push({ ...candidate, reason: probe.reason });
  }
  return { ok: false, attempts, strategy: deps.strategy };
}

/** The error text shown when no candidate can run threatlint. */
export function missingMessage(resolution: Extract<Resolution, { ok: false }>): string {
  const tried = resolution.attempts.map((a) => `${a.python} (${a.source}): ${a.reason}`).join("; ");
  if (resolution.strategy === "useBundled") {
    return (
      `threatlint: the language server cannot start, no Python 3.10 or newer could run the bundled server. Tried ${tried}. ` +
      "Install Python 3.10 or newer (nothing else is needed), or set `threatlint.interpreter` to one."
    );
  }
  return (
    `threatlint: the language server cannot start, no Python with threatlint was found. Tried ${tried}. ` +
    "Install it with `python3 -m pip install threatlint` in that environment, set `threatlint.interpreter` to a Python that has it, " +
    "or set `threatlint.importStrategy` to `useBundled` to run the server that comes with the extension."
  );
}

/** How the language server process is started. */
export function serverCommand(launch: Launch): { command: string; args: string[] } {
  return { command: launch.python, args: [...launch.args, "lsp"] };
}
