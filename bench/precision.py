"""Precision of the default findings on models other people wrote (tests/corpus, docs/precision.md).

Runs a build of threatlint over every model in tests/corpus with the default configuration and a fixed
today, matches each finding to the model's judgment table (tests/corpus/<model>/judgment.yaml) and prints,
per rule and in total, how many findings a reviewer judged actionable, wrong or noise, and how many are not
judged yet. It also lists the findings not judged yet and the findings judged actionable on the baseline
build that the build no longer reports (neither as they were nor named inside a grouped finding).

    .venv/bin/python bench/precision.py               # the build installed in this environment
    .venv/bin/python bench/precision.py --rev 5280a50 # another revision of this repository (git archive)
    .venv/bin/python bench/precision.py --markdown    # the table as docs/precision.md shows it

A finding is matched by a key that survives a rule rewording its message: the rule, the item it sits on
(section and id, e.g. `elements/web-app`, not its list index) and a short subject (the STRIDE category of
TM101, the catalog entry of TM106, the key of TM002, or nothing when a rule reports an item once).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections import Counter, defaultdict
from datetime import date
from io import BytesIO
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
TODAY = date(2026, 12, 3)
VERDICTS = ("actionable", "wrong", "noise")
ITEM_SECTIONS = ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "assumptions", "exemptions")


# ---------------------------------------------------------------------------------------------- collecting
def model_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted(corpus.glob("*/*.threatmodel.yaml"))


def collect(corpus: Path = CORPUS) -> list[dict]:
    """Every default finding of the importable threatlint on every corpus model, as plain dicts."""
    from threatlint.engine import check_bytes
    from threatlint.engine.context import CheckContext

    out = []
    for path in model_files(corpus):
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
        for f in check_bytes(raw, CheckContext(today=TODAY)):
            out.append({"model": path.parent.name, "file": path.name, "rule": f.rule, "severity": f.severity.value,
                        "message": f.message, "line": f.range.start.line + 1, "path": list(f.path),
                        "data": _plain(f.data), "anchor": anchor(data, f.path)})
    return out


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def anchor(data, path) -> str:
    """The item a finding sits on, by id: `elements/web-app`, `review/last_reviewed`, `(document)`."""
    path = list(path)
    if not path:
        return "(document)"
    section = path[0]
    if section in ITEM_SECTIONS and len(path) > 1 and isinstance(path[1], int):
        items = data.get(section) if isinstance(data, dict) else None
        item = items[path[1]] if isinstance(items, list) and 0 <= path[1] < len(items) else None
        if isinstance(item, dict):
            ident = item.get("element") if section == "exemptions" else item.get("id")
            if isinstance(ident, (str, int)):
                return f"{section}/{ident}"
        return f"{section}/#{path[1]}"
    return "/".join(str(p) for p in path[:2])


def subject(finding: dict) -> str:
    data = finding.get("data") or {}
    rule = finding["rule"]
    if rule == "TM106" and isinstance(data.get("catalog"), str):
        return data["catalog"]
    if rule == "TM101" and isinstance(data.get("category"), str):
        return data["category"]
    if rule in ("TM001", "TM002"):
        quoted = re.search(r"'([^']+)'", finding["message"])
        if quoted:
            return quoted.group(1)
        return ".".join(str(p) for p in finding["path"][2:]) or "(item)"
    return ""


STRIDE = ("spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service", "elevation_of_privilege")


def named(finding: dict) -> list[str]:
    """The subjects a grouped finding names (catalog entries of TM106, categories of TM101, the ids of the
    assumptions TM403 reports), in order."""
    data, text = finding.get("data") or {}, finding["message"]
    if finding["rule"] == "TM106":
        entries = data.get("entries")
        if isinstance(entries, list) and entries:  # the message may name only the first few
            return [e["catalog"] for e in entries if isinstance(e, dict) and isinstance(e.get("catalog"), str)]
        return list(dict.fromkeys(re.findall(r"CT-[A-Z]-\d{3}", text)))
    if isinstance(data.get("assumptions"), list):  # TM403: the assumptions it reports, by id
        return [a for a in data["assumptions"] if isinstance(a, str)]
    if finding["rule"] == "TM402":  # one per threat at the design stage, naming its untracked mitigations
        return [m for m in data.get("mitigations") or [] if isinstance(m, str)]
    if finding["rule"] == "TM101":
        categories = data.get("categories")
        if isinstance(categories, list) and categories:
            return [c for c in categories if isinstance(c, str)]
        return [c for c in STRIDE if re.search(rf"(?<![\w-]){c}(?![\w-])", text)]
    return []


def keyed(findings: list[dict]) -> list[dict]:
    """Give each finding its key; two findings that would share one get #2, #3 in line order."""
    seen: Counter = Counter()
    for f in sorted(findings, key=lambda f: (f["model"], f["line"], f["rule"], f["message"])):
        base = " ".join(p for p in (f["rule"], f["anchor"], subject(f)) if p)
        seen[(f["model"], base)] += 1
        n = seen[(f["model"], base)]
        f["key"] = base if n == 1 else f"{base} #{n}"
        if not subject(f):
            f["names"] = named(f)
    return findings


