"""Governance: reviews, tickets, assumptions, scope hygiene (TM401-TM404)."""
from __future__ import annotations

from datetime import timedelta

from ..engine.model import (DEFAULT_CADENCE_DAYS, DISPROVEN, RATING_PARTS, SCOPE_PARTS, STAGE_PARTS, THREAT_RATING_PARTS, VALIDATED,
                            Model, as_list, assumption_state, rated_as, ticket_of)
from ..engine.scope import is_valid_pattern, pattern_matches_any
from ..engine.selection import silenced_lines
from .registry import FROM_DESIGN, Hit, Reads, rule


def _days(delta: timedelta) -> str:
    return "1 day" if delta.days == 1 else f"{delta.days} days"


@rule("TM401", "warning", "Review overdue",
      "The model's review is overdue when review.last_reviewed + review.cadence_days is before today (without "
      "cadence_days, a year). Review the model with the team, then update last_reviewed.",
      reads=Reads(parts=("review",)),
      why=("Systems change faster than their models; a model past its review date describes a system that "
           "may no longer exist."),
      fix=("Review the model with the team, then set `review.last_reviewed` to the review date (the editor's "
           "quick fix sets today)."),
      bad="""\
review: {last_reviewed: 2025-01-10, cadence_days: 90}
""",
      good="""\
review: {last_reviewed: 2026-11-02, cadence_days: 90}
""")
def review_overdue(model: Model, ctx):
    review = model.review_due()
    if review.overdue(ctx.today):
        default = (f" (no cadence_days: the default of {DEFAULT_CADENCE_DAYS} days applies)" if review.default_cadence
                   else "")
        yield Hit(("review", "last_reviewed"), f"review of the model is overdue: last reviewed {review.last.isoformat()}, "
                  f"due {review.due.isoformat()} ({_days(ctx.today - review.due)} ago){default}; review it and set "
                  "last_reviewed to the review date", data={"due": review.due.isoformat()})


def _high_open_threats(model: Model, ctx):
    """(index, threat) of every open, in-scope threat of priority high or critical, when the ratings were
    triaged at all (a converter that rates everything the same puts nothing first)."""
    rating = model.rating(ctx.config.rating)
    for i, t in model.items("threats"):
        if model.chased_first(t, rating):
            yield i, t


# A mitigation whose work is under way or done: the threat's work is tracked.
_UNDER_WAY = ("in_progress", "implemented")


def _untracked_candidates(model: Model, threat: dict) -> list[str]:
    """The mitigations of a threat that are not implemented and have no ticket, when none of its mitigations is
    tracked (a ticket, or work in progress or done); [] when the threat's work is already tracked."""
    mitigations = model.mitigations
    ids = dict.fromkeys(m for m in as_list(threat.get("mitigations")) if isinstance(m, str))
    listed = [mitigations[m] for m in ids if isinstance(mitigations.get(m), dict)]
    if any(ticket_of(m) or m.get("status") in _UNDER_WAY for m in listed):
        return []
    return [model.id_of(m) for m in listed if m.get("status") != "rejected"]


@rule("TM402", "info", "Mitigation not implemented and without ticket",
      "Work on a mitigation that is not implemented yet should be tracked in a ticket. At the design stage the "
      "mitigations of an open threat of priority high or critical are often candidates to choose from: one finding "
      "per such threat names its mitigations when none of them is tracked (none has a ticket, none is in progress "
      "or implemented), and none when the threat's work is tracked. At the operational stage every mitigation "
      "that is not implemented needs its own ticket. A ticket is the `ticket` key, or an issue the mitigation's "
      "title or description links (a tracker URL, or 'ticket ABC-123' / 'issue #123'), as tools without a ticket "
      "field write it.", stages=FROM_DESIGN,
      # At the design stage it judges threats by their mitigations; at the operational stage, mitigations.
      reads=Reads(parts=THREAT_RATING_PARTS + ("threats[].id", "threats[].affects", "threats[].mitigations",
                                               "mitigations") + SCOPE_PARTS + STAGE_PARTS + RATING_PARTS),
      why=("A mitigation that exists only in the model is not being built; a ticket puts it in the team's "
           "backlog and lets the register link to it."),
      fix=("Add `ticket` with the issue that tracks the work (or set `status: implemented` once it is done). At "
           "the design stage, tracking the mitigation chosen for a threat answers it for that threat."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high}
    status: open
    owner: team-payments
    mitigations: [M-1]
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: planned}
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high}
    status: open
    owner: team-payments
    mitigations: [M-1]
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: planned, ticket: PAY-12}
""")
def untracked_mitigation(model: Model, ctx):
    if model.stage(ctx.config.stage) == "operational":
        for i, m in model.items("mitigations"):
            status = m.get("status")
            if status in ("implemented", "rejected") or ticket_of(m):
                continue
            yield Hit(("mitigations", i), f"{model.label('mitigations', m, i)} is {status or 'not implemented'} and "
                      "has no ticket: add ticket with the issue that tracks the work", part="anchor",
                      data={"mitigation": model.id_of(m), "index": i})
        return
    for i, t in _high_open_threats(model, ctx):
        candidates = _untracked_candidates(model, t)
        if not candidates:
            continue
        names = ", ".join(f"'{m}'" for m in candidates)
        if len(candidates) == 1:
            what = f"its mitigation {names} is not implemented and has no ticket"
        else:
            what = f"none of its mitigations {names} is implemented, in progress or has a ticket"
        yield Hit(("threats", i, "mitigations"),
                  f"{model.label('threats', t, i)} is open with {rated_as(t, model.rating(ctx.config.rating))}, and {what}: "
                  "add a ticket to the mitigation the team will build", part="key",
                  data={"threat": model.id_of(t), "mitigations": candidates, "index": i})


_LISTED = 5  # assumptions named in a grouped TM403 message; the finding's data lists every one


@rule("TM403", "warning", "Assumption not validated, or disproven",
      "An assumption the model rests on should be checked; set validated: true and give the evidence. At the "
      "draft and design stages the assumptions not checked yet are reported together, in one finding on "
      "`assumptions` that names them (a model's assumptions are often design decisions and scope statements "
      "written down at the start, and one warning each buries the rest; one silenced by an inline comment where "
      "it stands is left out); at the operational stage each is reported on its own. One that was checked and "
      "does not hold (validated: false with evidence) is always reported on its own: the threats that rested on "
      "it need revising.",
      # Grouping reads every assumption and the stage, and leaves out the assumptions an inline comment silences
      # where they stand: comments are no part of the data, so only an empty result (nothing pending) is kept.
      reads=Reads(parts=("assumptions",) + STAGE_PARTS, quotes_lines=True),
      why=("Threats are judged against the assumptions; one that was never checked may be false, and every "
           "conclusion built on it with it."),
      fix=("Check the assumption, then set `validated: true` and say in `evidence` how it was checked. If it does "
           "not hold (`validated: false` with evidence), revise the threats and mitigations that rested on it, then "
           "rewrite or remove the assumption. A statement that is a design decision or a scope note rather than "
           "something to check belongs in the system description or `scope.out_of_scope`."),
      bad="""\
