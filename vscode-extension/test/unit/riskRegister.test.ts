import * as assert from "assert";
import { RunResult, Runner } from "../../src/probe";
import { reportArgs, RiskRegisterDeps, showRiskRegister } from "../../src/riskRegister";

const REPORT = "<!DOCTYPE html><html><body><h1>Risk register</h1><div class=mermaid>flowchart LR</div></body></html>\n";
const LAUNCH = { python: "/usr/bin/python3", args: ["-I", "/ext/bundled/tool/launch.py"] };

function depsWith(overrides: Partial<RiskRegisterDeps> & { result?: RunResult }) {
  const calls = {
    runs: [] as Array<{ cmd: string; args: string[]; cwd?: string }>,
    shown: [] as Array<[string, string]>,
    errors: [] as string[],
    warnings: [] as string[],
  };
  const run: Runner = async (cmd, args, options) => {
    calls.runs.push({ cmd, args, cwd: options?.cwd });
    return overrides.result ?? { code: 0, stdout: REPORT, stderr: "" };
  };
  const deps: RiskRegisterDeps = {
    activeDocument: () => undefined,
    pickModel: async () => undefined,
    launch: async () => LAUNCH,
    run,
    cwdFor: () => "/repo",
    showHtml: (title, html) => void calls.shown.push([title, html]),
    showError: (m) => void calls.errors.push(m),
    showWarning: (m) => void calls.warnings.push(m),
    ...overrides,
  };
  return { deps, calls };
}

describe("showRiskRegister", () => {
  it("runs `threatlint report MODEL --format html` with the server's threatlint and shows the page", async () => {
    const model = "/repo/services/pay.threatmodel.yaml";
    const { deps, calls } = depsWith({ activeDocument: () => ({ fsPath: model, scheme: "file", isDirty: false }) });
    assert.strictEqual(await showRiskRegister(deps), model);
    assert.deepStrictEqual(calls.runs, [
      { cmd: "/usr/bin/python3", args: ["-I", "/ext/bundled/tool/launch.py", "report", model, "--format", "html"], cwd: "/repo" },
    ]);
    assert.deepStrictEqual(calls.shown, [["Risk register: pay.threatmodel.yaml", REPORT]]);
    assert.deepStrictEqual(calls.errors, []);
    assert.deepStrictEqual(calls.warnings, []);
  });

  it("warns that unsaved edits are not in the report", async () => {
    const { deps, calls } = depsWith({ activeDocument: () => ({ fsPath: "/repo/threatmodel.yaml", scheme: "file", isDirty: true }) });
    await showRiskRegister(deps);
    assert.strictEqual(calls.warnings.length, 1);
    assert.match(calls.warnings[0], /save the file/);
    assert.strictEqual(calls.shown.length, 1);
  });

  it("asks for a model when the active editor is not one", async () => {
    let asked = 0;
    const { deps, calls } = depsWith({
      activeDocument: () => ({ fsPath: "/repo/services/pay/app.py", scheme: "file", isDirty: false }),
      pickModel: async () => (asked++, "/repo/threatmodel.yaml"),
    });
    await showRiskRegister(deps);
    assert.strictEqual(asked, 1);
    assert.strictEqual(calls.runs[0].args[3], "/repo/threatmodel.yaml");
  });

  it("explains what to do when there is no model", async () => {
    const { deps, calls } = depsWith({});
    assert.strictEqual(await showRiskRegister(deps), undefined);
    assert.strictEqual(calls.runs.length, 0);
    assert.match(calls.errors[0], /open a threat model/);
  });

  it("shows the report's error output when it fails and opens nothing", async () => {
    const { deps, calls } = depsWith({
      activeDocument: () => ({ fsPath: "/repo/threatmodel.yaml", scheme: "file", isDirty: false }),
      result: { code: 2, stdout: "", stderr: "threatlint report: error: cannot read /repo/threatmodel.yaml\n" },
    });
    assert.strictEqual(await showRiskRegister(deps), undefined);
    assert.match(calls.errors[0], /exit code 2.*cannot read/);
    assert.deepStrictEqual(calls.shown, []);
  });

  it("stops quietly when no interpreter is available (the reason was shown already)", async () => {
    const { deps, calls } = depsWith({
      activeDocument: () => ({ fsPath: "/repo/threatmodel.yaml", scheme: "file", isDirty: false }),
      launch: async () => undefined,
    });
    assert.strictEqual(await showRiskRegister(deps), undefined);
    assert.strictEqual(calls.runs.length, 0);
  });

  it("passes the launch arguments before the report's", () => {
    assert.deepStrictEqual(reportArgs({ python: "py", args: ["-m", "threatlint"] }, "m.yaml"), [
      "-m",
      "threatlint",
      "report",
      "m.yaml",
      "--format",
      "html",
    ]);
  });
});
