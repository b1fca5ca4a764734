// A small in-memory stand-in for the parts of the `vscode` API the extension
// uses. Tests drive it through `testing` and read what happened from `state`.
import * as path from "path";

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri("file", path.resolve(p));
  }
  static from(parts: { scheme: string; path: string }): Uri {
    return new Uri(parts.scheme, parts.path);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, path.join(base.fsPath, ...segments));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  get size(): number {
    return this.listeners.length;
  }
}

export interface StubDocument {
  uri: Uri;
  isDirty: boolean;
}

export interface Message {
  message: string;
  items: string[];
}

interface StubExtension {
  isActive: boolean;
  exports: unknown;
  activate(): Promise<unknown>;
}

function freshState() {
  return {
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    executed: [] as Array<{ command: string; args: unknown[] }>,
    errors: [] as Message[],
    warnings: [] as Message[],
    infos: [] as Message[],
    /** What the next error/warning/info message resolves to (the button the user clicks). */
    nextChoice: undefined as string | undefined,
    quickPickChoice: undefined as ((items: unknown[]) => unknown) | undefined,
    config: {} as Record<string, unknown>,
    activeDocument: undefined as StubDocument | undefined,
    textDocuments: [] as StubDocument[],
    workspaceFolders: undefined as Array<{ uri: Uri; name: string; index: number }> | undefined,
    files: [] as Uri[],
    extensions: new Map<string, StubExtension>(),
    outputLines: [] as string[],
  };
}

export let state = freshState();
let configEmitter = new Emitter<{ affectsConfiguration(section: string): boolean }>();
let openEmitter = new Emitter<StubDocument>();

function message(list: Message[], msg: string, items: unknown[]): Promise<string | undefined> {
  list.push({ message: msg, items: items.filter((i): i is string => typeof i === "string") });
  return Promise.resolve(state.nextChoice);
}

export const window = {
  createOutputChannel(_name: string) {
    return {
      appendLine: (line: string) => void state.outputLines.push(line),
      append: (text: string) => void state.outputLines.push(text),
      show: () => undefined,
      dispose: () => undefined,
    };
  },
  showErrorMessage: (msg: string, ...items: unknown[]) => message(state.errors, msg, items),
  showWarningMessage: (msg: string, ...items: unknown[]) => message(state.warnings, msg, items),
  showInformationMessage: (msg: string, ...items: unknown[]) => message(state.infos, msg, items),
  showQuickPick: (items: unknown[]) => Promise.resolve(state.quickPickChoice?.(items)),
  get activeTextEditor() {
    return state.activeDocument && { document: state.activeDocument };
  },
};

export const commands = {
  registerCommand(id: string, fn: (...args: unknown[]) => unknown): Disposable {
    if (state.commands.has(id)) throw new Error(`command '${id}' already exists`);
    state.commands.set(id, fn);
    return new Disposable(() => state.commands.delete(id));
  },
  executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    state.executed.push({ command: id, args });
    const fn = state.commands.get(id);
    return Promise.resolve(fn ? fn(...args) : undefined);
  },
};

export const workspace = {
  getConfiguration(section: string) {
    return {
      get<T>(key: string, defaultValue: T): T {
        const full = `${section}.${key}`;
        return full in state.config ? (state.config[full] as T) : defaultValue;
      },
    };
  },
  get onDidChangeConfiguration() {
    return configEmitter.event;
  },
  get onDidOpenTextDocument() {
    return openEmitter.event;
  },
  get textDocuments() {
    return state.textDocuments;
  },
  get workspaceFolders() {
    return state.workspaceFolders;
  },
  findFiles(_include: string, _exclude?: string, max?: number): Promise<Uri[]> {
    return Promise.resolve(state.files.slice(0, max ?? state.files.length));
  },
  getWorkspaceFolder(uri: Uri) {
    return state.workspaceFolders?.find((f) => uri.fsPath.startsWith(f.uri.fsPath + path.sep));
  },
  asRelativePath(uri: Uri): string {
    const folder = workspace.getWorkspaceFolder(uri);
    return folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
  },
};

export const extensions = {
  getExtension(id: string) {
    return state.extensions.get(id);
  },
};

/** Test controls: events a user or VS Code would cause. */
export const testing = {
  reset(): void {
    state = freshState();
    configEmitter = new Emitter();
    openEmitter = new Emitter();
  },
  /** Sets settings (full keys such as "threatlint.interpreter") and fires the change event. */
  changeConfiguration(values: Record<string, unknown>): void {
    Object.assign(state.config, values);
    const changed = Object.keys(values);
    configEmitter.fire({
      affectsConfiguration: (section: string) => changed.some((key) => key === section || key.startsWith(section + ".")),
    });
  },
  openDocument(fsPath: string): StubDocument {
    const doc = { uri: Uri.file(fsPath), isDirty: false };
    state.textDocuments.push(doc);
    openEmitter.fire(doc);
    return doc;
  },
  setWorkspaceFolder(fsPath: string): void {
    state.workspaceFolders = [{ uri: Uri.file(fsPath), name: path.basename(fsPath), index: 0 }];
  },
  get openListeners(): number {
    return openEmitter.size;
  },
};
