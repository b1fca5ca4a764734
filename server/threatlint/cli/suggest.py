"""`threatlint suggest PATH...`: catalog threats that fit the model's elements and flows (TM106), spelled out."""
from __future__ import annotations

import json
import sys

from ..catalog.conditions import Facts
from ..catalog.matching import Match, filled, matches, ranked
from ..settings import ConfigError, context_for
from ..engine.selection import apply as apply_config
from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import decode, parse_yaml
from ..rules import RULES
from . import UsageError, model_files, today_arg
from .check import display_path

HELP = ("list catalog threats that fit a model's elements and flows and that it does not name, most valuable reach "
        "first, with attack paths and mitigations")


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="model files or directories (default: .)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--all", action="store_true", dest="include_covered",
                   help="also list catalog threats the model already names (a threat with their catalog id, or an "
                        "exemption of their category), and say how")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date for the context (default: $THREATLINT_TODAY or the system date)")


def suggestions_for(text: str, ctx, include_covered: bool = False) -> tuple[list[dict], str | None]:
    """The suggestions for one model's text, or (nothing, why) when it does not parse.

    Every catalog threat that fits an in-scope element or flow and that the model does not name (no threat
    with its catalog id there, no exemption of its category), most valuable reach first. A category answered
    by some other threat does not hide the entry here (TM106 stays quiet there: it asks for coverage, this
    lists ideas). Where TM106 is switched off by the configuration or an inline suppression on the element,
    nothing is listed for it. --all adds the named ones.
    """
    doc = parse_yaml(text)
    if not doc.ok or not isinstance(doc.data, dict):
        why = doc.findings[0].message if doc.findings else "the model is not a mapping"
        return [], why
    model = Model(doc)
    catalog = ctx.catalog
    if catalog is None:
        from ..catalog import default_catalog
        catalog = default_catalog()
    facts = Facts(model)
    silenced: dict[tuple[str, int], bool] = {}
    out = []
    for m in ranked(model, matches(model, catalog, include_covered=True), facts):
        s = m.subject
        if m.named and not include_covered:
            continue
        key = (s.section, s.index)
        if key not in silenced:
            silenced[key] = _silenced(model, text, ctx, s)
        if silenced[key]:
            continue
        out.append(_entry(model, m, facts, catalog))
    return out, None


def _silenced(model: Model, text: str, ctx, s) -> bool:
    """Whether the configuration or an inline suppression keeps TM106 off this element (the same decision
    `check` makes, asked of a TM106 finding placed where the rule would put it)."""
    probe = Finding("TM106", RULES["TM106"].severity, "", model.range((s.section, s.index, "id")),
                    (s.section, s.index, "id"))
    return not [f for f in apply_config([probe], text, ctx.config, RULES) if f.rule == "TM106"]


def _entry(model: Model, m: Match, facts: Facts, catalog) -> dict:
    t, s = m.threat, m.subject
    rng = model.range((s.section, s.index, "id"))
    details = filled(model, m, facts)
    return {
        "catalog": t.id,
        "title": t.title,
        "stride": t.stride,
        "source": t.source,
        "element": s.id,
        "kind": s.kind,
        "covered_by": m.covered_by,
        "named": m.named,
        # TM106 reports an entry only where its category is unanswered, and baseline hygiene not at all (unless
        # its reported_when holds)
        "severity": RULES["TM106"].severity.value if m.covered_by is None and m.reported else None,
        "range": rng.to_dict(),
        "description": details["description"],
        "attack_path": {"entry": details["entry"], "steps": details["steps"], "target": details["target"]},
        "references": {"cwe": list(t.cwe), "capec": list(t.capec)},
        "mitigations": [{"id": x.id, "title": x.title, "effort": x.effort, "description": x.description}
                        for x in catalog.mitigations_of(t)],
    }


def render_text(results: list[tuple[str, list[dict], str | None]]) -> str:
    lines = []
    total = 0
    for file, entries, problem in results:
        if problem:
            lines.append(f"{file}: cannot suggest: {problem}")
            continue
        for e in entries:
            total += 1
            start = e["range"]["start"]
            state = ""
            if e["named"]:
                state = f" (answered by {e['covered_by']})"
            elif e["covered_by"]:
                state = f" (its category is answered by {e['covered_by']}; this attack is not named)"
            lines.append(f"{file}:{start['line'] + 1}:{start['character'] + 1}: {e['catalog']} {e['title']} "
                         f"[{e['stride']}] on {e['kind'].replace('_', ' ')} '{e['element']}'{state}")
            lines.append(f"    {e['description']}")
            ap = e["attack_path"]
            lines.append(f"    attack path: entry: {ap['entry']}")
            for n, step in enumerate(ap["steps"], 1):
                lines.append(f"      {n}. {step}")
            if ap["target"]:
                lines.append(f"      target: {ap['target']}")
            refs = [f"CWE-{n}" for n in e["references"]["cwe"]] + [f"CAPEC-{n}" for n in e["references"]["capec"]]
            lines.append(f"    references: {', '.join(refs)}")
            lines.append("    mitigations:")
            for mit in e["mitigations"]:
                lines.append(f"      - {mit['id']}: {mit['title']} ({mit['effort']})")
            lines.append(f"    add to the model: a threat with catalog: {e['catalog']}, stride: {e['stride']}, "
                         f"affects: [{e['element']}]")
    models = len(results)
    if total:
        lines.append(f"{total} suggestion{'s' if total != 1 else ''} in {models} model{'s' if models != 1 else ''}.")
    else:
        lines.append(f"No suggestions: every catalog threat that fits is named in {models} model{'s' if models != 1 else ''}.")
    return "\n".join(lines)


def run(args) -> int:
    today = today_arg(args)
    files = model_files(args.paths)  # folders searched with each repository's model-patterns
    results = []
    for path in files:
        try:
            ctx = context_for(path, today=today)
            raw = path.read_bytes()
        except ConfigError as e:
            raise UsageError(str(e)) from None
        except OSError as e:
            raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
        text, error = decode(raw)
        if error is not None:
            results.append((display_path(path), [], error.message))
            continue
        entries, problem = suggestions_for(text, ctx, args.include_covered)
        results.append((display_path(path), entries, problem))
    if args.format == "json":
        out = [{"file": file, **e} for file, entries, _ in results for e in entries]
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(results) + "\n")
    return 1 if any(problem for _, _, problem in results) else 0
