"""Hostile input: every attack gets a clear finding or error, in bounded memory, without hanging,
executing anything or reading outside the repository.

Each file is checked by the real CLI in a subprocess whose address space is capped (RLIMIT_AS) and
which must finish before a generous timeout (a hang detector, not a speed test).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from threatlint.engine import check_bytes, check_text
from threatlint.engine.parse import MAX_ALIAS_EXPANSION, MAX_CHARS, MAX_DEPTH

THREATLINT = [sys.executable, "-m", "threatlint"]
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space for the whole process
HANG = 60  # seconds; each case needs well under one on an idle machine


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(args, cwd, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "THREATLINT_TODAY": "2026-11-01", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(THREATLINT + list(args), cwd=cwd, capture_output=True, text=True, timeout=HANG,
                          preexec_fn=_limit_memory, env=env, **kw)


def check_json(path: Path) -> list[dict]:
    """`threatlint check --format json` on one file, in a memory-capped subprocess."""
    proc = run(["check", "--format", "json", str(path)], cwd=path.parent)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def only_tm001(findings: list[dict], *words: str) -> dict:
    errors = [f for f in findings if f["rule"] == "TM001"]
    assert errors, findings
    assert all(w in errors[0]["message"] for w in words), errors[0]
    return errors[0]


# -- resource exhaustion ---------------------------------------------------------

def billion_laughs(levels: int = 9, fanout: int = 10) -> str:
    lines = ['version: 1', 'system: {name: lol}', 'a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs(tmp_path):
    path = tmp_path / "lol.threatmodel.yaml"
    path.write_text(billion_laughs())  # 10**9 strings if expanded
    finding = only_tm001(check_json(path), "aliases expand", str(MAX_ALIAS_EXPANSION))
    assert finding["range"]["start"]["line"] >= 3  # at the alias that crossed the limit, not line 1


def test_billion_laughs_of_mappings_and_merge_keys(tmp_path):
    lines = ["version: 1", "system: {name: lol}", "a0: &a0 {k: v}"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} {{<<: [" + ", ".join([f"*a{i - 1}"] * 10) + f"], x{i}: [" +
                     ", ".join([f"*a{i - 1}"] * 10) + "]}")
    path = tmp_path / "merge.threatmodel.yaml"
    path.write_text("\n".join(lines) + "\n")
    only_tm001(check_json(path), "aliases expand")


def test_ten_megabyte_model(tmp_path):
    path = tmp_path / "big.threatmodel.yaml"
    item = "  - {id: A-%07d, text: The VPC has no inbound route from the internet, validated: true}\n"
    with path.open("w") as fh:
        fh.write("version: 1\nsystem: {name: big}\nassumptions:\n")
        n = 0
        while fh.tell() < 10 * 1024 * 1024:
            fh.write(item % n)
            n += 1
    assert path.stat().st_size > MAX_CHARS
    finding = only_tm001(check_json(path), "too large")
    assert finding["range"]["start"] == {"line": 0, "character": 0}


def test_ten_megabyte_scalar_on_one_line(tmp_path):
    path = tmp_path / "scalar.threatmodel.yaml"
    path.write_text("version: 1\nsystem: {name: " + "x" * (10 * 1024 * 1024) + "}\n")
    only_tm001(check_json(path), "too large")


def test_model_just_under_the_size_limit_is_checked(tmp_path):
    """Below the limit the file is really parsed: a schema finding at the end proves it was read through."""
    path = tmp_path / "under.threatmodel.yaml"
    filler = "# " + "padding " * 10 + "\n"
    body = filler * ((MAX_CHARS - 200) // len(filler))
    path.write_text("version: 1\nsystem: {name: x}\n" + body + "bogus: 1\n")
    findings = check_json(path)
    assert [f["rule"] for f in findings] == ["TM002"]
    assert findings[0]["range"]["start"]["line"] == 2 + body.count("\n")


@pytest.mark.parametrize("kind", ["flow-seq", "flow-map", "block-seq", "block-map"])
def test_ten_thousand_levels_of_nesting(tmp_path, kind):
    depth = 10_000
    if kind == "flow-seq":
        text = "threats: " + "[" * depth + "]" * depth + "\n"
    elif kind == "flow-map":
        text = "threats: " + "{a: " * depth + "x" + "}" * depth + "\n"
    elif kind == "block-seq":
        text = "threats:\n  " + "- " * depth + "x\n"  # compact nested block sequences
    else:
        # Each level of a block mapping is indented one more space: 3,000 levels is as deep as fits the
        # size limit (10,000 would be 50 MB and stop at the size check).
        depth = 3_000
        text = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "x\n"
    path = tmp_path / f"{kind}.threatmodel.yaml"
    path.write_text("version: 1\nsystem: {name: deep}\n" + text if kind != "block-map" else text)
    finding = only_tm001(check_json(path), "nesting deeper than", str(MAX_DEPTH))
    start = finding["range"]["start"]
    # At the level that crossed our limit, whichever parser (ours or libyaml's own limit) stopped first.
    # The root mapping is level 1, so the 64th bracket after `threats:` would open level MAX_DEPTH + 1.
    if kind == "flow-seq":
        assert (start["line"], start["character"]) == (2, len("threats: ") + MAX_DEPTH - 1)
    elif kind == "flow-map":
        assert (start["line"], start["character"]) == (2, len("threats: ") + 4 * (MAX_DEPTH - 1))
    else:
        assert start["line"] > 1


# -- nothing is executed -----------------------------------------------------------

def payloads(marker: Path) -> dict[str, str]:
    cmd = f"touch {marker}"
    return {
        "object/apply": f'!!python/object/apply:os.system ["{cmd}"]',
        "object/apply-map": f"!!python/object/apply:subprocess.check_call {{args: [[touch, '{marker}']]}}",
        "object/new": f"!!python/object/new:subprocess.Popen [[touch, '{marker}']]",
        "name": "!!python/name:os.system",
        "module": "!!python/module:os",
        "object": "!!python/object:argparse.Namespace {x: 1}",
        "unsafe-tag-long": f'!<tag:yaml.org,2002:python/object/apply:os.system> ["{cmd}"]',
        "custom": "!Ref [evil]",
        "binary": "!!binary aGVsbG8=",
        "set": "!!set {a, b}",
    }


@pytest.mark.parametrize("name", list(payloads(Path("/x"))))
def test_tags_are_refused_and_nothing_is_executed(tmp_path, name):
    marker = tmp_path / "pwned"
    payload = payloads(marker)[name]
    text = f"version: 1\nsystem:\n  name: x\n  description: {payload}\n"
    path = tmp_path / "tags.threatmodel.yaml"
    path.write_text(text)
    findings = check_json(path)
    tm001 = [f for f in findings if f["rule"] == "TM001"]
    assert tm001 and "tag" in tm001[0]["message"] and tm001[0]["range"]["start"]["line"] == 3, findings
    # In-process too (the language server's path), with every entry point.
    assert any(f.rule == "TM001" for f in check_text(text))
    assert any(f.rule == "TM001" for f in check_bytes(text.encode()))
    assert not marker.exists()


def test_tag_as_a_whole_document_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "doc.threatmodel.yaml"
    path.write_text(f'--- !!python/object/apply:os.system ["touch {marker}"]\n')
    only_tm001(check_json(path), "tag")
    assert not marker.exists()


# -- bytes that are not a UTF-8 model ---------------------------------------------

@pytest.mark.parametrize("raw,line,character", [
    (b"version: 1\nsystem: {name: caf\xe9}\n", 1, 18),  # Latin-1
    ("version: 1\nsystem: {name: x}\n".encode("utf-16"), 0, 0),
    (b"version: 1\nsystem: {name: \xed\xa0\x80}\n", 1, 15),  # an encoded surrogate
    (b"\xef\xbb\xbfversion: 1\r\nsystem: {name: \xff}\r\n", 1, 15),  # BOM and CRLF before the bad byte
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, 0),  # a binary file with a model's name
])
def test_file_that_is_not_utf8(tmp_path, raw, line, character):
    path = tmp_path / "latin1.threatmodel.yaml"
    path.write_bytes(raw)
    finding = only_tm001(check_json(path), "not valid UTF-8")
    assert finding["range"]["start"] == {"line": line, "character": character}


def test_nul_bytes(tmp_path):
    path = tmp_path / "nul.threatmodel.yaml"
    path.write_bytes(b"version: 1\nsystem: {name: a\x00b}\n")
    finding = only_tm001(check_json(path), "NUL")
    assert finding["range"]["start"] == {"line": 1, "character": 16}


# -- the gate and the repository boundary ---------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=HANG).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    git(root, "config", "commit.gpgsign", "false")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "README").write_text("x\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def gate(repo: Path, *files: str) -> subprocess.CompletedProcess:
    return run(["gate", *files], cwd=repo)


MODEL = "version: 1\nsystem: {name: x}\nscope:\n  paths: [%s]\n"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A directory next to the repository holding a model the repository links to."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.threatmodel.yaml").write_text(MODEL % '"src/**"')
    return out


def test_model_symlinked_out_of_the_repository_blocks_and_is_not_read(repo, outside):
    """The link's target is a FIFO: opening it would hang the gate, so finishing proves it was not opened."""
    fifo = outside / "fifo.threatmodel.yaml"
    os.mkfifo(fifo)
    (repo / "threatmodel.yaml").symlink_to(fifo)
    git(repo, "add", "threatmodel.yaml")
    (repo / "src" / "app.py").write_text("print('changed')\n")
    git(repo, "add", "src/app.py")
    proc = gate(repo, "threatmodel.yaml", "src/app.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "outside the repository" in proc.stdout
    assert "threatmodel.yaml" in proc.stdout


def test_untracked_model_symlinked_out_of_the_repository_blocks(repo, outside):
    (repo / "src" / "threatmodel.yaml").symlink_to(outside / "secret.threatmodel.yaml")
    (repo / "src" / "app.py").write_text("print('changed')\n")
    git(repo, "add", "src/app.py")
    proc = gate(repo, "src/app.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "outside the repository" in proc.stdout


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_gate_opens_nothing_outside_the_repository(repo, outside, tmp_path):
    """Under strace: no open() of any path in the outside directory, by the gate or the git it runs."""
    (repo / "threatmodel.yaml").symlink_to(outside / "secret.threatmodel.yaml")
    (repo / "escape.threatmodel.yaml").write_text(MODEL % f'"../outside/**", "{outside}/**", "/etc/**", "src/**"')
    git(repo, "add", "-A")
    (repo / "src" / "app.py").write_text("print('changed')\n")
    git(repo, "add", "src/app.py")
    trace = tmp_path / "trace.txt"
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(trace), *THREATLINT,
                           "gate", "src/app.py"], cwd=repo, capture_output=True, text=True, timeout=HANG)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "outside the repository" in proc.stdout
    opened = [ln for ln in trace.read_text().splitlines() if str(outside) in ln and "= -1" not in ln]
    assert opened == []
    assert any("open" in ln and str(repo) in ln for ln in trace.read_text().splitlines())  # the trace works