assumptions:
  - {id: A-1, text: The database accepts connections from the VPC only}
""",
      good="""\
assumptions:
  - {id: A-1, text: The database accepts connections from the VPC only, validated: true, evidence: security-group review 2026-10}
""")
def unvalidated_assumption(model: Model, ctx):
    pending = []
    for i, a in model.items("assumptions"):
        state = assumption_state(a)
        if state == DISPROVEN:
            yield Hit(("assumptions", i), f"{model.label('assumptions', a, i)} was checked and does not hold "
                      "(validated: false, with evidence): revise the threats and mitigations that rested on it, then "
                      "rewrite or remove the assumption", part="anchor",
                      data={"assumptions": [model.id_of(a)] if model.id_of(a) else []})
        elif state != VALIDATED:
            pending.append((i, a))
    silenced = silenced_lines(model.doc.text, "TM403") if pending else frozenset()
    grouped = [(i, a) for i, a in pending if model.range(("assumptions", i), "key").start.line not in silenced]
    if len(grouped) > 1 and model.stage(ctx.config.stage) != "operational":
        ids = [model.id_of(a) or f"#{i + 1}" for i, a in grouped]
        listed = ", ".join(ids[:_LISTED]) + (f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else "")
        yield Hit(("assumptions",), f"{len(ids)} assumptions are not validated: {listed}. Check each, then set "
                  "validated: true and add evidence (at the operational stage each is reported on its own)",
                  part="key", data={"assumptions": ids})
        return
    for i, a in pending:
        yield Hit(("assumptions", i), f"{model.label('assumptions', a, i)} is not validated: check it, then set "
                  "validated: true and add evidence", part="anchor",
                  data={"assumptions": [model.id_of(a)] if model.id_of(a) else []})


@rule("TM404", "warning", "Scope path matches no file",
      "A scope.paths pattern (a '!' pattern judged by its un-negated form) matches no file in the repository: it "
      "is misspelled or the code moved, so the gate no longer guards it.",
      reads=Reads(parts=("scope",)),
      why=("The gate blocks a commit only for code inside a model's scope; a pattern that matches nothing (a "
           "typo, moved code) means that code changes without anyone looking at the model."),
      fix=("Correct the pattern (gitignore syntax, relative to the repository root) or remove it. The "
           "examples assume a repository holding `services/pay/app.py`."),
      bad="""\
scope:
  paths: ["services/payment/**"]
""",
      good="""\
scope:
  paths: ["services/pay/**"]
""")
def dead_scope_pattern(model: Model, ctx):
    if ctx.repo_files is None:
        return
    paths = model.section("scope").get("paths")
    if not isinstance(paths, list):
        return
    for j, pattern in enumerate(paths):
        if not isinstance(pattern, str):
            continue
        positive = pattern[1:] if pattern.startswith("!") else pattern
        if not is_valid_pattern(positive):
            yield Hit(("scope", "paths", j), f"scope path '{pattern}' is not a valid gitignore-style pattern, so it "
                      "matches no file: fix the pattern or remove it")
        elif not pattern_matches_any(pattern, ctx.repo_files):
            yield Hit(("scope", "paths", j), f"scope path '{pattern}' matches no file in the repository: fix the pattern "
                      "or remove it")
