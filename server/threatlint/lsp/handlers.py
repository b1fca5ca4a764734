"""The LSP requests and notifications, one function each, registered by `register(server)`.

Handlers use the server's public methods (server.py) and the pure features (features.py, rename.py,
hints.py, fixes); they convert between LSP and engine coordinates with `Lines`.
"""
from __future__ import annotations

from lsprotocol import types as lsp

from ..catalog import default_catalog
from ..engine.finding import Range
from ..engine.model import Model
from ..fixes import fixes_for
from . import drift, features, hints, rename
from .convert import diagnostic
from .document import use_lsp_lines
from .server import Refused, ThreatlintServer

COMPLETION_KIND = {"key": lsp.CompletionItemKind.Property, "enum": lsp.CompletionItemKind.EnumMember,
                   "id": lsp.CompletionItemKind.Reference}
SYMBOL_KIND = {"section": lsp.SymbolKind.Namespace, "asset": lsp.SymbolKind.Constant, "boundary": lsp.SymbolKind.Package,
               "element": lsp.SymbolKind.Class, "flow": lsp.SymbolKind.Event, "threat": lsp.SymbolKind.Struct,
               "mitigation": lsp.SymbolKind.Method, "assumption": lsp.SymbolKind.Boolean}
SECTION_SYMBOL = {"assets": "asset", "boundaries": "boundary", "elements": "element", "flows": "flow",
                  "threats": "threat", "mitigations": "mitigation", "assumptions": "assumption"}


def _range_overlaps(a: Range, start: tuple, end: tuple) -> bool:
    return (a.start.line, a.start.character) <= end and (a.end.line, a.end.character) >= start


def register(server: ThreatlintServer) -> None:
    for feature, options, handler in HANDLERS:
        if options is None:
            server.feature(feature)(handler)
        else:
            server.feature(feature, options)(handler)


# -- documents ---------------------------------------------------------------------------------------
def initialize(ls: ThreatlintServer, params: lsp.InitializeParams):
    ls.settings.update(params.initialization_options)


def did_change_configuration(ls: ThreatlintServer, params: lsp.DidChangeConfigurationParams):
    ls.settings.update(params.settings)


def did_open(ls: ThreatlintServer, params: lsp.DidOpenTextDocumentParams):
    uri = params.text_document.uri
    use_lsp_lines(ls.workspace.get_text_document(uri))
    if ls.is_model(uri):
        ls.index.forget_model_paths()  # a new model may have appeared
        ls.checker(uri)
        ls.schedule(uri)
    else:
        ls.publish_coverage(uri, force=True)


def did_change(ls: ThreatlintServer, params: lsp.DidChangeTextDocumentParams):
    if ls.is_open_model(params.text_document.uri):
        ls.schedule(params.text_document.uri)
    elif drift.is_infra(ls, params.text_document.uri):
        ls.publish_coverage(params.text_document.uri)


def did_save(ls: ThreatlintServer, params: lsp.DidSaveTextDocumentParams):
    uri = params.text_document.uri
    ls.index.forget_repo_files()  # a saved file may change what TM404 sees
    if ls.is_open_model(uri):
        ls.index.forget_model_paths()
        ls.schedule(uri)


def did_close(ls: ThreatlintServer, params: lsp.DidCloseTextDocumentParams):
    ls.forget(params.text_document.uri)


def watched(ls: ThreatlintServer, params: lsp.DidChangeWatchedFilesParams):
    ls.index.forget_model_paths()
    ls.index.forget_repo_files()
    ls.refresh_coverage()


# -- fixes -------------------------------------------------------------------------------------------
def code_action(ls: ThreatlintServer, params: lsp.CodeActionParams):
    uri = params.text_document.uri
    state = ls.model_state(uri)
    if state is None:
        return drift.code_actions(ls, params)  # an infrastructure file: fixes that edit the model
    text, lines, doc, _ = state
    if params.context.only and not any(str(k).startswith("quickfix") for k in params.context.only):
        return None
    findings = ls.findings_now(uri)  # findings must match the text the fixes edit
    start = lines.from_client(params.range.start)
    end = lines.from_client(params.range.end)
    ctx = ls.context(uri)
    actions = []
    for f in findings:
        if not _range_overlaps(f.range, start, end):
            continue
        for fix in fixes_for(text, doc, f, ctx.today, ctx.catalog):
            edits = [lsp.TextEdit(range=lines.range(r), new_text=new) for r, new in fix.edits]
            actions.append(lsp.CodeAction(
                title=fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic(f, lines)],
                is_preferred=fix.preferred or None, edit=lsp.WorkspaceEdit(changes={uri: edits})))
    return actions + drift.model_actions(ls, params, text, doc, lines)


# -- editing help ------------------------------------------------------------------------------------
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


def hover(ls: ThreatlintServer, params: lsp.HoverParams):
    at = ls.at_position(params.text_document.uri, params.position)
    found = at and features.hover(at.text, at.line, at.col, at.doc)
    if not found:
        return None
    value, rng = found
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value), range=at.lines.range(rng))


