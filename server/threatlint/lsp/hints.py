"""What a reviewer wants to see beside an id (shown as inlay hints): the threats of an element or flow by
status with the highest open priority, and a threat's score and the priority the rubric gives it.

`rating` is the one place that reads a threat's score and priority here; it uses the model's rubric
(`level`, `level_for_score`, as TM302 does) and can be switched to the model's own definition of a threat's
effective priority and of an open threat once the model has them.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.finding import Range
from ..engine.locate import walk
from ..engine.model import LEVELS, Model, as_list, level, level_for_score
from ..engine.parse import MapPos, SeqPos

OPEN_STATUSES = ("open", "mitigating")  # what lsp/coverage.py counts as open
_BY_RANK = {v: k for k, v in LEVELS.items()}


@dataclass(frozen=True)
class Rating:
    score: int | None  # likelihood x severity (1..16), None when either is missing
    rubric: str | None  # the priority the score gives (low..critical)
    priority: str | None  # the priority that counts: the stated one, else the rubric's
    open: bool


def rating(threat: dict) -> Rating:
    impact = threat.get("impact") if isinstance(threat.get("impact"), dict) else {}
    lk, sev = level(threat.get("likelihood")), level(impact.get("severity"))
    score = lk * sev if lk and sev else None
    rubric = level_for_score(score) if score else None
    stated = threat.get("priority") if level(threat.get("priority")) else None
    return Rating(score, rubric, stated or rubric, threat.get("status", "open") in OPEN_STATUSES)


@dataclass(frozen=True)
class Hint:
    line: int
    character: int
    label: str
    tooltip: str


def _after(model: Model, path) -> tuple[int, int]:
    r: Range = model.range(path)
    return r.end.line, r.end.character


def _within(model: Model, section: str, first_line: int, last_line: int):
    """(index, item) of the section's items whose lines overlap the range: an editor asks for the hints of the
    lines it shows, and locating the id of each of a thousand threats cost more than the rest of a request."""
    chain, consumed = walk(model.doc.pos, (section,))
    seq = chain[-1][1]
    if consumed < 1 or not isinstance(seq, SeqPos):
        yield from model.items(section)
        return
    poses, offset = seq.items, model.doc.line_offset
    for i, item in model.items(section):
        if i >= len(poses):
            break
        pos = poses[i]
        start, end = (pos.start, pos.end) if isinstance(pos, (MapPos, SeqPos)) else (None, None)
        if start is None or end is None or (start[0] + offset <= last_line and end[0] + offset >= first_line):
            yield i, item


def hints(model: Model, first_line: int = 0, last_line: int = 1 << 30) -> list[Hint]:
    """Hints on the ids of elements, flows and threats whose id lies within the line range."""
    out: list[Hint] = []
    for section in ("elements", "flows"):
        for i, item in _within(model, section, first_line, last_line):
            ident = model.id_of(item)
            if not ident:
                continue
            line, col = _after(model, (section, i, "id"))
            if not first_line <= line <= last_line:
                continue
            on = model.threats_on(ident)
            if not on:
                out.append(Hint(line, col, "no threats", f"No threat affects '{ident}'."))
                continue
            counts: dict[str, int] = {}
            for t in on:
                status = t.get("status") if isinstance(t.get("status"), str) else "open"
                counts[status] = counts.get(status, 0) + 1
            total = len(on)
            by_status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            ranks = [level(r.priority) for r in map(rating, on) if r.open and r.priority]
            top = f" · highest open: {_BY_RANK[max(ranks)]}" if ranks else ""
            label = f"{total} threat{'s' if total != 1 else ''}: {by_status}{top}"
            out.append(Hint(line, col, label, f"Threats affecting '{ident}' by status; the highest priority among the "
                                              "open ones (stated, else the rubric's)."))
    for i, t in _within(model, "threats", first_line, last_line):
        if model.id_of(t) is None:
            continue
        line, col = _after(model, ("threats", i, "id"))
        if not first_line <= line <= last_line:
            continue
        r = rating(t)
        if r.score is None:
            out.append(Hint(line, col, "score: set likelihood and impact.severity",
                            "The rubric scores likelihood x impact.severity (low=1 .. critical=4)."))
            continue
        impact = t.get("impact")
        label = f"score {r.score} ({t.get('likelihood')} × {impact.get('severity')}) → {r.rubric}"
        if r.priority != r.rubric:
            label += f", priority {r.priority}"
        out.append(Hint(line, col, label, "likelihood x impact.severity (low=1 .. critical=4); score >= 12 critical, "
                                          ">= 6 high, >= 3 medium, else low."))
    out.sort(key=lambda h: (h.line, h.character))
    return out
