import * as assert from "assert";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { probeThreatlint, RunResult } from "../../src/probe";
import { makeRunner } from "../../src/runProcess";

const fixed = (result: RunResult) => async () => result;

describe("probeThreatlint", () => {
  it("reads the version from `python -m threatlint --version`", async () => {
    let seen: string[] = [];
    const result = await probeThreatlint({ python: "/venv/bin/python", args: ["-m", "threatlint"] }, async (cmd, args) => {
      seen = [cmd, ...args];
      return { code: 0, stdout: "threatlint 0.1.0\n", stderr: "" };
    });
    assert.deepStrictEqual(result, { ok: true, version: "0.1.0" });
    assert.deepStrictEqual(seen, ["/venv/bin/python", "-m", "threatlint", "--version"]);
  });

  it("says why an interpreter cannot run threatlint", async () => {
    const cases: Array<[RunResult, RegExp]> = [
      [{ code: null, stdout: "", stderr: "", error: { code: "ENOENT", message: "spawn python3 ENOENT" } }, /interpreter not found/],
      [
        { code: 1, stdout: "", stderr: "/usr/bin/python3: No module named threatlint\n" },
        /threatlint is not installed for this interpreter/,
      ],
      [{ code: null, stdout: "", stderr: "", error: { code: "ETIMEDOUT", message: "timed out" } }, /timed out/],
      [
        { code: 3, stdout: "", stderr: "Traceback...\nImportError: cannot import name 'x'\n" },
        /exit code 3: ImportError: cannot import name 'x'/,
      ],
      [{ code: 0, stdout: "Python 3.12.1\n", stderr: "" }, /unexpected output/],
      [
        { code: 1, stdout: "", stderr: "threatlint needs Python 3.10 or newer; /usr/bin/python3 is Python 3.8.10\n" },
        /^threatlint needs Python 3\.10 or newer; \/usr\/bin\/python3 is Python 3\.8\.10$/,
      ],
    ];
    for (const [run, reason] of cases) {
      const result = await probeThreatlint({ python: "python3", args: ["-m", "threatlint"] }, fixed(run));
      assert.strictEqual(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    }
  });

  it("runs real processes: a missing interpreter and one that prints a version", async () => {
    const run = makeRunner(10_000);
    const missing = await probeThreatlint({ python: path.join(tmpdir(), "no-such-python-here"), args: ["-m", "threatlint"] }, run);
    assert.deepStrictEqual(missing, { ok: false, reason: "interpreter not found" });

    const dir = mkdtempSync(path.join(tmpdir(), "threatlint-probe-"));
    const fake = path.join(dir, "python");
    writeFileSync(
      fake,
      `#!${process.execPath}\nif (process.argv.slice(2).join(" ") === "-m threatlint --version") { console.log("threatlint 7.8.9"); } else { console.error("No module named threatlint"); process.exit(1); }\n`,
    );
    chmodSync(fake, 0o755);
    assert.deepStrictEqual(await probeThreatlint({ python: fake, args: ["-m", "threatlint"] }, run), { ok: true, version: "7.8.9" });
    const other = await run(fake, ["-m", "other"]);
    assert.strictEqual(other.code, 1);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports a timeout of a hanging interpreter instead of waiting forever", async () => {
    const result = await probeThreatlint({ python: process.execPath, args: [] }, (cmd, _args) =>
      makeRunner(300)(cmd, ["-e", "setTimeout(() => {}, 10000)"]),
    );
    assert.deepStrictEqual(result, { ok: false, reason: "timed out running threatlint --version" });
  });
});
