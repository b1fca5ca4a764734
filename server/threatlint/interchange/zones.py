"""Zones of a diagram whose trust boundaries are drawn as lines (Threat Dragon's trust-boundary curves).

A line holds nothing, but the person who drew it meant: what is on one side is separated from what is
on the other. Each line, prolonged past its two ends so that it splits the whole drawing, puts every
element on its left or its right (geometry.side_of); elements on the same side of every line share a
zone. A line with every element on one side separates nothing. A box (a trust boundary drawn as a
rectangle) lies in one zone when no prolonged line passes through it.

Then a flow goes from one zone to another exactly when its drawn line crosses a boundary line an odd
number of times, unless it crosses only the prolongation, or a boundary line is drawn through an
element. `check_flows` names each flow where the drawing and the zones disagree, so an import can
report it rather than hide it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .geometry import crossings, distinct_points, extend_ends, outline, side_of

SIDE = {-1: "left", 1: "right"}


@dataclass
class Curve:
    label: str  # how a report names it: its name, or "curve 2" (the second line drawn on its diagram)
    points: list  # as drawn, through source, vertices and target
    extended: list = field(default_factory=list)  # prolonged past both ends


@dataclass
class Zoning:
    curves: list[Curve]  # the lines that separate elements, in drawing order
    idle: list[Curve]  # lines with every element on one side
    sides: dict  # element key -> its side of each line of `curves`
    box_sides: dict  # key of a box no line passes through -> its side of each line
    cut: dict  # key of a box some line passes through -> the labels of those lines

    def describe(self, sides: tuple) -> list[str]:
        """["left of Internet", "right of curve 2"]: where a zone lies."""
        return [f"{SIDE[s]} of {c.label}" for s, c in zip(sides, self.curves)]


def usable(points: list) -> list | None:
    """The line's distinct points when it has a length, else None."""
    pts = distinct_points(points)
    return pts if len(pts) >= 2 else None


def zone(curves: list[Curve], centres: dict, boxes: dict) -> Zoning:
    """Split `centres` (element key -> centre point) by `curves` (each with two distinct points or more);
    `boxes` (key -> Box) are the boundary boxes that are not inside another box."""
    drawn = [p for c in curves for p in c.points] + list(centres.values()) \
        + [corner for b in boxes.values() for corner in outline(b)]
    xs, ys = [p[0] for p in drawn], [p[1] for p in drawn]
    # past everything drawn: the prolongation then never ends near an element or a box
    reach = 10 * (max(xs) - min(xs) + max(ys) - min(ys)) + 1000
    for c in curves:
        c.extended = extend_ends(c.points, reach)
    separating, idle = [], []
    for c in curves:
        (separating if len({side_of(p, c.extended) for p in centres.values()}) > 1 else idle).append(c)
    sides = {k: tuple(side_of(p, c.extended) for c in separating) for k, p in centres.items()}
    box_sides, cut = {}, {}
    for k, b in boxes.items():
        through = [c.label for c in separating if crossings(outline(b), c.extended)]
        if through:
            cut[k] = through
        else:
            box_sides[k] = tuple(side_of(b.center, c.extended) for c in separating)
    return Zoning(separating, idle, sides, box_sides, cut)


def check_flows(zoning: Zoning, lines: dict) -> list[str]:
    """What the drawing says against the zones, for `lines` (flow label -> (drawn points, side of its
    source, side of its target)): a flow whose ends are on two sides of a line it does not cross as drawn
    (it goes round the line's end), or one drawn across a line with both ends on the same side."""
    notes = []
    for label, (points, a, b) in lines.items():
        for i, c in enumerate(zoning.curves):
            drawn_across = crossings(points, c.points) % 2 == 1
            if a[i] != b[i] and not drawn_across:
                notes.append(f"flow {label} goes from the {SIDE[a[i]]} of {c.label} to its {SIDE[b[i]]} "
                             f"but is not drawn across it (it passes beyond the line's end): counted as crossing")
            elif a[i] == b[i] and drawn_across:
                notes.append(f"flow {label} is drawn across {c.label} but both its ends are on its "
                             f"{SIDE[a[i]]} (the line is drawn through an end, or the flow crosses its "
                             f"prolongation too): counted as not crossing")
    return notes


__all__ = ["Curve", "Zoning", "check_flows", "usable", "zone"]
