// A small in-memory stand-in for the parts of the `vscode` API the extension
// uses, handed to activateWith() in place of the real module (the extension
// takes the API as an argument). Tests drive it through `testing` and read
// what happened from `state`.
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
  lineCount?: number;
  lineAt?(line: number): { text: string };
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
    this.start = new Position(startLine, startCharacter);
    this.end = new Position(endLine, endCharacter);
  }
}

export class Selection {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export const ViewColumn = { Active: -1, Beside: -2, One: 1, Two: 2 } as const;
export const StatusBarAlignment = { Left: 1, Right: 2 } as const;
export const TextEditorRevealType = { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 } as const;

export interface StubStatusItem {
  id: string;
  text: string;
  tooltip?: string;
  command?: string;
  name?: string;
  backgroundColor?: ThemeColor;
  accessibilityInformation?: { label: string };
  visible: boolean;
  disposed: boolean;
}

export interface StubPanel {
  viewType: string;
  title: string;
  options: unknown;
  html: string;
  posted: unknown[];
  revealed: number;
  disposed: boolean;
  /** Sends a message as the webview's script would. */
  receive(message: unknown): void;
  dispose(): void;
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
    outputShown: 0,
    statusItems: [] as StubStatusItem[],
    panels: [] as StubPanel[],
    diagnostics: new Map<string, Array<{ source?: string; severity: number }>>(),
    shownDocuments: [] as Array<{ document: StubDocument; options: unknown; selection?: Selection; revealed?: Range }>,
    visibleTextEditors: [] as Array<{ document: StubDocument; viewColumn?: number }>,
  };
}

export let state = freshState();
let configEmitter = new Emitter<{ affectsConfiguration(section: string): boolean }>();
let openEmitter = new Emitter<StubDocument>();
let changeEmitter = new Emitter<{ document: StubDocument }>();
let activeEditorEmitter = new Emitter<unknown>();
let diagnosticsEmitter = new Emitter<unknown>();

function message(list: Message[], msg: string, items: unknown[]): Promise<string | undefined> {
  list.push({ message: msg, items: items.filter((i): i is string => typeof i === "string") });
  return Promise.resolve(state.nextChoice);
}

export const window = {
  createOutputChannel(_name: string) {
    return {
      appendLine: (line: string) => void state.outputLines.push(line),
      append: (text: string) => void state.outputLines.push(text),
      show: () => void (state.outputShown += 1),
      dispose: () => undefined,
    };
  },
  createStatusBarItem(id: string) {
    const item: StubStatusItem & { show(): void; hide(): void; dispose(): void } = {
      id,
      text: "",
      visible: false,
      disposed: false,
      show: () => void (item.visible = true),
      hide: () => void (item.visible = false),
      dispose: () => void (item.disposed = true),
    };
    state.statusItems.push(item);
    return item;
  },
  createWebviewPanel(viewType: string, title: string, _column: unknown, options: unknown) {
    const received = new Emitter<unknown>();
    const disposed = new Emitter<void>();
    const panel = {
      viewType,
      title,
      options,
      html: "",
      posted: [] as unknown[],
      revealed: 0,
      disposed: false,
      receive: (message: unknown) => received.fire(message),
      reveal: () => void (panel.revealed += 1),
      onDidDispose: disposed.event,
      dispose: () => {
        if (panel.disposed) return;
        panel.disposed = true;
        disposed.fire();
      },
      webview: {
        cspSource: "https://stub.vscode-cdn.net",
        asWebviewUri: (uri: Uri) => Uri.from({ scheme: "https", path: uri.fsPath }),
        postMessage: (message: unknown) => (panel.posted.push(message), Promise.resolve(true)),
        onDidReceiveMessage: received.event,
        get html() {
          return panel.html;
        },
        set html(value: string) {
          panel.html = value;
        },
      },
    };
    state.panels.push(panel);
    return panel;
  },
  showTextDocument(document: StubDocument, options: unknown) {
    const shown: { document: StubDocument; options: unknown; selection?: Selection; revealed?: Range } = { document, options };
    state.shownDocuments.push(shown);
    return Promise.resolve({
      document,
      set selection(value: Selection) {
        shown.selection = value;
      },
      revealRange: (range: Range) => void (shown.revealed = range),
    });
  },
  get visibleTextEditors() {
    return state.visibleTextEditors;
  },
  get onDidChangeActiveTextEditor() {
    return activeEditorEmitter.event;
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
  get onDidChangeTextDocument() {
    return changeEmitter.event;
  },
  openTextDocument(uri: Uri): Promise<StubDocument> {
    return Promise.resolve(state.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? { uri, isDirty: false });
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

export const languages = {
  getDiagnostics(uri: Uri) {
    return state.diagnostics.get(uri.toString()) ?? [];
  },
  get onDidChangeDiagnostics() {
    return diagnosticsEmitter.event;
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
    changeEmitter = new Emitter();
    activeEditorEmitter = new Emitter();
    diagnosticsEmitter = new Emitter();
  },
  /** Sets the active editor's document and fires the change event. */
  setActiveDocument(document: StubDocument | undefined): void {
    state.activeDocument = document;
    activeEditorEmitter.fire(document);
  },
  /** Replaces a document's diagnostics and fires the change event. */
  setDiagnostics(uri: Uri, diagnostics: Array<{ source?: string; severity: number }>): void {
    state.diagnostics.set(uri.toString(), diagnostics);
    diagnosticsEmitter.fire({ uris: [uri] });
  },
  /** An edit to an open document (not saved). */
  changeDocument(document: StubDocument): void {
    changeEmitter.fire({ document });
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
