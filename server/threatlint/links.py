"""Where threatlint lives: the one definition of the repository's address and the links built from it.

Rule help links (LSP `codeDescription.href`, SARIF `helpUri`) point at the rule's heading in
docs/rules.md; the JSON Schemas' `$id` is their raw path in the repository. `[project.urls]` in
pyproject.toml, the schemas and the docs restate this address; tests/test_links.py holds them to it.
"""
from __future__ import annotations

REPOSITORY = "https://github.com/threatlint/threatlint"
BRANCH = "main"  # links follow the default branch, so they show the docs of the newest release line
RAW = REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/", 1) + f"/{BRANCH}"


def doc_url(page: str, anchor: str | None = None) -> str:
    """A page under docs/ (e.g. "rules.md"), optionally at a heading anchor."""
    url = f"{REPOSITORY}/blob/{BRANCH}/docs/{page}"
    return f"{url}#{anchor}" if anchor else url


def rule_anchor(rule_id: str) -> str:
    """The anchor of a rule's heading in docs/rules.md (`## TM101` -> `tm101`, as GitHub makes it)."""
    return rule_id.lower()


def rule_help_uri(rule_id: str) -> str:
    return doc_url("rules.md", rule_anchor(rule_id))


def schema_id(file_name: str) -> str:
    """The `$id` of a schema shipped in schemas/ (its raw path in the repository)."""
    return f"{RAW}/schemas/{file_name}"
