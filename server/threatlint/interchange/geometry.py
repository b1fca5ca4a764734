"""Plane geometry for diagrams: which box holds which, which drawn line crosses which, and on which side
of a drawn line a point lies.

Coordinates are the canvas's: x to the right, y downwards. "Left" and "right" of a line are as seen
walking along it from its first point to its last on the screen."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    @property
    def area(self) -> float:
        return self.w * self.h

    def holds_point(self, p) -> bool:
        return self.x <= p[0] <= self.x + self.w and self.y <= p[1] <= self.y + self.h

    def holds(self, other: "Box") -> bool:
        return (self.x <= other.x and self.y <= other.y and other.x + other.w <= self.x + self.w
                and other.y + other.h <= self.y + self.h and self.area > other.area)

    def distance(self, p) -> float:
        dx = max(self.x - p[0], 0, p[0] - (self.x + self.w))
        dy = max(self.y - p[1], 0, p[1] - (self.y + self.h))
        return (dx * dx + dy * dy) ** 0.5


def _orient(a, b, c) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _segments_cross(p1, p2, q1, q2) -> bool:
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    return (d1 > 0) != (d2 > 0) and (d3 > 0) != (d4 > 0) and 0 not in (d1, d2, d3, d4)


def crossings(a: list, b: list) -> int:
    """How many times the polyline through points `a` crosses the one through `b` (straight segments
    between the points; the tools draw them smoothed, which moves a crossing only near a vertex). A
    touch without passing through is not a crossing."""
    return sum(_segments_cross(a[i], a[i + 1], b[j], b[j + 1])
               for i in range(len(a) - 1) for j in range(len(b) - 1))


def polylines_cross(a: list, b: list) -> bool:
    return crossings(a, b) > 0


def outline(box: Box) -> list:
    """The box's edge as a closed polyline."""
    x, y, r, b = box.x, box.y, box.x + box.w, box.y + box.h
    return [(x, y), (r, y), (r, b), (x, b), (x, y)]


def distinct_points(points: list) -> list:
    """The points without consecutive repeats (a segment with no length, or less than a millionth of a
    pixel, has no direction to reckon with)."""
    out: list = []
    for p in points:
        if not out or (p[0] - out[-1][0]) ** 2 + (p[1] - out[-1][1]) ** 2 > 1e-12:
            out.append((p[0], p[1]))
    return out


def extend_ends(points: list, reach: float) -> list:
    """The polyline (two distinct points or more) with its first and last segments prolonged by `reach`,
    so that, with `reach` beyond everything drawn, it splits the drawing in two."""
    (x0, y0), (x1, y1) = points[0], points[1]
    (xn, yn), (xm, ym) = points[-1], points[-2]
    def away(px, py, qx, qy):  # from p, `reach` further in the direction q -> p
        length = ((px - qx) ** 2 + (py - qy) ** 2) ** 0.5
        return (px + (px - qx) / length * reach, py + (py - qy) / length * reach)
    return [away(x0, y0, x1, y1), *points, away(xn, yn, xm, ym)]


def side_of(p, line: list) -> int:
    """-1 when point `p` is left of the polyline `line` (two distinct points or more, consecutive points
    distinct), +1 when right or on it.

    The side is read where the line comes nearest to `p`: the straight way from `p` to that point meets
    the line nowhere else, so `p` is on the side the line has there. Nearest inside a segment, that is
    the sign of the cross product with the segment; nearest at a bend, it is the side of the bend's
    corner: where the line turns left, left of both segments (the inside of the turn), where it turns
    right, left of either. This holds for a line that does not cross itself."""
    best = None
    for i in range(len(line) - 1):
        (ax, ay), (bx, by) = line[i], line[i + 1]
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
        qx, qy = ax + t * dx, ay + t * dy
        d2 = (p[0] - qx) ** 2 + (p[1] - qy) ** 2
        if best is None or d2 < best[0]:
            best = (d2, i, t)
    _, i, t = best
    if 0 < t < 1 or (t == 0 and i == 0) or (t == 1 and i == len(line) - 2):
        cross = _orient(line[i], line[i + 1], p)
        return -1 if cross < 0 else 1
    v = i if t == 0 else i + 1  # nearest at the bend between segments v-1 and v
    before, after = _orient(line[v - 1], line[v], p), _orient(line[v], line[v + 1], p)
    turn = _orient(line[v - 1], line[v], line[v + 1])  # < 0: turns left on the screen (y down)
    left = (before < 0 and after < 0) if turn < 0 else (before < 0 or after < 0) if turn > 0 else before < 0
    return -1 if left else 1


def smallest_holder(box: Box, boxes: dict, whole: bool) -> str | None:
    """Key of the smallest box in `boxes` holding `box`: entirely (`whole`, a boundary inside a boundary)
    or its centre (an element drawn in a boundary box, perhaps overlapping its edge)."""
    holders = [(b.area, k) for k, b in boxes.items()
               if b is not box and (b.holds(box) if whole else b.holds_point(box.center))]
    return min(holders)[1] if holders else None
