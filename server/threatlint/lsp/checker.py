"""Per-document incremental check: the engine's pipeline with cached parsing and schema validation.

`DocumentChecker.check(text, ctx)` returns exactly what
`threatlint.engine.check_text(text, ctx)` returns (tests compare them after
random edit sequences); it only avoids redoing the work of unchanged chunks.
"""
from __future__ import annotations

from ..engine.check import _gc_paused, finalize, runs_at_stage, to_finding
from ..engine.selection import apply as apply_config
from ..engine.context import CheckContext
from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import ParsedDoc
from ..rules import RULES
from .incremental import IncrementalParser
from .schema_cache import SchemaCache


class DocumentChecker:
    def __init__(self):
        self.parser = IncrementalParser()
        self.schema = SchemaCache()
        self.rules = RuleCache()
        self.doc: ParsedDoc | None = None  # the latest parse
        self.last_good: ParsedDoc | None = None  # the latest parse that succeeded (completion uses it mid-edit)

    def parse(self, text: str) -> ParsedDoc:
        if self.doc is not None and self.doc.text == text:
            return self.doc
        doc = self.parser.parse(text)
        self.doc = doc
        if doc.ok and isinstance(doc.data, dict):
            self.last_good = doc
        return doc

    def check(self, text: str, ctx: CheckContext | None = None) -> list[Finding]:
        # As in the engine's check: each keystroke allocates thousands of containers beside the cached model,
        # and with the collector running they set off full collections every few keys (400-700 ms spikes at
        # 5,000 threats). The few cycles a check makes are collected after it.
        with _gc_paused():
            return self._check(text, ctx)

    def _check(self, text: str, ctx: CheckContext | None) -> list[Finding]:
        ctx = ctx or CheckContext()
        doc = self.parse(text)
        # Mirrors engine.check.check_document, with the schema stage cached per item.
        findings = list(doc.findings)
        if doc.ok:
            model = Model(doc)
            rule = RULES["TM002"]
            findings += [Finding("TM002", rule.severity, msg, model.range(path, part), tuple(path))
                         for path, part, msg in self.schema.issues(doc.data)]
            if isinstance(doc.data, dict):
                findings += self.rules.run(model, ctx)
        findings = apply_config(findings, doc.text, ctx.config, RULES)
        return finalize(findings, doc.text)


# Rules whose verdict on one threat reads only that threat, the sections other than `threats` and the
# context. Their hits are cached per threat; tests compare the result with a fresh check after random edits.
THREAT_LOCAL = frozenset({"TM102", "TM201", "TM202", "TM204", "TM205", "TM302", "TM303", "TM304", "TM305", "TM306",
                          "TM307"})
# Rules that read no threat at all: their hits stand while the other sections and the context do.
NO_THREATS = frozenset({"TM006", "TM104", "TM203", "TM401", "TM403", "TM404"})
# Every other rule (TM103, TM105, TM107 read what threats say about a flow or store; TM301 and TM402 whether the
# model's ratings were triaged at all) is judged on the whole model at each check.
# Rules that read threats only through their ids, categories, catalog links and references
# (coverage, the id index): their hits stand while `_projection` does too.
THREAT_SUMMARY = frozenset({"TM004", "TM005", "TM101", "TM106"})
# TM003 reads only ids (like THREAT_SUMMARY), but its message names the line of the first definition, which an
# edit above it moves: only its usual verdict, no duplicates, is cached (with THREAT_SUMMARY's key).
ID_INDEX = "TM003"


def _projection(model: Model) -> list:
    out = []
    for i, t in model.items("threats"):
        ap = t.get("attack_path")
        out.append((i, t.get("id"), t.get("catalog"), t.get("stride"), t.get("affects"), t.get("mitigations"),
                    ap.get("target") if isinstance(ap, dict) else None))
    return out


class _Threats(Model):
    """The model with only some threats listed: a threat-local rule then judges just those."""

    def __init__(self, doc: ParsedDoc, only: list):
        super().__init__(doc)
        self._only = only

    def items(self, section: str):
        if section == "threats":
            yield from self._only
        else:
            yield from super().items(section)


class RuleCache:
    """Runs the rules, re-judging with a threat-local rule only the threats an edit changed."""

    def __init__(self):
        self._key = None  # identity of everything but the threats, and the context
        self._keep = None  # the objects that key refers to, kept alive so their ids stay theirs
        self._hits: dict[tuple[int, int], tuple[object, dict[str, list]]] = {}  # (id(threat), index) -> hits per rule
        self._not_local: set[str] = set()
        self._projection: list | None = None
        self._whole: dict[str, list] = {}  # rule id -> hits of a NO_THREATS or THREAT_SUMMARY rule

    def run(self, model: Model, ctx: CheckContext) -> list[Finding]:
        data = model.data
        others = [(k, v) for k, v in data.items() if k != "threats"]
        # List sections are rebuilt on each assembly from cached items: compare their items, not the lists.
        key = (tuple((k, tuple(map(id, v)) if isinstance(v, list) else id(v)) for k, v in others), ctx)
        if key != self._key:
            self._key, self._keep, self._hits, self._whole = key, others, {}, {}
        projection = _projection(model)
        if projection != self._projection:
            self._projection = projection
            self._whole = {k: v for k, v in self._whole.items() if k not in THREAT_SUMMARY and k != ID_INDEX}
        threats = list(model.items("threats"))
        fresh: dict[tuple[int, int], tuple[object, dict[str, list]]] = {}
        changed = []
        for i, t in threats:
            hit = self._hits.get((id(t), i))
            if hit is None or hit[0] is not t:
                changed.append((i, t))
            else:
                fresh[(id(t), i)] = hit
        local = [r for r in RULES.values() if r.check is not None and r.id in THREAT_LOCAL and r.id not in self._not_local]
        if changed:
            subset = _Threats(model.doc, changed)
            per = {(id(t), i): (t, {}) for i, t in changed}
            by_index = {i: (id(t), i) for i, t in changed}
            for rule in local:
                for hit in rule.check(subset, ctx):
                    p = hit.path
                    if len(p) < 2 or p[0] != "threats" or p[1] not in by_index:
                        # Not threat-local after all: judge it on the whole model from now on.
                        self._not_local.add(rule.id)
                        return self.run(model, ctx)
                    per[by_index[p[1]]][1].setdefault(rule.id, []).append(hit)
            fresh.update(per)
        self._hits = fresh
        # Gather the cached threat-local hits in one pass over the threats (most have none), in threat order.
        local_hits: dict[str, list] = {}
        for i, t in threats:
            per_rule = fresh[(id(t), i)][1]
            if per_rule:
                for rid, hits in per_rule.items():
                    local_hits.setdefault(rid, []).extend(hits)
        out: list[Finding] = []
        stage = model.stage(ctx.config.stage)
        for rule in RULES.values():
            if rule.check is None or not runs_at_stage(rule, stage, ctx):
                continue
            if rule in local:
                out += [to_finding(rule, hit, model) for hit in local_hits.get(rule.id, ())]
            else:
                hits = self._whole.get(rule.id)
                if hits is None:
                    hits = list(rule.check(model, ctx))
                    if rule.id in NO_THREATS or rule.id in THREAT_SUMMARY or (rule.id == ID_INDEX and not hits):
                        self._whole[rule.id] = hits
                out += [to_finding(rule, hit, model) for hit in hits]
        return out
