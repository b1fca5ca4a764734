import * as assert from "assert";
import { Launch, launchArgs, missingMessage, resolveInterpreter, ResolveDeps, serverCommand } from "../../src/interpreter";
import { ProbeResult } from "../../src/probe";

const LAUNCHER = "/ext/threatlint/bundled/tool/launch.py";

/** A probe that knows which interpreters can run threatlint; records what it was asked to run. */
function probeOf(working: Record<string, string>) {
  const asked: Launch[] = [];
  const probe = async (launch: Launch): Promise<ProbeResult> => {
    asked.push(launch);
    return launch.python in working
      ? { ok: true, version: working[launch.python] }
      : { ok: false, reason: "threatlint is not installed for this interpreter" };
  };
  return { probe, asked };
}

const deps = (over: Partial<ResolveDeps> & Pick<ResolveDeps, "probe">): ResolveDeps => ({
  setting: "",
  strategy: "useBundled",
  bundledLauncher: LAUNCHER,
  pythonExtension: async () => "/ext/python",
  platform: "linux",
  ...over,
});

describe("resolveInterpreter", () => {
  it("runs the bundled server in isolated mode by default, and the environment's with fromEnvironment", async () => {
    const { probe, asked } = probeOf({ "/ext/python": "0.1.0" });
    const bundled = await resolveInterpreter(deps({ probe }));
    assert.deepStrictEqual(bundled, {
      ok: true,
      python: "/ext/python",
      version: "0.1.0",
      source: "python extension",
      launch: { python: "/ext/python", args: ["-I", LAUNCHER] },
      strategy: "useBundled",
    });
    const env = await resolveInterpreter(deps({ probe, strategy: "fromEnvironment" }));
    assert.ok(env.ok);
    assert.deepStrictEqual(env.launch, { python: "/ext/python", args: ["-m", "threatlint"] });
    assert.deepStrictEqual(
      asked.map((l) => l.args),
      [
        ["-I", LAUNCHER],
        ["-m", "threatlint"],
      ],
    );
  });

  it("uses the setting alone when it is set, even if it cannot run threatlint", async () => {
    const { probe, asked } = probeOf({ python3: "0.1.0" });
    const result = await resolveInterpreter(deps({ setting: "/opt/py/bin/python", probe, strategy: "fromEnvironment" }));
    assert.deepStrictEqual(result, {
      ok: false,
      strategy: "fromEnvironment",
      attempts: [{ python: "/opt/py/bin/python", source: "setting", reason: "threatlint is not installed for this interpreter" }],
    });
    assert.deepStrictEqual(
      asked.map((l) => l.python),
      ["/opt/py/bin/python"],
    );
  });

  it("falls back to python3 on PATH when the Python extension's interpreter fails or is absent", async () => {
    const { probe, asked } = probeOf({ python3: "0.1.0" });
    const result = await resolveInterpreter(deps({ probe }));
    assert.ok(result.ok);
    assert.deepStrictEqual([result.python, result.source], ["python3", "PATH"]);
    assert.deepStrictEqual(
      asked.map((l) => l.python),
      ["/ext/python", "python3"],
    );
    const none = await resolveInterpreter(deps({ probe, pythonExtension: async () => undefined }));
    assert.ok(none.ok && none.python === "python3");
  });

  it("uses `python` on Windows and does not try the same interpreter twice", async () => {
    const { probe, asked } = probeOf({});
    const result = await resolveInterpreter(deps({ probe, pythonExtension: async () => "python", platform: "win32" }));
    assert.strictEqual(result.ok, false);
    assert.deepStrictEqual(
      asked.map((l) => l.python),
      ["python"],
    );
  });

  it("names every interpreter tried and how to fix it when none works", async () => {
    const { probe } = probeOf({});
    const bundled = await resolveInterpreter(deps({ probe }));
    assert.ok(!bundled.ok);
    const text = missingMessage(bundled);
    assert.match(text, /\/ext\/python \(python extension\): threatlint is not installed/);
    assert.match(text, /python3 \(PATH\)/);
    assert.match(text, /Python 3\.10 or newer \(nothing else is needed\)/);
    assert.match(text, /threatlint\.interpreter/);
    const env = await resolveInterpreter(deps({ probe, strategy: "fromEnvironment" }));
    assert.ok(!env.ok);
    assert.match(missingMessage(env), /pip install threatlint/);
    assert.match(missingMessage(env), /threatlint\.importStrategy.*useBundled/);
  });

  it("starts the server as `<python> <launch args> lsp`", () => {
    assert.deepStrictEqual(serverCommand({ python: "/venv/bin/python", args: launchArgs("fromEnvironment", LAUNCHER) }), {
      command: "/venv/bin/python",
      args: ["-m", "threatlint", "lsp"],
    });
    assert.deepStrictEqual(serverCommand({ python: "python3", args: launchArgs("useBundled", LAUNCHER) }), {
      command: "python3",
      args: ["-I", LAUNCHER, "lsp"],
    });
  });
});
