"""Render findings as text (compiler style), JSON or SARIF 2.1.0 (the formats are described in docs/gate.md)."""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..engine.finding import Finding, Severity
from ..links import REPOSITORY
from ..rules import RULES

SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def text(results: list[tuple[str, list[Finding]]], checked: int) -> str:
    lines = []
    counts: Counter = Counter()
    for file, findings in results:
        for f in findings:
            s = f.range.start
            lines.append(f"{file}:{s.line + 1}:{s.character + 1}: {f.severity.value} {f.rule} {f.message}")
            counts[f.severity.value] += 1
    total = sum(counts.values())
    files_word = "file" if checked == 1 else "files"
    if total:
        parts = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s])
        lines.append(f"Found {total} finding{'s' if total != 1 else ''} ({parts}) in {checked} {files_word}.")
    else:
        lines.append(f"All checks passed: {checked} model {files_word}, no findings.")
    return "\n".join(lines)


def as_json(results: list[tuple[str, list[Finding]]]) -> str:
    return json.dumps([f.to_dict(file) for file, findings in results for f in findings], indent=2, ensure_ascii=False)


def _region(f: Finding) -> dict:
    """SARIF regions are 1-based with an exclusive end column; an empty range still marks one character."""
    s, e = f.range.start, f.range.end
    end_column = e.character + 1
    if e.line == s.line and e.character <= s.character:
        end_column = s.character + 2
    return {"startLine": s.line + 1, "startColumn": s.character + 1, "endLine": e.line + 1, "endColumn": end_column}


def _artifact(file: str) -> dict:
    """Relative paths stay relative to the checkout (%SRCROOT%), as code scanning expects; others become file URIs."""
    if os.path.isabs(file):
        return {"uri": Path(file).as_uri()}
    return {"uri": quote(file.replace("\\", "/")), "uriBaseId": "%SRCROOT%"}


def sarif(results: list[tuple[str, list[Finding]]]) -> str:
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = [
        {
            "id": r.id,
            "name": "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", r.summary)),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.help},
            "help": {"text": r.help, "markdown": f"**{r.id}: {r.summary}**\n\n{r.help}"},
            "helpUri": r.help_uri,
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity.value]},
            "properties": {"tags": ["security", "threat-model", r.family]},
        }
        for r in (RULES[i] for i in rule_ids)
    ]
    sarif_results = []
    for file, findings in results:
        artifact = _artifact(file)
        for f in findings:
            sarif_results.append({
                "ruleId": f.rule,
                "ruleIndex": index.get(f.rule, 0),
                "level": SARIF_LEVEL[f.severity.value],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(f)}}],
            })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "threatlint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": REPOSITORY, "rules": rules}},
            "columnKind": "unicodeCodePoints",  # Finding columns count code points
            "results": sarif_results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def publish(results: list[tuple[str, list[Finding]]], fmt: str, as_text, destination: str | None, fail_on: str) -> int:
    """Write findings as text (`as_text()`), JSON or SARIF to a file or stdout; the exit code --fail-on gives."""
    import sys

    rendered = as_json(results) if fmt == "json" else sarif(results) if fmt == "sarif" else as_text()
    if destination:
        Path(destination).write_text(rendered + "\n", encoding="utf-8")
    else:
        sys.stdout.write(rendered + "\n")
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for _, fs in results for f in fs) else 0