def test_scope_patterns_pointing_outside_the_repository(repo, tmp_path):
    """`../../**`, an absolute path and a Windows path cover nothing in (or out of) the repository."""
    (repo / "threatmodel.yaml").write_text(MODEL % '"../../**", "/etc/**", "C:\\\\Windows\\\\**", "**/../../x"')
    git(repo, "add", "threatmodel.yaml")
    git(repo, "commit", "-q", "-m", "model")
    proc = run(["check", "--format", "json", "threatmodel.yaml"], cwd=repo)
    findings = json.loads(proc.stdout)
    assert sorted(f["message"].split("'")[1] for f in findings if f["rule"] == "TM404") == sorted(
        ["../../**", "/etc/**", "C:\\Windows\\**", "**/../../x"])
    # The gate does not treat files outside as covered, and covers no file inside with these patterns.
    (repo / "src" / "app.py").write_text("print('changed')\n")
    git(repo, "add", "src/app.py")
    proc = gate(repo, "src/app.py", "../../etc/passwd", "/etc/passwd")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_staged_model_that_is_not_utf8_blocks(repo):
    (repo / "threatmodel.yaml").write_bytes(b"version: 1\nsystem: {name: caf\xe9}\nscope: {paths: [src/**]}\n")
    git(repo, "add", "threatmodel.yaml")
    proc = gate(repo, "threatmodel.yaml")
    assert proc.returncode == 1
    assert "not valid UTF-8" in proc.stdout and "threatmodel.yaml:2:" in proc.stdout


