"""The benchmark's generator and runner work (on tiny sizes; no timing is asserted)."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import lspclient  # noqa: E402
import run as bench_run  # noqa: E402

from threatlint.engine import CheckContext, check_text, parse_yaml  # noqa: E402

CTX = CheckContext(today=date(2026, 11, 23))


@pytest.mark.parametrize("n", [10, 50])
def test_generated_model_is_schema_valid_and_realistic(n):
    model = generate.generate_model(n)
    findings = check_text(model.text, CTX)
    assert not [f for f in findings if f.rule in ("TM001", "TM002")], [f.message for f in findings[:5]]
    data = model.data
    assert len(data["threats"]) == n
    kinds = Counter(el["kind"] for el in data["elements"])
    assert set(kinds) == {"external_entity", "process", "data_store"}
    assert data["flows"] and data["assets"] and data["mitigations"] and data["boundaries"]
    # Every threat is written out in full, the way docs/format.md shows one.
    t = data["threats"][0]
    assert {"title", "description", "attack_path", "impact", "owner", "mitigations"} <= set(t)
    # No vague or generic wording: the common case is a model with few findings beyond coverage.
    assert not [f for f in findings if f.rule in ("TM003", "TM004", "TM202", "TM203")]


def test_generated_text_reads_back_as_the_generated_data():
    model = generate.generate_model(50)
    assert parse_yaml(model.text).data == model.data


def test_generator_is_deterministic_per_seed():
    assert generate.generate_model(10).text == generate.generate_model(10).text
    assert generate.generate_model(10, seed=1).text != generate.generate_model(10, seed=2).text


def test_sizes_scale_like_a_real_model():
    small, big = generate.build_model(100), generate.build_model(1000)
    for section in ("elements", "flows", "mitigations", "assets"):
        assert 5 <= len(big[section]) / len(small[section]) <= 15, section
    text = generate.generate_model(100).text
    assert 20 <= text.count("\n") / 100 <= 40  # lines per threat, docs/performance.md: about 28


def test_write_models_reuses_identical_files(tmp_path):
    paths = generate.write_models([10], tmp_path)
    first = paths[10].stat().st_mtime_ns
    generate.write_models([10], tmp_path)
    assert paths[10].stat().st_mtime_ns == first
    assert paths[10].name.endswith(".threatmodel.yaml")


def test_repository_has_the_files_models_and_staged_changes(tmp_path):
    repo, staged = generate.write_repo(tmp_path, n_files=80, n_models=3, n_staged=12)
    tracked = subprocess.run(["git", "-C", str(repo), "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    assert len(tracked) == 80
    models = [p for p in tracked if p.endswith("threatmodel.yaml")]
    assert len(models) == 3
    cached = subprocess.run(["git", "-C", str(repo), "diff", "--cached", "--name-only"], capture_output=True,
                            text=True, check=True).stdout.split()
    assert sorted(cached) == staged and len(staged) == 12
    for m in models:
        assert not [f for f in check_text((repo / m).read_text(), CTX) if f.rule in ("TM001", "TM002")]
    # Scope patterns cover part of the repository: staged code inside a model's scope, and some outside.
    from threatlint.engine.scope import Scope
    scopes = [Scope(parse_yaml((repo / m).read_text()).data["scope"]["paths"]) for m in models]
    code = [p for p in staged if not p.endswith("threatmodel.yaml")]
    assert any(s.covers(p) for s in scopes for p in code)
    assert any(not any(s.covers(p) for s in scopes) for p in tracked)


def test_check_row_measures_every_tool(tmp_path):
    path = generate.write_models([10], tmp_path)[10]
    row = bench_run.check_row(10, path, reps=1, sub_reps=1, slow_reps=1)
    assert row["schema_or_syntax_errors"] == 0
    assert row["findings"] == len(check_text(path.read_text(), CTX))
    for key in ("floor", "engine", "parse", "schema", "rules", "cli", "cli_floor", "check_jsonschema"):
        assert row[key]["wall"] > 0 and row[key]["cpu"] >= 0, key
    assert row["cli"]["rc"] in (0, 1)
    assert row["check_jsonschema"]["rc"] == 0  # check-jsonschema accepts the same file with the same schema
    assert row["pytm"]["findings"] > 0  # pytm's threat library matched the equivalent elements and flows


def test_pytm_model_has_the_same_elements_and_flows():
    import pytm_model

    data = generate.build_model(10)
    tm = pytm_model.build_tm(data)
    assert pytm_model.evaluate(tm) > 0
    from pytm import TM
    names = {e.name for e in TM._elements}
    assert {el["name"] for el in data["elements"]} <= names
    assert {f["id"] for f in data["flows"]} <= names


def test_insertion_points_are_inside_a_threat():
    text = generate.generate_model(50).text
    lines = text.split("\n")
    points = lspclient.insertion_points(text)
    assert [p[0] for p in points] == ["description", "title"]
    for field, line, char in points:
        assert char == len(lines[line]) and lines[line].startswith("    ")


def test_lsp_latency_against_the_baseline_server(tmp_path):
    path = generate.write_models([10], tmp_path)[10]
    row = bench_run.lsp_row(10, path, keystrokes=2, server="naive full re-check")
    assert row["keystrokes"] == 4
    assert row["diagnostics_match_check"] is True
    assert row["rss_mb"] and row["rss_mb"] > 0
    assert row["p95_ms"] >= row["median_ms"] > 0


@pytest.mark.skipif(not bench_run.lsp_available(), reason="`threatlint lsp` is not a command yet")
def test_lsp_latency_against_threatlint_lsp(tmp_path):
    path = generate.write_models([10], tmp_path)[10]
    row = bench_run.lsp_row(10, path, keystrokes=2)
    assert row["keystrokes"] == 4 and row["diagnostics_match_check"] is True


def test_gate_row_on_a_small_repository(tmp_path):
    repo, staged = generate.write_repo(tmp_path, n_files=80, n_models=3, n_staged=12)
    row = bench_run.gate_row(repo, staged, reps=1)
    assert row["files"] == 80 and row["staged"] == 12
    # Two models are staged; the third model's scope has staged code without it: the gate blocks.
    assert row["exit_code"] == 1 and row["cli"]["rc"] == 1
    assert row["blocked_models"] >= 1


def test_judge_and_render_report_targets():
    results = {
        "check": [{"threats": 1000, "bytes": 1000, "lines": 10, "floor": {"cpu": 1.0, "wall": 1.0},
                   "engine": {"cpu": 1.2, "wall": 1.3}, "engine_vs_floor": 1.2, "parse": {"cpu": 0.5},
                   "schema": {"cpu": 0.1}, "rules": {"cpu": 0.2}}],
        "lsp": [{"server": "threatlint lsp", "threats": 1000, "open_ms": 900, "keystrokes": 4, "median_ms": 20,
                 "p95_ms": 70.0, "max_ms": 80, "rss_mb": 90, "peak_rss_mb": 95, "diagnostics_match_check": True}],
        "gate": {"files": 10000, "staged": 500, "exit_code": 1, "blocked_models": 3, "cli": {"wall": 0.25, "cpu": 0.2},
                 "in_process": {"wall": 0.1, "cpu": 0.1}, "git_diff_cached": {"wall": 0.01}},
    }
    targets = {t["name"]: t for t in bench_run.judge(results)}
    assert targets["keystroke p95 at 1,000 threats, ms"]["met"] is False
    assert targets["keystroke p95 at 50 threats, ms"]["met"] is None
    assert targets["check / yaml.load CPU at 1000 threats"]["met"] is True
    assert targets["gate, 500 staged of 10,000 files, subprocess ms"]["met"] is True
    results["targets"] = list(targets.values())
    table = bench_run.render(results)
    assert "MISSED keystroke p95 at 1,000 threats" in table and "1.20x" in table


def test_p95_is_nearest_rank():
    assert bench_run.p95(list(range(1, 101))) == 95
    assert bench_run.p95([3.0]) == 3.0


def test_editor_bench_measures_inlay_hints_and_keystrokes_in_a_real_server(monkeypatch):
    import editor

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + ":" + __import__("os").environ.get("PATH", ""))
    r = editor.hint_latency(50, "indented", requests=2, lines=2000)
    assert r["hints"] > 10  # the threats from the middle of the file to its end
    assert r["same_version_ms"] > 0 and r["after_edit_ms"] > 0
    row = editor.run_one(10, "flow-first-on-key-line", "threat", keystrokes=2)
    assert row["diagnostics_match_check"] and row["parses_per_key"] == 1 and row["full_parses"] == 0
