// The "Show Risk Register" command: `<python> -m threatlint report MODEL
// --format md` is written to a file in the temp folder (never into the user's
// repository) and opened in the Markdown preview.
import { createHash } from "crypto";
import * as path from "path";
import { isModelPath } from "./patterns";
import { Runner } from "./probe";

export interface RiskRegisterDeps {
  /** The active editor's document, if any. */
  activeDocument(): { fsPath: string; scheme: string; isDirty: boolean } | undefined;
  /** Lets the user pick a model when the active editor is not one; undefined when cancelled or none. */
  pickModel(): Promise<string | undefined>;
  /** The interpreter that runs threatlint, or undefined (the reason was already shown). */
  python(): Promise<string | undefined>;
  run: Runner;
  /** The folder the report runs in (the workspace folder of the model). */
  cwdFor(modelPath: string): string;
  writeFile(filePath: string, text: string): Promise<void>;
  tempDir: string;
  openPreview(filePath: string): Thenable<unknown>;
  showError(message: string): void;
  showWarning(message: string): void;
}

/** Where the report of `modelPath` is written: stable, so an open preview refreshes. */
export function reportPath(tempDir: string, modelPath: string): string {
  const hash = createHash("sha256").update(modelPath).digest("hex").slice(0, 12);
  const base = path.basename(modelPath).replace(/\.ya?ml$/, "");
  return path.join(tempDir, "threatlint-risk-register", `${base}-${hash}.md`);
}

export function reportArgs(modelPath: string): string[] {
  return ["-m", "threatlint", "report", modelPath, "--format", "md"];
}

/** Runs the command; returns the written report's path, or undefined when it did not get that far. */
export async function showRiskRegister(deps: RiskRegisterDeps): Promise<string | undefined> {
  const active = deps.activeDocument();
  let model: string | undefined;
  if (active && active.scheme === "file" && isModelPath(active.fsPath)) {
    model = active.fsPath;
    if (active.isDirty) {
      deps.showWarning("threatlint: the risk register shows the saved model; save the file to include unsaved edits.");
    }
  } else {
    model = await deps.pickModel();
    if (!model) {
      deps.showError("threatlint: open a threat model (threatmodel.yaml or *.threatmodel.yaml) to show its risk register.");
      return undefined;
    }
  }
  const python = await deps.python();
  if (!python) return undefined;
  const result = await deps.run(python, reportArgs(model), { cwd: deps.cwdFor(model) });
  if (result.code !== 0) {
    const detail = (result.stderr.trim() || result.stdout.trim() || result.error?.message || "no output").split(/\r?\n/).slice(-3).join(" ");
    deps.showError(`threatlint report failed for ${path.basename(model)} (exit code ${result.code ?? "none"}): ${detail}`);
    return undefined;
  }
  const target = reportPath(deps.tempDir, model);
  await deps.writeFile(target, result.stdout);
  await deps.openPreview(target);
  return target;
}
