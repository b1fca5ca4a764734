"""The VS Code extension: its snippets, its packaged .vsix, and an end-to-end run in
code-server (real VS Code served to headless Chromium) that reads threatlint's
diagnostics from the Problems view.

The .vsix comes from `npm run package` in vscode-extension/ and code-server from
`bash ../shared/tools/install-code-server.sh .tools/code-server` (both done by
.ci/run); the end-to-end test skips, saying which, when one of them is missing.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "vscode-extension"
WORKSPACE_FIXTURE = EXT / "test" / "integration" / "workspace"
DRIVER = EXT / "test" / "integration" / "problems.mjs"
ARTIFACTS = ROOT / "tests" / "artifacts" / "vscode"
TODAY = "2026-11-23"


def run_check(path: Path, cwd: Path) -> list[dict]:
    """`threatlint check --format json` of one file, with the interpreter running pytest."""
    proc = subprocess.run(
        [sys.executable, "-m", "threatlint", "check", "--format", "json", str(path)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, "THREATLINT_TODAY": TODAY},
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


# --- snippets -----------------------------------------------------------------

SNIPPETS = json.loads((EXT / "snippets" / "threatmodel.json").read_text(encoding="utf-8"))
_PLACEHOLDER = re.compile(r"\$\{(\d+)(?::([^{}]*)|\|([^{}|]*)\|)?\}")


def expand(body: list[str], today: dt.date) -> str:
    """What VS Code inserts when the user accepts every default (first choice, placeholder text)."""
    text = "\n".join(body)
    text = (text.replace("$CURRENT_YEAR", f"{today.year}")
            .replace("$CURRENT_MONTH", f"{today.month:02d}")
            .replace("$CURRENT_DATE", f"{today.day:02d}"))
    defaults: dict[str, str] = {}

    def sub(m: re.Match) -> str:
        number, placeholder, choices = m.groups()
        if placeholder is not None:
            defaults[number] = placeholder
        elif choices is not None:
            defaults[number] = choices.split(",")[0]
        return defaults.get(number, "")

    while True:  # placeholders nest and repeat (${8} mirrors ${8:customer-data})
        new = _PLACEHOLDER.sub(sub, text)
        if new == text:
            break
        text = new
    return re.sub(r"\$\d+", "", text)


def indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


def test_new_model_snippet_is_a_valid_model(tmp_path):
    text = expand(SNIPPETS["threatlint: new threat model"]["body"], dt.date.fromisoformat(TODAY))
    model = tmp_path / "threatmodel.yaml"
    model.write_text(text, encoding="utf-8")
    findings = run_check(model, tmp_path)
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors == [], text
    # The starter model is a starting point, not a finished one: the STRIDE gaps are pointed out.
    assert any(f["rule"] == "TM101" for f in findings)


@pytest.mark.parametrize("name,section", [
    ("threatlint: threat", "threats"),
    ("threatlint: element", "elements"),
    ("threatlint: flow", "flows"),
    ("threatlint: mitigation", "mitigations"),
    ("threatlint: exemption", "exemptions"),
])
def test_item_snippets_are_schema_valid_items(tmp_path, name, section):
    today = dt.date.fromisoformat(TODAY)
    base = expand(SNIPPETS["threatlint: new threat model"]["body"], today).rstrip("\n")
    item = expand(SNIPPETS[name]["body"], today).rstrip("\n")
    lines = base.splitlines()
    if f"{section}:" in lines:
        at = lines.index(f"{section}:") + 1
        while at < len(lines) and lines[at].startswith(" "):
            at += 1
        lines[at:at] = indent(item, 2).splitlines()
    else:
        lines += [f"{section}:", *indent(item, 2).splitlines()]
    model = tmp_path / "threatmodel.yaml"
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    findings = run_check(model, tmp_path)
    broken = [f for f in findings if f["rule"] in ("TM001", "TM002", "TM003")]
    assert broken == [], model.read_text(encoding="utf-8")


# --- the packaged .vsix ---------------------------------------------------------

def built_vsix() -> Path | None:
    found = sorted(EXT.glob("threatlint-*.vsix"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def test_vsix_ships_the_bundle_and_the_current_schema():
    vsix = built_vsix()
    if vsix is None:
        pytest.skip("no vscode-extension/threatlint-*.vsix: run `npm ci && npm run package` in vscode-extension")
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        schema = z.read("extension/schemas/threatmodel.schema.json")
        manifest = json.loads(z.read("extension/package.json"))
        bundle = json.loads(z.read("extension/bundled/libs/BUNDLE.json"))
        mermaid = z.read("extension/dist/media/mermaid.min.js")
    assert "extension/dist/extension.js" in names
    assert not any("/node_modules/" in n or n.startswith("extension/src/") or n.endswith(".ts") for n in names), sorted(names)
    assert schema == (ROOT / "schemas" / "threatmodel.schema.json").read_bytes(), "the .vsix carries a stale schema copy"
    assert manifest["main"] == "./dist/extension.js"
    # The server comes with the extension, pure Python: one .vsix for every platform and Python 3.10+.
    assert "extension/bundled/tool/launch.py" in names
    assert "extension/bundled/libs/threatlint/lsp/diagram.py" in names
    assert {"pygls", "lsprotocol", "pyyaml", "jsonschema", "threatlint"} <= set(bundle["packages"])
    assert not any(n.endswith((".so", ".pyd", ".dylib")) or "__pycache__" in n for n in names)
    assert "pre-commit" not in bundle["packages"]  # the gate's, never imported by the server
    # The webview's Mermaid is the vendored one, byte for byte.
    assert mermaid == gzip.decompress((ROOT / "server" / "threatlint" / "report" / "assets" / "mermaid.min.js.gz").read_bytes())
    assert vsix.stat().st_size < 8_000_000


def test_bundled_server_runs_on_a_bare_interpreter_and_agrees_with_the_installed_one(tmp_path):
    """The bundle (npm run bundle-server) on a fresh venv with nothing installed: same findings, no libyaml."""
    launcher = EXT / "bundled" / "tool" / "launch.py"
    if not (EXT / "bundled" / "libs" / "threatlint").is_dir():
        pytest.skip("no vscode-extension/bundled/libs: run `npm run bundle-server` (or npm run package) in vscode-extension")
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = str(bare / "bin" / "python")
    env = {**os.environ, "THREATLINT_TODAY": TODAY}
    model = ROOT / "examples" / "mistakes" / "notifications.threatmodel.yaml"
    proc = subprocess.run([python, "-I", str(launcher), "check", "--format", "json", str(model)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1, proc.stderr
    bundled = json.loads(proc.stdout)
    assert bundled == run_check(model, tmp_path)
    assert any(f["rule"] == "TM002" for f in bundled)  # jsonschema's messages, on the pure rpds stand-in
    probe = subprocess.run([python, "-I", "-c", f"import sys; sys.path.insert(0, {str(EXT / 'bundled' / 'libs')!r}); "
                            "import yaml, rpds; print(yaml.__with_libyaml__, rpds.__name__)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["False", "rpds"], probe.stderr


# --- end to end in code-server ----------------------------------------------------

def code_server() -> Path | None:
    candidate = os.environ.get("THREATLINT_CODE_SERVER") or str(ROOT / ".tools" / "code-server" / "bin" / "code-server")
    return Path(candidate) if Path(candidate).is_file() and os.access(candidate, os.X_OK) else None


def problem_rows(text: str) -> list[str]:
    """The Problems view's text, one marker per line (a row's parts may be split over lines)."""
    rows, current = [], ""
    for line in text.splitlines():
        current = f"{current} {line.strip()}".strip()
        if re.search(r"\[Ln \d+, Col \d+\]$", current):
            rows.append(current)
            current = ""
    return rows


def test_problems_view_shows_threatlint_diagnostics(tmp_path):
    server = code_server()
    chromium = Path(os.environ.get("THREATLINT_CHROMIUM", "/usr/bin/chromium"))
    vsix = built_vsix()
    node = shutil.which("node")
    missing = [why for ok, why in [
        (server, "code-server (install with `bash ../shared/tools/install-code-server.sh .tools/code-server`, or set THREATLINT_CODE_SERVER)"),
        (chromium.is_file(), f"chromium at {chromium} (apt-get install chromium)"),
        (vsix, "vscode-extension/threatlint-*.vsix (npm ci && npm run package)"),
        (node, "node"),
        ((EXT / "node_modules" / "playwright-core").is_dir(), "playwright-core (npm ci in vscode-extension)"),
    ] if not ok]
    if missing:
        pytest.skip("VS Code integration test needs: " + "; ".join(missing))

    # The workspace is a git repository, as a user's would be (TM404 looks at its files).
    workspace = tmp_path / "workspace"
    shutil.copytree(WORKSPACE_FIXTURE, workspace)
    subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)
    subprocess.run(["git", "add", "-A"], cwd=workspace, check=True)
    expected = run_check(workspace / "threatmodel.yaml", workspace)
    assert {f["rule"] for f in expected} >= {"TM403"}, expected  # the fixture's known finding (its assumption is not validated)

    model_text = (workspace / "threatmodel.yaml").read_text(encoding="utf-8")
    element_line = model_text.splitlines().index("  - {id: printer, kind: external_entity, name: Receipt printer}")

    # A bare interpreter: no threatlint, no dependencies; the extension brings its own.
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    bare_python = bare / "bin" / "python"
    probe = subprocess.run([str(bare_python), "-c", "import threatlint"], capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'threatlint'" in probe.stderr

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "THREATLINT_TODAY": TODAY,  # inherited by code-server, its extension host and the server
        "TL_CODE_SERVER": str(server),
        "TL_VSIX": str(vsix),
        "TL_PYTHON": str(bare_python),
        "TL_EXPECT_DIAGRAM": json.dumps(["Receipt printer"]),
        "TL_DIAGRAM_RENAME": json.dumps(["Receipt printer", "Label printer"]),
        "TL_DIAGRAM_CLICK": "printer",
        "TL_NESTED_MODEL": "shop.threatmodel.yaml",
        "TL_EXPECT_NESTED": json.dumps(["Customer", "Shop API", "Orders DB", "Cloud account", "Production VPC", "DMZ"]),
        "TL_DIAGRAM_CLICK_LINE": str(element_line + 1),
        "TL_WORKSPACE": str(workspace),
        "TL_MODEL": "threatmodel.yaml",
        "TL_CODE_FILE": "src/app.py",
        "TL_EXPECT": json.dumps(sorted({f"{f['rule']}" for f in expected})),
        "TL_ARTIFACTS": str(ARTIFACTS),
        "TL_CHROMIUM": str(chromium),
    }
    proc = subprocess.run(["node", str(DRIVER)], cwd=EXT, env=env, capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"driver printed nothing; stderr:\n{proc.stderr[-4000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], f"{result['error']}\n{proc.stderr[-4000:]}"
    assert result["installed"]

    # Every finding of a fresh `threatlint check` is in the Problems view, at its position.
    rows = problem_rows(result["problemsModel"])
    for f in expected:
        where = f"[Ln {f['range']['start']['line'] + 1}, Col {f['range']['start']['character'] + 1}]"
        matching = [r for r in rows if f["rule"] in r and r.endswith(where) and f["message"][:40] in r]
        assert matching, f"{f['rule']} {where} {f['message'][:40]!r} not in Problems view rows:\n" + "\n".join(rows)
    model_rows = [r for r in rows if re.search(r"\bTM\d{3}\b", r)]
    assert len(model_rows) >= len(expected)

    # The code file in the model's scope gets the server's information diagnostic on line 1.
    # (A file's first row carries its header, "app.py src 1", in the merged text.)
    code_rows = [r for r in problem_rows(result["problemsCode"]) if "app.py" in r and r.endswith("[Ln 1, Col 1]")]
    assert code_rows, "no scope diagnostic for src/app.py in the Problems view:\n" + result["problemsCode"]

    # The status bar names the model's error and warning counts, as the Problems view has them.
    errors = sum(f["severity"] == "error" for f in expected)
    warnings = sum(f["severity"] == "warning" for f in expected)
    counts = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''} in threatmodel.yaml"
    assert any(counts in item for item in result["statusBar"]), (counts, result["statusBar"])

    # Show Data-Flow Diagram drew the model's element, from the server's parse, in a webview with a strict CSP.
    diagram = result["diagram"]
    assert "Receipt printer" in diagram["svgText"], diagram
    assert diagram["nodes"] == ["printer"], diagram  # the element is wired to its line
    assert "unsafe-eval" not in diagram["csp"] and "script-src 'nonce-" in diagram["csp"], diagram["csp"]
    assert "Live from the editor's text" in diagram["status"], diagram["status"]
    assert any(t.startswith("Diagram: threatmodel.yaml") for t in result["diagramTabs"]), result["diagramTabs"]
    # It followed an unsaved rename, kept the last good drawing while the YAML was broken (saying so),
    # and a click on the element put the cursor on its line.
    assert "Label printer" in result["diagramAfterEdit"]["svgText"], result["diagramAfterEdit"]
    broken = result["diagramWhileBroken"]
    assert "Label printer" in broken["svgText"] and "Showing the last good drawing" in broken["status"], broken
    assert "line 1" in broken["status"], broken["status"]
    assert result["cursorAfterClick"].startswith(f"Ln {element_line + 1},"), result["cursorAfterClick"]
    assert (workspace / "threatmodel.yaml").read_text(encoding="utf-8") == model_text, "nothing was saved"

    # Nested boundaries are boxes inside boxes; the unencrypted boundary crossing is red, the encrypted one
    # is not; the element with an open critical threat is marked.
    nested = result["nested"]

    def inside(inner, outer):
        return (outer["left"] <= inner["left"] and inner["right"] <= outer["right"]
                and outer["top"] <= inner["top"] and inner["bottom"] <= outer["bottom"])

    boxes, elements = nested["clusters"], nested["elements"]
    assert inside(boxes["DMZ"], boxes["Production VPC"]) and inside(boxes["Production VPC"], boxes["Cloud account"]), boxes
    assert not inside(boxes["Production VPC"], boxes["DMZ"])
    assert inside(elements["api"]["box"], boxes["DMZ"]) and inside(elements["db"]["box"], boxes["Production VPC"])
    assert not inside(elements["db"]["box"], boxes["DMZ"]) and not inside(elements["customer"]["box"], boxes["Cloud account"])
    assert nested["flows"]["checkout"] == "rgb(220, 38, 38)" and nested["flows"]["orders"] != "rgb(220, 38, 38)", nested["flows"]
    assert "threatened" in elements["db"]["classes"] and "⚠" in elements["db"]["text"], elements["db"]
    assert "threatened" not in elements["api"]["classes"] and "⚠" not in elements["api"]["text"]

    # Show Risk Register opened the model's report in a webview, its diagram drawn (no Mermaid extension installed).
    assert any(t.startswith("Risk register: threatmodel.yaml") for t in result["riskRegisterTabs"]), result["riskRegisterTabs"]
    assert "Receipt printer" in result["riskRegisterText"] and "T-001" in result["riskRegisterText"], result["riskRegisterText"]
    assert "Receipt printer" in result["riskRegisterSvg"]
