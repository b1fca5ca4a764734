// Integration test driver: installs the built .vsix into code-server (real VS
// Code in a browser), opens a threat model in headless Chromium and reads the
// threatlint diagnostics from the Problems view, the status bar, the data-flow
// diagram webview and the risk register webview. Run by
// tests/test_vscode_extension.py, which passes everything through the
// environment and checks the JSON this prints on its last stdout line.
//
//   TL_CODE_SERVER  path of bin/code-server         TL_VSIX      the .vsix
//   TL_PYTHON       interpreter (a bare one: the extension brings threatlint)
//   TL_WORKSPACE    folder to open
//   TL_MODEL        model path relative to it       TL_CODE_FILE a code file in its scope
//   TL_EXPECT       JSON list of strings the Problems view must show for the model
//   TL_EXPECT_DIAGRAM JSON list of names the diagram's SVG must show
//   TL_DIAGRAM_RENAME JSON [from, to] to replace in the editor (unsaved) and see redrawn
//   TL_DIAGRAM_CLICK, TL_DIAGRAM_CLICK_LINE  element id to click in the diagram, the line it reveals
//   TL_NESTED_MODEL, TL_EXPECT_NESTED  a model with nested boundaries, names its diagram must show
//   TL_ARTIFACTS    folder for screenshots           TL_CHROMIUM  (default /usr/bin/chromium)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const codeServer = env("TL_CODE_SERVER");
const vsix = env("TL_VSIX");
const python = env("TL_PYTHON");
const workspace = env("TL_WORKSPACE");
const model = env("TL_MODEL");
const codeFile = env("TL_CODE_FILE", "");
const expect = JSON.parse(env("TL_EXPECT"));
const expectDiagram = JSON.parse(env("TL_EXPECT_DIAGRAM", "[]"));
// [from, to]: a name to replace in the model (unsaved) and see in the diagram; then the element to click and its 1-based line.
const liveRename = JSON.parse(env("TL_DIAGRAM_RENAME", "null"));
const clickElement = env("TL_DIAGRAM_CLICK", "");
const clickLine = Number(env("TL_DIAGRAM_CLICK_LINE", "0"));
// A second model whose diagram has nested boundaries, and the names its SVG must show.
const nestedModel = env("TL_NESTED_MODEL", "");
const expectNested = JSON.parse(env("TL_EXPECT_NESTED", "[]"));
const artifacts = env("TL_ARTIFACTS");
const chromiumPath = env("TL_CHROMIUM", "/usr/bin/chromium");
const STEP_MS = 120_000;

const result = {
  installed: false,
  problemsModel: "",
  problemsCode: "",
  riskRegisterTabs: [],
  riskRegisterText: "",
  screenshots: [],
  log: [],
};
const log = (msg) => {
  result.log.push(msg);
  process.stderr.write(`[problems.mjs] ${msg}\n`);
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`code-server did not answer on ${url}`);
}

