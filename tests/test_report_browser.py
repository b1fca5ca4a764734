"""The HTML report in a real browser (headless Chromium): the diagram renders offline and model text stays text.

Skips when Chromium is not installed (apt-get install chromium); CI installs it.
The screenshot is kept in tests/artifacts/ (git-ignored) for people to look at.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from threatlint.cli import main

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "report" / "shop.threatmodel.yaml"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
           # any attempt to reach the network fails, so a diagram that renders was rendered offline
           "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=20000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    html = tmp / "register.html"
    hostile = tmp / "threatmodel.yaml"
    # the fixture plus markup that would set data-pwned if any of it ran
    text = FIXTURE.read_text(encoding="utf-8").replace(
        "Card payments for the web shop",
        "<img src=x onerror='document.body.dataset.pwned=1'><script>document.body.dataset.pwned=2</script> Card payments")
    hostile.write_text(text, encoding="utf-8")
    # a second model whose ids are Mermaid keywords or not Mermaid ids at all, an empty boundary, loose elements
    odd = tmp / "odd.threatmodel.yaml"
    odd.write_text("""version: 1
system: {name: Odd ids}
boundaries: [{id: end, name: "end"}, {id: "subgraph", name: Empty}]
elements:
  - {id: end, kind: process, name: "flowchart LR", boundary: end}
  - {id: "graph", kind: data_store, name: "%%{init: {'theme':'dark'}}%%"}
  - {id: "ü-x:1", kind: external_entity, name: "-->|x| end"}
flows: [{id: click, from: "ü-x:1", to: end, protocol: "call alert(1)"}, {id: style, from: end, to: graph}]
""", encoding="utf-8")
    assert main(["report", str(hostile), str(odd), "--format", "html", "-o", str(html), "--today", "2026-05-01"]) == 0
    dom = chromium(tmp, "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    return tmp, html, dom.stdout


def without_scripts(dom: str) -> str:
    return re.sub(r"<script\b[^>]*>.*?</script>", "", dom, flags=re.S)


def test_diagram_renders_as_svg_in_its_container(page):
    _, _, dom = page
    box = re.search(r'<div class="dfd rendered" id="dfd-0"[^>]*>(.*?)</div>\s*<script type="application/json"', dom, re.S)
    assert box, "diagram container not rendered: " + (re.search(r'<div class="dfd[^>]*>.{0,300}', dom, re.S) or [""])[0]
    svg = box.group(1)
    assert svg.startswith("<svg") and 'class="flowchart"' in svg
    # boundaries as subgraphs, every element and flow label drawn
    for text in ("Internet [untrusted]", "Production VPC — eu-west-1", 'Shopper "browser"', "Payment provider",
                 "HTTP · NOT encrypted · NOT authenticated", "SQL (TLS) [pg] · encrypted · authenticated"):
        assert text.replace('"', "&quot;") in svg or text in svg, text
    assert svg.count('class="cluster') >= 2


def test_every_model_gets_its_diagram(page):
    _, _, dom = page
    box = re.search(r'<div class="dfd rendered" id="dfd-1"[^>]*>(<svg.*?</svg>)</div>', dom, re.S)
    assert box, "second diagram not rendered"
    for text in ("flowchart LR", "-->|x| end", "call alert(1)", "Empty", "(no elements)"):
        assert text.replace(">", "&gt;") in box.group(1), text


def test_register_table_is_there(page):
    _, _, dom = page
    table = re.search(r'<table class="register" id="register-0">(.*?)</table>', dom, re.S).group(1)
    ids = re.findall(r"<tr><td>\d+</td>.*?<b>(T-\d+)</b>", table)
    assert ids == ["T-001", "T-002", "T-003", "T-004", "T-005"]


def test_model_markup_stays_text(page):
    _, _, dom = page
    assert "data-pwned" not in dom
    body = without_scripts(dom)
    assert "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;script&gt;document.body.dataset.pwned=2&lt;/script&gt;" in body


def test_screenshot_artifact(page):
    tmp, html, _ = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    if shot.exists():
        shot.unlink()
    r = chromium(tmp, "--hide-scrollbars", "--window-size=1400,2200", f"--screenshot={shot}", html.as_uri())
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a blank page is a few KB
