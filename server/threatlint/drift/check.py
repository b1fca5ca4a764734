"""A model's drift, from texts the front end has read: the one entry point of `drift`, the gate and the
language server (pure: the caller finds and reads the files)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engine.check import finalize
from ..engine.selection import Config, apply
from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import ParsedDoc
from . import findings
from .component import Call, Component, Read
from .detect import read_source


def read_all(files: dict[str, str]) -> dict[str, Read]:
    """The infrastructure files among `files` (path -> text), read."""
    out = {}
    for path, text in files.items():
        read = read_source(path, text)
        if read is not None:
            out[path] = read
    return out


def repository(doc: ParsedDoc, files: dict[str, str], config: Config | None = None, model_name: str = "the model",
               reads: dict[str, Read] | None = None,
               answered_elsewhere: Callable[[str, list[str]], bool] | None = None) -> dict[str, list[Finding]]:
    """TM500/TM501 per infrastructure file (path -> findings positioned in that file), after the
    configuration and the file's own `# threatlint: ignore[TM501] reason` comments.

    `answered_elsewhere(path, names)`: whether another model whose scope covers the file answers the
    component. A component in the scope of several models (a service's and the whole system's) needs to be
    described by one of them, not by each."""
    if not doc.ok or not isinstance(doc.data, dict):
        return {}
    reads = read_all(files) if reads is None else reads
    raw = findings.repository(Model(doc), reads, model_name)
    if answered_elsewhere is not None:
        raw = {path: [f for f in fs if not (f.rule == "TM501" and answered_elsewhere(path, f.data["names"]))]
               for path, fs in raw.items()}
    return {path: _configured(fs, files[path], config) for path, fs in raw.items()}


class OtherModels:
    """The other models of a run, to ask whether one whose scope covers a file answers a component."""

    def __init__(self, models):
        """`models`: (scope, parsed document) of each model of the run (scope: anything with covers(path))."""
        from .matching import Answers

        self._models = [(scope, Answers(Model(doc))) for scope, doc in models
                        if scope is not None and doc.ok and isinstance(doc.data, dict)]

    def but(self, doc: ParsedDoc) -> Callable[[str, list[str]], bool]:
        """answered_elsewhere for the model `doc`: the other models' answers."""
        others = [(scope, answers) for scope, answers in self._models if answers.model.doc is not doc]

        def answered(path: str, names: list[str]) -> bool:
            return any(scope.covers(path) and answers.answer(names) is not None for scope, answers in others)

        return answered


def runtime(doc: ParsedDoc, calls: Iterable[Call], services: Iterable[str], config: Config | None = None,
            answered_elsewhere: Callable[[str], bool] = lambda name: False) -> list[Finding]:
    """TM501/TM502 from what ran, positioned in the model. A name another model of the run answers is
    that model's business, not this one's."""
    if not doc.ok or not isinstance(doc.data, dict):
        return []
    found = [f for f in findings.runtime(Model(doc), calls, services)
             if not (f.rule == "TM501" and answered_elsewhere(f.data["component"]))]
    # The model's own suppression comments are `check`'s to judge (TM007), not drift's.
    return [f for f in _configured(found, doc.text, config) if f.rule != "TM007"]


def removals(doc: ParsedDoc, gone: Iterable[Component], remaining: Iterable[Component],
             config: Config | None = None) -> list[Finding]:
    """TM503 from what a change removed, positioned in the model (the gate sees removals; see findings.removed)."""
    if not doc.ok or not isinstance(doc.data, dict):
        return []
    found = findings.removed(Model(doc), gone, remaining)
    return [f for f in _configured(found, doc.text, config) if f.rule != "TM007"]


def _configured(found: list[Finding], text: str, config: Config | None) -> list[Finding]:
    from ..rules import RULES

    return finalize(apply(found, text, config, RULES), text)
