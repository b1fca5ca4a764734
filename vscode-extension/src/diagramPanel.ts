// "threatlint: Show Data-Flow Diagram": a webview beside the model, drawn with
// the bundled Mermaid from the server's parse of the unsaved text
// (threatlint/diagram, server/threatlint/lsp/diagram.py), redrawn as the model
// is edited. Clicking an element or flow reveals its line in the editor.
import { randomBytes } from "crypto";
import type * as vscode from "vscode";
import { ClientLike } from "./serverController";

export const DIAGRAM_METHOD = "threatlint/diagram";
export const DIAGRAM_VIEW_TYPE = "threatlint.diagram";
/** Pause after the last keystroke before asking the server again. */
export const REDRAW_DELAY_MS = 250;

export interface DiagramGraph {
  ok: boolean;
  version: number | null;
  mermaid?: string;
  elements?: Array<{ id: string; name: string; line: number; node: string; threats: string[] }>;
  flows?: Array<{
    id: string;
    name: string | null;
    line: number;
    edge: string | null;
    risky: boolean;
    unencrypted: boolean;
    unauthenticated: boolean;
  }>;
  boundaries?: Array<{ id: string; name: string; parent: string | null; line: number; box: string }>;
  /** Why there is no graph; `line` (0-based) when the YAML does not parse, null otherwise. */
  error?: { message: string; line: number | null };
}

/** Messages to the webview (media/diagram.js). */
export type ToWebview = { type: "graph"; graph: DiagramGraph } | { type: "waiting"; message: string };
/** Messages from the webview. */
export type FromWebview = { type: "ready" } | { type: "reveal"; line: number };

export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== "object" || value === null) return false;
  const msg = value as { type?: unknown; line?: unknown };
  if (msg.type === "ready") return true;
  return msg.type === "reveal" && typeof msg.line === "number" && Number.isInteger(msg.line) && msg.line >= 0;
}

/** The webview's page: only our two scripts run (by nonce); Mermaid's SVG needs inline styles, nothing needs eval or the network. */
export function diagramHtml(opts: { cspSource: string; nonce: string; mermaidUri: string; scriptUri: string; title: string }): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${opts.nonce}'`,
    `style-src ${opts.cspSource} 'unsafe-inline'`,
    `img-src ${opts.cspSource} data:`,
    `font-src ${opts.cspSource} data:`,
  ].join("; ");
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 12px; }
  #status { margin: 8px 0; padding: 4px 8px; border-left: 3px solid var(--vscode-focusBorder); }
  #status.error { border-color: var(--vscode-errorForeground); color: var(--vscode-errorForeground); }
  #diagram svg { max-width: 100%; height: auto; }
  #diagram.stale { opacity: 0.55; }
  #diagram .node, #diagram .edgeLabel, #diagram .flowchart-link { cursor: pointer; }
  #legend { margin: 8px 0; font-size: 90%; opacity: 0.85; }
  #legend .risky { color: #dc2626; font-weight: bold; }
