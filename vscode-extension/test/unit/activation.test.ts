// activateWith against the stubbed `vscode`: commands, settings, when the
// server starts, and what the user sees when threatlint is missing.
import * as assert from "assert";
import * as path from "path";
import { activateWith, COMMANDS, HOW_TO_INSTALL, OPEN_SETTINGS } from "../../src/activation";
import { RunResult, Runner } from "../../src/probe";
import { ClientLike } from "../../src/serverController";
import { Settings } from "../../src/settings";
import * as vscode from "./vscode-stub";

const { testing } = vscode;

interface Env {
  /** Interpreters that have threatlint. */
  installed: Set<string>;
  runs: string[][];
  clients: Array<{ python: string; settings: Settings; stopped: boolean }>;
  written: Map<string, string>;
}

function activate(env: Env, extra: { tempDir?: string } = {}) {
  const run: Runner = async (cmd, args): Promise<RunResult> => {
    env.runs.push([cmd, ...args]);
    if (!env.installed.has(cmd)) return { code: 1, stdout: "", stderr: `${cmd}: No module named threatlint` };
    if (args.includes("--version")) return { code: 0, stdout: "threatlint 0.1.0\n", stderr: "" };
    if (args[2] === "report") return { code: 0, stdout: `# Risk register of ${path.basename(args[3])}\n`, stderr: "" };
    return { code: 2, stdout: "", stderr: "unexpected" };
  };
  const context = { subscriptions: [] as Array<{ dispose(): unknown }>, extensionUri: vscode.Uri.file("/ext/threatlint") };
  const activated = activateWith(context as never, {
    createClient: (python: string, settings: Settings): ClientLike => {
      const record = { python, settings, stopped: false };
      env.clients.push(record);
      return { start: async () => undefined, stop: async () => void (record.stopped = true) };
    },
    run,
    writeFile: async (file, text) => void env.written.set(file, text),
    tempDir: extra.tempDir ?? "/tmp/tl-test",
    platform: "linux",
    env: {},
  });
  return { ...activated, context };
}

const newEnv = (installed: string[]): Env => ({ installed: new Set(installed), runs: [], clients: [], written: new Map() });
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
    assert.ok(env.clients.every((c) => c.stopped), "the server is stopped on deactivation");
  });

  it("starts the server with the interpreter setting when the workspace holds a model", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.config["threatlint.interpreter"] = "${workspaceFolder}/.venv/bin/python";
    const env = newEnv(["/repo/.venv/bin/python"]);
    const { ready, controller } = activate(env);
    await ready;
    assert.deepStrictEqual(env.runs, [["/repo/.venv/bin/python", "-m", "threatlint", "--version"]]);
    assert.deepStrictEqual(env.clients.map((c) => c.python), ["/repo/.venv/bin/python"]);
    assert.strictEqual(env.clients[0].settings.codeFileDiagnostics, true);
    assert.deepStrictEqual(controller.status, { state: "running", python: "/repo/.venv/bin/python" });
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
    assert.deepStrictEqual(env.clients.map((c) => c.python), ["python3"]);
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
    assert.deepStrictEqual(env.clients.map((c) => [c.python, c.stopped]), [["python3", true], ["/opt/tl/bin/python", false]]);
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
    assert.deepStrictEqual(env.clients.map((c) => c.python), ["/envs/a/bin/python"]);
    active = "/envs/b/bin/python";
    fire?.();
    await settle();
    assert.deepStrictEqual(env.clients.map((c) => c.python), ["/envs/a/bin/python", "/envs/b/bin/python"]);
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
    assert.deepStrictEqual(controller.status, { state: "running", python: "/fixed/python" });
  });

  it("restart command starts a new server process", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.restartServer);
    assert.deepStrictEqual(env.clients.map((c) => c.stopped), [true, false]);
  });

  it("show risk register command writes the report and opens it in the Markdown preview", async () => {
    vscode.state.files = [vscode.Uri.file("/repo/threatmodel.yaml")];
    vscode.state.activeDocument = { uri: vscode.Uri.file("/repo/threatmodel.yaml"), isDirty: false };
    const env = newEnv(["python3"]);
    const { ready } = activate(env);
    await ready;
    await vscode.commands.executeCommand(COMMANDS.showRiskRegister);
    assert.deepStrictEqual(env.runs[env.runs.length - 1], ["python3", "-m", "threatlint", "report", path.resolve("/repo/threatmodel.yaml"), "--format", "md"]);
    const [[file, text]] = [...env.written];
    assert.strictEqual(text, "# Risk register of threatmodel.yaml\n");
    const preview = vscode.state.executed.filter((e) => e.command === "markdown.showPreview");
    assert.strictEqual(preview.length, 1);
    assert.strictEqual((preview[0].args[0] as vscode.Uri).fsPath, file);
    assert.ok(file.startsWith(path.join("/tmp/tl-test", "threatlint-risk-register")));
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
});
