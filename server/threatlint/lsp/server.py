"""`threatlint lsp`: the pygls language server, a thin adapter from the engine to LSP.

Model files get diagnostics (checked incrementally, see checker.py), quick fixes, completion, hover,
navigation, rename, inlay hints and an outline. Code files inside a model's scope get one information
diagnostic naming the model; infrastructure files there also get drift findings (drift.py). Checks run
on the event loop as soon as it is idle; edits that arrive while a check runs are coalesced into the next
one, so a burst of keystrokes costs one check and an isolated keystroke waits for no timer.

Layout: transport.py (stdio), workspace_index.py (models on disk, repositories), handlers.py (one function
per LSP request, registered by `create_server`), diagram.py (the `threatlint/diagram` request), drift.py (drift
on infrastructure files), this module (open documents and their checks).
"""
from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..workspace import is_model_file
from ..settings import ConfigError, context_for, load_for
from ..engine.selection import DEFAULT_MODEL_PATTERNS
from ..engine.context import CheckContext, resolve_today
from ..engine.finding import Finding
from ..engine.parse import ParsedDoc
from . import drift
from .checker import DocumentChecker
from .convert import DiagnosticCache, Lines
from .transport import Transport
from .workspace_index import WorkspaceIndex

log = logging.getLogger("threatlint.lsp")


class Refused(JsonRpcException):
    """A request the server declines for a reason the user should read (an invalid name to rename to)."""

    CODE = lsp.LSPErrorCodes.RequestFailed


@dataclass
class Settings:
    """Client settings (initializationOptions, or workspace/didChangeConfiguration under `threatlint`)."""

    rename_mentions: bool = False  # rename also rewrites whole-word mentions of the id in prose and comments

    def update(self, options) -> None:
        if isinstance(options, dict):
            options = options.get("threatlint", options)
            if isinstance(options, dict) and isinstance(options.get("renameMentions"), bool):
                self.rename_mentions = options["renameMentions"]


class Cursor(NamedTuple):
    text: str
    lines: Lines
    good: object  # the last good parse (completion reads the structure around a half-typed line from it)
    doc: object  # the current parse when it succeeded, else the last good one
    line: int
    col: int


