"""Charts as inline SVG (pure): stacked bars, a line, plain bars.

Each chart is a <figure> holding one <svg> with a <title>, axes, and every
figure also written as text on the chart, so it reads the same on screen,
on paper and to a screen reader, with no script and nothing fetched.
All text passes through `e` (HTML escaping), so model text stays text.
"""
from __future__ import annotations

import math
from html import escape

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 58
PRIORITY_COLORS = {"critical": "#b91c1c", "high": "#c2410c", "medium": "#a16207", "low": "#15803d",
                   "unrated": "#6b7280", "unset": "#9ca3af"}
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"


def e(value) -> str:
    return escape(str(value), quote=True)


def nice_max(value: float) -> float:
    """An axis top at or above `value` that four round steps (1, 2 or 5 x 10^n) reach, so counts get whole ticks."""
    if value <= 0:
        return 4
    want = value / 4
    exp = 10 ** math.floor(math.log10(want)) if want >= 1 else 1
    for step in ((1, 2, 2.5, 5, 10) if exp >= 10 else (1, 2, 5, 10)):  # 2.5 only where it stays whole
        if want <= step * exp:
            return 4 * step * exp
    return 40 * exp


def fmt(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def frame(chart_id: str, title: str, caption: str, body: list[str], empty: bool = False) -> str:
    cls = "chart empty" if empty else "chart"
    return (f'<figure class="{cls}" id="{e(chart_id)}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" '
            f'role="img" aria-labelledby="{e(chart_id)}-t"><title id="{e(chart_id)}-t">{e(title)}</title>'
            + "".join(body) + f'</svg><figcaption><b>{e(title)}</b> {e(caption)}</figcaption></figure>')


def empty_chart(chart_id: str, title: str, why: str) -> str:
    return frame(chart_id, title, why, [f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="{MUTED}" '
                                        f'font-size="14">{e(why)}</text>'], empty=True)


def axes(top: float, label: str) -> list[str]:
    """Y axis with four grid lines from 0 to `top`, and the x axis line."""
    out = []
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        v = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{MUTED}">{fmt(round(v, 2))}</text>')
    out.append(f'<text x="12" y="{TOP + plot_h / 2:.1f}" font-size="10" fill="{MUTED}" text-anchor="middle" '
               f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">{e(label)}</text>')
    out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="{MUTED}"/>')
    return out


def x_labels(labels: list[str], centers: list[float]) -> list[str]:
    out = []
    slant = len(labels) > 8 or max((len(x) for x in labels), default=0) * 6.5 > (W - LEFT - RIGHT) / max(len(labels), 1)
    for label, x in zip(labels, centers, strict=True):
        y = H - BOTTOM + 14
        text = label if len(label) <= 20 else label[:19] + "…"
        if slant:
            out.append(f'<text class="x" x="{x:.1f}" y="{y}" font-size="10" fill="{INK}" text-anchor="end" '
                       f'transform="rotate(-35 {x:.1f} {y})">{e(text)}</text>')
        else:
            out.append(f'<text class="x" x="{x:.1f}" y="{y}" font-size="10" fill="{INK}" text-anchor="middle">{e(text)}</text>')
    return out


def slots(n: int) -> tuple[list[float], float]:
    step = (W - LEFT - RIGHT) / max(n, 1)
    return [LEFT + step * (i + 0.5) for i in range(n)], step


def stacked_bars(chart_id: str, title: str, caption: str, labels: list[str], series: list[tuple[str, list[int]]],
                 y_label: str, empty_why: str) -> str:
    """One bar per label, stacked by series (name, values); colours by name (priorities)."""
    totals = [sum(vals[i] for _, vals in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return empty_chart(chart_id, title, empty_why)
    top = nice_max(max(totals))
    plot_h = H - TOP - BOTTOM
    centers, step = slots(len(labels))
    bar_w = min(48.0, step * 0.7)
    body = axes(top, y_label)
    for i, x in enumerate(centers):
        y = H - BOTTOM
        for name, vals in series:
            v = vals[i]
            if not v:
                continue
            h = plot_h * v / top
            y -= h
            body.append(f'<rect class="bar s-{e(name)}" data-label="{e(labels[i])}" data-series="{e(name)}" data-value="{v}" '
                        f'x="{x - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{PRIORITY_COLORS.get(name, MUTED)}"><title>{e(labels[i])}: {v} {e(name)}</title></rect>')
            if h >= 12:
                body.append(f'<text x="{x:.1f}" y="{y + h / 2 + 4:.1f}" font-size="10" fill="#fff" text-anchor="middle">{v}</text>')
        body.append(f'<text class="total" x="{x:.1f}" y="{y - 4:.1f}" font-size="10" fill="{INK}" text-anchor="middle">{totals[i]}</text>')
    body += x_labels(labels, centers)
    lx = LEFT
    for name, _ in series:  # legend along the top right
        body.append(f'<rect x="{lx + 300:.0f}" y="2" width="10" height="10" fill="{PRIORITY_COLORS.get(name, MUTED)}"/>'
                    f'<text x="{lx + 314:.0f}" y="11" font-size="10" fill="{INK}">{e(name)}</text>')
        lx += 62
    return frame(chart_id, title, caption, body)


def line_chart(chart_id: str, title: str, caption: str, labels: list[str], values: list[float], y_label: str,
               empty_why: str) -> str:
    if not labels or not any(values):
        return empty_chart(chart_id, title, empty_why)
    top = nice_max(max(values))
    plot_h = H - TOP - BOTTOM
    centers, _ = slots(len(labels))
    points = [(x, H - BOTTOM - plot_h * v / top) for x, v in zip(centers, values, strict=True)]
    body = axes(top, y_label)
    body.append('<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
    for (x, y), v, label in zip(points, values, labels, strict=True):
        body.append(f'<circle class="point" data-label="{e(label)}" data-value="{fmt(v)}" cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
                    f'fill="#1d4ed8"><title>{e(label)}: {fmt(v)}</title></circle>'
                    f'<text x="{x:.1f}" y="{y - 7:.1f}" font-size="10" fill="{INK}" text-anchor="middle">{fmt(v)}</text>')
    body += x_labels(labels, centers)
    return frame(chart_id, title, caption, body)


def bars(chart_id: str, title: str, caption: str, labels: list[str], values: list[int], colors: list[str],
         y_label: str, empty_why: str) -> str:
    if not labels or not any(values):
        return empty_chart(chart_id, title, empty_why)
    top = nice_max(max(values))
    plot_h = H - TOP - BOTTOM
    centers, step = slots(len(labels))
    bar_w = min(64.0, step * 0.7)
    body = axes(top, y_label)
    for x, v, label, color in zip(centers, values, labels, colors, strict=True):
        h = plot_h * v / top
        y = H - BOTTOM - h
        body.append(f'<rect class="bar" data-label="{e(label)}" data-value="{v}" x="{x - bar_w / 2:.1f}" y="{y:.1f}" '
                    f'width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"><title>{e(label)}: {v}</title></rect>'
                    f'<text class="total" x="{x:.1f}" y="{y - 4:.1f}" font-size="10" fill="{INK}" text-anchor="middle">{v}</text>')
    body += x_labels(labels, centers)
    return frame(chart_id, title, caption, body)
