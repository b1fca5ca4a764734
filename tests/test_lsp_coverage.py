"""lsp/coverage.py: which models cover a code file, and the summary line shown on it."""
from __future__ import annotations

from datetime import date
from pathlib import Path


from threatlint.engine import parse_yaml
from threatlint.lsp.coverage import ModelInfo, covers, summary


FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")


# -- coverage ----------------------------------------------------------------------------------------------
def test_coverage_matches_scope_and_summarises_open_threats(tmp_path):
    info = ModelInfo(tmp_path / "payments.threatmodel.yaml", tmp_path, parse_yaml(FIXTURE))
    assert covers(info, tmp_path / "services" / "payments" / "app.py")
    assert not covers(info, tmp_path / "services" / "payments" / "tests" / "t.py")  # the '!' pattern
    assert not covers(info, tmp_path.parent / "elsewhere.py")
    line = summary(info, date(2026, 11, 23), "payments.threatmodel.yaml")
    assert line.startswith("Covered by threat model payments.threatmodel.yaml (Payments API): 2 open high/critical")
    assert "review overdue since 2026-04-01" in line


def test_coverage_summary_survives_a_review_date_at_the_end_of_time(tmp_path):
    text = FIXTURE.replace("last_reviewed: 2026-01-01", "last_reviewed: 9999-12-01")
    info = ModelInfo(tmp_path / "m.threatmodel.yaml", tmp_path, parse_yaml(text))
    assert "overdue" not in summary(info, date(2026, 11, 23), "m")