class ThreatlintServer(LanguageServer):
    def __init__(self):
        super().__init__("threatlint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.transport = Transport(self)
        self.index = WorkspaceIndex(self._folder_paths)
        self.settings = Settings()
        self.checkers: dict[str, DocumentChecker] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.diagnostic_caches: dict[str, DiagnosticCache] = {}
        self.dirty: dict[str, None] = {}
        self._flush_pending = False
        self._coverage: dict[str, tuple] = {}  # code-file uri -> (scope message, drift diagnostics) published
        self._derived: dict[str, dict] = {}  # model uri -> {name: (the text or parse, a value derived from it)}
        self._warned: set[str] = set()

    # -- transport ---------------------------------------------------------------------
    def start_io(self, stdin=None, stdout=None):
        self.transport.serve_stdio(stdin, stdout)

    def shutdown(self):
        self.transport.stopped.set()
        super().shutdown()

    # -- errors never kill the server ---------------------------------------------------
    def report_server_error(self, error: Exception, source) -> None:
        if isinstance(error, Refused):
            return  # answered to the request with its message; not a fault of the server
        self.log_error(f"threatlint: internal error ({getattr(source, '__name__', source)}): {error!r}")

    def log_error(self, message: str) -> None:
        log.error(message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
        except Exception:  # the client is gone; nothing else to do
            log.exception("cannot send window/logMessage")

    def warn_once(self, message: str) -> None:
        """Log a problem with the user's setup, and show it once: a log alone goes unread."""
        if message not in self._warned:
            self._warned.add(message)
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=message))
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message))

    # -- documents ---------------------------------------------------------------------
    def _folder_paths(self) -> list[Path]:
        paths = [p for p in (self.path_of(f.uri) for f in self.workspace.folders.values()) if p is not None]
        if not paths and self.workspace.root_path:
            paths = [Path(self.workspace.root_path)]
        return paths

    def text_of(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    def encoding(self) -> str:
        enc = self.workspace.position_encoding
        return getattr(enc, "value", enc) or "utf-16"

    def lines(self, text: str) -> Lines:
        return Lines(text, self.encoding())

    @staticmethod
    def path_of(uri: str) -> Path | None:
        p = to_fs_path(uri) if uri.startswith("file:") else None
        return Path(p) if p else None

    def is_model(self, uri: str) -> bool:
        path = self.path_of(uri)
        name = path.name if path else uri.rsplit("/", 1)[-1]
        patterns = DEFAULT_MODEL_PATTERNS
        if path is not None:
            try:
                patterns = load_for(path).model_patterns
            except ConfigError:
                pass
        return is_model_file(name, patterns)

    def checker(self, uri: str) -> DocumentChecker:
        c = self.checkers.get(uri)
        if c is None:
            c = self.checkers[uri] = DocumentChecker()
            self.diagnostic_caches[uri] = DiagnosticCache()
        return c

    def is_open_model(self, uri: str) -> bool:
        return uri in self.checkers

    def forget(self, uri: str) -> None:
        """A closed document: drop its state and clear its diagnostics."""
        self.checkers.pop(uri, None)
        self.diagnostic_caches.pop(uri, None)
        self.findings.pop(uri, None)
        self._derived.pop(uri, None)
        self.dirty.pop(uri, None)
        self._coverage.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.refresh_coverage()

    def today(self):
        try:
            return resolve_today()
        except ValueError as e:
            self.warn_once(f"threatlint: {e}; using the system date")
            return resolve_today("")

    def context(self, uri: str) -> CheckContext:
        today = self.today()
        path = self.path_of(uri)
        if path is None:
            return CheckContext(today=today)
        try:
            return context_for(path, today=today, repo_files=self.index.repo_files_for(path))
        except ConfigError as e:
            self.warn_once(f"threatlint: {e}; checking with the default configuration")
            return CheckContext(today=today)

    # -- checking ----------------------------------------------------------------------
    def schedule(self, uri: str) -> None:
        self.dirty[uri] = None
        if not self._flush_pending:
            self._flush_pending = True
            # One hop through the loop lets edits already read from the pipe join this check.
            asyncio.get_event_loop().call_soon(lambda: asyncio.get_event_loop().call_soon(self.flush))

    def flush(self) -> None:
        self._flush_pending = False
        pending, self.dirty = list(self.dirty), {}
        for uri in pending:
            try:
                self.check_now(uri)
            except Exception:
                self.log_error(f"threatlint: checking {uri} failed:\n{traceback.format_exc()}")

    def findings_now(self, uri: str) -> list[Finding]:
        """The findings of the document's current text (checking it first if an edit is pending)."""
        if uri in self.dirty:
            self.check_now(uri)
        return self.findings.get(uri, [])

    def check_now(self, uri: str) -> None:
        try:
            doc = self.workspace.get_text_document(uri)
        except Exception:
            return
        if uri not in self.checkers and uri not in self.open_models():
            return
        self.dirty.pop(uri, None)
        text = doc.source
        findings = self.checker(uri).check(text, self.context(uri))
        self.findings[uri] = findings
        diagnostics = self.diagnostic_caches[uri].convert(findings, self.lines(text))
        self.publish_raw(uri, doc.version, diagnostics)
        self.refresh_coverage()

    def publish_raw(self, uri: str, version, diagnostics: list[dict]) -> None:
        params = {"uri": uri, "diagnostics": diagnostics}
        if version is not None:
            params["version"] = version
        if not self.transport.notify_raw(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params):  # not over stdio
            message = {"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params}
            self.text_document_publish_diagnostics(self.protocol.structure_message(message).params)

    def open_models(self) -> set[str]:
        return {uri for uri in self.workspace.text_documents if self.is_model(uri)}

    # -- code files ------------------------------------------------------------------------
    def open_model_docs(self) -> dict[Path, ParsedDoc]:
        """Resolved path -> latest good parse of every open model."""
        out = {}
        for uri in self.open_models():
            p = self.path_of(uri)
            c = self.checkers.get(uri)
            if p is not None and c is not None and c.doc is not None:
                out[p.resolve()] = c.last_good or c.doc
        return out

    def models(self):
        return self.index.models(self.open_model_docs())

    def publish_coverage(self, uri: str, force: bool = False) -> None:
        path = self.path_of(uri)
        message = self.index.coverage_message(path, self.open_model_docs(), self.today()) if path else None
        drifted = drift.diagnostics(self, uri)  # TM501/TM500 on an infrastructure file in scope
        seen = (message, tuple((d.code, d.message, d.range.start.line, d.range.start.character, d.range.end.line,
                                 d.range.end.character) for d in drifted))
        if not force and self._coverage.get(uri, "unset") == seen:
            return
        self._coverage[uri] = seen
        diags = list(drifted)
        if message:
            text = self.text_of(uri)
            first = text.split("\n", 1)[0]
            end = self.lines(first).to_client(0, len(first.rstrip("\r")))
            diags.append(lsp.Diagnostic(range=lsp.Range(start=lsp.Position(line=0, character=0), end=end),
                                        message=message, severity=lsp.DiagnosticSeverity.Information,
                                        source="threatlint", code="scope"))
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diags))

    def refresh_coverage(self) -> None:
        for uri in list(self._coverage):
            if uri in self.workspace.text_documents:
                self.publish_coverage(uri)

    # -- requests on a model ---------------------------------------------------------------------
    def model_state(self, uri: str):
        """(text, lines, current parse, last good parse) of an open model, or None."""
        if not self.is_model(uri):
            return None
        text = self.text_of(uri)
        c = self.checker(uri)
        doc = c.parse(text)
        lines = self.derived(uri, text, "lines", lambda: self.lines(text))
        return text, lines, doc, c.last_good

    def derived(self, uri: str, source, name: str, compute):
        """A value computed from an open model's current text or parse (`source`), kept while that is the
        same object: an editor asks for inlay hints again on every scroll, and every request needs the lines."""
        kept = self._derived.setdefault(uri, {})
        hit = kept.get(name)
        if hit is None or hit[0] is not source:
            hit = kept[name] = (source, compute())
        return hit[1]

    def at_position(self, uri: str, position: lsp.Position) -> Cursor | None:
        """An open model and a client position in it, converted to the engine's (line, code point)."""
        state = self.model_state(uri)
        if state is None:
            return None
        text, lines, doc, good = state
        line, col = lines.from_client(position)
        # Navigation works from the last parse that succeeded while the current text does not parse.
        return Cursor(text, lines, good, doc if doc.ok else good, line, col)


def create_server() -> ThreatlintServer:
    from . import diagram, handlers

    server = ThreatlintServer()
    handlers.register(server)
    diagram.register(server)  # threatlint/diagram: the editor's live data-flow diagram
    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    create_server().start_io()
