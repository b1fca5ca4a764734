"""The baseline language server: pygls document sync plus a full `check_text` of the whole document per change.

This is what a server without incremental re-parsing costs per keystroke, so
the benchmark shows `threatlint lsp` next to it (and the client in
bench/lspclient.py can be exercised before that server exists).

    python bench/naive_server.py      # speaks LSP on stdin/stdout
"""
from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from threatlint.engine import check_text, resolve_today
from threatlint.engine.context import CheckContext

server = LanguageServer("threatlint-bench-naive", "0.1")
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "info": types.DiagnosticSeverity.Information}


def _publish(ls: LanguageServer, uri: str) -> None:
    doc = ls.workspace.get_text_document(uri)
    findings = check_text(doc.source, CheckContext(today=resolve_today()))
    diagnostics = [types.Diagnostic(
        range=types.Range(start=types.Position(line=f.range.start.line, character=f.range.start.character),
                          end=types.Position(line=f.range.end.line, character=f.range.end.character)),
        message=f.message, severity=_SEVERITY.get(str(f.severity.value), types.DiagnosticSeverity.Warning),
        code=f.rule, source="threatlint") for f in findings]
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, version=doc.version,
                                                                        diagnostics=diagnostics))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


if __name__ == "__main__":
    server.start_io()
