// activateWith against the stubbed `vscode`: commands, settings, when the
// server starts, and what the user sees when threatlint is missing.
import * as assert from "assert";
import * as path from "path";
import { activateWith, COMMANDS, HOW_TO_INSTALL, OPEN_SETTINGS, VscodeApi } from "../../src/activation";
import { DiagramGraph, REDRAW_DELAY_MS } from "../../src/diagramPanel";
import { Launch } from "../../src/interpreter";
import { RunResult, Runner } from "../../src/probe";
import { ClientLike } from "../../src/serverController";
import { Settings } from "../../src/settings";
import * as vscode from "./vscode-stub";

const LAUNCHER = path.join(path.resolve("/ext/threatlint"), "bundled", "tool", "launch.py");

const { testing } = vscode;

interface Env {
  /** Interpreters that have threatlint. */
  installed: Set<string>;
  runs: string[][];
  clients: Array<{ python: string; launch: Launch; settings: Settings; stopped: boolean; requests: Array<[string, unknown]> }>;
  /** What the server answers to threatlint/diagram. */
  graph?: DiagramGraph;
}

function activate(env: Env) {
  const run: Runner = async (cmd, args): Promise<RunResult> => {
    env.runs.push([cmd, ...args]);
    if (!env.installed.has(cmd)) return { code: 1, stdout: "", stderr: `${cmd}: No module named threatlint` };
    if (args.includes("--version")) return { code: 0, stdout: "threatlint 0.1.0\n", stderr: "" };
    if (args[2] === "report") return { code: 0, stdout: `<h1>Risk register of ${path.basename(args[3])}</h1>\n`, stderr: "" };
    return { code: 2, stdout: "", stderr: "unexpected" };
  };
  const context = { subscriptions: [] as Array<{ dispose(): unknown }>, extensionUri: vscode.Uri.file("/ext/threatlint") };
  const activated = activateWith(vscode as unknown as VscodeApi, context as never, {
    createClient: (launch: Launch, settings: Settings): ClientLike => {
      const record = { python: launch.python, launch, settings, stopped: false, requests: [] as Array<[string, unknown]> };
      env.clients.push(record);
      return {
        start: async () => undefined,
        stop: async () => void (record.stopped = true),
        sendRequest: async <R>(method: string, params: unknown): Promise<R> => {
          record.requests.push([method, params]);
          return env.graph as R;
        },
      };
    },
    run,
    platform: "linux",
    env: {},
  });
  return { ...activated, context };
}

