import * as assert from "assert";
import * as path from "path";
import { RunResult, Runner } from "../../src/probe";
import { reportArgs, reportPath, RiskRegisterDeps, showRiskRegister } from "../../src/riskRegister";

const REPORT = "# Risk register\n\n```mermaid\nflowchart LR\n  a --> b\n```\n";

function depsWith(overrides: Partial<RiskRegisterDeps> & { result?: RunResult }) {
  const calls = { runs: [] as Array<{ cmd: string; args: string[]; cwd?: string }>, written: new Map<string, string>(), previews: [] as string[], errors: [] as string[], warnings: [] as string[] };
  const run: Runner = async (cmd, args, options) => {
    calls.runs.push({ cmd, args, cwd: options?.cwd });
    return overrides.result ?? { code: 0, stdout: REPORT, stderr: "" };
  };
  const deps: RiskRegisterDeps = {
    activeDocument: () => undefined,
    pickModel: async () => undefined,
    python: async () => "/venv/bin/python",
    run,
    cwdFor: () => "/repo",
    writeFile: async (file, text) => void calls.written.set(file, text),
    tempDir: "/tmp/x",
    openPreview: async (file) => void calls.previews.push(file),
    showError: (m) => void calls.errors.push(m),
    showWarning: (m) => void calls.warnings.push(m),
    ...overrides,
  };
  return { deps, calls };
}

describe("showRiskRegister", () => {
  it("runs `threatlint report MODEL --format md` for the active model and previews its output", async () => {
    const model = "/repo/services/pay.threatmodel.yaml";
    const { deps, calls } = depsWith({ activeDocument: () => ({ fsPath: model, scheme: "file", isDirty: false }) });
    const written = await showRiskRegister(deps);
    assert.deepStrictEqual(calls.runs, [{ cmd: "/venv/bin/python", args: ["-m", "threatlint", "report", model, "--format", "md"], cwd: "/repo" }]);
    assert.strictEqual(written, reportPath("/tmp/x", model));
    assert.strictEqual(calls.written.get(written!), REPORT);
    assert.deepStrictEqual(calls.previews, [written]);
    assert.deepStrictEqual(calls.errors, []);
    assert.deepStrictEqual(calls.warnings, []);
  });

  it("warns that unsaved edits are not in the report", async () => {
    const { deps, calls } = depsWith({ activeDocument: () => ({ fsPath: "/repo/threatmodel.yaml", scheme: "file", isDirty: true }) });
    await showRiskRegister(deps);
    assert.strictEqual(calls.warnings.length, 1);
    assert.match(calls.warnings[0], /save the file/);
    assert.strictEqual(calls.previews.length, 1);
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
    assert.deepStrictEqual(calls.previews, []);
  });

  it("stops quietly when no interpreter is available (the reason was shown already)", async () => {
    const { deps, calls } = depsWith({ activeDocument: () => ({ fsPath: "/repo/threatmodel.yaml", scheme: "file", isDirty: false }), python: async () => undefined });
    assert.strictEqual(await showRiskRegister(deps), undefined);
    assert.strictEqual(calls.runs.length, 0);
  });

  it("writes one stable file per model in the temp folder", () => {
    const a = reportPath("/tmp/x", "/repo/a/threatmodel.yaml");
    assert.strictEqual(a, reportPath("/tmp/x", "/repo/a/threatmodel.yaml"));
    assert.notStrictEqual(a, reportPath("/tmp/x", "/repo/b/threatmodel.yaml"));
    assert.strictEqual(path.dirname(a), path.join("/tmp/x", "threatlint-risk-register"));
    assert.match(path.basename(a), /^threatmodel-[0-9a-f]{12}\.md$/);
    assert.deepStrictEqual(reportArgs("m.yaml"), ["-m", "threatlint", "report", "m.yaml", "--format", "md"]);
  });
});
