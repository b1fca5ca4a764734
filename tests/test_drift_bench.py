"""bench/drift.py's generators and measuring functions work (tiny sizes; no timing is asserted)."""
from __future__ import annotations

import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import drift as bench  # noqa: E402

from threatlint.drift.check import read_all  # noqa: E402
from threatlint.drift.traces import TraceReader  # noqa: E402


def test_infrastructure_files_are_read_as_such():
    files = bench.infra_files("orders")
    assert len(files) == bench.INFRA_PER_SERVICE
    reads = read_all(files)
    assert set(reads) == set(files) and not [p for r in reads.values() for p in r.problems]
    names = {c.name for r in reads.values() for c in r.components}
    assert {"orders-api", "orders-db", "orders-cache", "orders-worker", "orders-events", "acme-orders-exports",
            "orders.api.acme.example"} <= names
    assert "orders-events" in names and not any(n.startswith("aws_iam_role") for n in names)


def test_trace_lines_pair_clients_with_servers(tmp_path):
    services = ["a", "b", "c"]
    path = tmp_path / "t.jsonl"
    size = bench.write_traces(path, 1, services)
    assert size >= 1024 * 1024
    reader = TraceReader()
    with open(path, "rb") as fh:
        for n, line in enumerate(fh):
            reader.feed(line, n)
    reader.finish()
    assert reader.problems == [] and reader.services == set(services)
    assert {c.caller for c in reader.calls} == set(services)
    line = bench.trace_line(random.Random(1), 0, services)
    assert line.startswith('{"resourceSpans"')


def test_peak_rss_probe(tmp_path):
    r = bench.peak_rss_cmd([str(Path(sys.executable).parent / "threatlint"), "--version"], tmp_path)
    assert r["rc"] == 0 and r["rss_mb"] > 1 and r["wall"] > 0
