// Wires the extension into VS Code: commands, settings, when to start the
// server, the status bar, the diagram and risk-register webviews. The `vscode`
// API and the language client are passed in by extension.ts, so the unit tests
// run this module against their own stand-in of the API.
import { existsSync } from "fs";
import * as os from "os";
import * as path from "path";
import type * as vscode from "vscode";
import { DiagramPanels } from "./diagramPanel";
import { Launch, missingMessage, resolveInterpreter, Resolution } from "./interpreter";
import { isModelPath, MODEL_GLOB } from "./patterns";
import { probeThreatlint, Runner } from "./probe";
import { onPythonInterpreterChange, pythonExtensionInterpreter } from "./pythonExtension";
import { showRiskRegister } from "./riskRegister";
import { ClientLike, ServerController } from "./serverController";
import { expandInterpreter, needsRestart, readSettings, SECTION, Settings } from "./settings";
import { createStatusBar, SHOW_OUTPUT_COMMAND } from "./statusBar";

export const COMMANDS = {
  restartServer: "threatlint.restartServer",
  showRiskRegister: "threatlint.showRiskRegister",
  showDiagram: "threatlint.showDiagram",
  showOutput: SHOW_OUTPUT_COMMAND,
} as const;

export const HOW_TO_INSTALL = "How to install";
export const OPEN_SETTINGS = "Open Settings";
export const SHOW_OUTPUT = "Show Output";

/** The parts of the `vscode` module the extension uses. */
export type VscodeApi = Pick<
  typeof vscode,
  | "window"
  | "workspace"
  | "commands"
  | "extensions"
  | "languages"
  | "Uri"
  | "ViewColumn"
  | "Range"
  | "Selection"
  | "TextEditorRevealType"
  | "ThemeColor"
  | "StatusBarAlignment"
>;

export interface ActivationDeps {
  createClient(launch: Launch, settings: Settings, output: vscode.OutputChannel): ClientLike;
  run: Runner;
  platform?: NodeJS.Platform;
  env?: Record<string, string | undefined>;
}

export interface Activated {
  controller: ServerController;
  diagrams: DiagramPanels;
  /** Resolves once the server start that activation triggered (if any) is done. */
  ready: Promise<unknown>;
}

/** bundled/tool/launch.py: runs the threatlint packed into bundled/libs at package time. */
export function bundledLauncher(extensionPath: string): string {
  return path.join(extensionPath, "bundled", "tool", "launch.py");
}

