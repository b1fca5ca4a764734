"""What a rule's documented examples give when checked (tests/test_rules_docs.py: the failing example
triggers the rule, the passing one does not).

A model rule's example is a model, checked by the engine. A drift rule's example is a model and the
infrastructure file or trace export it is judged against (`Rule.infra`), checked through
threatlint.drift.check as `threatlint drift` and the gate check them: a compose file, manifest, Terraform
or OpenAPI file by `repository`, OTLP JSON lines by `runtime`, and a change (`Infra.before`) by
`repository` on the new text plus `removals` of what the old text declared.
"""
from __future__ import annotations

from ..engine import CheckContext, check_text
from ..engine.finding import Finding
from ..engine.parse import parse_yaml
from .docs import EXAMPLE_REPO_FILES, EXAMPLE_TODAY, PRELUDE
from .registry import Infra, Rule

TRACE_SUFFIX = ".jsonl"  # an Infra whose path ends so is a trace export (the Collector's file exporter)


def check_model(fragment: str) -> list[Finding]:
    """The engine's findings on the model `fragment` stands for (PRELUDE + fragment)."""
    return check_text(PRELUDE + fragment, CheckContext(today=EXAMPLE_TODAY, repo_files=EXAMPLE_REPO_FILES))


def example_findings(rule: Rule, passing: bool) -> list[Finding]:
    """The findings of `rule`'s passing or failing example (every rule's, not only `rule`'s)."""
    fragment = rule.good if passing else rule.bad
    if rule.infra is None:
        return check_model(fragment)
    return check_drift(fragment, rule.infra, rule.infra.passing if passing else rule.infra.bad)


def check_drift(fragment: str, infra: Infra, text: str) -> list[Finding]:
    """Drift findings of the model `fragment` stands for, judged against `text` as the file `infra.path`."""
    from ..drift import check as drift
    from ..drift.detect import read_source
    from ..drift.traces import TraceReader

    doc = parse_yaml(PRELUDE + fragment)
    if infra.path.endswith(TRACE_SUFFIX):
        reader = TraceReader()
        for n, line in enumerate(text.splitlines()):
            reader.feed(line, n)
        reader.finish()
        return drift.runtime(doc, reader.calls, reader.services)
    found = drift.repository(doc, {infra.path: text}).get(infra.path, [])
    if infra.before:
        old, new = read_source(infra.path, infra.before), read_source(infra.path, text)
        found += drift.removals(doc, old.components if old else [], new.components if new else [])
    return found
