"""Plane geometry for diagrams: which box holds which, which drawn line crosses which."""
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


def polylines_cross(a: list, b: list) -> bool:
    """True when the polyline through points `a` crosses the one through `b` (straight segments between
    the points; the tools draw them smoothed, which moves a crossing only near a vertex)."""
    return any(_segments_cross(a[i], a[i + 1], b[j], b[j + 1])
               for i in range(len(a) - 1) for j in range(len(b) - 1))


def smallest_holder(box: Box, boxes: dict, whole: bool) -> str | None:
    """Key of the smallest box in `boxes` holding `box`: entirely (`whole`, a boundary inside a boundary)
    or its centre (an element drawn in a boundary box, perhaps overlapping its edge)."""
    holders = [(b.area, k) for k, b in boxes.items()
               if b is not box and (b.holds(box) if whole else b.holds_point(box.center))]
    return min(holders)[1] if holders else None
