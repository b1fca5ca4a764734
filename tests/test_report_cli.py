"""`threatlint report`: Markdown to stdout for the VS Code preview, self-contained escaped HTML, broken models."""
import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from threatlint.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "shop.threatmodel.yaml"


def run(*args, env_today=None):
    """The command as the VS Code extension runs it: a process whose stdout is the Markdown."""
    env = {k: v for k, v in os.environ.items() if k != "THREATLINT_TODAY"}
    if env_today:
        env["THREATLINT_TODAY"] = env_today
    return subprocess.run([sys.executable, "-m", "threatlint", "report", *args], capture_output=True, text=True, env=env)


def report_md(monkeypatch, capsys, today):
    monkeypatch.setenv("THREATLINT_TODAY", today)
    assert main(["report", str(FIXTURE)]) == 0
    return capsys.readouterr().out


def test_markdown_goes_to_stdout_with_a_mermaid_fence():
    r = run(str(FIXTURE), "--format", "md", "--today", "2026-05-01")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith('# Risk register: Web shop "Checkout" &lt;b&gt;API&lt;/b&gt;')
    fence = re.search(r"```mermaid\n(.*?)\n```", out, re.S)
    assert fence and fence.group(1).startswith("flowchart LR\n")
    # order of the sections: business summary on top, then diagram, register, backlog, accepted risks
    heads = [l for l in out.splitlines() if l.startswith("## ")]
    assert heads == ["## Business summary", "## Data-flow diagram", "## Risk register", "## Mitigation backlog", "## Accepted risks"]
    assert "**OVERDUE** since 2026-04-10" in out
    assert "| T-004 Catalog scraping slows product pages | medium | cto@example.com | CDN absorbs it | **EXPIRED** 2026-03-01 |" in out
    assert "| M-002 Verify the HMAC signature of PSP callbacks | T-003 (high) | planned | NO TICKET | 1w | — |" in out
    assert "<script>" not in out and "<img" not in out  # raw HTML from the model never reaches the preview


def test_today_from_environment_decides_expiry(monkeypatch, capsys):
    before = report_md(monkeypatch, capsys, "2026-02-15")
    assert "**EXPIRED**" not in before and "| 2026-03-01 |" in before
    after = report_md(monkeypatch, capsys, "2027-02-01")
    assert after.count("**EXPIRED**") == 2


def test_output_file_and_html_is_self_contained(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(FIXTURE), "--format", "html", "-o", str(out), "--today", "2026-05-01"]) == 0
    assert capsys.readouterr().out == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html).group(1)
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]
    # nothing is fetched at view time: no external scripts, stylesheets, images or fonts
    body = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", body)
    assert "<script>" in html and "mermaid" in html
    # every inline script is allowed by its hash, and nothing else is
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert set(re.findall(r"'sha256-[^']+'", csp)) == hashes and len(hashes) == 2


def test_html_escapes_model_text(tmp_path, capsys):
    assert main(["report", str(FIXTURE), "--format", "html", "--today", "2026-05-01"]) == 0
    html = capsys.readouterr().out
    body = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert "<script>alert(1)" not in body and "<img src=x" not in body and "<b>API" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    src = re.search(r'<script type="application/json" id="dfd-src-0">(.*?)</script>', body, re.S).group(1)
    assert "<" not in src and "\\u003cscript\\u003e" not in src  # mermaid entity codes, then JSON-escaped


def test_broken_model_still_renders_and_counts_findings(tmp_path, capsys):
    bad = tmp_path / "threatmodel.yaml"
    bad.write_text("version: 1\nsystem: {name: Half}\nthreats:\n  - {id: T-1, title: t, stride: spoofing, affects: [x]\n", encoding="utf-8")
    assert main(["report", str(bad), "--today", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "could not be read: 1 finding (1 error)" in out and "line " in out
    invalid = tmp_path / "b.threatmodel.yaml"
    invalid.write_text("version: 2\nsystem: {name: Odd, colour: red}\nthreats:\n  - {id: T-1, title: t, stride: spoofing, affects: [ghost], likelihood: high, impact: {severity: high}, priority: high, status: open}\n", encoding="utf-8")
    assert main(["report", str(invalid), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "# Risk register: Odd" in out and "T-1 t" in out
    assert re.search(r"Model findings: \d+ findings \(\d+ errors", out)


def test_usage_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "no threat model files found" in capsys.readouterr().err
    assert main(["report", str(FIXTURE), "--today", "yesterday"]) == 2
    with pytest.raises(SystemExit):
        main(["report", str(FIXTURE), "--format", "pdf"])


def test_markdown_keeps_model_text_literal(tmp_path, capsys):
    m = tmp_path / "threatmodel.yaml"
    m.write_text("""version: 1
system: {name: "# Not a heading", description: "1. not a list ![pixel](https://tracker.example/p.png) <b>x</b> & co"}
elements: [{id: api, kind: process, name: "API | *bold* _it_ `code`"}]
threats:
  - {id: T-1, title: "[click](javascript:alert(1))", stride: spoofing, affects: [api], likelihood: high,
     impact: {severity: high}, priority: high, status: open, owner: "a|b"}
""", encoding="utf-8")
    assert main(["report", str(m), "--today", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "# Risk register: \\# Not a heading" in out
    assert "1\\. not a list \\!\\[pixel\\](https://tracker.example/p.png) &lt;b&gt;x&lt;/b&gt; &amp; co" in out
    assert "| 1 | high | 9 (high×high) | T-1 \\[click\\](javascript:alert(1)) | API \\| \\*bold\\* \\_it\\_ \\`code\\` | a\\|b | open |" in out
    assert "](javascript" not in out.replace("\\](javascript", "")


def test_model_without_elements_has_no_diagram_and_no_script(tmp_path, capsys):
    m = tmp_path / "threatmodel.yaml"
    m.write_text("version: 1\nsystem: {name: Empty}\n", encoding="utf-8")
    assert main(["report", str(m)]) == 0
    out = capsys.readouterr().out
    assert "```mermaid" not in out and "No elements in the model yet" in out
    assert main(["report", str(m), "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert "<script" not in html and "script-src 'none'" in html and "No elements in the model yet" in html