</style>
</head>
<body>
<div id="status" role="status" aria-live="polite">Waiting for the threatlint server…</div>
<div id="diagram"></div>
<div id="legend"><span class="risky">red arrow</span>: crosses a trust boundary unencrypted or unauthenticated · ⚠ and red border: open high/critical threats · click an element or flow to show its line</div>
<script nonce="${opts.nonce}" src="${opts.mermaidUri}"></script>
<script nonce="${opts.nonce}" src="${opts.scriptUri}"></script>
</body>
</html>`;
}

type Api = Pick<typeof vscode, "window" | "workspace" | "Uri" | "ViewColumn" | "Range" | "Selection" | "TextEditorRevealType">;

interface Shown {
  panel: vscode.WebviewPanel;
  document: vscode.TextDocument;
  timer?: ReturnType<typeof setTimeout>;
  /** Bumped per request, so a slow answer never overwrites a newer one. */
  request: number;
}

export class DiagramPanels {
  private readonly shown = new Map<string, Shown>();
  private readonly subscriptions: Array<{ dispose(): unknown }> = [];

  constructor(
    private readonly api: Api,
    private readonly extensionUri: vscode.Uri,
    private readonly client: () => ClientLike | undefined,
    private readonly log: (message: string) => void,
  ) {
    this.subscriptions.push(
      api.workspace.onDidChangeTextDocument((event) => {
        const shown = this.shown.get(event.document.uri.toString());
        if (shown) this.schedule(shown);
      }),
    );
  }

  /** Opens (or brings forward) the diagram of `document` beside its editor. */
  show(document: vscode.TextDocument, column?: vscode.ViewColumn): vscode.WebviewPanel {
    const key = document.uri.toString();
    const existing = this.shown.get(key);
    if (existing) {
      existing.panel.reveal(undefined, true);
      void this.redraw(existing);
      return existing.panel;
    }
    const media = this.api.Uri.joinPath(this.extensionUri, "dist", "media");
    const name = document.uri.path.split("/").pop() ?? "model";
    const panel = this.api.window.createWebviewPanel(
      DIAGRAM_VIEW_TYPE,
      `Diagram: ${name}`,
      { viewColumn: this.api.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true },
    );
    const webview = panel.webview;
    webview.html = diagramHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString("base64"),
      mermaidUri: webview.asWebviewUri(this.api.Uri.joinPath(media, "mermaid.min.js")).toString(),
      scriptUri: webview.asWebviewUri(this.api.Uri.joinPath(media, "diagram.js")).toString(),
      title: `Data-flow diagram of ${name}`,
    });
    const shown: Shown = { panel, document, request: 0 };
    this.shown.set(key, shown);
    const listeners = [
      webview.onDidReceiveMessage((message: unknown) => {
        if (!isFromWebview(message)) return;
        if (message.type === "ready") void this.redraw(shown);
        else void this.reveal(shown, message.line, column);
      }),
      panel.onDidDispose(() => {
        if (shown.timer) clearTimeout(shown.timer);
        this.shown.delete(key);
        for (const l of listeners) l.dispose();
      }),
    ];
    return panel;
  }

  /** Redraws every open diagram (the server (re)started). */
  refreshAll(): void {
    for (const shown of this.shown.values()) void this.redraw(shown);
  }

  dispose(): void {
    for (const shown of [...this.shown.values()]) shown.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private schedule(shown: Shown): void {
    if (shown.timer) clearTimeout(shown.timer);
    shown.timer = setTimeout(() => void this.redraw(shown), REDRAW_DELAY_MS);
  }

  private async redraw(shown: Shown): Promise<void> {
    const client = this.client();
    const post = (message: ToWebview) => void shown.panel.webview.postMessage(message);
    if (!client?.sendRequest) {
      post({ type: "waiting", message: "Waiting for the threatlint server to start (the status bar shows its state)…" });
      return;
    }
    const request = ++shown.request;
    try {
      const graph = await client.sendRequest<DiagramGraph>(DIAGRAM_METHOD, { textDocument: { uri: shown.document.uri.toString() } });
      if (request === shown.request) post({ type: "graph", graph });
    } catch (error) {
      this.log(`threatlint/diagram failed: ${error instanceof Error ? error.message : String(error)}`);
      if (request === shown.request)
        post({ type: "waiting", message: "The threatlint server did not answer; the output channel says why." });
    }
  }

  private async reveal(shown: Shown, line: number, column?: vscode.ViewColumn): Promise<void> {
    const editor = await this.api.window.showTextDocument(shown.document, {
      viewColumn: column ?? this.api.ViewColumn.One,
      preserveFocus: false,
    });
    const target = Math.min(line, shown.document.lineCount - 1);
    const range = new this.api.Range(target, 0, target, shown.document.lineAt(target).text.length);
    editor.selection = new this.api.Selection(range.start, range.end);
    editor.revealRange(range, this.api.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
