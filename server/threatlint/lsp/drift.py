"""Drift in the editor: TM501/TM500 on the line of a compose file, Kubernetes manifest, Terraform file or
OpenAPI document inside a model's scope, and a quick fix there that edits the model (the element with
its kind inferred and the flows depends_on implies, or an exemption); on the model's `elements` key, the
same fix for every component in its scope that no element answers. See docs/drift.md."""
from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp

from ..settings import ConfigError, load_for
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
    infos = [info for info in ls.models() if info.doc.ok and covers(info, path)]
    others = drift.OtherModels([(_Scope(info), info.doc) for info in infos])
    out = []
    for info in infos:
        rel = os.path.relpath(path, info.root).replace(os.sep, "/")
        found = drift.repository(info.doc, {rel: text}, _config(info.path), _display(info),
                                 answered_elsewhere=others.but(info.doc)).get(rel, [])
        out += [(info, f) for f in found]
    return out


class _Scope:
    """A model's scope as drift.check.OtherModels asks it: about paths relative to the model's root."""

    def __init__(self, info: ModelInfo):
        self.info = info

    def covers(self, rel: str) -> bool:
        return covers(self.info, self.info.root / rel)


def _config(path: Path):
    try:
        return load_for(path)
    except ConfigError:
        return None  # the model's own diagnostics report a bad configuration


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


def model_actions(ls, params: lsp.CodeActionParams, text: str, doc, lines) -> list[lsp.CodeAction]:
    """On a model's `elements` key: a quick fix per component in its scope that no element answers, found
    in the repository's infrastructure files (git's file list; open documents as edited)."""
    uri = params.text_document.uri
    path = ls.path_of(uri)
    if path is None or not doc.ok or not isinstance(doc.data, dict):
        return []
    from ..engine.locate import locate

    key = locate(doc.pos, ("elements",), "key") if "elements" in doc.data else None
    line = lines.from_client(params.range.start)[0]
    if key is None or not key.start.line <= line <= key.end.line:
        return []
    info = next((m for m in ls.models() if m.path.resolve() == path.resolve()), None)
    listed = ls.repo_files_for(path)
    if info is None or listed is None:
        return []
    files = {}
    for rel in listed:
        if candidate(rel) and covers(info, info.root / rel):
            text_of = _file_text(ls, info.root / rel)
            if text_of is not None:
                files[rel] = text_of
    others = drift.OtherModels([(_Scope(m), m.doc) for m in ls.models()
                                if m.doc.ok and m is not info and m.root == info.root])
    actions = []
    found_by_file = drift.repository(doc, files, _config(path), _display(info), answered_elsewhere=others.but(doc))
    for rel, found in sorted(found_by_file.items()):
        for f in found:
            made = element_fix(text, doc, f) if f.rule == "TM501" else None
            if made is None:
                continue
            title, edits = made
            actions.append(lsp.CodeAction(
                title=f"{title} (for {f.data.get('what')}, {rel}:{f.range.start.line + 1})",
                kind=lsp.CodeActionKind.QuickFix,
                edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=lines.range(r), new_text=new)
                                                      for r, new in edits]})))
    return actions


def _file_text(ls, path: Path) -> str | None:
    uri = path.as_uri()
    if uri in ls.workspace.text_documents:
        return ls.text_of(uri)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_BYTES:
        return None
    text, error = decode(raw)
    return text if error is None else None


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
