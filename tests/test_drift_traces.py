"""Runtime drift from traces made by the real OpenTelemetry SDK, written as OTLP JSON lines the way the
Collector's file exporter writes them (one ExportTraceServiceRequest per line), then read by
`threatlint drift --traces` and by the streaming reader."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from threatlint.drift.check import runtime
from threatlint.drift.component import Call
from threatlint.drift.traces import MAX_PENDING, TraceReader
from threatlint.engine.selection import Config
from threatlint.engine.parse import parse_yaml

THREATLINT = Path(sys.executable).parent / "threatlint"
Kind = trace.SpanKind


class Service:
    """One instrumented service: its own provider and resource (service.name), spans kept in memory."""

    def __init__(self, name: str):
        self.exporter = InMemorySpanExporter()
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = provider.get_tracer("shop")

    def otlp_json(self) -> str:
        """The finished spans as one ExportTraceServiceRequest in OTLP JSON."""
        request = encode_spans(self.exporter.get_finished_spans())
        return json.dumps(json_format.MessageToDict(request))


def make_traces(path: Path) -> None:
    """frontend -> cartservice over HTTP (trace context propagated in real headers), cartservice -> redis
    (a CLIENT span with db attributes), checkout -> the orders topic (PRODUCER), frontend -> payments API
    (peer.service only)."""
    frontend, cart, checkout = Service("frontend"), Service("cartservice"), Service("checkoutservice")
    for _ in range(3):
        with frontend.tracer.start_as_current_span("GET /cart", kind=Kind.SERVER):
            with frontend.tracer.start_as_current_span("GET cartservice/items", kind=Kind.CLIENT):
                headers: dict[str, str] = {}
                inject(headers)
            with cart.tracer.start_as_current_span("GET /items", context=extract(headers), kind=Kind.SERVER):
                with cart.tracer.start_as_current_span("HGET", kind=Kind.CLIENT,
                                                       attributes={"db.system": "redis", "server.address": "redis-cart"}):
                    pass
            with frontend.tracer.start_as_current_span("POST /charge", kind=Kind.CLIENT,
                                                       attributes={"peer.service": "payments-api"}):
                pass
    with checkout.tracer.start_as_current_span("orders publish", kind=Kind.PRODUCER,
                                               attributes={"messaging.system": "kafka",
                                                           "messaging.destination.name": "orders"}):
        pass
    # Child spans end first, so the Collector often writes a SERVER span before its CLIENT parent.
    lines = [cart.otlp_json(), frontend.otlp_json(), checkout.otlp_json()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def traces(tmp_path) -> Path:
    path = tmp_path / "traces.jsonl"
    make_traces(path)
    return path


def read(path: Path) -> TraceReader:
    reader = TraceReader()
    with open(path, "rb") as fh:
        for n, line in enumerate(fh):
            reader.feed(line, n)
    reader.finish()
    return reader


def test_calls_from_real_sdk_traces(traces):
    reader = read(traces)
    assert reader.services == {"frontend", "cartservice", "checkoutservice"}
    assert {(c.caller, c.callee) for c in reader.calls} == {
        ("frontend", "cartservice"),  # the child SERVER span's service
        ("cartservice", "redis-cart"),  # server.address, then db.system
        ("frontend", "payments-api"),  # peer.service
        ("checkoutservice", "orders"),  # messaging.destination.name
    }
    redis = next(c for c in reader.calls if c.caller == "cartservice")
    assert redis.names() == ("redis-cart", "redis")
    assert reader.problems == []


MODEL = """version: 1
system: {name: Shop}
scope: {paths: ["src/**"]}
elements:
  - {id: web, kind: process, name: Web frontend, aliases: [frontend]}
  - {id: cart, kind: process, name: Cart, aliases: [cartservice]}
  - {id: cache, kind: data_store, name: Cart cache, aliases: [redis]}
  - {id: checkout, kind: process, name: Checkout, aliases: [checkoutservice]}
flows:
  - {id: web-cart, from: web, to: cart}
  - {id: cart-cache, from: cache, to: cart}
exemptions:
  - {component: payments-api, rationale: the payment provider is modelled in payments.threatmodel.yaml}
"""


def test_findings_from_real_sdk_traces(traces):
    reader = read(traces)
    doc = parse_yaml(MODEL)
    found = runtime(doc, reader.calls, reader.services, Config())
    by_rule = {}
    for f in found:
        by_rule.setdefault(f.rule, []).append(f)
    # orders: nothing answers the topic; payments-api is exempted
    assert [f.data["component"] for f in by_rule["TM501"]] == ["orders"]
    assert "aliases: [orders]" in by_rule["TM501"][0].message
    # cart -> cache: the only flow goes the other way
    [missing] = by_rule["TM502"]
    assert (missing.data["source"], missing.data["target"]) == ("cart", "cache")
    assert "'cartservice' calls 'redis-cart'" in missing.message
    assert missing.range.start.line == MODEL.splitlines().index("  - {id: cart, kind: process, name: Cart, aliases: [cartservice]}")


def test_a_name_another_model_answers_is_not_reported(traces):
    reader = read(traces)
    found = runtime(parse_yaml(MODEL), reader.calls, reader.services, Config(),
                    answered_elsewhere=lambda name: name == "orders")
    assert [f.rule for f in found] == ["TM502"]


def test_cli_reads_traces_and_reports_json(traces, tmp_path):
    (tmp_path / "shop.threatmodel.yaml").write_text(MODEL, encoding="utf-8")
    with open(traces, "a", encoding="utf-8") as fh:
        fh.write('{"resourceSpans": [\n')  # a torn last line, as a killed exporter leaves it
    proc = subprocess.run([THREATLINT, "drift", str(tmp_path / "shop.threatmodel.yaml"), "--traces", str(traces),
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    rules = sorted((f["rule"], Path(f["file"]).name) for f in out)
    assert rules == [("TM500", "traces.jsonl"), ("TM501", "shop.threatmodel.yaml"), ("TM502", "shop.threatmodel.yaml")]
    bad = next(f for f in out if f["rule"] == "TM500")
    assert bad["range"]["start"]["line"] == 3 and "not a JSON object" in bad["message"]
    assert "Traceback" not in proc.stderr


def test_addresses_are_not_names():
    reader = TraceReader()
    spans = [{"traceId": "t", "spanId": f"s{i}", "kind": "SPAN_KIND_CLIENT",
              "attributes": [{"key": "server.address", "value": {"stringValue": host}}] +
              ([{"key": "db.system", "value": {"stringValue": "postgresql"}}] if i == 0 else [])}
             for i, host in enumerate(["10.0.3.7", "localhost", "[::1]", "api.stripe.com"])]
    reader.feed(json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "web"}}]}, "scopeSpans": [{"spans": spans}]}]}))
    reader.finish()
    assert reader.calls == {Call("web", "postgresql"), Call("web", "api.stripe.com")}


def test_pending_spans_are_bounded():
    """Client spans whose child never comes are flushed, not kept: memory does not grow with the file."""
    reader = TraceReader()
    line = json.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "a"}}]},
        "scopeSpans": [{"spans": [{"traceId": "t", "spanId": f"s{i}", "kind": 3,
                                   "attributes": [{"key": "peer.service", "value": {"stringValue": f"b{i % 7}"}}]}
                                  for i in range(MAX_PENDING + 500)]}]}]})
    reader.feed(line)
    assert reader.pending <= MAX_PENDING
    reader.finish()
    assert reader.pending == 0
    assert reader.calls == {Call("a", f"b{i}") for i in range(7)}