def collect_rev(rev: str) -> list[dict]:
    """Findings of another revision of this repository, run from a `git archive` of it in a fresh interpreter.

    `-S` keeps the editable install of this checkout (a .pth hook) out of the child, so that it imports the
    archived package, with the archived schema copied where the installed package would find it.
    """
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "server", "schemas"],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="threatlint-rev-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        server = Path(tmp) / "server"
        schemas = server / "threatlint" / "schemas"
        if not schemas.exists():
            schemas.mkdir()
            for f in (Path(tmp) / "schemas").iterdir():
                (schemas / f.name).write_bytes(f.read_bytes())
            (schemas / "__init__.py").touch()
        paths = sysconfig.get_paths()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(server), paths["purelib"], paths["platlib"]])}
        run = subprocess.run([sys.executable, "-S", str(Path(__file__).resolve()), "--collect", "--corpus", str(CORPUS)],
                             check=True, capture_output=True, text=True, env=env, cwd=tmp)
        return json.loads(run.stdout)


# ---------------------------------------------------------------------------------------------- judging
def load_judgments(corpus: Path = CORPUS) -> dict[str, dict[str, dict]]:
    """{model: {key: {verdict, reason, before}}} from each model's judgment.yaml."""
    out = {}
    for path in sorted(corpus.glob("*/judgment.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[path.parent.name] = doc.get("findings") or {}
    return out


def parse_key(key: str) -> tuple[str, str, str]:
    parts = key.split(" #")[0].split(" ", 2)
    return parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""


def mentions(finding: dict, subject_: str) -> bool:
    if not subject_:
        return True
    text = finding["message"] + " " + json.dumps(finding.get("data") or {})
    return re.search(rf"(?<![\w-]){re.escape(subject_)}(?![\w-])", text) is not None


# A rating the schema required (TM002 "missing required key 'priority'") is asked for by TM307 ("not rated: the
# priority scheme needs priority") once the rating scheme is configurable: the same finding under its new rule.
SUCCESSORS = {"TM002": ("TM307",)}


def still_reported(key: str, findings: list[dict]) -> bool:
    """A judged finding is still reported: under its key, or named inside a finding on the same item by the
    same rule (one TM101 naming every missing category, one TM106 naming every catalog entry), or, for a finding
    on one item, named by id inside a grouped finding of the same rule (one TM403 on `assumptions` naming the
    assumptions not validated; one TM402 per threat naming its untracked mitigations)."""
    rule, anchor_, subject_ = parse_key(key)
    item = anchor_.partition("/")[2]
    ident = item if item and not subject_ else None
    for f in findings:
        if f["key"] == key:
            return True
        if f["rule"] == rule and f["anchor"] == anchor_ and mentions(f, subject_):
            return True
        if ident is not None and f["rule"] == rule and ident in (f.get("names") or ()):
            return True
        if f["rule"] in SUCCESSORS.get(rule, ()) and subject_ and f["anchor"] == anchor_ and mentions(f, subject_):
            return True
        if not subject_ and f["anchor"] == anchor_ and rule in ((f.get("data") or {}).get("also") or ()):
            return True  # one finding per cause names the other rule's gap (TM202 naming TM201's missing path)
    return False


def regrouped_key(key: str, names) -> str:
    """The key of a grouped finding's judgment for another set of subjects than its key's judgment names:
    `TM106 elements/web [CT-D-001, CT-T-007]`, so that a baseline judgment is never rewritten."""
    return f"{key} [{', '.join(sorted(names))}]"


def judge(findings: list[dict], judgments: dict[str, dict[str, dict]]) -> list[dict]:
    """Attach each finding's verdict. A grouped finding is judged for the subjects it named when judged
    (`names`): once it names others, it takes the judgment of its key for those subjects (`regrouped_key`), and
    counts as not judged until there is one."""
    for f in findings:
        table = judgments.get(f["model"], {})
        j = table.get(f["key"])
        if isinstance(j, dict) and "names" in j and sorted(j["names"]) != sorted(f.get("names") or []):
            j = table.get(regrouped_key(f["key"], f.get("names") or []))
        f["verdict"] = j.get("verdict") if isinstance(j, dict) else None
        f["reason"] = j.get("reason") if isinstance(j, dict) else None
    return findings


def lost_actionable(findings: list[dict], judgments: dict[str, dict[str, dict]]) -> list[tuple[str, str]]:
    """(model, key) of every baseline finding judged actionable that the build no longer reports."""
    by_model = defaultdict(list)
    for f in findings:
        by_model[f["model"]].append(f)
    lost = []
    for model, table in judgments.items():
        for key, j in table.items():
            if isinstance(j, dict) and j.get("before") and j.get("verdict") == "actionable":
                if not still_reported(key, by_model[model]):
                    lost.append((model, key))
    return lost


def returned_wrong(findings: list[dict], judgments: dict[str, dict[str, dict]]) -> list[tuple[str, str]]:
    """(model, key) of every baseline finding judged wrong that the build reports again (under its key or named
    inside a grouped finding). Wrong findings new in a later build count against the wrong share instead."""
    by_model = defaultdict(list)
    for f in findings:
        by_model[f["model"]].append(f)
    back = []
    for model, table in judgments.items():
        for key, j in table.items():
            if not (isinstance(j, dict) and j.get("before") and j.get("verdict") == "wrong"):
                continue
            if isinstance(j.get("names"), list) and j["names"]:
                # a grouped finding judged wrong as a group is back when a finding of that rule on that item names
                # every subject it named; one that names fewer is another finding, judged on its own
                rule, anchor_, _ = parse_key(key)
                if any(f["rule"] == rule and f["anchor"] == anchor_ and set(j["names"]) <= set(f.get("names") or ())
                       for f in by_model[model]):
                    back.append((model, key))
            elif still_reported(key, by_model[model]):
                back.append((model, key))
    return back


# ---------------------------------------------------------------------------------------------- reporting
def tally(findings: list[dict], by: str = "rule") -> dict[str, Counter]:
    rows: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        verdict = f["verdict"] if f["verdict"] in VERDICTS else "unjudged"
        rows[f[by]][verdict] += 1
        rows["total"][verdict] += 1
    return rows


def pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f} %" if total else "-"


def table(rows: dict[str, Counter], markdown: bool = False, by: str = "rule") -> str:
    head = (by, "findings", "actionable", "wrong", "noise", "unjudged", "actionable %", "wrong %", "noise %")
    lines = []
    for rule in sorted(r for r in rows if r != "total") + ["total"]:
        c = rows.get(rule, Counter())
        total = sum(c.values())
        lines.append((rule, str(total), str(c["actionable"]), str(c["wrong"]), str(c["noise"]), str(c["unjudged"]),
                      pct(c["actionable"], total), pct(c["wrong"], total), pct(c["noise"], total)))
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|"]
        out += ["| " + " | ".join(f"**{x}**" if line[0] == "total" else x for x in line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(head[i]), *(len(line[i]) for line in lines)) for i in range(len(head))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt(head)] + [fmt(line) for line in lines])


