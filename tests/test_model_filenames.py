"""Which file names are models: one definition (engine/filenames.py), and every place that restates it agrees.

The pre-commit hook's `files` regex, the VS Code extension's globs and regexes (src/patterns.ts) and its
manifest (package.json: activation events, the editor-title `when` clause, the schema association) are
written in other languages; each is read from its file here and applied to the same table of names.
"""
import fnmatch
import json
import re
from pathlib import Path

import pytest
import yaml

from threatlint.engine.filenames import MODEL_PATTERNS, is_model_file

ROOT = Path(__file__).resolve().parents[1]

MODELS = ["threatmodel.yaml", "threatmodel.yml", "x.threatmodel.yaml", "x.threatmodel.yml",
          "a.b.threatmodel.yaml", "services/pay/threatmodel.yml", "services/pay/auth.threatmodel.yaml"]
NOT_MODELS = ["threatmodel.yaml.bak", "mythreatmodel.yaml", "threatmodel.json", "threatmodels.yaml",
              "x.threatmodel.yaml.orig", "threatmodel.YAML", "ci.yaml", "threatmodel.yaml/app.py",
              "docs/threatmodel.md", "threatmodel"]
TABLE = [(n, True) for n in MODELS] + [(n, False) for n in NOT_MODELS]


def _expand_braces(glob: str) -> list[str]:
    m = re.search(r"\{([^{}]*)\}", glob)
    if not m:
        return [glob]
    return [x for alt in m.group(1).split(",") for x in _expand_braces(glob[:m.start()] + alt + glob[m.end():])]


def _glob_matches(glob: str, path: str) -> bool:
    """A VS Code / yaml-language-server file glob of the form `**/NAME` or `NAME` (NAME without folders)."""
    name = path.rsplit("/", 1)[-1]
    for g in _expand_braces(glob):
        g = g[3:] if g.startswith("**/") else g
        assert "/" not in g, f"glob {glob!r} names folders; this test only understands file-name globs"
        if fnmatch.fnmatchcase(name, g):
            return True
    return False


def _js_regex(literal: str) -> re.Pattern:
    """A JavaScript regex literal without flags, in the subset Python's re reads the same way."""
    assert literal.startswith("/") and literal.endswith("/"), literal
    return re.compile(literal[1:-1])


# -- the definition --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", TABLE)
def test_the_definition(name, expected):
    assert is_model_file(name) is expected
    assert is_model_file(name.replace("/", "\\")) is expected  # a Windows path


def test_every_python_front_end_uses_the_definition():
    from threatlint import workspace
    from threatlint.engine.selection import DEFAULT_MODEL_PATTERNS, Config
    from threatlint.gate import models

    assert workspace.MODEL_PATTERNS is MODEL_PATTERNS and workspace.is_model_file is is_model_file
    assert DEFAULT_MODEL_PATTERNS is MODEL_PATTERNS and Config().model_patterns is MODEL_PATTERNS
    assert models.MODEL_PATTERNS is MODEL_PATTERNS
    for name, expected in TABLE:
        assert models.is_model_path(name) is expected, name


def test_check_of_a_folder_finds_exactly_the_models(tmp_path):
    from threatlint.workspace import find_models

    for i, name in enumerate(MODELS + NOT_MODELS):  # each in a folder of its own: names may be folders too
        target = tmp_path / str(i) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("version: 1\n", encoding="utf-8")
    found = {p.relative_to(tmp_path).as_posix().split("/", 1)[1] for p in find_models(tmp_path)}
    assert found == set(MODELS)


# -- restatements in other languages ---------------------------------------------------------------

@pytest.mark.parametrize("name,expected", TABLE)
def test_pre_commit_hook_files_regex(name, expected):
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    # pre-commit applies `files` with re.search to the repository-relative path.
    assert bool(re.search(hooks["threatlint-check"]["files"], name)) is expected


def _patterns_ts():
    text = (ROOT / "vscode-extension" / "src" / "patterns.ts").read_text(encoding="utf-8")
    globs = json.loads(re.search(r"export const MODEL_GLOBS = (\[[^\]]*\]) as const;", text).group(1))
    glob = json.loads(re.search(r"export const MODEL_GLOB = (\"[^\"]*\");", text).group(1))
    name_re = _js_regex(re.search(r"const MODEL_NAME = (/.*/);", text).group(1))
    return globs, glob, name_re


@pytest.mark.parametrize("name,expected", TABLE)
def test_extension_patterns_ts(name, expected):
    globs, glob, name_re = _patterns_ts()
    assert any(_glob_matches(g, name) for g in globs) is expected, globs  # document selector
    assert _glob_matches(glob, name) is expected, glob  # workspace search and file watcher
    assert bool(name_re.match(name.rsplit("/", 1)[-1])) is expected, name_re.pattern  # isModelPath


@pytest.mark.parametrize("name,expected", TABLE)
def test_extension_manifest(name, expected):
    manifest = json.loads((ROOT / "vscode-extension" / "package.json").read_text(encoding="utf-8"))
    activation = [e.split(":", 1)[1] for e in manifest["activationEvents"] if e.startswith("workspaceContains:")]
    assert any(_glob_matches(g, name) for g in activation) is expected, activation
    (validation,) = [v for v in manifest["contributes"]["yamlValidation"] if v["url"].endswith("threatmodel.schema.json")]
    assert any(_glob_matches(g, name) for g in validation["fileMatch"]) is expected, validation["fileMatch"]
    menus = [m for m in manifest["contributes"]["menus"]["editor/title"] if "resourceFilename" in m.get("when", "")]
    assert {m["command"] for m in menus} >= {"threatlint.showRiskRegister", "threatlint.showDiagram"}
    for menu in menus:  # every model button shows on exactly the model files
        when = re.search(r"resourceFilename =~ (/.*/)", menu["when"]).group(1)
        assert bool(_js_regex(when).match(name.rsplit("/", 1)[-1])) is expected, (menu["command"], when)


def test_the_table_covers_every_pattern():
    for pattern in MODEL_PATTERNS:
        assert any(fnmatch.fnmatchcase(n.rsplit("/", 1)[-1], pattern) for n in MODELS), pattern
