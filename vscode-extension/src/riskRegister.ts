// The "Show Risk Register" command: `threatlint report MODEL --format html`
// (the same threatlint the server runs) shown in a webview beside the model.
// The report is one self-contained page that draws its data-flow diagram with
// the Mermaid it inlines, under its own strict Content-Security-Policy, so no
// Markdown or Mermaid extension is involved and nothing touches the network.
import * as path from "path";
import { Launch } from "./interpreter";
import { isModelPath } from "./patterns";
import { Runner } from "./probe";

export interface RiskRegisterDeps {
  /** The active editor's document, if any. */
  activeDocument(): { fsPath: string; scheme: string; isDirty: boolean } | undefined;
  /** Lets the user pick a model when the active editor is not one; undefined when cancelled or none. */
  pickModel(): Promise<string | undefined>;
  /** How to run threatlint, or undefined (the reason was already shown). */
  launch(): Promise<Launch | undefined>;
  run: Runner;
  /** The folder the report runs in (the workspace folder of the model). */
  cwdFor(modelPath: string): string;
  /** Shows the report's page in a webview titled `title`. */
  showHtml(title: string, html: string): void;
  showError(message: string): void;
  showWarning(message: string): void;
}

export function reportArgs(launch: Launch, modelPath: string): string[] {
  return [...launch.args, "report", modelPath, "--format", "html"];
}

/** Runs the command; returns the model whose report was shown, or undefined when it did not get that far. */
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
  const launch = await deps.launch();
  if (!launch) return undefined;
  const result = await deps.run(launch.python, reportArgs(launch, model), { cwd: deps.cwdFor(model) });
  if (result.code !== 0 || !result.stdout.trim()) {
    const detail = (result.stderr.trim() || result.stdout.trim() || result.error?.message || "no output")
      .split(/\r?\n/)
      .slice(-3)
      .join(" ");
    deps.showError(`threatlint report failed for ${path.basename(model)} (exit code ${result.code ?? "none"}): ${detail}`);
    return undefined;
  }
  deps.showHtml(`Risk register: ${path.basename(model)}`, result.stdout);
  return model;
}
