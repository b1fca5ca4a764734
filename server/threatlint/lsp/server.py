"""`threatlint lsp`: the pygls language server, a thin adapter from the engine to LSP.

Model files get diagnostics (checked incrementally, see checker.py), quick
fixes, completion, hover, navigation and an outline. Code files inside a
model's scope get one information diagnostic naming the model. Checks run on
the event loop as soon as it is idle; edits that arrive while a check runs are
coalesced into the next one, so a burst of keystrokes costs one check and an
isolated keystroke waits for no timer.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
import traceback
from typing import NamedTuple
from pathlib import Path

from lsprotocol import types as lsp
from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..workspace import git_root, is_model_file, repo_files
from ..settings import ConfigError, context_for, load_for, models_under
from ..engine.selection import DEFAULT_MODEL_PATTERNS
from ..engine.context import CheckContext, resolve_today
from ..engine.finding import Finding, Range
from ..engine.parse import decode, parse_yaml
from ..fixes import fixes_for
from . import diagram, drift, features
from .checker import DocumentChecker
from .convert import DiagnosticCache, Lines, diagnostic
from .document import use_lsp_lines
from .coverage import ModelInfo, covers, summary

log = logging.getLogger("threatlint.lsp")

REPO_FILES_TTL = 30.0  # seconds before TM404's repository file list is read again


class ThreatlintServer(LanguageServer):
    def __init__(self):
        super().__init__("threatlint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.checkers: dict[str, DocumentChecker] = {}
        self.findings: dict[str, list[Finding]] = {}
        self.diagnostic_caches: dict[str, DiagnosticCache] = {}
        self.dirty: dict[str, None] = {}
        self._flush_pending = False
        self._repo_files: dict[Path, tuple[float, tuple[str, ...] | None]] = {}
        self._roots: dict[Path, Path | None] = {}
        self._disk_models: dict[Path, tuple[tuple, ModelInfo]] = {}
        self._model_paths: list[Path] | None = None
        self._coverage: dict[str, str | None] = {}  # code-file uri -> message published
        self._warned: set[str] = set()

    # -- transport ---------------------------------------------------------------------
    def start_io(self, stdin=None, stdout=None):
        """Serve over stdio, reading stdin on the event loop itself.

        pygls reads stdin through a thread pool, one loop round trip per header
        line and body; messages then trickle in one at a time and a burst of
        edits cannot be seen as a burst. A pipe reader on the loop hands over
        everything already received at once, so the scheduled check runs only
        after the last buffered edit, and each message costs no thread hop.
        """
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        source = stdin or sys.stdin.buffer

        async def main():
            reader = await _pipe_reader(source)
            if reader is None:  # not a pipe (a file, or a platform without pipe support): pygls's reader
                reader = StdinAsyncReader(source, self.thread_pool)
            await run_async(stop_event=self._stop_event, reader=reader, protocol=self.protocol, logger=log,
                            error_handler=self.report_server_error)

        try:
            asyncio.run(main())
        except BrokenPipeError:
            log.error("connection to the client lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    # -- errors never kill the server ---------------------------------------------------
    def report_server_error(self, error: Exception, source) -> None:
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

    def today(self):
        try:
            return resolve_today()
        except ValueError as e:
            self.warn_once(f"threatlint: {e}; using the system date")
            return resolve_today("")

    def root_of(self, path: Path) -> Path:
        """What scope patterns are relative to: the git root, else the workspace folder, else the file's folder."""
        folder = path.parent
        if folder not in self._roots:
            self._roots[folder] = git_root(folder)
        root = self._roots[folder]
        if root is not None:
            return root
        for f in self.workspace.folders.values():
            fp = self.path_of(f.uri)
            if fp is not None and (fp == path or fp in path.parents):
                return fp
        return folder

    def repo_files_for(self, path: Path):
        folder = path.parent
        if folder not in self._roots:
            self._roots[folder] = git_root(folder)
        root = self._roots[folder]
        if root is None:
            return None
        hit = self._repo_files.get(root)
        if hit is None or time.monotonic() - hit[0] > REPO_FILES_TTL:
            hit = (time.monotonic(), repo_files(root))
            self._repo_files[root] = hit
        return hit[1]

    def context(self, uri: str) -> CheckContext:
        today = self.today()
        path = self.path_of(uri)
        if path is None:
            return CheckContext(today=today)
        try:
            return context_for(path, today=today, repo_files=self.repo_files_for(path))
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

    def check_now(self, uri: str) -> None:
        try:
            doc = self.workspace.get_text_document(uri)
        except Exception:
            return
        if uri not in self.checkers and uri not in self._open_models():
            return
        text = doc.source
        checker = self.checker(uri)
        findings = checker.check(text, self.context(uri))
        self.findings[uri] = findings
        diagnostics = self.diagnostic_caches[uri].convert(findings, self.lines(text))
        self.publish_raw(uri, doc.version, diagnostics)
        self.refresh_coverage()

    def publish_raw(self, uri: str, version, diagnostics: list[dict]) -> None:
        """publishDiagnostics from plain dicts: json.dumps serializes them in C, cattrs never walks them."""
        params = {"uri": uri, "diagnostics": diagnostics}
        if version is not None:
            params["version"] = version
        self.protocol._send_data({"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params})

    def _open_models(self) -> set[str]:
        return {uri for uri in self.workspace.text_documents if self.is_model(uri)}

    # -- code files ------------------------------------------------------------------------
    def models(self) -> list[ModelInfo]:
        """Every model in the workspace folders, the open ones with their current text."""
        if self._model_paths is None:
            paths: list[Path] = []
            for f in self.workspace.folders.values():
                fp = self.path_of(f.uri)
                if fp is not None and fp.is_dir():
                    paths += models_under(fp)  # the folder's model-patterns and exclude
            if not paths and self.workspace.root_path and os.path.isdir(self.workspace.root_path):
                paths = models_under(self.workspace.root_path)
            self._model_paths = paths
        out = []
        open_docs = {}
        for uri in self._open_models():
            p = self.path_of(uri)
            if p is not None and uri in self.checkers and self.checkers[uri].doc is not None:
                open_docs[p.resolve()] = self.checkers[uri].last_good or self.checkers[uri].doc
        for p in self._model_paths:
            rp = p.resolve()
            if rp in open_docs:
                out.append(ModelInfo(p, self.root_of(rp), open_docs.pop(rp)))
                continue
            info = self._disk_model(p)
            if info is not None:
                out.append(info)
        for rp, doc in open_docs.items():  # open models not (yet) on disk or outside the folders
            out.append(ModelInfo(rp, self.root_of(rp), doc))
        return out

    def _disk_model(self, p: Path) -> ModelInfo | None:
        try:
            st = p.stat()
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        hit = self._disk_models.get(p)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        text, err = decode(p.read_bytes())
        info = ModelInfo(p, self.root_of(p.resolve()), parse_yaml(text if err is None else ""))
        self._disk_models[p] = (stamp, info)
        return info

    def coverage_message(self, uri: str) -> str | None:
        path = self.path_of(uri)
        if path is None:
            return None
        path = path.resolve()
        today = self.today()
        parts = []
        for info in self.models():
            if covers(info, path):
                parts.append(summary(info, today, _display(info.path, info.root)))
        return " | ".join(parts) if parts else None

    def publish_coverage(self, uri: str, force: bool = False) -> None:
        message = self.coverage_message(uri)
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
        return text, self.lines(text), doc, c.last_good

    def at_position(self, uri: str, position: lsp.Position) -> Cursor | None:
        """An open model and a client position in it, converted to the engine's (line, code point)."""
        state = self.model_state(uri)
        if state is None:
            return None
        text, lines, doc, good = state
        line, col = lines.from_client(position)
        # Navigation works from the last parse that succeeded while the current text does not parse.
        return Cursor(text, lines, good, doc if doc.ok else good, line, col)


class Cursor(NamedTuple):
    text: str
    lines: Lines
    good: object  # the last good parse (completion reads the structure around a half-typed line from it)
    doc: object  # the current parse when it succeeded, else the last good one
    line: int
    col: int


class _PipeReader:
    """pygls's AsyncReader interface over an asyncio StreamReader."""

    def __init__(self, stream: asyncio.StreamReader):
        self.stream = stream

    async def readline(self) -> bytes:
        return await self.stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def _pipe_reader(source) -> _PipeReader | None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=2 ** 20, loop=loop)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), source)
    except (OSError, ValueError, NotImplementedError):
        return None
    return _PipeReader(stream)