def totals(findings: list[dict]) -> dict[str, float]:
    """Shares of all findings (unjudged ones count as neither actionable nor wrong)."""
    c = tally(findings)["total"]
    n = sum(c.values())
    return {"findings": n, **{v: (c[v] / n if n else 0.0) for v in (*VERDICTS, "unjudged")},
            "unjudged_count": c["unjudged"]}


def evaluate(rev: str | None = None, corpus: Path = CORPUS) -> tuple[list[dict], dict]:
    findings = collect_rev(rev) if rev else collect(corpus)
    judgments = load_judgments(corpus)
    return judge(keyed(findings), judgments), judgments


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rev", help="git revision to measure instead of the installed build")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--json", action="store_true", help="print every finding with its key and verdict as JSON")
    p.add_argument("--collect", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--corpus", default=str(CORPUS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.collect:
        json.dump(collect(Path(args.corpus)), sys.stdout)
        return 0
    findings, judgments = evaluate(args.rev)
    if args.json:
        json.dump(findings, sys.stdout, indent=1)
        return 0
    print(f"{len(findings)} default findings on {len(model_files())} models "
          f"({'revision ' + args.rev if args.rev else 'installed build'}, today {TODAY.isoformat()})\n")
    print(table(tally(findings), markdown=args.markdown))
    print()
    print(table(tally(findings, by="model"), markdown=args.markdown, by="model"))
    unjudged = [f for f in findings if f["verdict"] not in VERDICTS]
    if unjudged:
        print(f"\nNot judged yet ({len(unjudged)}):")
        for f in unjudged:
            print(f"  {f['model']}: {f['key']}  -- {f['message'][:110]}")
    lost = lost_actionable(findings, judgments)
    print(f"\nBaseline findings judged actionable and no longer reported: {len(lost)}")
    for model, key in lost:
        print(f"  {model}: {key}")
    back = returned_wrong(findings, judgments)
    print(f"Baseline findings judged wrong and reported again: {len(back)}")
    for model, key in back:
        print(f"  {model}: {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
