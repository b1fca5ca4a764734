"""The portfolio as terminal text: models most at risk first, then each repository's release cycles (pure)."""
from __future__ import annotations


def cycles_text(kind: str, tags: list[str], cycles: list[dict]) -> list[str]:
    if not cycles:
        return []
    head = (f"Per release (tags {', '.join(tags)})" if kind == "releases"
            else f"Per month (no tag matches {', '.join(tags)})")
    out = [head, "  cycle            ends        open C/H/M/L  open  residual  implemented  median days  validated  disproven"]
    for c in cycles:
        o = c["open"]
        counts = "/".join(str(o.get(p, 0)) for p in ("critical", "high", "medium", "low"))
        med = "—" if c["median_days_to_mitigate"] is None else f"{c['median_days_to_mitigate']:g}"
        out.append(f"  {c['name'][:16]:<16} {c['end'] or 'open':<11} {counts:<13} {c['open_score']:>4}  {c['residual_score']:>8}"
                   f"  {c['implemented']:>11}  {med:>11}  {c['validated']:>9}  {c['disproven']:>9}")
    return out + [""]


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def review_text(r: dict) -> str:
    if r["due"] is None:
        return "no review.last_reviewed/cadence_days"
    if r["overdue"]:
        return f"due {r['due']}, OVERDUE by {r['days_overdue']} day{'s' if r['days_overdue'] != 1 else ''}"
    return f"due {r['due']} ({r['freshness']})"


def model_text(n: int, m: dict) -> list[str]:
    head = f"{n}. {m['repository']}  {m['path']}" + (f" — {m['system']}" if m["system"] else "")
    stage = m["stage"] or "not set (no review.stage)"
    out = [head, f"   owner {m['owner'] or 'not given'}, champion {m['champion'] or 'not given'}, stage {stage}"]
    out += [f"   problem       {p}" for p in m["problems"]]
    out.append("   open threats  " + ", ".join(f"{k} {v}" for k, v in m["open_threats"].items()))
    code = ("code changed after the model" + (f" ({m['last_code_change']} vs {m['last_model_change'] or 'never committed'})")
            if m["code_changed_since_model"] else "model up to date with its code")
    out.append(f"   review        {review_text(m['review'])}; {code}")
    if m["expired_acceptances"]:
        out.append(f"   acceptances   {len(m['expired_acceptances'])} expired: {', '.join(m['expired_acceptances'])}")
    a = m["assumptions"]
    out.append(f"   assumptions   {a['unvalidated']} unvalidated, {a['disproven']} disproven, {a['validated']} validated")
    if m["drift"] is not None:
        out.append(f"   drift         {m['drift']} finding{'s' if m['drift'] != 1 else ''}")
    else:
        out.append("   drift         n/a (the model does not parse)")
    return out


def render(report: dict) -> str:
    out = [f"Portfolio: {plural(len(report['models']), 'model')} in {plural(len(report['repositories']), 'repository')}, "
           f"most at risk first (today {report['today']})", ""]
    for n, m in enumerate(report["models"], 1):
        out += model_text(n, m) + [""]
    for r in report["repositories"]:
        if r["error"]:
            out.append(f"{r['path']}: NOT READ: {r['error']}")
            continue
        out.append(f"{r['name']}  ({r['root']}, {plural(r['commits'], 'commit')}, {plural(r['models'], 'model')})")
        out += [f"  warning: {w}" for w in r["warnings"]]
        out += ["  " + line if line else "" for line in cycles_text(r["cycle_kind"], r["release_tags"], r["cycles"])]
    failed = sum(1 for r in report["repositories"] if r["error"])
    if failed:
        out.append(f"{plural(failed, 'repository')} could not be read.")
    return "\n".join(out).rstrip() + "\n"
