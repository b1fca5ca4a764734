// Entry point: the real `vscode` API and language client behind activation.ts.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { activateWith, Activated } from "./activation";
import { Launch, serverCommand } from "./interpreter";
import { documentSelector, MODEL_GLOB } from "./patterns";
import { makeRunner } from "./runProcess";
import { Settings } from "./settings";

let activated: Activated | undefined;

function createClient(launch: Launch, settings: Settings, output: vscode.OutputChannel): LanguageClient {
  const { command, args } = serverCommand(launch);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio, options: { cwd } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(settings.codeFileDiagnostics),
    diagnosticCollectionName: "threatlint",
    outputChannel: output,
    // Code-file diagnostics depend on the models on disk, so the server hears when one changes.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher(MODEL_GLOB) },
    // A server that cannot initialize will not do better on a retry; activation.ts says why.
    initializationFailedHandler: () => false,
  };
  return new LanguageClient("threatlint", "threatlint", serverOptions, clientOptions);
}

export function activate(context: vscode.ExtensionContext): Activated {
  activated = activateWith(vscode, context, { createClient, run: makeRunner(60_000) });
  return activated;
}

export async function deactivate(): Promise<void> {
  await activated?.controller.stop();
}