export function activateWith(api: VscodeApi, context: vscode.ExtensionContext, deps: ActivationDeps): Activated {
  const output = api.window.createOutputChannel("threatlint");
  context.subscriptions.push(output);
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const log = (message: string) => output.appendLine(`[threatlint] ${message}`);
  const firstFolder = () => api.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const currentSettings = (): Settings => readSettings(api.workspace.getConfiguration(SECTION));
  const interpreterSetting = (settings: Settings): string =>
    settings.interpreter ? expandInterpreter(settings.interpreter, { home: os.homedir(), workspaceFolder: firstFolder(), env }) : "";

  const resolve = (): Promise<Resolution> => {
    const settings = currentSettings();
    return resolveInterpreter({
      setting: interpreterSetting(settings),
      strategy: settings.importStrategy,
      bundledLauncher: bundledLauncher(context.extensionUri.fsPath),
      pythonExtension: () => pythonExtensionInterpreter(api.extensions),
      probe: (launch) => probeThreatlint(launch, deps.run, firstFolder()),
      platform,
    });
  };

  const howToInstall = () => {
    // vsce stores README.md as readme.md inside the .vsix.
    const name = ["README.md", "readme.md"].find((n) => existsSync(path.join(context.extensionUri.fsPath, n))) ?? "README.md";
    return api.commands.executeCommand("markdown.showPreview", api.Uri.joinPath(context.extensionUri, name));
  };
  const openSettings = () => api.commands.executeCommand("workbench.action.openSettings", "threatlint.interpreter");

  const controller = new ServerController({
    resolve,
    createClient: (launch) => deps.createClient(launch, currentSettings(), output),
    onMissing: (resolution) => {
      const message = missingMessage(resolution);
      log(message);
      void api.window.showErrorMessage(message, HOW_TO_INSTALL, OPEN_SETTINGS).then((choice) => {
        if (choice === HOW_TO_INSTALL) return howToInstall();
        if (choice === OPEN_SETTINGS) return openSettings();
        return undefined;
      });
    },
    onStartFailed: (python, error) => {
      const message = `threatlint: the language server failed to start with ${python}: ${error instanceof Error ? error.message : String(error)}`;
      log(message);
      void api.window.showErrorMessage(message, SHOW_OUTPUT, HOW_TO_INSTALL).then((choice) => {
        if (choice === SHOW_OUTPUT) output.show();
        if (choice === HOW_TO_INSTALL) return howToInstall();
        return undefined;
      });
    },
    log,
  });

  const isModelUri = (uri: vscode.Uri) => uri.scheme === "file" && isModelPath(uri.fsPath);
  const statusBar = createStatusBar(
    api,
    () => controller.status,
    (listener) => controller.onDidChangeStatus(listener),
    isModelUri,
  );
  const diagrams = new DiagramPanels(api, context.extensionUri, () => controller.runningClient, log);
  context.subscriptions.push(
    statusBar,
    diagrams,
    controller.onDidChangeStatus((status) => {
      if (status.state === "running") diagrams.refreshAll();
    }),
  );

  const launchForCommands = async (): Promise<Launch | undefined> => {
    if (controller.launch) return controller.launch;
    const resolution = await resolve();
    if (resolution.ok) return resolution.launch;
    void api.window
      .showErrorMessage(missingMessage(resolution), HOW_TO_INSTALL)
      .then((choice) => (choice === HOW_TO_INSTALL ? howToInstall() : undefined));
    return undefined;
  };

  context.subscriptions.push(
    api.commands.registerCommand(COMMANDS.restartServer, () => controller.restart()),
    api.commands.registerCommand(COMMANDS.showOutput, () => output.show()),
    api.commands.registerCommand(COMMANDS.showDiagram, async (resource?: unknown) => {
      const document = await modelDocument(api, resource);
      if (!document) {
        void api.window.showErrorMessage(
          "threatlint: open a threat model (threatmodel.yaml or *.threatmodel.yaml) to show its data-flow diagram.",
        );
        return undefined;
      }
      if (controller.status.state === "stopped") void controller.start();
      const editor = api.window.visibleTextEditors.find((e) => e.document === document);
      return diagrams.show(document, editor?.viewColumn);
    }),
    api.commands.registerCommand(COMMANDS.showRiskRegister, () =>
      showRiskRegister({
        activeDocument: () => {
          const doc = api.window.activeTextEditor?.document;
          return doc && { fsPath: doc.uri.fsPath, scheme: doc.uri.scheme, isDirty: doc.isDirty };
        },
        pickModel: () => pickModel(api),
        launch: launchForCommands,
        run: deps.run,
        cwdFor: (model) => api.workspace.getWorkspaceFolder(api.Uri.file(model))?.uri.fsPath ?? path.dirname(model),
        showHtml: (title, html) => {
          // The report brings its own Content-Security-Policy (its inline scripts by hash, no network).
          const panel = api.window.createWebviewPanel(
            "threatlint.riskRegister",
            title,
            { viewColumn: api.ViewColumn.Beside, preserveFocus: true },
            {
              enableScripts: true,
              localResourceRoots: [],
            },
          );
          panel.webview.html = html;
        },
        showError: (message) => void api.window.showErrorMessage(message),
        showWarning: (message) => void api.window.showWarningMessage(message),
      }),
    ),
    api.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event) && controller.status.state !== "stopped") {
        log("settings changed: restarting the server");
        void controller.restart();
      }
    }),
  );

  void onPythonInterpreterChange(api.extensions, () => {
    // Only the default (empty setting) follows the Python extension's choice.
    if (!currentSettings().interpreter && controller.status.state !== "stopped") {
      log("the Python extension's interpreter changed: restarting the server");
      void controller.restart();
    }
  }).then((disposable) => disposable && context.subscriptions.push(disposable));

  // Activation also happens for any YAML file (onLanguage:yaml); the server is
  // only started once a model is open or the workspace contains one.
  const ready = (async () => {
    if (await modelPresent(api)) return controller.start();
    return new Promise((done) => {
      const listener = api.workspace.onDidOpenTextDocument((doc) => {
        if (isModelUri(doc.uri)) {
          listener.dispose();
          done(controller.start());
        }
      });
      context.subscriptions.push(listener);
    });
  })();

  context.subscriptions.push({ dispose: () => void controller.stop() });
  return { controller, diagrams, ready };
}

/** The model the diagram command is for: the clicked file (editor title button), else the active editor's. */
async function modelDocument(api: VscodeApi, resource: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = resource instanceof api.Uri ? resource : api.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== "file" || !isModelPath(uri.fsPath)) return undefined;
  const open = api.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return open ?? api.workspace.openTextDocument(uri);
}

async function modelPresent(api: VscodeApi): Promise<boolean> {
  if (api.workspace.textDocuments.some((doc) => doc.uri.scheme === "file" && isModelPath(doc.uri.fsPath))) return true;
  if (!api.workspace.workspaceFolders?.length) return false;
  const found = await api.workspace.findFiles(MODEL_GLOB, "**/node_modules/**", 1);
  return found.length > 0;
}

async function pickModel(api: VscodeApi): Promise<string | undefined> {
  const found = await api.workspace.findFiles(MODEL_GLOB, "**/node_modules/**", 200);
  if (found.length === 0) return undefined;
  if (found.length === 1) return found[0].fsPath;
  const items = found.map((uri) => ({ label: api.workspace.asRelativePath(uri), fsPath: uri.fsPath }));
  const picked = await api.window.showQuickPick(items, { placeHolder: "Which threat model?" });
  return picked?.fsPath;
}
