"""The risk register as Markdown (GitHub / VS Code preview flavour, Mermaid in a fenced block)."""
from __future__ import annotations

import re

from .document import ModelReport, findings_line
from .register import AcceptedRisk, MitigationRow, Register, ThreatRow

# Model text is user input: it must not become markup (links, images that load at view time, HTML,
# emphasis, table columns). CommonMark lets a backslash escape any ASCII punctuation.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")
_BLOCK_START = re.compile(r"^([#+=-])|^(\d+)([.)])")


def inline(text: str) -> str:
    """Model text as literal Markdown text on one line (no markup, no raw HTML, no block syntax)."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BLOCK_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)


def cell(text: str) -> str:
    """Model text as a Markdown table cell ("—" when empty)."""
    return inline(text) or "—"


def mitigation_text(m: MitigationRow) -> str:
    bits = [m.status or "no status", f"ticket {m.ticket}" if m.ticket else "no ticket"]
    if m.effort:
        bits.append(f"effort {m.effort}")
    return f"{m.id} {m.title} ({', '.join(bits)})"


def summary_md(rep: Register, findings: str) -> list[str]:
    s = rep.summary
    out = []
    if s.description:
        out.append(inline(s.description) + "\n")
    people = [f"Owner: {s.owner}" if s.owner else "Owner: not set", f"Champion: {s.champion}" if s.champion else None,
              f"Criticality: {s.criticality}" if s.criticality else None]
    out.append(inline(" · ".join(p for p in people if p)) + "\n")
    out.append("## Business summary\n")
    open_counts = ", ".join(f"{n} {p}" for p, n in s.open_by_priority.items() if n) or "none"
    crit_high = s.open_by_priority.get("critical", 0) + s.open_by_priority.get("high", 0)
    out.append(f"- **Open critical and high threats: {crit_high}** (open by priority: {open_counts}; {s.threats_total} threats in total)")
    if s.assets_at_risk:
        out.append(f"- **Records at risk: {s.records_at_risk:,}** in {inline(', '.join(s.assets_at_risk))}"
                   + (f"; the worst single threat exposes {s.max_records_exposed:,}" if s.max_records_exposed else ""))
    else:
        out.append("- Records at risk: none (no open threat reaches an asset)")
    out.append(f"- Regulations at risk: {inline(', '.join(s.regulations_at_risk)) or 'none'}")
    if s.review_due:
        state = f"**OVERDUE** since {s.review_due}" if s.review_overdue else f"due {s.review_due}"
        out.append(f"- Review: last {s.last_reviewed}, {state}")
    else:
        out.append("- Review: no review.last_reviewed date in the model")
    if s.expired_acceptances:
        out.append(f"- **Expired risk acceptances: {s.expired_acceptances}**")
    out.append(f"- Model findings: {findings}")
    return out


def register_md(rows: list[ThreatRow]) -> list[str]:
    out = ["## Risk register\n"]
    if not rows:
        return out + ["No threats in the model yet.\n"]
    out.append("| # | Priority | Score | Threat | Where | Owner | Status |")
    out.append("|---|---|---|---|---|---|---|")
    for n, r in enumerate(rows, 1):
        score = f"{r.score} ({r.likelihood}×{r.severity})" if r.score is not None else "—"
        out.append(f"| {n} | {cell(r.priority or 'unrated')} | {cell(score)} | {cell(r.id + ' ' + r.title)} | "
                   f"{cell(', '.join(r.where))} | {cell(r.owner)} | {cell(r.status)} |")
    out.append("")
    for r in rows:
        out.append(f"### {inline(r.id)}: {inline(r.title) or '(untitled)'}\n")
        out.append(f"- **Priority:** {r.priority or 'unrated'}"
                   + (f" (score {r.score} = likelihood {r.likelihood} × severity {r.severity}; rubric: {r.rubric})" if r.score is not None else "")
                   + f" · **Status:** {inline(r.status)} · **Owner:** {inline(r.owner) or 'not set'}")
        if r.stride:
            out.append(f"- **STRIDE:** {', '.join(r.stride)}")
        if r.description:
            out.append(f"- **What:** {inline(r.description)}")
        out.append(f"- **Where:** {inline(', '.join(r.where)) or 'not stated'}")
        if r.entry or r.steps or r.target:
            path = " → ".join(x for x in (r.entry, *r.steps) if x)
            out.append(f"- **Attack path:** {inline(path) or 'not stated'}" + (f" ⇒ {inline(r.target)}" if r.target else ""))
        else:
            out.append("- **Attack path:** not stated")
        impact = [x for x in (r.blast_radius,
                              f"{r.records_exposed:,} records" if r.records_exposed is not None else "",
                              ", ".join(r.regulatory), r.financial) if x]
        out.append(f"- **Blast radius:** {inline('; '.join(impact)) or 'not stated'}")
        if r.mitigations:
            out.append("- **Mitigations:**")
            out += [f"  - {inline(mitigation_text(m))}" for m in r.mitigations]
        else:
            out.append("- **Mitigations:** none")
        out.append(f"- **Effort:** {inline(r.effort) or 'not estimated'}")
        extra = [f"identified {r.identified}" if r.identified else "", f"residual risk {r.residual_risk}" if r.residual_risk else ""]
        if any(extra):
            out.append(f"- {inline(', '.join(x for x in extra if x)).capitalize()}")
        out.append("")
    return out


def backlog_md(rep: Register) -> list[str]:
    out = ["## Mitigation backlog\n"]
    if not rep.backlog:
        out.append("Nothing left to implement." if rep.implemented else "No mitigations in the model.")
    else:
        out.append("| Mitigation | For threats (top priority) | Status | Ticket | Effort | Owner |")
        out.append("|---|---|---|---|---|---|")
        for m in rep.backlog:
            threats = ", ".join(m.threats) + (f" ({m.top_priority})" if m.top_priority else "")
            out.append(f"| {cell(m.id + ' ' + m.title)} | {cell(threats)} | {cell(m.status or 'no status')} | "
                       f"{cell(m.ticket or 'NO TICKET')} | {cell(m.effort)} | {cell(m.owner)} |")
    if rep.implemented:
        out.append(f"\nImplemented: {inline(', '.join(m.id + (' (' + m.implemented + ')' if m.implemented else '') for m in rep.implemented))}")
    out.append("")
    return out


def accepted_md(accepted: list[AcceptedRisk]) -> list[str]:
    out = ["## Accepted risks\n"]
    if not accepted:
        return out + ["No accepted risks.\n"]
    out.append("| Threat | Priority | Accepted by | Rationale | Expires |")
    out.append("|---|---|---|---|---|")
    for a in accepted:
        exp = f"**EXPIRED** {inline(a.expires)}" if a.expired else (inline(a.expires) or "NO EXPIRY")
        rationale = a.rationale + (f" (accepted {a.recorded})" if a.recorded else "")
        out.append(f"| {cell(a.threat.id + ' ' + a.threat.title)} | {cell(a.threat.priority)} | {cell(a.by)} | "
                   f"{cell(rationale)} | {exp} |")
    out.append("")
    return out


def out_of_scope_md(items) -> list[str]:
    """Elements and flows the model leaves out of scope, with the reason (the rules do not judge them)."""
    if not items:
        return []
    out = ["## Out of scope\n", "| What | Reason |", "|---|---|"]
    for o in items:
        out.append(f"| {cell(o.kind + ' ' + o.name)}{cell(' (' + o.id + ')') if o.name != o.id else ''} | {cell(o.reason)} |")
    out.append("")
    return out


def render(reports: list[ModelReport]) -> str:
    out: list[str] = []
    for rep in reports:
        reg = rep.register
        title = reg.summary.system if reg else rep.path
        out.append(f"# Risk register: {inline(title)}\n")
        out.append(f"Model `{rep.path.replace('`', '')}` · generated for {rep.today.isoformat()}\n")
        if reg is None:
            out.append(f"The model could not be read: {findings_line(rep.findings)}.\n")
            out += [f"- line {f.range.start.line + 1}: {inline(f.message)}" for f in rep.findings[:10]]
            out.append("")
            continue
        out += summary_md(reg, findings_line(rep.findings))
        out.append("\n## Data-flow diagram\n")
        if rep.diagram:
            out += ["```mermaid", rep.diagram, "```\n"]
        else:
            out.append("No elements in the model yet: add elements and flows to get a diagram.\n")
        out += register_md(reg.threats)
        out += backlog_md(reg)
        out += accepted_md(reg.accepted)
        out += out_of_scope_md(reg.out_of_scope)
    return "\n".join(out).rstrip() + "\n"

