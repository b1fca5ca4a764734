// The status bar item: the server's state (starting, running, an error that a
// click opens in the output) and, for the active model, its error and warning
// counts from threatlint's diagnostics (a click opens the Problems view).
import type * as vscode from "vscode";
import { ServerStatus } from "./serverController";

export const SHOW_OUTPUT_COMMAND = "threatlint.showOutput";
export const PROBLEMS_COMMAND = "workbench.actions.view.problems";

export interface Counts {
  errors: number;
  warnings: number;
}

/** Counts threatlint's diagnostics (source "threatlint") by severity: 0 error, 1 warning. */
export function countDiagnostics(diagnostics: ReadonlyArray<{ source?: string; severity: number }>): Counts {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.source !== "threatlint") continue;
    if (d.severity === 0) errors += 1;
    else if (d.severity === 1) warnings += 1;
  }
  return { errors, warnings };
}

export interface StatusView {
  text: string;
  /** What a screen reader says (the text without its icons). */
  label: string;
  tooltip: string;
  command: string;
  /** "error" colours the item as an error. */
  tone: "normal" | "error" | "warning";
}

/** What the item shows for a server status and, when the active editor is a model, its counts. */
export function statusView(status: ServerStatus, model?: { name: string; counts: Counts }): StatusView {
  switch (status.state) {
    case "starting":
      return {
        text: "$(sync~spin) threatlint",
        label: "threatlint: starting",
        tooltip: "threatlint: the language server is starting",
        command: SHOW_OUTPUT_COMMAND,
        tone: "normal",
      };
    case "missing":
    case "failed":
      return {
        text: "$(error) threatlint",
        label: "threatlint: error, click to open the output",
        tooltip: `threatlint: the language server ${status.state === "missing" ? "cannot start" : "failed to start"}; click to see why`,
        command: SHOW_OUTPUT_COMMAND,
        tone: "error",
      };
    case "stopped":
      return {
        text: "$(circle-slash) threatlint",
        label: "threatlint: stopped",
        tooltip: "threatlint: the language server is stopped",
        command: SHOW_OUTPUT_COMMAND,
        tone: "normal",
      };
    case "running": {
      const server = `threatlint: running ${status.detail ?? ""} with ${status.python ?? "?"}`.replace(/ +/g, " ");
      if (!model)
        return {
          text: "$(shield) threatlint",
          label: "threatlint: running",
          tooltip: server,
          command: SHOW_OUTPUT_COMMAND,
          tone: "normal",
        };
      const { errors, warnings } = model.counts;
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
      return {
        text: `$(shield) threatlint $(error) ${errors} $(warning) ${warnings}`,
        label: `threatlint: ${plural(errors, "error")}, ${plural(warnings, "warning")} in ${model.name}`,
        tooltip: `${model.name}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n${server}\nClick to open the Problems view`,
        command: PROBLEMS_COMMAND,
        tone: errors ? "error" : warnings ? "warning" : "normal",
      };
    }
  }
}

type Api = Pick<typeof vscode, "window" | "languages" | "ThemeColor" | "StatusBarAlignment">;

/** Keeps the item in step with the server and the active editor's diagnostics. */
export function createStatusBar(
  api: Api,
  status: () => ServerStatus,
  onStatus: (listener: () => void) => { dispose(): unknown },
  isModel: (uri: vscode.Uri) => boolean,
): { dispose(): void; refresh(): void } {
  const item = api.window.createStatusBarItem("threatlint.status", api.StatusBarAlignment.Left, 50);
  item.name = "threatlint";
  const refresh = () => {
    const doc = api.window.activeTextEditor?.document;
    const model =
      doc && isModel(doc.uri)
        ? { name: doc.uri.path.split("/").pop() ?? "", counts: countDiagnostics(api.languages.getDiagnostics(doc.uri)) }
        : undefined;
    const view = statusView(status(), model);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.accessibilityInformation = { label: view.label };
    item.command = view.command;
    // Status bar items support only these two background colours.
    item.backgroundColor = view.tone === "normal" ? undefined : new api.ThemeColor(`statusBarItem.${view.tone}Background`);
    item.show();
  };
  const subscriptions = [onStatus(refresh), api.window.onDidChangeActiveTextEditor(refresh), api.languages.onDidChangeDiagnostics(refresh)];
  refresh();
  return {
    refresh,
    dispose: () => {
      for (const s of subscriptions) s.dispose();
      item.dispose();
    },
  };
}
