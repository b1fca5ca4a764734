"""Drift in the editor: TM501/TM500 on the line of a compose file, Kubernetes manifest, Terraform file or
OpenAPI document inside a model's scope, and a quick fix there that edits the model (the element with
its kind inferred and the flows depends_on implies, or an exemption). See docs/drift.md."""
from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp

from ..config import ConfigError, load_for
from ..drift import check as drift
from ..drift.names import MAX_BYTES, candidate
from ..drift.fix import element_fix, exemption_fix
from ..engine.finding import Finding
from ..engine.parse import decode, parse_yaml
from .convert import diagnostic
from .coverage import ModelInfo, covers


def is_infra(ls, uri: str) -> bool:
    path = ls.path_of(uri)
    return path is not None and candidate(path.name)


def findings(ls, uri: str) -> list[tuple[ModelInfo, Finding]]:
    """Drift findings on an open infrastructure file, each with the model it is about."""
    if not is_infra(ls, uri):
        return []
    path = ls.path_of(uri).resolve()
    text = ls.text_of(uri)
    if len(text) > MAX_BYTES:
        return []
    out = []
    for info in ls.models():
        if not info.doc.ok or not covers(info, path):
            continue
        rel = os.path.relpath(path, info.root).replace(os.sep, "/")
        try:
            config = load_for(info.path)
        except ConfigError:
            config = None
        found = drift.repository(info.doc, {rel: text}, config, _display(info)).get(rel, [])
        out += [(info, f) for f in found]
    return out


def diagnostics(ls, uri: str) -> list[lsp.Diagnostic]:
    found = findings(ls, uri)
    if not found:
        return []
    lines = ls.lines(ls.text_of(uri))
    return [diagnostic(f, lines) for _, f in found]


def code_actions(ls, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    """Quick fixes on a TM501 of an infrastructure file: they edit the model that misses the component."""
    uri = params.text_document.uri
    if not is_infra(ls, uri):
        return None
    if params.context.only and not any(str(k).startswith("quickfix") for k in params.context.only):
        return None
    lines = ls.lines(ls.text_of(uri))
    start, end = lines.from_client(params.range.start), lines.from_client(params.range.end)
    actions = []
    for info, f in findings(ls, uri):
        if f.rule != "TM501" or not ((f.range.start.line, f.range.start.character) <= end
                                     and (f.range.end.line, f.range.end.character) >= start):
            continue
        model_uri = info.path.resolve().as_uri()
        text = _model_text(ls, model_uri, info.path)
        if text is None:
            continue
        doc = parse_yaml(text)
        model_lines = ls.lines(text)
        for fix, preferred in ((element_fix, True), (exemption_fix, False)):
            made = fix(text, doc, f)
            if made is None:
                continue
            title, edits = made
            actions.append(lsp.CodeAction(
                title=f"{title} ({_display(info)})", kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diagnostic(f, lines)], is_preferred=preferred or None,
                edit=lsp.WorkspaceEdit(changes={model_uri: [
                    lsp.TextEdit(range=model_lines.range(r), new_text=new) for r, new in edits]})))
    return actions


def _model_text(ls, uri: str, path: Path) -> str | None:
    """The model as the editor has it (open and maybe unsaved), else as on disk."""
    if uri in ls.workspace.text_documents:
        return ls.text_of(uri)
    try:
        text, error = decode(path.read_bytes())
    except OSError:
        return None
    return text if error is None else None


def _display(info: ModelInfo) -> str:
    try:
        rel = os.path.relpath(info.path, info.root)
    except ValueError:
        return str(info.path)
    return str(info.path) if rel.startswith("..") else rel.replace(os.sep, "/")
