"""The gate's verdict as lines a developer can act on: one per model, findings as path:line:col."""
from __future__ import annotations

import shlex

from threatlint.engine.finding import Finding

from .verdict import Verdict


def finding_line(path: str, f: Finding) -> str:
    s = f.range.start
    return f"{path}:{s.line + 1}:{s.character + 1}: {f.severity.value} {f.rule} {f.message}"


def render(verdict: Verdict, base: str | None = None) -> list[str]:
    """`base` is the --base ref in CI mode (the fix is then a commit on the branch, not `git add`)."""
    lines = []
    for model in verdict.broken:
        lines += [finding_line(model.path, f) for f in model.problem_findings]
        lines.append(f"{model.path}: the model {model.problem}, so the gate cannot tell which files it covers "
                     f"and blocks (fail closed); fix the model{_and_stage(model.path, base)}")
    for stale in verdict.stale:
        files = stale.described()
        n = len(files)
        what = f"{n} changed file{'s' if n != 1 else ''} in its scope"
        changed_only = verdict.cosmetic.get(stale.model.path)
        if changed_only is not None:
            since = f" since the merge base with {base}" if base is not None else ""
            state = (f"did not change: only {_COSMETIC[changed_only]} changed in {stale.model.path}{since} (the gate "
                     "counts a model as updated when its parsed content changes; a team that accepts any change "
                     "sets gate-model-update: any)")
        elif base is not None:
            state = f"did not change since the merge base with {base}"
        elif stale.model.source.untracked:
            state = "is not staged (it is untracked)"
        else:
            state = "is not staged with a change"
        lines.append(f"{stale.model.path}: {what}, but the model {state}: {', '.join(files)}; "
                     f"update the model, e.g. review.last_reviewed{_and_stage(stale.model.path, base)}")
    for model, findings in verdict.findings:
        lines += [finding_line(model.path, f) for f in findings]
        n = len(findings)
        lines.append(f"{model.path}: the {'changed' if base is not None else 'staged'} model has {n} "
                     f"finding{'s' if n != 1 else ''} at or above --fail-on; fix {'it' if n == 1 else 'them'}"
                     f"{_and_stage(model.path, base)}")
    for drift in verdict.drift:
        lines += [finding_line(path, f) for path, f in drift.findings]
        who = "branch" if base is not None else "commit"
        added = [f.data["component"] for _, f in drift.findings if f.rule == "TM501"]
        stale = [f.data["element"] for _, f in drift.findings if f.rule == "TM503"]
        todo = []
        if added:
            todo.append(f"adds {_count(len(added), 'component', 'components')} no element answers ({', '.join(added)}); "
                        f"add {'an element' if len(added) == 1 else 'an element for each'} to {drift.model.path} (e.g. "
                        f"aliases: [{added[0]}]), or an exemption (component: {added[0]}, rationale: why)")
        if stale:
            todo.append(f"removes what {_count(len(stale), 'element', 'elements')} ({', '.join(stale)}) of "
                        f"{drift.model.path} answered; remove {'it' if len(stale) == 1 else 'them'} or mark "
                        f"{'it' if len(stale) == 1 else 'them'} out_of_scope with the reason")
        if todo:
            lines.append(f"{drift.model.path}: the {who} {'; and '.join(todo)}{_and_stage(drift.model.path, base)}")
        else:
            lines.append(f"{drift.model.path}: the {who} makes an infrastructure file in its scope unreadable; fix it")
    return lines


_COSMETIC = {"comments": "comments", "whitespace": "whitespace",
             "formatting": "formatting (key order, quoting or layout)"}


def _and_stage(path: str, base: str | None) -> str:
    if base is not None:
        return ", and commit it on this branch"
    return f", and stage it (git add -- {shlex.quote(path)})"


def summary(verdict: Verdict) -> str:
    parts = []
    if verdict.stale:
        parts.append(_count(len(verdict.stale), "model needs", "models need") + " updating")
    if verdict.broken:
        parts.append(_count(len(verdict.broken), "model cannot be used", "models cannot be used"))
    if verdict.findings:
        parts.append(_count(len(verdict.findings), "changed model has findings", "changed models have findings"))
    if verdict.drift:
        parts.append(_count(len(verdict.drift), "model does not match the infrastructure the change declares",
                            "models do not match the infrastructure the change declares"))
    return "threatlint gate: blocked: " + "; ".join(parts) + "."


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