async function poll(what, fn, ms = STEP_MS) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last.done) return last.value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last?.value)?.slice(0, 2000)}`);
}

const root = mkdtempSync(join(tmpdir(), "threatlint-vscode-"));
const userData = join(root, "user-data");
const extensionsDir = join(root, "extensions");
mkdirSync(join(userData, "User"), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
mkdirSync(artifacts, { recursive: true });
writeFileSync(
  join(userData, "User", "settings.json"),
  JSON.stringify(
    {
      "security.workspace.trust.enabled": false, // else Restricted Mode keeps extensions off
      "workbench.startupEditor": "none",
      "chat.disableAIFeatures": true,
      "workbench.tips.enabled": false,
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "telemetry.telemetryLevel": "off",
      "threatlint.trace.server": "messages",
      "files.autoSave": "off", // the diagram must follow edits that are never saved
    },
    null,
    2,
  ),
);
// threatlint.interpreter is machine-scoped (a path on the machine running the
// extension host), so code-server, a remote setup, reads it from the Machine settings.
mkdirSync(join(userData, "Machine"), { recursive: true });
writeFileSync(join(userData, "Machine", "settings.json"), JSON.stringify({ "threatlint.interpreter": python }, null, 2));
const configFile = join(root, "code-server.yaml");
writeFileSync(configFile, "auth: none\ncert: false\n");
const common = ["--config", configFile, "--user-data-dir", userData, "--extensions-dir", extensionsDir];

let server;
let browser;
let page;
async function screenshot(name) {
  if (!page) return;
  const file = join(artifacts, `${name}.png`);
  await page.screenshot({ path: file }).catch((e) => log(`screenshot ${name} failed: ${e.message}`));
  result.screenshots.push(file);
}

async function quickOpen(fileName) {
  const name = fileName.split("/").pop();
  // The row whose file name is exactly `name` (threatmodel.yaml must not pick shop.threatmodel.yaml).
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  // The file list fills asynchronously and is redrawn as results arrive: wait until the row naming the
  // file is the selected one (moving the selection down to it if needed), press Enter, and retry until
  // its editor is the active one.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 30_000 });
    await input.fill(fileName);
    const rows = page.locator(".quick-input-list .monaco-list-row");
    await rows
      .filter({ has: page.locator(".label-name", { hasText: exact }) })
      .first()
      .waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 500)); // let the list settle after the last results arrive
    for (let step = 0; step < 10; step++) {
      const selected = await page
        .locator(".quick-input-list .monaco-list-row.focused .label-name")
        .first()
        .textContent({ timeout: 2_000 })
        .catch(() => "");
      if (exact.test((selected ?? "").trim())) break;
      await page.keyboard.press("ArrowDown");
    }
    await page.keyboard.press("Enter");
    const active = page.locator(`.tab.active[aria-label^="${name}"]`).first();
    const opened = await active.waitFor({ timeout: 15_000 }).then(
      () => true,
      () => false,
    );
    if (opened) return;
    log(`quick open of ${fileName}: attempt ${attempt} did not activate it`);
    if (attempt === 3) throw new Error(`quick open did not make ${fileName} the active editor`);
    await page.keyboard.press("Escape");
  }
}

async function runCommand(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 30_000 });
  await input.fill(`>${title}`);
  await page
    .locator(".quick-input-list .monaco-list-row", { hasText: title.replace(/^threatlint: /, "") })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.keyboard.press("Enter");
}

/** The frame that holds the diagram webview's page. */
async function diagramFrame() {
  for (const frame of page.frames()) {
    if (await frame.evaluate(() => Boolean(document.querySelector("#diagram svg"))).catch(() => false)) return frame;
  }
  return undefined;
}

async function diagramState() {
  const frame = await diagramFrame();
  if (!frame) return null;
  return frame
    .evaluate(() => ({
      svgText: document.querySelector("#diagram svg")?.textContent ?? "",
      status: document.getElementById("status")?.textContent ?? "",
    }))
    .catch(() => null);
}

async function tabs() {
  return page.locator(".tab").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? e.textContent ?? ""));
}

async function problemsText() {
  return (
    (await page
      .locator(".markers-panel")
      .first()
      .innerText()
      .catch(() => "")) ?? ""
  );
}

let failure;
try {
  const install = spawnSync(codeServer, [...common, "--install-extension", vsix], { encoding: "utf8", timeout: 180_000 });
  log(`install-extension exit ${install.status}: ${(install.stdout + install.stderr).trim().split("\n").slice(-3).join(" | ")}`);
  if (install.status !== 0) throw new Error(`code-server --install-extension failed (exit ${install.status})`);
  result.installed = true;

  const port = await freePort();
  server = spawn(
    codeServer,
    [...common, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", workspace],
    {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    },
  );
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  server.on("exit", (code) => log(`code-server exited with ${code}`));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: STEP_MS });
  log("workbench loaded");

  await quickOpen(model);
  log(`opened ${model}`);
  await page.keyboard.press("Control+Shift+M");
  await page.locator(".markers-panel").first().waitFor({ timeout: 30_000 });
  result.problemsModel = await poll(`Problems to show ${expect.join(", ")}`, async () => {
    const text = await problemsText();
    return { done: expect.every((s) => text.includes(s)), value: text };
  });
  await screenshot("problems-model");
  log("model diagnostics shown");

  // The status bar shows the running server and the active model's error and warning counts.
  result.statusBar = await poll(
    "the threatlint status bar item with counts",
    async () => {
      const items = await page
        .locator(".statusbar [aria-label]")
        .evaluateAll((els) =>
          els.map((e) => `${e.textContent ?? ""} | ${e.getAttribute("aria-label") ?? ""}`).filter((t) => t.includes("threatlint")),
        );
      return {
        done: items.some((t) => /threatlint: \d+ errors?, \d+ warnings? in /.test(t)),
        value: items,
      };
    },
    60_000,
  ).catch((e) => {
    log(e.message);
    return [];
  });

  if (codeFile) {
    await quickOpen(codeFile);
    const name = codeFile.split("/").pop();
    result.problemsCode = await poll(
      `Problems to list ${name}`,
      async () => {
        const text = await problemsText();
        return { done: text.includes(name), value: text };
      },
      60_000,
    ).catch((e) => {
      log(e.message);
      return "";
    });
    await screenshot("problems-code-file");
  }

  // Show Data-Flow Diagram: a webview beside the model draws the diagram with the bundled Mermaid.
  await quickOpen(model);
  await runCommand("threatlint: Show Data-Flow Diagram");
  result.diagram = await poll(
    "the data-flow diagram's SVG in its webview",
    async () => {
      for (const frame of page.frames()) {
        const found = await frame
          .evaluate(() => {
            const svg = document.querySelector("#diagram svg");
            if (!svg) return null;
            return {
              svgText: svg.textContent ?? "",
              status: document.getElementById("status")?.textContent ?? "",
              nodes: [...svg.querySelectorAll("[data-threatlint-id]")].map((n) => n.getAttribute("data-threatlint-id")),
              csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? "",
            };
          })
          .catch(() => null);
        if (found && expectDiagram.every((name) => found.svgText.includes(name))) return { done: true, value: found };
      }
      return { done: false, value: page.frames().length };
    },
    90_000,
  );
  result.diagramTabs = await tabs();
  await screenshot("diagram");
  log("diagram drawn");

  if (liveRename) {
    // Rename the element in the editor without saving: the diagram follows.
    const [from, to] = liveRename;
    await quickOpen(model);
    await page.keyboard.press("Control+H");
    const find = page.locator(".find-widget textarea").first();
    await find.waitFor({ state: "visible", timeout: 30_000 });
    await find.fill(from);
    const replace = page.locator(".find-widget .replace-part textarea").first();
    await replace.fill(to);
    await replace.press("Control+Alt+Enter");
    await page.keyboard.press("Escape");
    result.diagramAfterEdit = await poll(`the diagram to show ${to}`, async () => {
      const state = await diagramState();
      return { done: Boolean(state && state.svgText.includes(to) && !state.svgText.includes(from)), value: state };
    });
    await screenshot("diagram-after-edit");

    // Break the YAML mid-edit: the last good drawing stays, and the webview says why.
    await quickOpen(model); // focuses the model's editor
    await page.keyboard.press("Control+Home");
    await page.keyboard.insertText("broken: a: b\n"); // no key events: no suggestion widget in the way
    result.diagramWhileBroken = await poll("the diagram to say the YAML does not parse", async () => {
      const state = await diagramState();
      return { done: Boolean(state && /does not parse/.test(state.status)), value: state };
    });
    await screenshot("diagram-broken-yaml");

    // Undo the break; clicking the element in the diagram reveals its line in the editor.
    await quickOpen(model); // focuses the model's editor
    for (let undo = 0; undo < 8; undo++) {
      await page.keyboard.press("Control+Z");
      const live = await poll(
        "the diagram to be live again",
        async () => {
          const state = await diagramState();
          return { done: Boolean(state && /^Live from/.test(state.status)), value: state };
        },
        3_000,
      ).catch(() => null);
      if (live) break;
    }
    const frame = await diagramFrame();
    await frame.locator(`[data-threatlint-id="${clickElement}"]`).first().click();
    result.cursorAfterClick = await poll(
      "the editor's cursor on the clicked element's line",
      async () => {
        const items = await page.locator(".statusbar [aria-label]").evaluateAll((els) => els.map((e) => e.textContent ?? ""));
        const cursor = items.find((t) => /^Ln \d+, Col \d+/.test(t.trim())) ?? "";
        return { done: cursor.trim().startsWith(`Ln ${clickLine},`), value: cursor.trim() };
      },
      30_000,
    );
    await screenshot("diagram-click");
  }

  // Show Risk Register on the model: the report's HTML (with its own Mermaid diagram) in a webview.
  await quickOpen(model);
  await runCommand("threatlint: Show Risk Register");
  result.riskRegisterTabs = await poll(
    "the risk register's tab",
    async () => {
      const names = await tabs();
      return { done: names.some((t) => t.startsWith("Risk register: ")), value: names };
    },
    60_000,
  );
  // Webviews render in nested iframes: read the report's text and diagram from there.
  const register = await poll(
    "the risk register with its diagram drawn",
    async () => {
      for (const frame of page.frames()) {
        const found = await frame
          .evaluate(() => ({ text: document.body?.innerText ?? "", svg: document.querySelector("svg")?.textContent ?? "" }))
          .catch(() => null);
        if (found && found.text.includes("Risk register") && found.svg) return { done: true, value: found };
      }
      return { done: false, value: page.frames().length };
    },
    90_000,
  );
  result.riskRegisterText = register.text;
  result.riskRegisterSvg = register.svg;
  await screenshot("risk-register");

  if (nestedModel) {
    // A model with nested boundaries, a risky flow and a threatened element, drawn in its own diagram.
    await quickOpen(nestedModel);
    await runCommand("threatlint: Show Data-Flow Diagram");
    result.nested = await poll(
      `the diagram of ${nestedModel}`,
      async () => {
        for (const frame of page.frames()) {
          const found = await frame
            .evaluate((names) => {
              const svg = document.querySelector("#diagram svg");
              if (!svg || !names.every((n) => (svg.textContent ?? "").includes(n))) return null;
              const box = (el) => {
                const r = el.getBoundingClientRect();
                return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
              };
              const clusters = {};
              for (const c of svg.querySelectorAll("g.cluster")) {
                const label = c.querySelector(".cluster-label")?.textContent?.trim() ?? c.id;
                clusters[label] = box(c.querySelector("rect") ?? c);
              }
              const elements = {};
              for (const n of svg.querySelectorAll("g.node[data-threatlint-id]")) {
                elements[n.getAttribute("data-threatlint-id")] = {
                  text: n.textContent ?? "",
                  classes: n.getAttribute("class") ?? "",
                  box: box(n),
                };
              }
              const flows = {};
              for (const p of svg.querySelectorAll("path[data-threatlint-id]")) {
                flows[p.getAttribute("data-threatlint-id")] = getComputedStyle(p).stroke;
              }
              return { clusters, elements, flows };
            }, expectNested)
            .catch(() => null);
          if (found) return { done: true, value: found };
        }
        return { done: false, value: page.frames().length };
      },
      90_000,
    );
    await screenshot("diagram-nested");
  }
  result.serverLogTail = serverLog.split("\n").slice(-20).join("\n");
} catch (error) {
  failure = error;
  log(`FAILED: ${error.stack ?? error}`);
  await screenshot("failure");
} finally {
  await browser?.close().catch(() => undefined);
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
process.stdout.write(`${JSON.stringify({ ok: !failure, error: failure ? String(failure.message ?? failure) : null, ...result })}\n`);
process.exit(failure ? 1 : 0);
