import * as assert from "assert";
import { onPythonInterpreterChange, PYTHON_EXTENSION_ID, pythonExtensionInterpreter } from "../../src/pythonExtension";

const extensionsWith = (exports: unknown, isActive = true) => {
  let activated = 0;
  return {
    get activated() {
      return activated;
    },
    getExtension: (id: string) =>
      id === PYTHON_EXTENSION_ID
        ? {
            isActive,
            exports: isActive ? exports : undefined,
            activate: async () => {
              activated += 1;
              return exports;
            },
          }
        : undefined,
  };
};

describe("pythonExtensionInterpreter", () => {
  it("is undefined without the Python extension", async () => {
    assert.strictEqual(await pythonExtensionInterpreter({ getExtension: () => undefined }), undefined);
  });

  it("resolves the active environment to its executable (current API), activating the extension if needed", async () => {
    const api = {
      environments: {
        getActiveEnvironmentPath: () => ({ id: "venv", path: "/work/repo/.venv" }),
        resolveEnvironment: async (env: { path: string }) => ({ executable: { uri: { fsPath: `${env.path}/bin/python` } } }),
      },
    };
    const extensions = extensionsWith(api, false);
    assert.strictEqual(await pythonExtensionInterpreter(extensions), "/work/repo/.venv/bin/python");
    assert.strictEqual(extensions.activated, 1);
  });

  it("falls back to the older execution-details API, but not to a multi-word command", async () => {
    assert.strictEqual(
      await pythonExtensionInterpreter(
        extensionsWith({ settings: { getExecutionDetails: () => ({ execCommand: ["/usr/bin/python3.11"] }) } }),
      ),
      "/usr/bin/python3.11",
    );
    assert.strictEqual(
      await pythonExtensionInterpreter(
        extensionsWith({ settings: { getExecutionDetails: () => ({ execCommand: ["conda", "run", "-n", "x", "python"] }) } }),
      ),
      undefined,
    );
  });

  it("survives a Python extension that throws or exports nothing", async () => {
    const throwing = {
      environments: {
        getActiveEnvironmentPath: () => {
          throw new Error("not ready");
        },
      },
    };
    assert.strictEqual(await pythonExtensionInterpreter(extensionsWith(throwing)), undefined);
    assert.strictEqual(await pythonExtensionInterpreter(extensionsWith(undefined)), undefined);
    const failingActivate = {
      getExtension: () => ({ isActive: false, exports: undefined, activate: () => Promise.reject(new Error("boom")) }),
    };
    assert.strictEqual(await pythonExtensionInterpreter(failingActivate), undefined);
    assert.strictEqual(await onPythonInterpreterChange(failingActivate, () => undefined), undefined);
  });

  it("subscribes to interpreter changes", async () => {
    let fire: (() => void) | undefined;
    const api = { environments: { onDidChangeActiveEnvironmentPath: (l: () => void) => ((fire = l), { dispose: () => undefined }) } };
    let calls = 0;
    const disposable = await onPythonInterpreterChange(extensionsWith(api), () => (calls += 1));
    assert.ok(disposable);
    fire?.();
    assert.strictEqual(calls, 1);
  });
});