@pytest.mark.parametrize("name", ["object/apply", "name"])
def test_staged_model_with_python_tags_blocks_and_executes_nothing(repo, tmp_path, name):
    marker = tmp_path / "pwned"
    (repo / "threatmodel.yaml").write_text(
        f"version: 1\nsystem:\n  name: x\n  description: {payloads(marker)[name]}\nscope: {{paths: [src/**]}}\n")
    git(repo, "add", "threatmodel.yaml")
    proc = gate(repo, "threatmodel.yaml")
    assert proc.returncode == 1
    assert "TM001" in proc.stdout and "tag" in proc.stdout
    assert not marker.exists()


def test_staged_billion_laughs_model_blocks(repo):
    (repo / "threatmodel.yaml").write_text(billion_laughs())
    git(repo, "add", "threatmodel.yaml")
    proc = gate(repo, "threatmodel.yaml")
    assert proc.returncode == 1
    assert "aliases expand" in proc.stdout


@pytest.mark.parametrize("where", ["../outside/cat.yaml", "{outside}/cat.yaml", "linked.yaml"])
def test_extra_catalog_outside_the_repository_is_refused(repo, outside, where):
    """A repository's configuration cannot make the gate read a file elsewhere (path, absolute or link)."""
    (outside / "cat.yaml").write_text("threats: []\n")
    (repo / "linked.yaml").symlink_to(outside / "cat.yaml")
    rel = where.format(outside=outside)
    (repo / ".threatlint.yaml").write_text(f'extra-catalogs: ["{rel}"]\n')
    (repo / "threatmodel.yaml").write_text(MODEL % '"src/**"')
    (repo / "src" / "app.py").write_text("print('changed')\n")
    git(repo, "add", "-A")
    proc = gate(repo, "threatmodel.yaml", "src/app.py")
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "outside the repository" in proc.stderr and rel in proc.stderr
