// Entry point: the real language client and file system behind activation.ts.
import { promises as fs } from "fs";
import * as path from "path";
import * as vscode from "vscode";
import type { ExtensionContext, OutputChannel } from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { activateWith, Activated } from "./activation";
import { serverCommand } from "./interpreter";
import { documentSelector, MODEL_GLOB } from "./patterns";
import { makeRunner } from "./runProcess";
import { Settings } from "./settings";

let activated: Activated | undefined;

function createClient(python: string, settings: Settings, output: OutputChannel): LanguageClient {
  const { command, args } = serverCommand(python);
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

export function activate(context: ExtensionContext): Activated {
  activated = activateWith(context, {
    createClient,
    run: makeRunner(60_000),
    writeFile: async (file, text) => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text, "utf8");
    },
  });
  return activated;
}

export async function deactivate(): Promise<void> {
  await activated?.controller.stop();
}
