// The extension's settings (package.json contributes.configuration) and how
// the interpreter setting is expanded.
import * as path from "path";

export const SECTION = "threatlint";

/** Which threatlint runs: the one bundled with the extension, or the one installed for the interpreter. */
export type ImportStrategy = "useBundled" | "fromEnvironment";

export interface Settings {
  /** The raw `threatlint.interpreter` value; empty means "find one". */
  interpreter: string;
  importStrategy: ImportStrategy;
  codeFileDiagnostics: boolean;
}

/** What settings.ts needs from vscode.WorkspaceConfiguration. */
export interface ConfigurationLike {
  get<T>(key: string, defaultValue: T): T;
}

export function readSettings(config: ConfigurationLike): Settings {
  const interpreter = config.get<unknown>("interpreter", "");
  const strategy = config.get<unknown>("importStrategy", "useBundled");
  const codeFiles = config.get<unknown>("codeFileDiagnostics", true);
  return {
    interpreter: typeof interpreter === "string" ? interpreter.trim() : "",
    importStrategy: strategy === "fromEnvironment" ? "fromEnvironment" : "useBundled",
    codeFileDiagnostics: codeFiles !== false,
  };
}

/** Settings whose change needs a new server process. */
export const RESTART_KEYS = ["threatlint.interpreter", "threatlint.importStrategy", "threatlint.codeFileDiagnostics"] as const;

export function needsRestart(event: { affectsConfiguration(section: string): boolean }): boolean {
  return RESTART_KEYS.some((key) => event.affectsConfiguration(key));
}

export interface ExpandContext {
  home: string;
  /** The first workspace folder, when one is open. */
  workspaceFolder?: string;
  env: Record<string, string | undefined>;
}

/**
 * Expands `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in the
 * interpreter setting, and makes a relative path (one with a slash, such as
 * `.venv/bin/python`) relative to the workspace folder. A bare command name
 * (`python3`) is left for PATH lookup.
 */
export function expandInterpreter(value: string, ctx: ExpandContext): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (whole, name: string, envName?: string) => {
    if (name === "userHome") return ctx.home;
    if (name === "workspaceFolder") return ctx.workspaceFolder ?? whole;
    return ctx.env[envName ?? ""] ?? "";
  });
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = ctx.home + out.slice(1);
  }
  const hasSeparator = /[\\/]/.test(out);
  if (hasSeparator && !path.isAbsolute(out) && ctx.workspaceFolder) {
    out = path.join(ctx.workspaceFolder, out);
  }
  return out;
}
