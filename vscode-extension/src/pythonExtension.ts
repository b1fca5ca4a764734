// The Python extension (ms-python.python) is optional: when it is installed,
// its active interpreter is the default for running threatlint.

export const PYTHON_EXTENSION_ID = "ms-python.python";

/** The parts of the Python extension's API used here (both its current and its older API). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: unknown): { id?: string; path?: string } | undefined;
    resolveEnvironment?(env: unknown): Promise<{ executable?: { uri?: { fsPath?: string } } } | undefined>;
    onDidChangeActiveEnvironmentPath?(listener: () => void): { dispose(): unknown };
  };
  settings?: {
    getExecutionDetails?(resource?: unknown): { execCommand?: string[] | undefined };
  };
}

export interface ExtensionsLike {
  getExtension(id: string): { isActive: boolean; exports: unknown; activate(): Thenable<unknown> } | undefined;
}

async function api(extensions: ExtensionsLike): Promise<PythonApi | undefined> {
  const ext = extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  const exported = ext.isActive ? ext.exports : await ext.activate();
  return (exported ?? undefined) as PythonApi | undefined;
}

/** The Python extension's active interpreter for `resource`, or undefined when unavailable. */
export async function pythonExtensionInterpreter(extensions: ExtensionsLike, resource?: unknown): Promise<string | undefined> {
  try {
    const python = await api(extensions);
    const envs = python?.environments;
    const active = envs?.getActiveEnvironmentPath?.(resource);
    if (active) {
      const resolved = await envs?.resolveEnvironment?.(active);
      const executable = resolved?.executable?.uri?.fsPath;
      if (executable) return executable;
    }
    const command = python?.settings?.getExecutionDetails?.(resource)?.execCommand;
    // A multi-word command (e.g. `conda run ...`) cannot take `-m threatlint` directly.
    if (command && command.length === 1 && command[0]) return command[0];
  } catch {
    // A broken or still-loading Python extension must not keep threatlint from starting.
  }
  return undefined;
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onPythonInterpreterChange(
  extensions: ExtensionsLike,
  listener: () => void,
): Promise<{ dispose(): unknown } | undefined> {
  try {
    return (await api(extensions))?.environments?.onDidChangeActiveEnvironmentPath?.(listener);
  } catch {
    return undefined;
  }
}
