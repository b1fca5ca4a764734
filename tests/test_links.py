"""Links: one repository address (threatlint/links.py), restated consistently; no link to a site that does not exist."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from threatlint.links import REPOSITORY, rule_anchor, rule_help_uri, schema_id
from threatlint.rules import RULES

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_pyproject_project_urls_restate_the_repository():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Repository"] == REPOSITORY
    assert all(u.startswith(REPOSITORY + "/") or u == REPOSITORY for u in urls.values()), urls


@pytest.mark.parametrize("name", ["threatmodel.schema.json", "catalog.schema.json"])
def test_schema_id_is_its_raw_path_in_the_repository(name):
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$id"] == schema_id(name)


def test_nothing_links_to_a_site_that_does_not_exist():
    # Tracked and new files alike (git grep over the work tree); this test file spells the name in pieces.
    dead = "threatlint" + ".dev"
    out = subprocess.run(["git", "-C", str(ROOT), "grep", "-n", "-I", "--untracked", "-F", dead],
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stdout  # 1: no match


def test_every_repository_link_in_the_docs_uses_the_one_address():
    # Any github.com/<owner>/threatlint in the user's pages must be the repository defined in links.py.
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for m in re.finditer(r"https://github\.com/[\w.-]+/threatlint\b", page.read_text(encoding="utf-8")):
            assert m.group(0) == REPOSITORY, (page.name, m.group(0))


def test_sarif_and_lsp_links_are_the_rules_heading(run_cli):
    out = run_cli("check", str(ROOT / "examples" / "mistakes"), "--format", "sarif", "--today", "2026-11-23")
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY
    for r in driver["rules"]:
        assert r["helpUri"] == rule_help_uri(r["id"]) == f"{REPOSITORY}/blob/main/docs/rules.md#{rule_anchor(r['id'])}"
    assert {r["id"] for r in driver["rules"]} == set(RULES)


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    def run(*args):
        p = subprocess.run([sys.executable, "-m", "threatlint", *args], capture_output=True, text=True, cwd=ROOT)
        assert p.returncode in (0, 1), p.stderr
        return p.stdout
    return run


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_rule_help_link_is_a_heading_of_docs_rules_md():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    anchors = {_github_anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", page, re.M)}
    prefix = f"{REPOSITORY}/blob/main/docs/rules.md#"
    for rule_id, r in RULES.items():
        assert r.help_uri.startswith(prefix), r.help_uri
        assert r.help_uri[len(prefix):] in anchors, f"{rule_id}: no heading for #{r.help_uri[len(prefix):]}"