def inlay_hint(ls: ThreatlintServer, params: lsp.InlayHintParams):
    state = ls.model_state(params.text_document.uri)
    if state is None:
        return None
    uri = params.text_document.uri
    text, lines, doc, good = state
    doc = doc if doc.ok else good
    if doc is None:
        return []
    first, _ = lines.from_client(params.range.start)
    last, _ = lines.from_client(params.range.end)
    model = ls.derived(uri, doc, "model", lambda: Model(doc))  # what it works out (threats per target) stays
    return [lsp.InlayHint(position=lines.to_client(h.line, h.character), label=h.label, padding_left=True,
                          tooltip=h.tooltip) for h in hints.hints(model, first, last)]


# -- navigation --------------------------------------------------------------------------------------
def definition(ls: ThreatlintServer, params: lsp.DefinitionParams):
    at = ls.at_position(params.text_document.uri, params.position)
    if at is None:
        return None
    ranges = features.definition(at.text, at.line, at.col, at.doc)
    return [lsp.Location(uri=params.text_document.uri, range=at.lines.range(r)) for r in ranges]


def _sites(ls: ThreatlintServer, uri: str, position: lsp.Position):
    at = ls.at_position(uri, position)
    if at is None or at.doc is None:
        return None, []
    model = Model(at.doc)
    if at.doc.text == at.text:
        found = rename.id_at(model, at.text, at.line, at.col)
        ident = found[0] if found else None
    else:  # mid-edit: the word under the cursor, looked up in the last parse that succeeded
        word = features.word_at(at.text, at.line, at.col)
        ident = word[0] if word else None
    return at, rename.sites(model, at.doc.text, ident) if ident else []


def references(ls: ThreatlintServer, params: lsp.ReferenceParams):
    uri = params.text_document.uri
    at, found = _sites(ls, uri, params.position)
    if at is None:
        return None
    include = params.context.include_declaration
    return [lsp.Location(uri=uri, range=at.lines.range(s.range)) for s in found if include or not s.definition]


def document_highlight(ls: ThreatlintServer, params: lsp.DocumentHighlightParams):
    at, found = _sites(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    return [lsp.DocumentHighlight(range=at.lines.range(s.range),
                                  kind=lsp.DocumentHighlightKind.Write if s.definition else lsp.DocumentHighlightKind.Read)
            for s in found]


def prepare_rename(ls: ThreatlintServer, params: lsp.PrepareRenameParams):
    at = ls.at_position(params.text_document.uri, params.position)
    if at is None or at.doc is None:
        return None
    try:
        ident, rng = rename.prepare(Model(at.doc), at.text, at.line, at.col)
    except rename.RenameError as e:
        raise Refused(str(e))
    return lsp.PrepareRenamePlaceholder(range=at.lines.range(rng), placeholder=ident)


def rename_id(ls: ThreatlintServer, params: lsp.RenameParams):
    uri = params.text_document.uri
    at = ls.at_position(uri, params.position)
    if at is None or at.doc is None:
        return None
    if not at.doc.ok or at.doc.text != at.text:
        raise Refused("the model does not parse right now: fix the syntax error first, then rename")
    try:
        catalog = ls.context(uri).catalog
        edits = rename.rename(Model(at.doc), at.text, at.line, at.col, params.new_name,
                              prose=ls.settings.rename_mentions,
                              catalog=catalog if catalog is not None else default_catalog())
    except rename.RenameError as e:
        raise Refused(str(e))
    return lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=at.lines.range(r), new_text=new) for r, new in edits]})


def workspace_symbol(ls: ThreatlintServer, params: lsp.WorkspaceSymbolParams):
    out = []
    for info in ls.models():
        if not info.doc.ok:
            continue
        model = Model(info.doc)
        found = rename.symbols(model, params.query)
        if not found:
            continue
        lines = ls.lines(info.doc.text)
        uri = info.path.resolve().as_uri()
        for ident, section, path in found:
            out.append(lsp.WorkspaceSymbol(
                name=ident, kind=SYMBOL_KIND.get(SECTION_SYMBOL[section], lsp.SymbolKind.Object),
                location=lsp.Location(uri=uri, range=lines.range(model.range(path))),
                container_name=f"{section} in {info.path.name}"))
    return out


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


# (method, options, handler): what `register` installs.
HANDLERS = (
    (lsp.INITIALIZE, None, initialize),
    (lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, None, did_change_configuration),
    (lsp.TEXT_DOCUMENT_DID_OPEN, None, did_open),
    (lsp.TEXT_DOCUMENT_DID_CHANGE, None, did_change),
    (lsp.TEXT_DOCUMENT_DID_SAVE, None, did_save),
    (lsp.TEXT_DOCUMENT_DID_CLOSE, None, did_close),
    (lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, watched),
    (lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]), code_action),
    (lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", "-", "[", ","]), completion),
    (lsp.TEXT_DOCUMENT_HOVER, None, hover),
    (lsp.TEXT_DOCUMENT_INLAY_HINT, None, inlay_hint),
    (lsp.TEXT_DOCUMENT_DEFINITION, None, definition),
    (lsp.TEXT_DOCUMENT_REFERENCES, None, references),
    (lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT, None, document_highlight),
    (lsp.TEXT_DOCUMENT_PREPARE_RENAME, None, prepare_rename),
    (lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True), rename_id),
    (lsp.WORKSPACE_SYMBOL, None, workspace_symbol),
    (lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, None, document_symbol),
)
