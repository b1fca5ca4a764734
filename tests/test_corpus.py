"""Precision on models other people wrote (issue 14): tests/corpus, judged finding by finding.

Each corpus model is a public threat model translated into our format (SOURCE.md beside it) with a judgment
table of every default finding (judgment.yaml). bench/precision.py matches the findings of the installed
build to those tables; these tests hold the build to the issue's targets.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from threatlint.engine import check_bytes
from threatlint.engine.context import CheckContext

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
MODELS = sorted(CORPUS.glob("*/*.threatmodel.yaml"))


def _precision():
    spec = importlib.util.spec_from_file_location("bench_precision", ROOT / "bench" / "precision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


precision = _precision()


@pytest.fixture(scope="module")
def evaluated():
    return precision.evaluate()


def test_corpus_has_six_models_from_four_tools_each_with_source_and_judgments():
    assert len(MODELS) >= 6
    tools = set()
    for model in MODELS:
        source = (model.parent / "SOURCE.md").read_text(encoding="utf-8")
        assert "Licence:" in source and "Repository:" in source and "commit" in source, model.parent.name
        tools.add(source.split("**Tool / format:**", 1)[1].split("(", 1)[0].split()[0])
        assert (model.parent / "judgment.yaml").is_file(), model.parent.name
    assert len(tools) >= 4, tools


# Keys the schema requires that the source does not give (left out rather than invented; see its SOURCE.md).
SOURCE_LACKS = {"threat-composer-vehicle": {"$.threats[0]: missing required key 'stride'",
                                            "$.threats[1]: missing required key 'stride'"},
                "threat-composer-knowledge-packs": {f"$.threats[{i}]: missing required key 'status'" for i in range(10)}}


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.parent.name)
def test_model_parses_and_is_schema_valid(model):
    findings = check_bytes(model.read_bytes(), CheckContext(today=precision.TODAY))
    broken = {f.message for f in findings if f.rule in ("TM001", "TM002")}
    assert broken == SOURCE_LACKS.get(model.parent.name, set())


def test_every_judgment_has_a_verdict_and_a_reason():
    for model, table in precision.load_judgments().items():
        for key, judgment in table.items():
            assert judgment.get("verdict") in precision.VERDICTS, (model, key)
            assert isinstance(judgment.get("reason"), str) and judgment["reason"].strip(), (model, key)


def test_every_current_finding_is_judged(evaluated):
    findings, _ = evaluated
    unjudged = [f"{f['model']}: {f['key']} -- {f['message']}" for f in findings if f["verdict"] is None]
    assert not unjudged, "judge these in tests/corpus/<model>/judgment.yaml:\n" + "\n".join(unjudged)


NAMES = [m.parent.name for m in MODELS]


# Held-out models join judged on the build they were first seen by (their SOURCE.md `**Before:**` line); the
# findings judged wrong there are still reported until the rule work takes up their causes. Strict: once a
# model's wrong findings are gone, its entry must go.
AWAITING_RULE_WORK = {
    "threat-composer-genai-chatbot": "TM203 on M-82 and M-61: the model keeps the 288a687 import (its baseline), whose "
                                     "mitigation Comments sit in an x- key; the importer now writes them to "
                                     "description, so a new import of the same file is not reported",
} | {
    "threagile-jeep-vehicle": "TM005 on ecu-firmware: the model keeps its 093f307 import (its baseline), which put the "
                              "firmware a process stores (Threagile data_assets_stored) in an x- key; the importer now "
                              "writes it to the process's stores, so a new import of the same file is not reported "
                              "(tests/test_interchange_import.py); its TM106 wrong findings are gone",
    "threat-composer-knowledge-packs": "TM101 spoofing on mcp-client and TM103 on mcp-request: the source makes the "
                                       "MCP endpoint anonymous by a design decision (A-6) written only in prose; its "
                                       "TM106 wrong findings are gone",
} | {
    name: "held-out round 3, judged on main at fe0e76c; the rule work has not yet taken up the causes of its wrong "
          "findings (docs/precision.md, 'Held-out round 3: models judged on fe0e76c')"
    for name in ("pytm-app-y-ness", "threat-dragon-odo-cli")
} | {
    name: "held-out round 4, judged on main at cd45191; server-side catalog entries on mobile apps that pytm calls "
          "Server are still reported (docs/precision.md, 'Held-out round 4')"
    for name in ("pytm-renting-car",)
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=AWAITING_RULE_WORK[n], strict=True))
                                  if n in AWAITING_RULE_WORK else n for n in NAMES])
def test_findings_judged_wrong_do_not_come_back(evaluated, name):
    findings, judgments = evaluated
    back = [(m, k) for m, k in precision.returned_wrong(findings, judgments) if m == name]
    assert not back, "\n".join(f"{m}: {k} -- {judgments[m][k]['reason']}" for m, k in back)


@pytest.mark.parametrize("name", NAMES)
def test_every_baseline_actionable_finding_is_still_reported(evaluated, name):
    findings, judgments = evaluated
    lost = [(m, k) for m, k in precision.lost_actionable(findings, judgments) if m == name]
    assert not lost, "\n".join(f"{m}: {k} -- {judgments[m][k]['reason']}" for m, k in lost)


def test_the_held_out_model_keeps_the_token_and_gateway_trust_findings(evaluated):
    """The two baseline findings the held-out model lost for a while: CT-S-005 where only the request names the
    tokens, CT-S-006 where a backend is stated not to authenticate the gateway that authenticates users."""
    findings, _ = evaluated
    vehicle = [f for f in findings if f["model"] == "threat-composer-vehicle"]
    assert precision.still_reported("TM106 elements/api-gateway CT-S-005", vehicle)
    assert precision.still_reported("TM106 elements/lambda CT-S-006", vehicle)


# Held-out round 2 joined judged on 093f307, before any rule work for it: with its three models the whole corpus was
# at 63 % actionable and 7 % wrong (436 findings), at 70 % and 5.2 % (402) after the round-1 rule work, and inside the
# targets once catalog matching read what the models state (branch p14c; docs/precision.md, "Where it stands").
HELD_OUT_ROUND_2 = ("otm-terraform-clicklogger", "threagile-jeep-vehicle", "threat-composer-knowledge-packs")
# Held-out round 3 joined judged on fe0e76c, before any rule work for it (80 findings: 51 actionable, 14 wrong); the
# rule work since (docs/precision.md) was partly drawn from it, so it is no longer held out either.
HELD_OUT_ROUND_3 = ("pytm-app-y-ness", "threagile-argo-cd", "threat-dragon-odo-cli")
# Held-out round 4 joined judged on cd45191 (116 findings: 56 actionable, 6 wrong, 54 noise): the figure of how the
# default findings generalise to models nobody had seen. General causes it showed were then fixed (docs/precision.md),
# so it is no longer held out either.
HELD_OUT_ROUND_4 = ("pytm-renting-car", "threat-dragon-airspace-monitoring", "threat-dragon-juice-shop")


def test_precision_meets_the_issue_targets(evaluated):
    """On the whole corpus, every held-out round included: at least 70 % actionable, under 5 % wrong."""
    findings, _ = evaluated
    shares = precision.totals(findings)
    assert shares["actionable"] >= 0.70, shares
    assert shares["wrong"] < 0.05, shares


BASELINE = "5280a50"


def baseline_of(model_dir: Path) -> str:
    """The build a model's `before` judgments belong to: 5280a50, or the revision its SOURCE.md names on a
    `**Before:**` line (held-out models are judged on the build that first saw them)."""
    source = (model_dir / "SOURCE.md").read_text(encoding="utf-8")
    named = re.search(r"\*\*Before:\*\*[^`\n]*`([0-9a-f]{7,40})`", source)
    return named.group(1) if named else BASELINE


BASELINES = {m.parent.name: baseline_of(m.parent) for m in MODELS}


def test_a_held_out_model_names_its_baseline_build():
    assert BASELINES["threat-dragon-demo"] == BASELINE
    assert BASELINES["threat-dragon-iot-device"] == "288a687"
    assert {BASELINES[name] for name in HELD_OUT_ROUND_2} == {"093f307"}
    assert {BASELINES[name] for name in HELD_OUT_ROUND_3} == {"fe0e76c"}
    assert {BASELINES[name] for name in HELD_OUT_ROUND_4} == {"cd45191"}


@pytest.mark.parametrize("rev", sorted(set(BASELINES.values())))
def test_the_baseline_tables_are_exactly_the_baseline_findings(rev):
    """Every finding of a model's baseline build (run from git archive) has a `before` judgment, and no `before`
    judgment names a finding that build did not report."""
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}^{{commit}}"], capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"revision {rev} is not in this clone")
    models = {name for name, base in BASELINES.items() if base == rev}
    findings = [f for f in precision.keyed(precision.collect_rev(rev)) if f["model"] in models]
    reported = {(f["model"], f["key"]) for f in findings}
    before = {(m, k) for m, table in precision.load_judgments().items() if m in models
              for k, j in table.items() if j.get("before")}
    assert len(findings) == len(reported) > 0
    assert reported == before


def test_key_names_the_item_by_id_not_by_position():
    data = {"elements": [{"id": "web"}, {"id": "db"}], "exemptions": [{"element": "db", "stride": "tampering"}]}
    assert precision.anchor(data, ("elements", 1, "id")) == "elements/db"
    assert precision.anchor(data, ("exemptions", 0)) == "exemptions/db"
    assert precision.anchor(data, ("review", "last_reviewed")) == "review/last_reviewed"
    assert precision.anchor(data, ()) == "(document)"


def test_a_grouped_finding_still_reports_each_subject_it_names():
    grouped = [{"key": "TM106 elements/web", "rule": "TM106", "anchor": "elements/web", "data": {},
                "message": "2 catalog threats apply to process 'web': CT-S-001 Credential stuffing, CT-D-001 Flood"}]
    assert precision.still_reported("TM106 elements/web CT-S-001", grouped)
    assert not precision.still_reported("TM106 elements/web CT-S-00", grouped)
    assert not precision.still_reported("TM106 elements/web CT-E-009", grouped)
    assert not precision.still_reported("TM106 elements/db CT-S-001", grouped)


def test_a_finding_per_item_is_still_reported_when_a_grouped_finding_names_the_item():
    grouped = [{"key": "TM402 threats/T-1", "rule": "TM402", "anchor": "threats/T-1", "data": {"mitigations": ["M-1", "M-2"]},
                "message": "threat 'T-1' is open with priority high, and none of its mitigations 'M-1', 'M-2' is ...",
                "names": ["M-1", "M-2"]}]
    assert precision.still_reported("TM402 mitigations/M-2", grouped)
    assert not precision.still_reported("TM402 mitigations/M-3", grouped)
    assert not precision.still_reported("TM403 mitigations/M-1", grouped)


def test_a_regrouped_finding_takes_its_own_judgment_and_a_wrong_group_is_back_only_when_named_whole():
    judgments = {"m": {"TM106 elements/web": {"verdict": "wrong", "reason": "r", "before": True, "names": ["CT-D-001", "CT-T-007"]},
                       "TM106 elements/web [CT-T-007]": {"verdict": "actionable", "reason": "r", "names": ["CT-T-007"]}}}
    fewer = [{"model": "m", "key": "TM106 elements/web", "rule": "TM106", "anchor": "elements/web", "names": ["CT-T-007"]}]
    assert precision.judge(fewer, judgments)[0]["verdict"] == "actionable"
    assert precision.returned_wrong(fewer, judgments) == []
    whole = [{"model": "m", "key": "TM106 elements/web", "rule": "TM106", "anchor": "elements/web",
              "names": ["CT-T-007", "CT-D-001", "CT-E-001"]}]
    assert precision.judge(whole, judgments)[0]["verdict"] is None  # names others: not judged yet
    assert precision.returned_wrong(whole, judgments) == [("m", "TM106 elements/web")]


def test_a_schema_requirement_moved_into_a_rule_is_still_reported():
    rated = [{"key": "TM307 threats/T-1", "rule": "TM307", "anchor": "threats/T-1", "data": {},
              "message": "threat 'T-1' is not rated: the priority scheme needs priority"}]
    assert precision.still_reported("TM002 threats/T-1 priority", rated)
    assert not precision.still_reported("TM002 threats/T-1 likelihood", rated)
    assert not precision.still_reported("TM002 threats/T-2 priority", rated)