def _display(path: Path, root: Path) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _range_overlaps(a: Range, start: tuple, end: tuple) -> bool:
    return (a.start.line, a.start.character) <= end and (a.end.line, a.end.character) >= start


COMPLETION_KIND = {"key": lsp.CompletionItemKind.Property, "enum": lsp.CompletionItemKind.EnumMember,
                   "id": lsp.CompletionItemKind.Reference}
SYMBOL_KIND = {"section": lsp.SymbolKind.Namespace, "asset": lsp.SymbolKind.Constant, "boundary": lsp.SymbolKind.Package,
               "element": lsp.SymbolKind.Class, "flow": lsp.SymbolKind.Event, "threat": lsp.SymbolKind.Struct,
               "mitigation": lsp.SymbolKind.Method, "assumption": lsp.SymbolKind.Boolean}


def create_server() -> ThreatlintServer:
    server = ThreatlintServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ThreatlintServer, params: lsp.DidOpenTextDocumentParams):
        uri = params.text_document.uri
        use_lsp_lines(ls.workspace.get_text_document(uri))
        if ls.is_model(uri):
            ls._model_paths = None  # a new model may have appeared
            ls.checker(uri)
            ls.schedule(uri)
        else:
            ls.publish_coverage(uri, force=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ThreatlintServer, params: lsp.DidChangeTextDocumentParams):
        if params.text_document.uri in ls.checkers:
            ls.schedule(params.text_document.uri)
        elif drift.is_infra(ls, params.text_document.uri):
            ls.publish_coverage(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ThreatlintServer, params: lsp.DidSaveTextDocumentParams):
        uri = params.text_document.uri
        ls._repo_files.clear()  # a saved file may change what TM404 sees
        if uri in ls.checkers:
            ls._model_paths = None
            ls.schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ThreatlintServer, params: lsp.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        ls.checkers.pop(uri, None)
        ls.diagnostic_caches.pop(uri, None)
        ls.findings.pop(uri, None)
        ls.dirty.pop(uri, None)
        ls._coverage.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        ls.refresh_coverage()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: ThreatlintServer, params: lsp.DidChangeWatchedFilesParams):
        ls._model_paths = None
        ls._repo_files.clear()
        ls.refresh_coverage()

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: ThreatlintServer, params: lsp.CodeActionParams):
        state = ls.model_state(params.text_document.uri)
        if state is None:
            return drift.code_actions(ls, params)
        text, lines, doc, _ = state
        if params.context.only and not any(str(k).startswith("quickfix") for k in params.context.only):
            return None
        if ls.dirty.get(params.text_document.uri, 1) is None:
            ls.check_now(params.text_document.uri)  # findings must match the text the fixes edit
        start = lines.from_client(params.range.start)
        end = lines.from_client(params.range.end)
        ctx = ls.context(params.text_document.uri)
        actions = []
        for f in ls.findings.get(params.text_document.uri, []):
            if not _range_overlaps(f.range, start, end):
                continue
            for fix in fixes_for(text, doc, f, ctx.today, ctx.catalog):
                edits = [lsp.TextEdit(range=lines.range(r), new_text=new) for r, new in fix.edits]
                actions.append(lsp.CodeAction(
                    title=fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic(f, lines)],
                    is_preferred=fix.preferred or None,
                    edit=lsp.WorkspaceEdit(changes={params.text_document.uri: edits})))
        return actions + drift.model_actions(ls, params, text, doc, lines)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[":", " ", "-", "[", ","]))
    def completion(ls: ThreatlintServer, params: lsp.CompletionParams):
        at = ls.at_position(params.text_document.uri, params.position)
        if at is None:
            return None
        items = []
        for n, it in enumerate(features.completion(at.text, at.line, at.col, at.good)):
            items.append(lsp.CompletionItem(
                label=it.label, kind=COMPLETION_KIND[it.kind], detail=it.detail or None,
                documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=it.doc) if it.doc else None,
                insert_text=it.insert, sort_text=f"{n:04d}"))
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: ThreatlintServer, params: lsp.HoverParams):
        at = ls.at_position(params.text_document.uri, params.position)
        found = at and features.hover(at.text, at.line, at.col, at.doc)
        if not found:
            return None
        value, rng = found
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value),
                         range=at.lines.range(rng))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: ThreatlintServer, params: lsp.DefinitionParams):
        at = ls.at_position(params.text_document.uri, params.position)
        if at is None:
            return None
        ranges = features.definition(at.text, at.line, at.col, at.doc)
        return [lsp.Location(uri=params.text_document.uri, range=at.lines.range(r)) for r in ranges]

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: ThreatlintServer, params: lsp.ReferenceParams):
        at = ls.at_position(params.text_document.uri, params.position)
        if at is None:
            return None
        ranges = features.references(at.text, at.line, at.col, at.doc, params.context.include_declaration)
        return [lsp.Location(uri=params.text_document.uri, range=at.lines.range(r)) for r in ranges]

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: ThreatlintServer, params: lsp.DocumentSymbolParams):
        state = ls.model_state(params.text_document.uri)
        if state is None:
            return None
        text, lines, doc, good = state

        def convert(s: features.Symbol) -> lsp.DocumentSymbol:
            return lsp.DocumentSymbol(name=s.name or "?", kind=SYMBOL_KIND.get(s.kind, lsp.SymbolKind.Object),
                                      detail=s.detail or None, range=lines.range(s.range),
                                      selection_range=lines.range(s.selection),
                                      children=[convert(c) for c in s.children] or None)

        return [convert(s) for s in features.symbols(doc if doc.ok else good)]

    diagram.register(server)  # threatlint/diagram: the editor's live data-flow diagram
    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    create_server().start_io()
