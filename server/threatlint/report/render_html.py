"""The risk register as one self-contained HTML file.

The page works offline: CSS is inline, Mermaid's script is inlined from the
vendored copy (assets/README.md says why), and a Content-Security-Policy
allows only this page's own scripts (by sha256) and no network requests.
Every piece of model text is HTML-escaped; the diagram source travels as JSON
in a non-executed script element and Mermaid renders it with
securityLevel "strict", so a model cannot inject markup or script.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
from functools import lru_cache
from html import escape
from importlib import resources

from .document import ModelReport, findings_line
from .register import AcceptedRisk, MitigationRow, Register, ThreatRow

CSS = """
:root{--crit:#b91c1c;--high:#c2410c;--med:#a16207;--low:#15803d;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0;background:#f9fafb}
main{max-width:1500px;margin:0 auto;padding:24px}
article{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin-bottom:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:170px;flex:1}
.card b{display:block;font-size:22px}.card.alert{border-color:var(--crit);background:#fef2f2}.card small{color:var(--muted)}
.dfd{border:1px solid var(--line);border-radius:6px;padding:12px;overflow:auto;background:#fff;min-height:80px;text-align:center}
.dfd.failed{color:var(--crit);text-align:left}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid var(--line);padding:6px 8px;vertical-align:top;text-align:left}
th{background:#f3f4f6;font-weight:600}
td ul,td ol{margin:0;padding-left:18px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:var(--muted);white-space:nowrap}
.p-critical{background:var(--crit)}.p-high{background:var(--high)}.p-medium{background:var(--med)}.p-low{background:var(--low)}
.st{font-size:12px;white-space:nowrap}.st-implemented{color:var(--low)}.st-planned,.st-open{color:var(--crit)}
.warn{color:var(--crit);font-weight:600}.muted{color:var(--muted)}
.desc{color:#374151;margin-top:4px}
details pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px}
"""

LOADER = """(async () => {
  mermaid.initialize({startOnLoad: false, securityLevel: "strict", theme: "default",
                      flowchart: {useMaxWidth: true, htmlLabels: true}});
  for (const box of document.querySelectorAll(".dfd[data-src]")) {
    const src = JSON.parse(document.getElementById(box.dataset.src).textContent);
    try {
      const {svg} = await mermaid.render(box.id + "-svg", src);
      box.innerHTML = svg;
      box.classList.add("rendered");
    } catch (e) {
      box.textContent = "The diagram could not be rendered: " + ((e && e.message) || e);
      box.classList.add("failed");
    }
  }
  document.body.dataset.diagrams = "done";
})();"""


@lru_cache(maxsize=1)
def mermaid_js() -> str:
    raw = resources.files("threatlint.report").joinpath("assets/mermaid.min.js.gz").read_bytes()
    js = gzip.decompress(raw).decode("utf-8")
    # An inline script ends at the first "</script"; the bundle has none today, and must never.
    return js.replace("</script", "<\\/script")


def csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def e(value) -> str:
    return escape(str(value), quote=True)


def badge(priority: str) -> str:
    return f'<span class="badge p-{e(priority)}">{e(priority)}</span>' if priority else '<span class="badge">unrated</span>'


def mitigation_html(m: MitigationRow) -> str:
    ticket = f"ticket {e(m.ticket)}" if m.ticket else '<span class="warn">no ticket</span>'
    bits = [f'<span class="st st-{e(m.status)}">{e(m.status or "no status")}</span>', ticket]
    if m.effort:
        bits.append(f"effort {e(m.effort)}")
    return f"<li><b>{e(m.id)}</b> {e(m.title)} <span class=\"muted\">({', '.join(bits)})</span></li>"


def summary_html(reg: Register, findings: str) -> str:
    s = reg.summary
    crit_high = s.open_by_priority.get("critical", 0) + s.open_by_priority.get("high", 0)
    by_prio = ", ".join(f"{n} {p}" for p, n in s.open_by_priority.items() if n) or "none open"
    cards = [
        (crit_high > 0, str(crit_high), "open critical + high threats", f"{by_prio}; {s.threats_total} in total"),
        (s.records_at_risk > 0, f"{s.records_at_risk:,}", "records at risk",
         ", ".join(s.assets_at_risk) or "no open threat reaches an asset"),
        (bool(s.regulations_at_risk), str(len(s.regulations_at_risk)), "regulations at risk",
         ", ".join(s.regulations_at_risk) or "none"),
    ]
    if s.review_due:
        cards.append((s.review_overdue, "OVERDUE" if s.review_overdue else "on time", "review",
                      f"last {s.last_reviewed}, due {s.review_due}"))
    else:
        cards.append((True, "unknown", "review", "set review.last_reviewed and cadence_days"))
    if s.expired_acceptances:
        cards.append((True, str(s.expired_acceptances), "expired risk acceptances", "renew or re-assess"))
    out = ['<section id="summary"><h2>Business summary</h2><div class="cards">']
    for alert, big, what, detail in cards:
        out.append(f'<div class="card{" alert" if alert else ""}"><b>{e(big)}</b>{e(what)}<br><small>{e(detail)}</small></div>')
    out.append(f'</div><p class="meta">Model findings: {e(findings)}</p></section>')
    return "".join(out)


def threat_tr(n: int, r: ThreatRow) -> str:
    what = f"<b>{e(r.id)}</b> {e(r.title)}"
    if r.stride:
        what += f' <span class="muted">[{e(", ".join(r.stride))}]</span>'
    if r.description:
        what += f'<div class="desc">{e(r.description)}</div>'
    if r.entry or r.steps or r.target:
        path = "<ol>" + "".join(f"<li>{e(x)}</li>" for x in (r.entry, *r.steps) if x) + "</ol>"
        if r.target:
            path += f"⇒ <b>{e(r.target)}</b>"
    else:
        path = '<span class="warn">not stated</span>'
    impact = [x for x in (r.blast_radius, f"{r.records_exposed:,} records" if r.records_exposed is not None else "",
                          ", ".join(r.regulatory), r.financial) if x]
    blast = "<br>".join(e(x) for x in impact) or '<span class="warn">not stated</span>'
    mits = ("<ul>" + "".join(mitigation_html(m) for m in r.mitigations) + "</ul>") if r.mitigations else '<span class="warn">none</span>'
    score = f"{r.score}<br><small class=\"muted\">{e(r.likelihood)}×{e(r.severity)}</small>" if r.score is not None else "—"
    status = e(r.status) + (f"<br><small class=\"muted\">residual {e(r.residual_risk)}</small>" if r.residual_risk else "")
    return (f"<tr><td>{n}</td><td>{badge(r.priority)}</td><td>{score}</td><td>{what}</td>"
            f"<td>{e(', '.join(r.where)) or '—'}</td><td>{path}</td><td>{blast}</td><td>{mits}</td>"
            f"<td>{e(r.effort) or '—'}</td><td>{e(r.owner) or '<span class=warn>none</span>'}</td><td>{status}</td></tr>")


def register_html(rows: list[ThreatRow], idx: int) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("#", "Priority", "Score", "Threat (what)", "Where", "Attack path",
                                             "Blast radius", "Mitigations", "Effort", "Owner", "Status"))
    body = "".join(threat_tr(n, r) for n, r in enumerate(rows, 1)) or '<tr><td colspan="11">No threats in the model yet.</td></tr>'
    return f'<section><h2>Risk register</h2><table class="register" id="register-{idx}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>'


def backlog_html(reg: Register) -> str:
    out = ["<section><h2>Mitigation backlog</h2>"]
    if reg.backlog:
        out.append("<table class=\"backlog\"><thead><tr><th>Mitigation</th><th>For threats</th><th>Status</th><th>Ticket</th>"
                   "<th>Effort</th><th>Owner</th></tr></thead><tbody>")
        for m in reg.backlog:
            prio = f" {badge(m.top_priority)}" if m.top_priority else ""
            out.append(f"<tr><td><b>{e(m.id)}</b> {e(m.title)}</td><td>{e(', '.join(m.threats)) or '—'}{prio}</td>"
                       f'<td class="st st-{e(m.status)}">{e(m.status or "no status")}</td>'
                       f"<td>{e(m.ticket) or '<span class=warn>no ticket</span>'}</td><td>{e(m.effort) or '—'}</td>"
                       f"<td>{e(m.owner) or '—'}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing left to implement.</p>" if reg.implemented else "<p>No mitigations in the model.</p>")
    if reg.implemented:
        done = ", ".join(f"{e(m.id)}" + (f" ({e(m.implemented)})" if m.implemented else "") for m in reg.implemented)
        out.append(f'<p class="muted">Implemented: {done}</p>')
    out.append("</section>")
    return "".join(out)


def accepted_html(accepted: list[AcceptedRisk]) -> str:
    if not accepted:
        return "<section><h2>Accepted risks</h2><p>No accepted risks.</p></section>"
    rows = []
    for a in accepted:
        if a.expired:
            exp = f'<span class="warn">EXPIRED {e(a.expires)}</span>'
        else:
            exp = e(a.expires) if a.expires else '<span class="warn">no expiry</span>'
        rows.append(f"<tr><td><b>{e(a.threat.id)}</b> {e(a.threat.title)}</td><td>{badge(a.threat.priority)}</td>"
                    f"<td>{e(a.by) or '—'}</td><td>{e(a.rationale) or '—'}"
                    + (f' <small class="muted">(accepted {e(a.recorded)})</small>' if a.recorded else "")
                    + f"</td><td>{exp}</td></tr>")
    return ("<section><h2>Accepted risks</h2><table class=\"accepted\"><thead><tr><th>Threat</th><th>Priority</th>"
            "<th>Accepted by</th><th>Rationale</th><th>Expires</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>")


def out_of_scope_html(items) -> str:
    """Elements and flows the model leaves out of scope, with the reason (the rules do not judge them)."""
    if not items:
        return ""
    rows = []
    for o in items:
        ident = "" if o.name == o.id else f' <small class="muted">{e(o.id)}</small>'
        rows.append(f"<tr><td>{e(o.kind)} <b>{e(o.name)}</b>{ident}</td><td>{e(o.reason)}</td></tr>")
    return ('<section><h2>Out of scope</h2><table class="out-of-scope"><thead><tr><th>What</th><th>Reason</th></tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table></section>")


def json_for_script(value) -> str:
    """JSON that cannot end its <script> element or open a comment."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def article(rep: ModelReport, idx: int) -> str:
    reg = rep.register
    title = reg.summary.system if reg else rep.path
    out = [f'<article id="model-{idx}"><h1>Risk register: {e(title)}</h1>',
           f'<p class="meta">Model <code>{e(rep.path)}</code> · generated for {e(rep.today.isoformat())}']
    if reg is None:
        out.append(f'</p><p class="warn">The model could not be read: {e(findings_line(rep.findings))}.</p><ul>')
        out += [f"<li>line {f.range.start.line + 1}: {e(f.message)}</li>" for f in rep.findings[:10]]
        out.append("</ul></article>")
        return "".join(out)
    s = reg.summary
    people = [f"owner {s.owner}" if s.owner else "no owner", f"champion {s.champion}" if s.champion else "",
              f"criticality {s.criticality}" if s.criticality else ""]
    out.append(" · " + e(" · ".join(p for p in people if p)) + "</p>")
    if s.description:
        out.append(f"<p>{e(s.description)}</p>")
    out.append(summary_html(reg, findings_line(rep.findings)))
    if rep.diagram:
        out.append(f'<section><h2>Data-flow diagram</h2><div class="dfd" id="dfd-{idx}" data-src="dfd-src-{idx}">'
                   f"Rendering the diagram… (needs JavaScript)</div>"
                   f'<script type="application/json" id="dfd-src-{idx}">{json_for_script(rep.diagram)}</script>'
                   f"<details><summary>Mermaid source</summary><pre>{e(rep.diagram)}</pre></details></section>")
    else:
        out.append('<section><h2>Data-flow diagram</h2><p class="muted">No elements in the model yet: '
                   "add elements and flows to get a diagram.</p></section>")
    out.append(register_html(reg.threats, idx))
    out.append(backlog_html(reg))
    out.append(accepted_html(reg.accepted))
    out.append(out_of_scope_html(reg.out_of_scope))
    out.append("</article>")
    return "".join(out)


def render(reports: list[ModelReport]) -> str:
    title = reports[0].register.summary.system if len(reports) == 1 and reports[0].register else "threat models"
    body = "".join(article(r, i) for i, r in enumerate(reports))
    scripts = [mermaid_js(), LOADER] if any(r.diagram for r in reports) else []
    csp = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
           f"script-src {' '.join(csp_hash(s) for s in scripts) or chr(39) + 'none' + chr(39)}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Risk register: {e(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{body}</main>"
            + "".join(f"<script>{s}</script>" for s in scripts)
            + "</body></html>\n")
