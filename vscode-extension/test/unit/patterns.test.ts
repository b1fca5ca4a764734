import * as assert from "assert";
import { documentSelector, isModelPath, MODEL_GLOBS } from "../../src/patterns";

describe("patterns", () => {
  it("recognises the model file names (server/threatlint/engine/filenames.py) and nothing else", () => {
    for (const name of [
      "threatmodel.yaml",
      "/repo/threatmodel.yaml",
      "C:\\repo\\pay.threatmodel.yaml",
      "a.b.threatmodel.yml",
      "x/auth.threatmodel.yaml",
      "threatmodel.yml",
      "/repo/threatmodel.yml",
    ]) {
      assert.ok(isModelPath(name), name);
    }
    for (const name of ["threatmodel.yaml.bak", "mythreatmodel.yaml", "threatmodel.json", "/repo/threatmodel.yaml/x.py", "ci.yaml"]) {
      assert.ok(!isModelPath(name), name);
    }
  });

  it("selects model files only, or every file on disk for code-file diagnostics", () => {
    const models = documentSelector(false);
    assert.deepStrictEqual(
      models.map((f) => f.pattern),
      [...MODEL_GLOBS],
    );
    assert.ok(models.every((f) => f.scheme === "file" && f.language === "yaml"));
    const all = documentSelector(true);
    assert.deepStrictEqual(all.slice(0, models.length), models);
    assert.deepStrictEqual(all[all.length - 1], { scheme: "file" });
  });
});