const newEnv = (installed: string[]): Env => ({ installed: new Set(installed), runs: [], clients: [] });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe("activateWith", () => {
  beforeEach(() => {
    testing.reset();
    testing.setWorkspaceFolder("/repo");
  });

  it("registers the commands of package.json and disposes them on deactivation", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3"]);
    const { context, ready } = activate(env);
    await ready;
    assert.deepStrictEqual([...vscode.state.commands.keys()].sort(), Object.values(COMMANDS).sort());
    for (const d of context.subscriptions) d.dispose();
    await settle();
    assert.strictEqual(vscode.state.commands.size, 0);
    assert.strictEqual(env.clients.length, 1);
    assert.ok(
      env.clients.every((c) => c.stopped),
      "the server is stopped on deactivation",
    );
  });

  it("starts the server with the interpreter setting when the workspace holds a model", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.config["threatlint.interpreter"] = "${workspaceFolder}/.venv/bin/python";
    const env = newEnv(["/repo/.venv/bin/python"]);
    const { ready, controller } = activate(env);
    await ready;
    assert.deepStrictEqual(env.runs, [["/repo/.venv/bin/python", "-I", LAUNCHER, "--version"]]);
    assert.deepStrictEqual(
      env.clients.map((c) => c.python),
      ["/repo/.venv/bin/python"],
    );
    assert.strictEqual(env.clients[0].settings.codeFileDiagnostics, true);
    assert.deepStrictEqual(controller.status, { state: "running", python: "/repo/.venv/bin/python", detail: "threatlint 0.1.0 (bundled)" });
  });

  it("runs the environment's threatlint with importStrategy fromEnvironment, restarting when it changes", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    testing.changeConfiguration({ "threatlint.importStrategy": "fromEnvironment" });
    await settle();
    assert.deepStrictEqual(
      env.clients.map((c) => [c.launch.args, c.stopped]),
      [
        [["-I", LAUNCHER], true],
        [["-m", "threatlint"], false],
      ],
    );
  });

  it("waits for a model to be opened before starting in a workspace without one", async () => {
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await settle();
    assert.strictEqual(env.clients.length, 0);
    testing.openDocument("/repo/notes.yaml");
    await settle();
    assert.strictEqual(env.clients.length, 0);
    testing.openDocument("/elsewhere/pay.threatmodel.yml");
    await ready;
    assert.deepStrictEqual(
      env.clients.map((c) => c.python),
      ["python3"],
    );
  });

  it("restarts when the interpreter setting changes, and not for unrelated settings", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3", "/opt/tl/bin/python"]);
    const { ready } = activate(env);
    await ready;
    testing.changeConfiguration({ "editor.fontSize": 14, "threatlint.trace.server": "verbose" });
    await settle();
    assert.strictEqual(env.clients.length, 1);
    testing.changeConfiguration({ "threatlint.interpreter": "/opt/tl/bin/python" });
    await settle();
    assert.deepStrictEqual(
      env.clients.map((c) => [c.python, c.stopped]),
      [
        ["python3", true],
        ["/opt/tl/bin/python", false],
      ],
    );
    testing.changeConfiguration({ "threatlint.codeFileDiagnostics": false });
    await settle();
    assert.strictEqual(env.clients.length, 3);
    assert.strictEqual(env.clients[2].settings.codeFileDiagnostics, false);
  });

  it("follows the Python extension's interpreter, and restarts when the user picks another", async () => {
    let active = "/envs/a/bin/python";
    let fire: (() => void) | undefined;
    vscode.state.extensions.set("ms-python.python", {
      isActive: true,
      activate: async () => undefined,
      exports: {
        environments: {
          getActiveEnvironmentPath: () => ({ id: active, path: active }),
          resolveEnvironment: async (e: { path: string }) => ({ executable: { uri: { fsPath: e.path } } }),
          onDidChangeActiveEnvironmentPath: (listener: () => void) => ((fire = listener), { dispose: () => undefined }),
        },
      },
    });
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["/envs/a/bin/python", "/envs/b/bin/python"]);
    const { ready } = activate(env);
    await ready;
    assert.deepStrictEqual(
      env.clients.map((c) => c.python),
      ["/envs/a/bin/python"],
    );
    active = "/envs/b/bin/python";
    fire?.();
    await settle();
    assert.deepStrictEqual(
      env.clients.map((c) => c.python),
      ["/envs/a/bin/python", "/envs/b/bin/python"],
    );
  });

  it("shows a clear error with 'How to install' (opening the README) when threatlint is missing", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.nextChoice = HOW_TO_INSTALL;
    const env = newEnv([]);
    const { ready, controller } = activate(env);
    await ready;
    await settle();
    assert.strictEqual(controller.status.state, "missing");
    assert.strictEqual(env.clients.length, 0);
    assert.strictEqual(vscode.state.errors.length, 1);
    const error = vscode.state.errors[0];
    assert.match(error.message, /python3 \(PATH\): threatlint is not installed for this interpreter/);
    assert.match(error.message, /no Python 3\.10 or newer could run the bundled server/);
    assert.deepStrictEqual(error.items, [HOW_TO_INSTALL, OPEN_SETTINGS]);
    const preview = vscode.state.executed.find((e) => e.command === "markdown.showPreview");
    assert.ok(preview, "How to install opens a preview");
    assert.strictEqual((preview.args[0] as vscode.Uri).fsPath, path.resolve("/ext/threatlint/README.md"));
  });

  it("'Open Settings' opens the interpreter setting, and fixing it starts the server", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.nextChoice = OPEN_SETTINGS;
    const env = newEnv(["/fixed/python"]);
    const { ready, controller } = activate(env);
    await ready;
    await settle();
    assert.ok(vscode.state.executed.some((e) => e.command === "workbench.action.openSettings" && e.args[0] === "threatlint.interpreter"));
    testing.changeConfiguration({ "threatlint.interpreter": "/fixed/python" });
    await settle();
    assert.deepStrictEqual(controller.status, { state: "running", python: "/fixed/python", detail: "threatlint 0.1.0 (bundled)" });
  });

  it("restart command starts a new server process", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.restartServer);
    assert.deepStrictEqual(
      env.clients.map((c) => c.stopped),
      [true, false],
    );
  });

  it("show risk register command shows the report's page in a webview, with the server's threatlint", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.activeDocument = { uri: vscode.Uri.file("/repo/threatmodel.yaml"), isDirty: false };
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.showRiskRegister);
    assert.deepStrictEqual(env.runs[env.runs.length - 1], [
      "python3",
      "-I",
      LAUNCHER,
      "report",
      path.resolve("/repo/threatmodel.yaml"),
      "--format",
      "html",
    ]);
    const [panel] = vscode.state.panels;
    assert.strictEqual(panel.title, "Risk register: threatmodel.yaml");
    assert.strictEqual(panel.html, "<h1>Risk register of threatmodel.yaml</h1>\n");
    assert.deepStrictEqual(panel.options, { enableScripts: true, localResourceRoots: [] });
    assert.ok(!vscode.state.executed.some((e) => e.command === "markdown.showPreview"), "no Markdown preview involved");
  });

  it("show risk register picks among the workspace's models when the editor shows code", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/a/threatmodel.yaml"), vscode.Uri.file("/repo/b/pay.threatmodel.yaml")];
    vscode.state.activeDocument = { uri: vscode.Uri.file("/repo/a/app.py"), isDirty: false };
    vscode.state.quickPickChoice = (items) => (items as Array<{ label: string }>).find((i) => i.label.startsWith("b"));
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.showRiskRegister);
    assert.strictEqual(env.runs[env.runs.length - 1][4], path.resolve("/repo/b/pay.threatmodel.yaml"));
  });

  it("show data-flow diagram opens a webview with a strict CSP and draws the server's graph, live", async () => {
    const lines = ["version: 1", "elements:", "  - {id: api, kind: process, name: Shop API}"];
    const model: vscode.StubDocument = {
      uri: vscode.Uri.file("/repo/threatmodel.yaml"),
      isDirty: true,
      lineCount: lines.length,
      lineAt: (n) => ({ text: lines[n] }),
    };
    vscode.state.textDocuments.push(model);
    vscode.state.visibleTextEditors.push({ document: model, viewColumn: 1 });
    testing.setActiveDocument(model);
    const env = newEnv(["python3"]);
    env.graph = { ok: true, version: 1, mermaid: "flowchart LR", elements: [], flows: [], boundaries: [] };
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.showDiagram);
    const [panel] = vscode.state.panels;
    assert.strictEqual(panel.title, "Diagram: threatmodel.yaml");
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(panel.html)?.[1] ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.match(csp, /^default-src 'none'; /);
    assert.doesNotMatch(csp, /unsafe-eval|https?:\/\/(?!stub)/);
    const scripts = [...panel.html.matchAll(/<script nonce="([^"]+)" src="([^"]+)"><\/script>/g)];
    assert.deepStrictEqual(
      scripts.map((m) => [m[1], path.basename(m[2])]),
      [
        [nonce, "mermaid.min.js"],
        [nonce, "diagram.js"],
      ],
    );
    assert.strictEqual(panel.html.match(/<script/g)?.length, 2, "no other script runs");

    // The webview says it is ready: the server is asked for the open document's graph.
    panel.receive({ type: "ready" });
    await settle();
    const requests = env.clients[0].requests;
    assert.deepStrictEqual(requests, [["threatlint/diagram", { textDocument: { uri: model.uri.toString() } }]]);
    assert.deepStrictEqual(panel.posted, [{ type: "graph", graph: env.graph }]);

    // Edits (unsaved) redraw once typing pauses: three keystrokes, one request.
    env.graph = { ok: false, version: 4, error: { message: "mapping values are not allowed here", line: 2 } };
    testing.changeDocument(model);
    testing.changeDocument(model);
    testing.changeDocument(model);
    await new Promise((r) => setTimeout(r, REDRAW_DELAY_MS + 50));
    assert.strictEqual(requests.length, 2);
    assert.deepStrictEqual(panel.posted[1], { type: "graph", graph: env.graph });

    // A click on an element reveals its line in the model's editor; malformed messages are ignored.
    panel.receive({ type: "reveal", line: 2 });
    panel.receive({ type: "reveal", line: "2; rm -rf" });
    await settle();
    assert.strictEqual(vscode.state.shownDocuments.length, 1);
    const shown = vscode.state.shownDocuments[0];
    assert.strictEqual(shown.document, model);
    assert.deepStrictEqual(
      [shown.selection?.anchor, shown.selection?.active],
      [new vscode.Position(2, 0), new vscode.Position(2, lines[2].length)],
    );

    // Showing it again brings the same panel forward.
    await vscode.commands.executeCommand(COMMANDS.showDiagram);
    assert.strictEqual(vscode.state.panels.length, 1);
    assert.strictEqual(panel.revealed, 1);
  });

  it("show data-flow diagram refuses a file that is not a model", async () => {
    testing.setActiveDocument({ uri: vscode.Uri.file("/repo/app.py"), isDirty: false });
    activate(newEnv(["python3"]));
    await vscode.commands.executeCommand(COMMANDS.showDiagram);
    assert.strictEqual(vscode.state.panels.length, 0);
    assert.match(vscode.state.errors[0].message, /open a threat model/);
  });

  it("the status bar shows the server's state, then the active model's error and warning counts", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3"]);
    const { ready, controller } = activate(env);
    const [item] = vscode.state.statusItems;
    const seen: string[] = [];
    controller.onDidChangeStatus(() => seen.push(item.text));
    await ready;
    assert.deepStrictEqual(seen, ["$(sync~spin) threatlint", "$(sync~spin) threatlint", "$(shield) threatlint"]);
    assert.strictEqual(item.text, "$(shield) threatlint");
    assert.strictEqual(item.command, COMMANDS.showOutput);
    const model = { uri: vscode.Uri.file("/repo/threatmodel.yaml"), isDirty: false };
    testing.setActiveDocument(model);
    testing.setDiagnostics(model.uri, [
      { source: "threatlint", severity: 0 },
      { source: "threatlint", severity: 1 },
      { source: "threatlint", severity: 1 },
      { source: "threatlint", severity: 2 },
      { source: "yaml", severity: 0 },
    ]);
    assert.strictEqual(item.text, "$(shield) threatlint $(error) 1 $(warning) 2");
    assert.strictEqual(item.accessibilityInformation?.label, "threatlint: 1 error, 2 warnings in threatmodel.yaml");
    assert.strictEqual(item.command, "workbench.actions.view.problems");
    assert.strictEqual(item.backgroundColor?.id, "statusBarItem.errorBackground");
  });

  it("the status bar shows a server that cannot start as an error whose click opens the output", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const { ready } = activate(newEnv([]));
    await ready;
    const [item] = vscode.state.statusItems;
    assert.strictEqual(item.text, "$(error) threatlint");
    assert.strictEqual(item.backgroundColor?.id, "statusBarItem.errorBackground");
    await vscode.commands.executeCommand(item.command ?? "");
    assert.strictEqual(vscode.state.outputShown, 1);
  });
});
