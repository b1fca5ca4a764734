import * as assert from "assert";
import * as path from "path";
import { expandInterpreter, needsRestart, readSettings } from "../../src/settings";

const config = (values: Record<string, unknown>) => ({
  get<T>(key: string, def: T): T {
    return key in values ? (values[key] as T) : def;
  },
});

describe("settings", () => {
  it("reads defaults, trims the interpreter and ignores values of the wrong type", () => {
    assert.deepStrictEqual(readSettings(config({})), { interpreter: "", importStrategy: "useBundled", codeFileDiagnostics: true });
    assert.deepStrictEqual(
      readSettings(config({ interpreter: "  /opt/py/bin/python \n", importStrategy: "fromEnvironment", codeFileDiagnostics: false })),
      { interpreter: "/opt/py/bin/python", importStrategy: "fromEnvironment", codeFileDiagnostics: false },
    );
    assert.deepStrictEqual(readSettings(config({ interpreter: 42, importStrategy: "pip", codeFileDiagnostics: "no" })), {
      interpreter: "",
      importStrategy: "useBundled",
      codeFileDiagnostics: true,
    });
  });

  it("restarts only for the settings that shape the server process", () => {
    const event = (keys: string[]) => ({ affectsConfiguration: (s: string) => keys.includes(s) });
    assert.ok(needsRestart(event(["threatlint.interpreter"])));
    assert.ok(needsRestart(event(["threatlint.codeFileDiagnostics"])));
    assert.ok(needsRestart(event(["threatlint.importStrategy"])));
    assert.ok(!needsRestart(event(["threatlint.trace.server"])));
    assert.ok(!needsRestart(event(["editor.fontSize"])));
  });

  describe("expandInterpreter", () => {
    const ctx = { home: "/home/dana", workspaceFolder: "/work/repo", env: { VENV: "/opt/venv" } };
    it("expands ~ and variables", () => {
      assert.strictEqual(expandInterpreter("~/.venvs/tl/bin/python", ctx), "/home/dana/.venvs/tl/bin/python");
      assert.strictEqual(expandInterpreter("${workspaceFolder}/.venv/bin/python", ctx), "/work/repo/.venv/bin/python");
      assert.strictEqual(expandInterpreter("${userHome}/py", ctx), "/home/dana/py");
      assert.strictEqual(expandInterpreter("${env:VENV}/bin/python", ctx), "/opt/venv/bin/python");
    });
    it("makes a relative path relative to the workspace folder and leaves bare commands for PATH", () => {
      assert.strictEqual(expandInterpreter(".venv/bin/python", ctx), path.join("/work/repo", ".venv/bin/python"));
      assert.strictEqual(expandInterpreter("python3.12", ctx), "python3.12");
      assert.strictEqual(expandInterpreter("/usr/bin/python3", ctx), "/usr/bin/python3");
    });
    it("keeps ${workspaceFolder} when no folder is open, so the error names what was configured", () => {
      assert.strictEqual(expandInterpreter("${workspaceFolder}/py", { ...ctx, workspaceFolder: undefined }), "${workspaceFolder}/py");
    });
  });
});
