"""`status --format html` and `portfolio --format html` in headless Chromium: the charts are drawn with their
figures, model text stays text, nothing is fetched, and the page prints to A4 landscape PDF with the figures on it.

Skips when Chromium is not installed (apt-get install chromium); CI installs it.
Screenshots and PDFs are kept in tests/artifacts/ (git-ignored) for people to look at.
"""
import re
import shutil

import pytest
from portfolio_fixtures import TODAY, commit, make_repos, new_repo
from test_report_browser import ARTIFACTS, CHROMIUM, chromium

from threatlint.cli import main

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium)")

HOSTILE = """version: 1
system: {name: "<img src=x onerror='document.body.dataset.pwned=1'><script>document.body.dataset.pwned=2</script>Evil",
         owner: "<b>team</b>"}
scope: {paths: ["src/**"]}
threats:
  - {id: "T-<i>1</i>", title: a, stride: spoofing, affects: [], priority: high, status: accepted,
     acceptance: {by: x, rationale: y, expires: 2026-01-01}}
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    repos = make_repos(tmp / "repos")
    evil = new_repo(tmp / "repos" / "evil")
    commit(evil, "2026-01-03", "model", {"threatmodel.yaml": HOSTILE, "src/a.py": "1\n"}, tag="v2<i>x")
    status_html, portfolio_html = tmp / "status.html", tmp / "portfolio.html"
    assert main(["status", str(repos["payments"]), "--format", "html", "-o", str(status_html), "--today", TODAY]) == 0
    assert main(["portfolio", *map(str, repos.values()), str(evil), "--format", "html", "-o", str(portfolio_html),
                 "--today", TODAY, "--months", "3"]) == 0
    out = {}
    for name, html in (("status", status_html), ("portfolio", portfolio_html)):
        dom = chromium(tmp, "--dump-dom", html.as_uri())
        assert dom.returncode == 0, dom.stderr[-2000:]
        out[name] = (html, dom.stdout)
    return tmp, out


def figure(dom: str, chart_id: str) -> str:
    m = re.search(rf'<figure class="chart[^"]*" id="{chart_id}">(.*?)</figure>', dom, re.S)
    assert m, f"{chart_id} not in the page"
    assert "<svg" in m.group(1)
    return m.group(1)


def values(svg: str, cls: str) -> dict:
    """data-label[/data-series] -> data-value of every bar or point of a chart."""
    out = {}
    for attrs in re.findall(rf'<(?:rect|circle) class="{cls}[^"]*"([^>]*)>', svg):
        label = re.search(r'data-label="([^"]*)"', attrs).group(1)
        series = re.search(r'data-series="([^"]*)"', attrs)
        out[label + ("/" + series.group(1) if series else "")] = float(re.search(r'data-value="([^"]*)"', attrs).group(1))
    return out


def test_status_page_charts_per_release(pages):
    _, out = pages
    dom = out["status"][1]
    assert dom.count('<figure class="chart') == 4
    assert values(figure(dom, "status-open"), "bar") == {"v1.0/high": 1, "v1.0/low": 1, "v1.1/low": 1, "unreleased/low": 1}
    assert values(figure(dom, "status-residual"), "point") == {"v1.0": 5, "v1.1": 7, "unreleased": 7}
    ttm = values(figure(dom, "status-ttm"), "bar")
    assert ttm["8–30 d"] == 1 and ttm["31–90 d"] == 1 and sum(ttm.values()) == 2  # 15 and 36 days
    fresh = values(figure(dom, "status-freshness"), "bar")
    assert fresh["overdue"] == 1 and fresh["behind code"] == 1 and fresh["on time"] == 0
    table = re.search(r'<table class="cycles" id="cycles">(.*?)</table>', dom, re.S).group(1)
    assert [re.sub("<[^>]+>", "", r.split("</td>")[0]) for r in re.findall(r"<tr><td>(.*?)</tr>", table)] == ["v1.0", "v1.1", "unreleased"]


def test_portfolio_page_ranks_models_and_charts_months(pages):
    _, out = pages
    dom = out["portfolio"][1]
    assert dom.count('<figure class="chart') == 4
    rows = re.search(r'<table class="models">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    systems = re.findall(r'<td class="system">(.*?)</td>', rows)
    evil = ("&lt;img src=x onerror='document.body.dataset.pwned=1'&gt;&lt;script&gt;document.body.dataset.pwned=2"
            "&lt;/script&gt;Evil")
    # open critical first; then payments (an expired acceptance and an open low) before evil (the acceptance only)
    assert systems == ["Auth &lt;login&gt;", "Payments", evil, "Docs"]
    opened = values(figure(dom, "portfolio-open"), "bar")
    assert opened["2026-01/critical"] == 1 and opened["2026-01/high"] == 1 and opened["2026-02/medium"] == 1
    # January's residual risk: auth's open critical 4, payments 1 + 3 + 1, evil's accepted high 3
    assert values(figure(dom, "portfolio-residual"), "point")["2026-01"] == 12
    assert "not set" in rows  # no review.stage
    # drift is the twelfth column: no infrastructure file lies in any model's scope, so 0 each
    assert [re.findall(r"<td[^>]*>(.*?)</td>", r)[11] for r in re.findall(r"<tr>(.*?)</tr>", rows)] == ["0"] * 4
    assert 'id="cycles-' in dom and "v2&lt;i&gt;x" in dom


def test_pages_are_inert_and_offline(pages):
    _, out = pages
    for html, dom in out.values():
        source = html.read_text(encoding="utf-8")
        assert "<script" not in source.replace("&lt;script", "")  # no script of ours, and none of the model's
        assert not re.search(r'(?:src|href)="(?:https?:)?//', source)  # nothing to fetch
        assert "Content-Security-Policy" in source and "default-src 'none'" in source.replace("&#x27;", "'")
        assert "data-pwned" not in dom and "<img" not in dom


def test_prints_to_a4_landscape_with_the_figures(pages):
    from pypdf import PdfReader

    tmp, out = pages
    ARTIFACTS.mkdir(exist_ok=True)
    for name, (html, _) in out.items():
        pdf = tmp / f"{name}.pdf"
        r = chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
        assert r.returncode == 0 and pdf.exists(), r.stderr[-2000:]
        shutil.copy(pdf, ARTIFACTS / f"{name}.pdf")
        reader = PdfReader(pdf)
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, from the print CSS
        text = " ".join(p.extract_text() for p in reader.pages)
        for words in ("Open risk by priority", "Residual-risk trend", "Time to mitigate", "Freshness", "31–90 d"):
            assert words in text, (name, words)
    status_text = " ".join(p.extract_text() for p in PdfReader(tmp / "status.pdf").pages)
    assert "v1.1" in status_text and "unreleased" in status_text


def test_screenshots(pages):
    tmp, out = pages
    ARTIFACTS.mkdir(exist_ok=True)
    for name, (html, _) in out.items():
        shot = ARTIFACTS / f"{name}.png"
        r = chromium(tmp, "--hide-scrollbars", "--window-size=1400,2400", f"--screenshot={shot}", html.as_uri())
        assert r.returncode == 0, r.stderr[-2000:]
        assert shot.stat().st_size > 40_000  # a blank page is a few KB
