"""Calls between services from OTLP JSON trace exports, one ExportTraceServiceRequest per line (what the
OpenTelemetry Collector's file exporter writes), read line by line in bounded memory.

A call is a CLIENT or PRODUCER span of service A. The callee is the service of a child SERVER or CONSUMER
span when one is seen, else what the span's attributes name: peer.service, server.address / net.peer.name,
db.name / db.system, messaging.destination.name (every one is tried when matching elements). IP addresses
and localhost name no component and are left out; a call named by nothing else is not counted.
"""
from __future__ import annotations

import ipaddress
import json
from collections import OrderedDict
from dataclasses import dataclass, field

from .component import Call

# OTLP span kinds, as numbers (the Collector) or enum names (protobuf's json_format).
SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5
_KIND_NAMES = {"SPAN_KIND_SERVER": SERVER, "SPAN_KIND_CLIENT": CLIENT, "SPAN_KIND_PRODUCER": PRODUCER,
               "SPAN_KIND_CONSUMER": CONSUMER}
CALLEE_KEYS = ("peer.service", "server.address", "net.peer.name", "db.name", "db.namespace", "db.system",
               "db.system.name", "messaging.destination.name", "messaging.destination")
MAX_PENDING = 50_000  # spans waiting for their parent or child: the memory bound, whatever the file size
MAX_PROBLEMS = 20


@dataclass
class TraceProblem:
    line: int  # 0-based line of the trace file
    message: str


@dataclass
class TraceReader:
    """Feed it lines; `calls` and `services` grow only with distinct values, pending spans are capped."""

    calls: set[Call] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    problems: list[TraceProblem] = field(default_factory=list)
    bad_lines: int = 0
    spans: int = 0
    # (trace, span id) of a CLIENT/PRODUCER span -> (caller, names from its attributes)
    _clients: OrderedDict = field(default_factory=OrderedDict)
    # (trace, parent span id) of a SERVER/CONSUMER span -> its service
    _servers: OrderedDict = field(default_factory=OrderedDict)

    def feed(self, line: str | bytes, lineno: int = 0) -> None:
        if not line.strip():
            return
        try:
            request = json.loads(line)
        except ValueError as e:
            self._problem(lineno, f"not a JSON object: {e}")
            return
        if not isinstance(request, dict) or not isinstance(request.get("resourceSpans"), list):
            self._problem(lineno, "not an OTLP ExportTraceServiceRequest (no resourceSpans list)")
            return
        for rs in request["resourceSpans"]:
            if not isinstance(rs, dict):
                continue
            service = _service(rs.get("resource"))
            if service:
                self.services.add(service)
            scopes = rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []
            for ss in scopes if isinstance(scopes, list) else ():
                spans = ss.get("spans") if isinstance(ss, dict) else None
                for span in spans if isinstance(spans, list) else ():
                    if isinstance(span, dict):
                        self._span(service, span)

    @property
    def pending(self) -> int:
        """Spans held while waiting for their parent or child (at most 2 * MAX_PENDING)."""
        return len(self._clients) + len(self._servers)

    def finish(self) -> None:
        """Calls whose child span never came are named by their attributes."""
        for caller, names in self._clients.values():
            self._add(caller, names)
        self._clients.clear()
        self._servers.clear()

    def _span(self, service: str | None, span: dict) -> None:
        self.spans += 1
        kind = span.get("kind")
        kind = _KIND_NAMES.get(kind, kind) if isinstance(kind, str) else kind
        trace = span.get("traceId")
        if kind in (CLIENT, PRODUCER) and service:
            key = (trace, span.get("spanId"))
            names = _names(span.get("attributes"))
            child = self._servers.pop(key, None)
            if child is not None:
                self._add(service, (child, *names))
            else:
                self._remember(self._clients, key, (service, names))
        elif kind in (SERVER, CONSUMER) and service and span.get("parentSpanId"):
            key = (trace, span.get("parentSpanId"))
            parent = self._clients.pop(key, None)
            if parent is not None:
                self._add(parent[0], (service, *parent[1]))
            else:
                self._remember(self._servers, key, service)

    def _remember(self, pending: OrderedDict, key, value) -> None:
        pending[key] = value
        if len(pending) > MAX_PENDING:
            old_key, old = pending.popitem(last=False)
            if pending is self._clients:
                self._add(*old)

    def _add(self, caller: str, names) -> None:
        names = tuple(dict.fromkeys(n for n in names if n and n != caller and not _address(n)))
        if names:
            self.calls.add(Call(caller, names[0], names[1:]))

    def _problem(self, lineno: int, message: str) -> None:
        self.bad_lines += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(TraceProblem(lineno, message))


def _address(name: str) -> bool:
    """An IP address or localhost: where a call went, not what it called (pod addresses change every deploy)."""
    host = name.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _value(v) -> str | None:
    if not isinstance(v, dict):
        return None
    for key in ("stringValue", "intValue"):
        if key in v and v[key] not in (None, ""):
            return str(v[key])
    return None


def _attrs(attributes) -> dict[str, str]:
    out = {}
    for a in attributes if isinstance(attributes, list) else ():
        if isinstance(a, dict) and isinstance(a.get("key"), str):
            v = _value(a.get("value"))
            if v is not None:
                out[a["key"]] = v
    return out


def _service(resource) -> str | None:
    return _attrs(resource.get("attributes")).get("service.name") if isinstance(resource, dict) else None


def _names(attributes) -> tuple[str, ...]:
    attrs = _attrs(attributes)
    return tuple(attrs[k] for k in CALLEE_KEYS if attrs.get(k))
