"""The user's pages: README is short and links the docs; every relative link and anchor in them resolves;
configuration.md documents every setting; figures the pages quote match the code."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (code blocks skipped)."""
    text = re.sub(r"^(```|````).*?^\1\s*$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    out = set()
    for m in re.finditer(r"^#{1,6} (.+)$", text, re.M):
        out.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return out


def test_readme_is_a_short_users_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for cmd in ("bash scripts/demo.sh", "bash scripts/test.sh"):
        assert cmd in readme
    for page in ("format", "rules", "configuration", "gate", "editors", "catalog", "performance", "security"):
        assert f"(docs/{page}.md)" in readme, page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_and_anchors_resolve(page):
    text = page.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: link to missing {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{page.name}: {target}: no heading with that anchor"


def test_configuration_documents_every_setting():
    from threatlint.settings import KEYS

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for key in KEYS:
        assert f"| `{key}` |" in text, key


def test_default_excludes_are_the_documented_ones():
    from threatlint.workspace import DEFAULT_EXCLUDE

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = re.search(r"without repeating it: (.*?)\. Setting", text, re.S).group(1)
    assert re.findall(r"`([^`]+)`", listed) == list(DEFAULT_EXCLUDE)


def test_quoted_counts_match_the_code():
    from threatlint.catalog import default_catalog
    from threatlint.rules import RULES

    assert f"{len(RULES)} rules" in (ROOT / "README.md").read_text(encoding="utf-8")
    catalog = default_catalog()
    text = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    assert f"{len(catalog.threats)} specific threats" in text
    assert f"{len(catalog.mitigations)} concrete mitigations" in text


def test_no_page_refers_to_a_document_outside_the_project():
    for page in PAGES:
        assert "SPEC" not in page.read_text(encoding="utf-8").replace("SPECIFIC", ""), page.name


def test_readme_check_output_is_real():
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = [line for line in readme.splitlines() if line.startswith("examples/mistakes/")]
    assert len(shown) >= 5
    out = subprocess.run([sys.executable, "-m", "threatlint", "check", "examples/mistakes", "--today", "2026-11-23"],
                         cwd=ROOT, capture_output=True, text=True)
    actual = out.stdout.splitlines()
    assert set(shown) <= set(actual), set(shown) - set(actual)
    assert actual[-1] in readme
