// package.json is the other half of the extension: its contributions must
// agree with what the code registers and reads.
import * as assert from "assert";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { COMMANDS } from "../../src/activation";
import { MODEL_GLOBS } from "../../src/patterns";
import { RESTART_KEYS } from "../../src/settings";

const root = path.resolve(__dirname, "..", "..", "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

describe("package.json", () => {
  it("activates on workspaces holding a model and on YAML files", () => {
    assert.deepStrictEqual(manifest.activationEvents, [...MODEL_GLOBS.map((g) => `workspaceContains:${g}`), "onLanguage:yaml"]);
  });

  it("contributes exactly the commands the extension registers", () => {
    assert.deepStrictEqual(manifest.contributes.commands.map((c: { command: string }) => c.command).sort(), Object.values(COMMANDS).sort());
  });

  it("declares every setting the extension reads", () => {
    const props = Object.keys(manifest.contributes.configuration.properties).sort();
    assert.deepStrictEqual(props, [...RESTART_KEYS, "threatlint.trace.server"].sort());
  });

  it("never lets an untrusted workspace choose the interpreter that runs", () => {
    const interpreter = manifest.contributes.configuration.properties["threatlint.interpreter"];
    assert.strictEqual(interpreter.scope, "machine-overridable");
    assert.deepStrictEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, [
      "threatlint.interpreter",
      "threatlint.importStrategy",
    ]);
    assert.strictEqual(manifest.contributes.configuration.properties["threatlint.importStrategy"].scope, "machine-overridable");
  });

  it("points yamlValidation at the copied schema for every model pattern", () => {
    const [validation] = manifest.contributes.yamlValidation;
    assert.deepStrictEqual(
      validation.fileMatch,
      MODEL_GLOBS.map((g) => g.replace("**/", "")),
    );
    assert.strictEqual(validation.url, "./schemas/threatmodel.schema.json");
    assert.match(readFileSync(path.join(root, "scripts", "copy-assets.mjs"), "utf8"), /"schemas", "threatmodel\.schema\.json"/);
    assert.match(readFileSync(path.join(root, ".vscodeignore"), "utf8"), /^!schemas\/threatmodel\.schema\.json$/m);
  });

  it("puts the diagram and risk register buttons on a model's editor title bar", () => {
    const title = manifest.contributes.menus["editor/title"] as Array<{ command: string; when: string }>;
    assert.deepStrictEqual(
      title.map((m) => m.command),
      [COMMANDS.showDiagram, COMMANDS.showRiskRegister],
    );
    assert.strictEqual(title[0].when, title[1].when);
  });

  it("packs the bundled server, the webview's Mermaid and its script into the .vsix", () => {
    const ignore = readFileSync(path.join(root, ".vscodeignore"), "utf8");
    for (const line of ["!dist/media/**", "!bundled/tool/launch.py", "!bundled/libs/**"]) {
      assert.match(ignore, new RegExp(`^${line.replace(/[.*]/g, "\\$&")}$`, "m"));
    }
    assert.match(manifest.scripts.build, /bundle-server/);
    assert.match(manifest.scripts.test, /^npm run lint && /);
  });

  it("ships snippets that exist and parse", () => {
    for (const snippet of manifest.contributes.snippets) {
      const file = path.join(root, snippet.path);
      assert.ok(existsSync(file), file);
      const parsed = JSON.parse(readFileSync(file, "utf8"));
      assert.ok(Object.keys(parsed).length > 0);
      for (const entry of Object.values(parsed) as Array<{ prefix: string; body: string[] }>) {
        assert.ok(entry.prefix && Array.isArray(entry.body));
      }
    }
  });

  it("targets a VS Code no newer than the API types it compiles against", () => {
    const types = JSON.parse(readFileSync(path.join(root, "node_modules", "@types", "vscode", "package.json"), "utf8")).version as string;
    const engine = (manifest.engines.vscode as string).replace(/^\^/, "");
    const [a, b] = [engine, types].map((v) => v.split(".").map(Number));
    assert.ok(a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]), `engines.vscode ${engine} < @types/vscode ${types}`);
  });
});
