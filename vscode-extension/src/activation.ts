// Wires the extension into VS Code: commands, settings, when to start the
// server. The language client itself is created by the caller (extension.ts),
// so this module runs against a stubbed `vscode` in the unit tests.
import { existsSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { missingMessage, resolveInterpreter, Resolution } from "./interpreter";
import { isModelPath, MODEL_GLOB } from "./patterns";
import { probeThreatlint, Runner } from "./probe";
import { onPythonInterpreterChange, pythonExtensionInterpreter } from "./pythonExtension";
import { showRiskRegister } from "./riskRegister";
import { ClientLike, ServerController } from "./serverController";
import { expandInterpreter, needsRestart, readSettings, SECTION, Settings } from "./settings";

export const COMMANDS = {
  restartServer: "threatlint.restartServer",
  showRiskRegister: "threatlint.showRiskRegister",
} as const;

export const HOW_TO_INSTALL = "How to install";
export const OPEN_SETTINGS = "Open Settings";
export const SHOW_OUTPUT = "Show Output";

export interface ActivationDeps {
  createClient(python: string, settings: Settings, output: vscode.OutputChannel): ClientLike;
  run: Runner;
  writeFile(filePath: string, text: string): Promise<void>;
  tempDir?: string;
  platform?: NodeJS.Platform;
  env?: Record<string, string | undefined>;
}

export interface Activated {
  controller: ServerController;
  /** Resolves once the server start that activation triggered (if any) is done. */
  ready: Promise<unknown>;
}

function firstFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function currentSettings(): Settings {
  return readSettings(vscode.workspace.getConfiguration(SECTION));
}

/** The interpreter setting with `~` and variables expanded. */
export function interpreterSetting(settings: Settings, env: Record<string, string | undefined>): string {
  if (!settings.interpreter) return "";
  return expandInterpreter(settings.interpreter, { home: os.homedir(), workspaceFolder: firstFolder(), env });
}

export function activateWith(context: vscode.ExtensionContext, deps: ActivationDeps): Activated {
  const output = vscode.window.createOutputChannel("threatlint");
  context.subscriptions.push(output);
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const log = (message: string) => output.appendLine(`[threatlint] ${message}`);

  const resolve = (): Promise<Resolution> =>
    resolveInterpreter({
      setting: interpreterSetting(currentSettings(), env),
      pythonExtension: () => pythonExtensionInterpreter(vscode.extensions),
      probe: (python) => probeThreatlint(python, deps.run, firstFolder()),
      platform,
    });

  const howToInstall = () => {
    // vsce stores README.md as readme.md inside the .vsix.
    const name = ["README.md", "readme.md"].find((n) => existsSync(path.join(context.extensionUri.fsPath, n))) ?? "README.md";
    return vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.joinPath(context.extensionUri, name));
  };
  const openSettings = () => vscode.commands.executeCommand("workbench.action.openSettings", "threatlint.interpreter");

  const controller = new ServerController({
    resolve,
    createClient: (python) => deps.createClient(python, currentSettings(), output),
    onMissing: (resolution) => {
      const message = missingMessage(resolution.attempts);
      log(message);
      void vscode.window.showErrorMessage(message, HOW_TO_INSTALL, OPEN_SETTINGS).then((choice) => {
        if (choice === HOW_TO_INSTALL) return howToInstall();
        if (choice === OPEN_SETTINGS) return openSettings();
        return undefined;
      });
    },
    onStartFailed: (python, error) => {
      const message = `threatlint: the language server failed to start with ${python} -m threatlint lsp: ${error instanceof Error ? error.message : String(error)}`;
      log(message);
      void vscode.window.showErrorMessage(message, SHOW_OUTPUT, HOW_TO_INSTALL).then((choice) => {
        if (choice === SHOW_OUTPUT) output.show();
        if (choice === HOW_TO_INSTALL) return howToInstall();
        return undefined;
      });
    },
    log,
  });

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.restartServer, () => controller.restart()),
    vscode.commands.registerCommand(COMMANDS.showRiskRegister, () =>
      showRiskRegister({
        activeDocument: () => {
          const doc = vscode.window.activeTextEditor?.document;
          return doc && { fsPath: doc.uri.fsPath, scheme: doc.uri.scheme, isDirty: doc.isDirty };
        },
        pickModel: () => pickModel(),
        python: async () => {
          if (controller.status.python) return controller.status.python;
          const resolution = await resolve();
          if (resolution.ok) return resolution.python;
          void vscode.window.showErrorMessage(missingMessage(resolution.attempts), HOW_TO_INSTALL).then((choice) =>
            choice === HOW_TO_INSTALL ? howToInstall() : undefined,
          );
          return undefined;
        },
        run: deps.run,
        cwdFor: (model) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(model))?.uri.fsPath ?? path.dirname(model),
        writeFile: deps.writeFile,
        tempDir: deps.tempDir ?? os.tmpdir(),
        openPreview: (file) => vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(file)),
        showError: (message) => void vscode.window.showErrorMessage(message),
        showWarning: (message) => void vscode.window.showWarningMessage(message),
      }),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event) && controller.status.state !== "stopped") {
        log("settings changed: restarting the server");
        void controller.restart();
      }
    }),
  );

  void onPythonInterpreterChange(vscode.extensions, () => {
    // Only the default (empty setting) follows the Python extension's choice.
    if (!currentSettings().interpreter && controller.status.state !== "stopped") {
      log("the Python extension's interpreter changed: restarting the server");
      void controller.restart();
    }
  }).then((disposable) => disposable && context.subscriptions.push(disposable));

  // Activation also happens for any YAML file (onLanguage:yaml); the server is
  // only started once a model is open or the workspace contains one.
  const ready = (async () => {
    if (await modelPresent()) return controller.start();
    return new Promise((done) => {
      const listener = vscode.workspace.onDidOpenTextDocument((doc) => {
        if (doc.uri.scheme === "file" && isModelPath(doc.uri.fsPath)) {
          listener.dispose();
          done(controller.start());
        }
      });
      context.subscriptions.push(listener);
    });
  })();

  context.subscriptions.push({ dispose: () => void controller.stop() });
  return { controller, ready };
}

async function modelPresent(): Promise<boolean> {
  if (vscode.workspace.textDocuments.some((doc) => doc.uri.scheme === "file" && isModelPath(doc.uri.fsPath))) return true;
  if (!vscode.workspace.workspaceFolders?.length) return false;
  const found = await vscode.workspace.findFiles(MODEL_GLOB, "**/node_modules/**", 1);
  return found.length > 0;
}

async function pickModel(): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles(MODEL_GLOB, "**/node_modules/**", 200);
  if (found.length === 0) return undefined;
  if (found.length === 1) return found[0].fsPath;
  const items = found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), fsPath: uri.fsPath }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: "Which threat model?" });
  return picked?.fsPath;
}
