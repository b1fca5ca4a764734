"""`status --format html` and `portfolio --format html`: one self-contained page each (pure).

No script at all and nothing fetched: CSS is inline (allowed by its hash in
the Content-Security-Policy, which forbids everything else), charts are
inline SVG from charts.py. Print CSS lays the page out for A4 landscape PDF.
Every piece of model text is HTML-escaped.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import date
from statistics import median

from ..report.register import PRIORITIES
from . import charts
from .charts import e
from .rows import review_freshness
from .text import plural

CSS = """
:root{--crit:#b91c1c;--high:#c2410c;--med:#a16207;--low:#15803d;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0;background:#f9fafb}
main{max-width:1400px;margin:0 auto;padding:24px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:20px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 6px}
.meta,.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px;flex:1}
.card b{display:block;font-size:22px}.card.alert{border-color:var(--crit);background:#fef2f2}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
figure.chart svg{width:100%;height:auto;display:block}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}figcaption b{color:var(--ink)}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border:1px solid var(--line);padding:5px 7px;vertical-align:top;text-align:left;overflow-wrap:break-word}
td.system,td small{overflow-wrap:anywhere}td.system{min-width:8em}
th{background:#f3f4f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:11.5px;font-weight:600;color:#fff;background:var(--muted);white-space:nowrap}
.p-critical{background:var(--crit)}.p-high{background:var(--high)}.p-medium{background:var(--med)}.p-low{background:var(--low)}
.warn{color:var(--crit);font-weight:600}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{background:#fff;font-size:10.5pt}
  main{max-width:none;padding:0}
  section{border:none;padding:0;margin:0 0 14px;break-inside:auto}
  .charts{grid-template-columns:1fr 1fr}
  h1,h2,h3,.meta{break-after:avoid}
  table{font-size:8.5pt}
  figure.chart,tr,.card{break-inside:avoid}
  thead{display:table-header-group}
  .badge{border:1px solid #000;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  figure.chart svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

BUCKETS = ((7, "≤ 7 d"), (30, "8–30 d"), (90, "31–90 d"), (180, "91–180 d"), (365, "181–365 d"), (None, "> 365 d"))
FRESHNESS = (("on time", "#15803d"), ("due soon", "#a16207"), ("overdue", "#b91c1c"), ("no review date", "#6b7280"))


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page(title: str, body: str) -> str:
    csp = f"default-src 'none'; style-src {csp_hash(CSS)}; img-src data:; base-uri 'none'; form-action 'none'"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n")


def badge(priority: str, n: int) -> str:
    return f'<span class="badge p-{e(priority)}">{n} {e(priority)}</span>'


def open_cell(open_: dict) -> str:
    return " ".join(badge(p, n) for p, n in open_.items() if n) or '<span class="muted">none</span>'


def cards(items: list[tuple[bool, str, str]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card{" alert" if alert else ""}"><b>{e(big)}</b>{e(what)}</div>'
                                           for alert, big, what in items) + "</div>"


def bucket_counts(days: list[int]) -> list[int]:
    counts = [0] * len(BUCKETS)
    for d in days:
        for i, (top, _) in enumerate(BUCKETS):
            if top is None or d <= top:
                counts[i] += 1
                break
    return counts


def chart_set(prefix: str, cycles: list[dict], freshness: dict[str, int], stale: int, span: str) -> str:
    """The four charts: open risk by priority per cycle, residual-risk trend, time to mitigate, freshness."""
    labels = [c["name"] for c in cycles]
    series = [(p, [c["open"].get(p, 0) for c in cycles]) for p in PRIORITIES]
    if any(c["open"].get("unrated") for c in cycles):
        series.append(("unrated", [c["open"].get("unrated", 0) for c in cycles]))
    days = [d for c in cycles for d in c["days_to_mitigate"]]
    med = median(days) if days else None
    fresh_labels = [name for name, _ in FRESHNESS] + ["behind code"]
    fresh_values = [freshness.get(name, 0) for name, _ in FRESHNESS] + [stale]
    parts = [
        charts.stacked_bars(f"{prefix}-open", "Open risk by priority", f"open threats at the end of each {span}",
                            labels, series, "open threats", "no open threats in any cycle"),
        charts.line_chart(f"{prefix}-residual", "Residual-risk trend",
                          f"remaining risk score at the end of each {span} (critical 4, high 3, medium 2, low 1 per "
                          "open or accepted threat; a mitigated threat counts its residual_risk)",
                          labels, [c["residual_score"] for c in cycles], "risk score", "no residual risk recorded"),
        charts.bars(f"{prefix}-ttm", "Time to mitigate",
                    f"threats whose mitigations were all implemented in these cycles: {len(days)}"
                    + (f", median {med:g} days" if med is not None else ""),
                    [label for _, label in BUCKETS], bucket_counts(days), ["#1d4ed8"] * len(BUCKETS), "threats",
                    "no threat fully mitigated in these cycles"),
        charts.bars(f"{prefix}-freshness", "Freshness", "models by review state, and models behind their code (in-scope code "
                    "changed after the model did)", fresh_labels, fresh_values,
                    [c for _, c in FRESHNESS] + ["#7c3aed"], "models", "no models"),
    ]
    return '<div class="charts">' + "".join(parts) + "</div>"


def cycles_table(table_id: str, kind: str, tags: list[str], cycles: list[dict]) -> str:
    if not cycles:
        return '<p class="muted">No history yet.</p>'
    what = f"release tags {', '.join(tags)}" if kind == "releases" else f"calendar months (no tag matches {', '.join(tags)})"
    rows = []
    for c in cycles:
        med = "—" if c["median_days_to_mitigate"] is None else f"{c['median_days_to_mitigate']:g}"
        rows.append(f"<tr><td>{e(c['name'])}</td><td>{e(c['start'] or '')}</td><td>{e(c['end'] or 'open')}</td>"
                    f"<td>{open_cell(c['open'])}</td><td class=n>{c['open_score']}</td><td class=n>{c['residual_score']}</td>"
                    f"<td class=n>{c['implemented']}</td><td class=n>{len(c['days_to_mitigate'])}</td><td class=n>{med}</td>"
                    f"<td class=n>{c['validated']}</td><td class=n>{c['disproven']}</td><td class=n>{c['unvalidated']}</td></tr>")
    return (f'<p class="meta">Cycles by {e(what)}.</p><table class="cycles" id="{e(table_id)}"><thead><tr><th>cycle</th>'
            "<th>after</th><th>until</th><th>open at end</th><th>open risk</th><th>residual risk</th>"
            "<th>mitigations implemented</th><th>threats mitigated</th><th>median days to mitigate</th>"
            "<th>assumptions validated</th><th>disproven</th><th>unvalidated at end</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def review_cell(r: dict, today: date) -> str:
    state = r.get("freshness") or review_freshness(r, today)
    if r["due"] is None:
        return '<span class="warn">no review date</span>'
    cls = ' class="warn"' if state == "overdue" else ""
    return f"<span{cls}>{e(state)}</span> (due {e(r['due'])})"


def status_page(report: dict) -> str:
    today = date.fromisoformat(report["today"])
    models = report["models"]
    freshness: dict[str, int] = {}
    for m in models:
        state = review_freshness(m["review"], today)
        freshness[state] = freshness.get(state, 0) + 1
    stale = sum(1 for m in models if m["stale"])
    crit_high = sum(m["open_threats"].get("critical", 0) + m["open_threats"].get("high", 0) for m in models)
    span = "release" if report["cycle_kind"] == "releases" else "month"
    rows = []
    for m in models:
        code = (f'<span class="warn">changed after the model</span> ({e((m["last_code_change"] or {}).get("date", "")[:10])})'
                if m["stale"] else "model up to date")
        rows.append(f"<tr><td>{e(m['path'])}</td><td>{e(m['system'] or '')}</td><td>{review_cell(m['review'], today)}</td>"
                    f"<td>{code}</td><td>{open_cell(m['open_threats'])}</td>"
                    f"<td>{'; '.join(e(p) for p in m['problems'])}</td></tr>")
    body = (f'<section id="summary"><h1>Threat model status</h1><p class="meta">{e(report["repository"])} · '
            f'{plural(report["commits"], "commit")} · today {e(report["today"])}</p>'
            + cards([(False, str(len(models)), "models"), (crit_high > 0, str(crit_high), "open critical + high threats"),
                     (freshness.get("overdue", 0) > 0, str(freshness.get("overdue", 0)), "reviews overdue"),
                     (stale > 0, str(stale), "models behind their code")]) + "</section>"
            + f'<section id="charts"><h2>Per {span}</h2>'
            + chart_set("status", report["cycles"], freshness, stale, span) + "</section>"
            + '<section id="models"><h2>Models</h2><table class="models"><thead><tr><th>model</th><th>system</th>'
              "<th>review</th><th>code</th><th>open threats</th><th>problems</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>"
            + f'<section id="cycles"><h2>Metrics per {span}</h2>'
            + cycles_table("cycles", report["cycle_kind"], report["release_tags"], report["cycles"]) + "</section>")
    return page(f"Threat model status — {report['repository']}", body)


def portfolio_row(n: int, m: dict, today: date) -> str:
    a = m["assumptions"]
    assumptions = (f'{a["unvalidated"]} unvalidated' + (f', <span class="warn">{a["disproven"]} disproven</span>'
                                                         if a["disproven"] else ""))
    expired = (f'<span class="warn">{len(m["expired_acceptances"])}</span> ({e(", ".join(m["expired_acceptances"]))})'
               if m["expired_acceptances"] else "0")
    drift = str(m["drift"]) if m["drift"] is not None else "n/a"  # the model does not parse
    code = ('<span class="warn">changed after the model</span>' if m["code_changed_since_model"] else "up to date")
    return (f"<tr><td class=n>{n}</td><td>{e(m['repository'])}<br><small class=muted>{e(m['path'])}</small></td>"
            f"<td class=system>{e(m['system'] or '')}</td><td>{e(m['owner'] or '—')}</td><td>{e(m['champion'] or '—')}</td>"
            f"<td>{e(m['stage'] or 'not set')}</td><td>{review_cell(m['review'], today)}</td><td>{code}</td>"
            f"<td>{open_cell(m['open_threats'])}</td><td>{expired}</td><td>{assumptions}</td><td>{e(drift)}</td>"
            f"<td>{'; '.join(e(p) for p in m['problems'])}</td></tr>")


def portfolio_page(report: dict) -> str:
    today = date.fromisoformat(report["today"])
    models = report["models"]
    freshness: dict[str, int] = {}
    for m in models:
        freshness[m["review"]["freshness"]] = freshness.get(m["review"]["freshness"], 0) + 1
    stale = sum(1 for m in models if m["code_changed_since_model"])
    crit_high = sum(m["open_threats"].get("critical", 0) + m["open_threats"].get("high", 0) for m in models)
    expired = sum(len(m["expired_acceptances"]) for m in models)
    failed = [r for r in report["repositories"] if r["error"]]
    repo_sections = []
    for r in report["repositories"]:
        if r["error"]:
            continue
        repo_sections.append(f'<h3>{e(r["name"])}</h3><p class="meta">{e(r["root"])} · {plural(r["commits"], "commit")} · '
                             f'{plural(r["models"], "model")}</p>'
                             + "".join(f'<p class="warn">{e(w)}</p>' for w in r["warnings"])
                             + cycles_table(f"cycles-{len(repo_sections)}", r["cycle_kind"], r["release_tags"], r["cycles"]))
    unread = ("" if not failed else '<section id="unread"><h2>Repositories not read</h2><ul>'
              + "".join(f"<li>{e(r['path'])}: {e(r['error'])}</li>" for r in failed) + "</ul></section>")
    body = (f'<section id="summary"><h1>Threat model portfolio</h1><p class="meta">{plural(len(models), "model")} in '
            f'{plural(len(report["repositories"]), "repository")} · today {e(report["today"])}</p>'
            + cards([(False, str(len(models)), "models"), (crit_high > 0, str(crit_high), "open critical + high threats"),
                     (expired > 0, str(expired), "expired risk acceptances"),
                     (freshness.get("overdue", 0) > 0, str(freshness.get("overdue", 0)), "reviews overdue"),
                     (stale > 0, str(stale), "models behind their code"), (bool(failed), str(len(failed)), "repositories not read")])
            + "</section>" + unread
            + f'<section id="charts"><h2>Last {report["months"]} months, all repositories</h2>'
            + chart_set("portfolio", report["timeline"], freshness, stale, "month") + "</section>"
            + '<section id="models"><h2>Models, most at risk first</h2><table class="models"><thead><tr><th>#</th>'
              "<th>repository / model</th><th>system</th><th>owner</th><th>champion</th><th>stage</th><th>review</th>"
              "<th>code</th><th>open threats</th><th>expired acceptances</th><th>assumptions</th><th>drift</th>"
              "<th>problems</th></tr></thead><tbody>"
            + "".join(portfolio_row(n, m, today) for n, m in enumerate(models, 1))
            + "</tbody></table></section>"
            + '<section id="repositories"><h2>Metrics per release, by repository</h2>' + "".join(repo_sections) + "</section>")
    return page("Threat model portfolio", body)
