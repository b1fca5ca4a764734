"""Engine values -> LSP values: positions in the negotiated encoding, findings -> diagnostics."""
from __future__ import annotations

from lsprotocol import types as lsp
from pygls.protocol import default_converter

from ..engine.finding import Finding, Range, Severity
from ..engine.lines import lsp_lines
from ..rules import RULES

_CONVERTER = default_converter()


class Lines:
    """A document's lines, converting code-point columns to the client's units and back.

    Engine columns count code points; LSP clients count UTF-16 code units unless
    they negotiated another position encoding.
    """

    def __init__(self, text: str, encoding: str = "utf-16"):
        self.lines = lsp_lines(text)
        self.encoding = str(getattr(encoding, "value", encoding) or "utf-16").lower()

    def _units(self, s: str) -> int:
        if s.isascii() or self.encoding == "utf-32":
            return len(s)
        if self.encoding == "utf-8":
            return len(s.encode("utf-8"))
        return len(s.encode("utf-16-le")) // 2

    def line(self, n: int) -> str:
        return self.lines[n] if 0 <= n < len(self.lines) else ""

    def to_client(self, line: int, col: int) -> lsp.Position:
        text = self.line(line)
        return lsp.Position(line=max(line, 0), character=self._units(text[:col]))

    def from_client(self, pos: lsp.Position) -> tuple[int, int]:
        text = self.line(pos.line)
        if text.isascii() or self.encoding == "utf-32":
            return pos.line, min(pos.character, len(text))
        units = 0
        for i, ch in enumerate(text):
            if units >= pos.character:
                return pos.line, i
            units += self._units(ch)
        return pos.line, len(text)

    def range(self, r: Range) -> lsp.Range:
        return lsp.Range(start=self.to_client(r.start.line, r.start.character), end=self.to_client(r.end.line, r.end.character))


def diagnostic(f: Finding, lines: Lines) -> lsp.Diagnostic:
    """The finding as an lsprotocol Diagnostic (code actions name theirs), built from `diagnostic_dict`."""
    return _CONVERTER.structure(diagnostic_dict(f, lines), lsp.Diagnostic)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_SEVERITY_NUMBER = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}


class DiagnosticCache:
    """Findings -> LSP diagnostics as plain JSON dicts, reusing the dict of a finding seen before.

    A 1,000-threat model has thousands of findings; building and serializing
    them anew on each keystroke would cost more than the check itself. A
    cached dict is reused only when the lines it spans are ASCII (so its
    columns are the same in every encoding).
    """

    def __init__(self):
        self._cache: dict[tuple, tuple[dict, dict]] = {}

    def convert(self, findings: list[Finding], lines: Lines) -> list[dict]:
        fresh: dict[tuple, tuple[dict, dict]] = {}
        out = []
        for f in findings:
            r = f.range
            ascii_ = lines.line(r.start.line).isascii() and lines.line(r.end.line).isascii()
            key = (f.rule, f.severity, f.message, r, f.path) if ascii_ else None
            hit = self._cache.get(key) if key is not None else None
            if hit is not None and hit[0] == f.data:
                d = hit[1]
            else:
                d = diagnostic_dict(f, lines)
            if key is not None:
                fresh[key] = (f.data, d)
            out.append(d)
        self._cache = fresh
        return out


def diagnostic_dict(f: Finding, lines: Lines) -> dict:
    """The one place a finding becomes an LSP diagnostic (plain JSON values, as published)."""
    rule = RULES.get(f.rule)
    start = lines.to_client(f.range.start.line, f.range.start.character)
    end = lines.to_client(f.range.end.line, f.range.end.character)
    out = {
        "range": {"start": {"line": start.line, "character": start.character},
                  "end": {"line": end.line, "character": end.character}},
        "severity": _SEVERITY_NUMBER[f.severity],
        "code": f.rule,
        "source": "threatlint",
        "message": f.message,
        "data": {"rule": f.rule, "path": _jsonable(list(f.path)), "data": _jsonable(f.data)},
    }
    if rule is not None:
        out["codeDescription"] = {"href": rule.help_uri}
    return out
