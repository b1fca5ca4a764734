// The data-flow diagram webview (runs in the webview, beside the bundled
// Mermaid): draws each graph the extension posts (src/diagramPanel.ts), keeps
// the last good drawing while the YAML is broken, and posts a click on an
// element or flow back as the line to reveal.
(function () {
  "use strict";
  const vscode = acquireVsCodeApi();
  const status = document.getElementById("status");
  const container = document.getElementById("diagram");
  const dark = document.body.classList.contains("vscode-dark") || document.body.classList.contains("vscode-high-contrast");
  // Mermaid's default limits (50,000 characters, 500 edges) stop at models of a few hundred elements.
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    theme: dark ? "dark" : "default",
    maxTextSize: 2_000_000,
    maxEdges: 10_000,
  });
  let drawn = false;
  let renders = 0;
  let queue = Promise.resolve();

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function summary(graph) {
    const risky = graph.flows.filter((f) => f.risky).length;
    const hot = graph.elements.filter((e) => e.threats.length).length;
    return (
      `Live from the editor's text (version ${graph.version ?? "?"}): ${plural(graph.elements.length, "element")}, ` +
      `${plural(graph.flows.length, "flow")}, ${plural(graph.boundaries.length, "trust boundary")}; ` +
      `${plural(risky, "risky flow")}, ${plural(hot, "element")} with open high/critical threats.`
    );
  }

  function clickable(target, line, title) {
    target.addEventListener("click", (event) => {
      event.stopPropagation();
      vscode.postMessage({ type: "reveal", line });
    });
    const tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
    tip.textContent = title;
    target.appendChild(tip);
  }

  function wire(graph) {
    const byNode = new Map(graph.elements.map((e) => [e.node, e]));
    for (const node of container.querySelectorAll("g.node")) {
      const match = /-flowchart-(n\d+)-\d+$/.exec(node.id);
      const element = match && byNode.get(match[1]);
      if (!element) continue;
      node.setAttribute("data-threatlint-id", element.id);
      const threats = element.threats.length ? `; open high/critical threats: ${element.threats.join(", ")}` : "";
      clickable(node, element.line, `${element.name} (${element.id}), line ${element.line + 1}${threats}`);
    }
    for (const flow of graph.flows) {
      if (!flow.edge) continue;
      const problems = [flow.unencrypted && "unencrypted", flow.unauthenticated && "unauthenticated"].filter(Boolean);
      const title = `${flow.name || flow.id} (${flow.id}), line ${flow.line + 1}${problems.length ? `; crosses a trust boundary ${problems.join(" and ")}` : ""}`;
      for (const part of container.querySelectorAll(`[data-id="${CSS.escape(flow.edge)}"]`)) {
        part.setAttribute("data-threatlint-id", flow.id);
        clickable(part, flow.line, title);
      }
    }
  }

  async function draw(graph) {
    if (!graph.ok) {
      const error = graph.error || { message: "no details", line: null };
      const keep = drawn ? "Showing the last good drawing." : "Nothing to draw yet.";
      container.classList.toggle("stale", drawn);
      if (typeof error.line === "number") say(`The model does not parse (line ${error.line + 1}: ${error.message}). ${keep}`, true);
      else say(`${error.message}. ${keep}`, true);
      return;
    }
    if (!graph.mermaid) {
      container.textContent = "";
      container.classList.remove("stale");
      drawn = false;
      say("No elements in the model yet: add some under elements: to see the diagram.", false);
      return;
    }
    renders += 1;
    try {
      const { svg } = await mermaid.render(`threatlint-diagram-${renders}`, graph.mermaid);
      container.innerHTML = svg;
      container.classList.remove("stale");
      drawn = true;
      wire(graph);
      say(summary(graph), false);
    } catch (error) {
      container.classList.toggle("stale", drawn);
      say(
        `Mermaid could not draw this model (${error && error.message ? error.message : error}). ${drawn ? "Showing the last good drawing." : ""}`,
        true,
      );
    }
  }

  window.addEventListener("message", (event) => {
    const message = event.data;
    if (!message || typeof message !== "object") return;
    if (message.type === "waiting") say(message.message, false);
    // One drawing at a time, in the order the graphs arrive.
    if (message.type === "graph") queue = queue.then(() => draw(message.graph));
  });
  vscode.postMessage({ type: "ready" });
})();
