"""Any model history, valid or not, gives status and portfolio figures, text and pages without raising.

Models come from the schema-driven strategies the engine's fuzz tests use (tests/fuzz_strategies.py);
examples per property: FUZZ_EXAMPLES (default 40), derandomized unless it is set.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fuzz_strategies import fuzz_settings, models, swapped_types
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from threatlint.cli.status import status_of, text
from threatlint.portfolio.page import portfolio_page, status_page
from threatlint.portfolio.summary import assemble, summarize
from threatlint.portfolio.text import render
from threatlint.status.changes import Freshness
from threatlint.status.history import Commit
from threatlint.status.metrics import Version
from threatlint.status.releases import DEFAULT_RELEASE_TAGS, last_months
from threatlint.status.repository import ModelHistory, RepoHistory, read_model

TODAY = date(2026, 6, 1)
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
# a version is a valid model, or a valid model with one value swapped for another type, as YAML text read back
VERSIONS = st.one_of(models(), swapped_types().map(lambda t: read_model(t.encode("utf-8"))[0] or None))


@fuzz_settings(scale=0.5, suppress_health_check=SLOW)
@given(st.lists(VERSIONS, min_size=1, max_size=4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_any_history_gives_figures_text_and_pages(datas, tagged):
    start = date(2026, 1, 1)
    versions = [Version(f"c{i}", start + timedelta(days=20 * i), d) for i, d in enumerate(datas)]
    commits = [Commit(v.commit, f"{v.day.isoformat()}T12:00:00+00:00", "s", (("M", "m.yaml"),),
                      (f"v{i}",) if tagged[i] else ()) for i, v in enumerate(versions)][::-1]
    current = versions[-1].data or {}
    repo = RepoHistory(Path("/r/repo"), commits, [ModelHistory("m.yaml", current, [], Freshness(), versions)],
                       DEFAULT_RELEASE_TAGS)
    report = status_of(repo, TODAY)
    assert len(report["cycles"]) >= 1
    text(report)
    assert status_page(report).startswith("<!DOCTYPE html>")
    window = last_months(TODAY, 6)
    portfolio = assemble([summarize(Path("repo"), repo, TODAY, None, 24, window, None, [])], TODAY, window)
    assert len(portfolio["models"]) == 1 and len(portfolio["timeline"]) == 6
    render(portfolio)
    assert "<svg" in portfolio_page(portfolio)
