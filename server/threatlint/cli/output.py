"""Render findings as text (compiler style), JSON (SPEC §7) or SARIF 2.1.0."""
from __future__ import annotations

import json
from collections import Counter

from .. import __version__
from ..engine.finding import Finding
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


def sarif(results: list[tuple[str, list[Finding]]]) -> str:
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = [
        {
            "id": r.id,
            "name": r.summary.replace(" ", ""),
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
        for f in findings:
            s, e = f.range.start, f.range.end
            region = {"startLine": s.line + 1, "startColumn": s.character + 1, "endLine": e.line + 1,
                      "endColumn": max(e.character, s.character + (1 if e.line == s.line else 0)) + 1 if e.line == s.line else e.character + 1}
            sarif_results.append({
                "ruleId": f.rule,
                "ruleIndex": index.get(f.rule, 0),
                "level": SARIF_LEVEL[f.severity.value],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": file.replace("\\", "/"), "uriBaseId": "%SRCROOT%"},
                                                    "region": region}}],
            })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "threatlint", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://threatlint.dev", "rules": rules}},
            "results": sarif_results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
