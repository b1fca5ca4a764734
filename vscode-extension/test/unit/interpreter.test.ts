import * as assert from "assert";
import { missingMessage, resolveInterpreter, serverCommand } from "../../src/interpreter";
import { ProbeResult } from "../../src/probe";

/** A probe that knows which interpreters have threatlint; records the order it was asked in. */
function probeOf(installed: Record<string, string>) {
  const asked: string[] = [];
  const probe = async (python: string): Promise<ProbeResult> => {
    asked.push(python);
    return python in installed ? { ok: true, version: installed[python] } : { ok: false, reason: "threatlint is not installed for this interpreter" };
  };
  return { probe, asked };
}

describe("resolveInterpreter", () => {
  it("uses the setting alone when it is set, even if it lacks threatlint", async () => {
    const { probe, asked } = probeOf({ python3: "0.1.0" });
    const result = await resolveInterpreter({ setting: "/opt/py/bin/python", pythonExtension: async () => "/ext/python", probe, platform: "linux" });
    assert.deepStrictEqual(result, {
      ok: false,
      attempts: [{ python: "/opt/py/bin/python", source: "setting", reason: "threatlint is not installed for this interpreter" }],
    });
    assert.deepStrictEqual(asked, ["/opt/py/bin/python"]);
  });

  it("prefers the Python extension's interpreter when it has threatlint", async () => {
    const { probe } = probeOf({ "/ext/python": "0.2.0", python3: "0.1.0" });
    const result = await resolveInterpreter({ setting: "", pythonExtension: async () => "/ext/python", probe, platform: "linux" });
    assert.deepStrictEqual(result, { ok: true, python: "/ext/python", version: "0.2.0", source: "python extension" });
  });

  it("falls back to python3 on PATH when the Python extension's interpreter lacks threatlint or is absent", async () => {
    const { probe, asked } = probeOf({ python3: "0.1.0" });
    const result = await resolveInterpreter({ setting: "", pythonExtension: async () => "/ext/python", probe, platform: "linux" });
    assert.deepStrictEqual(result, { ok: true, python: "python3", version: "0.1.0", source: "PATH" });
    assert.deepStrictEqual(asked, ["/ext/python", "python3"]);
    const none = await resolveInterpreter({ setting: "", pythonExtension: async () => undefined, probe, platform: "linux" });
    assert.deepStrictEqual(none, { ok: true, python: "python3", version: "0.1.0", source: "PATH" });
  });

  it("uses `python` on Windows and does not try the same interpreter twice", async () => {
    const { probe, asked } = probeOf({});
    const result = await resolveInterpreter({ setting: "", pythonExtension: async () => "python", probe, platform: "win32" });
    assert.strictEqual(result.ok, false);
    assert.deepStrictEqual(asked, ["python"]);
  });

  it("names every interpreter tried and how to fix it when none works", async () => {
    const { probe } = probeOf({});
    const result = await resolveInterpreter({ setting: "", pythonExtension: async () => "/ext/python", probe, platform: "linux" });
    assert.ok(!result.ok);
    const text = missingMessage(result.attempts);
    assert.match(text, /\/ext\/python \(python extension\): threatlint is not installed/);
    assert.match(text, /python3 \(PATH\)/);
    assert.match(text, /pip install threatlint/);
    assert.match(text, /threatlint\.interpreter/);
  });

  it("starts the server as `<python> -m threatlint lsp`", () => {
    assert.deepStrictEqual(serverCommand("/venv/bin/python"), { command: "/venv/bin/python", args: ["-m", "threatlint", "lsp"] });
  });
});
