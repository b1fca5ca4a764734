"""Keystroke-to-diagnostics latency of `threatlint lsp` for every YAML layout x every place one types.

For each model size, layout (bench/layouts.py) and section, a fresh server opens the generated model and an
independent client (bench/lspclient.py) types one character per didChange into the middle item of that
section, waiting for each version's diagnostics. Besides wall-clock latency (which a loaded machine
inflates) it reports two load-independent figures: the server's CPU time per keystroke (from /proc) and,
from an in-process replay of the same keystrokes through the editor's checker, how many items the rules
judged per keystroke (`RuleCache.runs`) and how many chunks were parsed.

    python bench/editor.py                       # sizes 50 and 1000, every layout and section
    python bench/editor.py --sizes 1000 --layouts indented zero-indented --keystrokes 20
    python bench/editor.py --markdown table.md   # also write the table as Markdown
    python bench/editor.py --hints --sizes 1000 --layouts indented   # inlay-hint requests instead
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import lspclient  # noqa: E402
from layouts import LAYOUTS, layout  # noqa: E402

TODAY = "2026-11-23"
SECTIONS = {  # where one types: (top-level key, the item's field; None for a mapping section)
    "threat": ("threats", "description"),
    "element": ("elements", "name"),
    "flow": ("flows", "protocol"),
    "asset": ("assets", "name"),
    "mitigation": ("mitigations", "title"),
    "system": ("system", "description"),
    "review": ("review", "reviewers"),
}
BUDGET_MS = {50: 10.0, 1000: 50.0}  # the p95 the editor must meet (docs/performance.md, "The editor")


def model_text(n: int, name: str) -> str:
    text = generate.generate_model(n).text
    # The generator writes no reviewers; one is typed into here.
    text = text.replace("  cadence_days: 90\n", "  cadence_days: 90\n  reviewers: [appsec-team]\n", 1)
    return layout(text, name)


def place(text: str, section: str) -> tuple[int, int]:
    """(line, character) inside the text of the field where typing goes: the middle item of the section."""
    from threatlint.engine import parse_yaml
    from threatlint.engine.locate import locate

    key, field = SECTIONS[section]
    doc = parse_yaml(text)
    value = doc.data[key]
    if isinstance(value, list):
        path = (key, len(value) // 2, field)
    else:
        path = (key, field, 0) if isinstance(value.get(field), list) else (key, field)
    r = locate(doc.pos, path)
    line = text.split("\n")[r.start.line]
    col = r.start.character
    if line[col:col + 1] in "\"'":
        col += 1
    if line[col:col + 2] in (">-", "|-", ">", "|") or not line[col:].strip():
        return r.start.line + 1, len(text.split("\n")[r.start.line + 1])  # a folded text: its first line
    word = 4 if line[col:col + 4].isalpha() else 1
    return r.start.line, col + word  # inside the first word: every layout keeps it a string


def replay(text: str, line: int, char: int, keystrokes: int, word: str, warmup: int = 3) -> dict:
    """The same keystrokes through the editor's checker in this process: work counters and CPU per keystroke."""
    from threatlint.engine.context import CheckContext
    from threatlint.lsp.checker import DocumentChecker

    ctx = CheckContext(today=date.fromisoformat(TODAY))
    checker = DocumentChecker()
    lines = text.split("\n")
    checker.check(text, ctx)
    judged, chunks, cpu = [], [], []
    for k in range(warmup + keystrokes):
        lines[line] = lines[line][:char + k] + word[k % len(word)] + lines[line][char + k:]
        runs_before = sum(checker.caches.rules.runs.values())
        parses_before = checker.parser.chunk_parses + checker.parser.full_parses
        t = time.process_time()
        checker.check("\n".join(lines), ctx)
        if k >= warmup:
            cpu.append((time.process_time() - t) * 1000)
            judged.append(sum(checker.caches.rules.runs.values()) - runs_before)
            chunks.append(checker.parser.chunk_parses + checker.parser.full_parses - parses_before)
    if not cpu:
        return {}
    return {"judged_per_key": statistics.median(judged), "parses_per_key": statistics.median(chunks),
            "full_parses": checker.parser.full_parses, "inproc_cpu_ms": statistics.median(cpu)}


def instructions_per_key(n: int, name: str, section: str, keystrokes: int = 10) -> float | None:
    """Instructions the editor's checker executes per keystroke (valgrind's callgrind, in a child process):
    the difference between replaying `keystrokes` keys and replaying none, divided by `keystrokes`. Unlike
    time, the count does not depend on what else the machine runs. None when valgrind is missing."""
    import re
    import subprocess

    if shutil.which("valgrind") is None:
        return None
    counts = []
    for keys in (keystrokes, 0):
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                               str(Path(__file__)), "--replay", str(n), name, section, str(keys)],
                              capture_output=True, text=True, check=True)
        m = re.search(r"Collected : (\d+)", proc.stderr)
        counts.append(int(m.group(1)))
    return (counts[0] - counts[1]) / keystrokes


def _replay_main(n: int, name: str, section: str, keys: int) -> None:
    text = model_text(n, name)
    line, char = place(text, section)
    replay(text, line, char, keys, " and then replays it", warmup=3)


def hint_latency(n: int, name: str, requests: int = 10, lines: int = 60) -> dict:
    """Wall time of `textDocument/inlayHint` for `lines` lines in the middle of the model, in a fresh server:
    asked again on the same version of the text (a scroll) and asked once after each keystroke typed into the
    middle threat (a new version, its diagnostics already published), ms; with the server's CPU per request."""
    text = model_text(n, name)
    line, char = place(text, "threat")
    with tempfile.TemporaryDirectory(prefix="threatlint-hints-bench-") as tmp:
        path = Path(tmp) / "model.threatmodel.yaml"
        path.write_text(text, encoding="utf-8")
        uri = path.resolve().as_uri()
        env = dict(os.environ, THREATLINT_TODAY=TODAY)
        client = lspclient.LspClient([shutil.which("threatlint") or "threatlint", "lsp"], cwd=tmp, env=env)

        def published(version):
            return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                              and m["params"]["uri"] == uri and m["params"].get("version") == version)

        def ask() -> tuple[float, int]:
            first = len(text.split("\n")) // 2
            t = time.perf_counter()
            got = client.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
                "start": {"line": first, "character": 0}, "end": {"line": first + lines, "character": 0}}})
            return (time.perf_counter() - t) * 1000, len(got or [])
        try:
            client.initialize(Path(tmp))
            client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                    "text": text}})
            client.wait(published(1), 120)
            ask()  # the first request builds what the next ones reuse
            cpu = client.cpu_ms()
            same = [ask() for _ in range(requests)]
            same_cpu = (client.cpu_ms() - cpu) / requests if cpu is not None else None
            after, hints = [], same[0][1]
            for k in range(requests):
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [
                    {"range": {"start": {"line": line, "character": char + k}, "end": {"line": line, "character": char + k}},
                     "text": "x"}]})
                client.wait(published(k + 2), 120)
                after.append(ask()[0])
        finally:
            client.shutdown()
    return {"threats": n, "layout": name, "lines": lines, "hints": hints,
            "same_version_ms": statistics.median(ms for ms, _ in same), "after_edit_ms": statistics.median(after),
            "same_version_server_cpu_ms": same_cpu}


def p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def run_one(n: int, name: str, section: str, keystrokes: int) -> dict:
    from threatlint.engine import CheckContext, check_text

    text = model_text(n, name)
    line, char = place(text, section)
    word = " and then replays it"
    with tempfile.TemporaryDirectory(prefix="threatlint-editor-bench-") as tmp:
        path = Path(tmp) / "model.threatmodel.yaml"
        path.write_text(text, encoding="utf-8")
        env = dict(os.environ, THREATLINT_TODAY=TODAY)
        typing = lspclient.type_at([shutil.which("threatlint") or "threatlint", "lsp"], path, line, char,
                                   keystrokes=keystrokes, root=Path(tmp), env=env, word=word)
    lat = [k.latency_ms for k in typing.keystrokes]
    want = sorted((f.rule, f.range.start.line, f.range.start.character)
                  for f in check_text(typing.final_text, CheckContext(today=date.fromisoformat(TODAY))))
    got = sorted((str(d.get("code")), d["range"]["start"]["line"], d["range"]["start"]["character"])
                 for d in typing.final_diagnostics)
    row = {"threats": n, "layout": name, "section": section, "keystrokes": len(lat),
           "p95_ms": p95(lat), "median_ms": statistics.median(lat), "max_ms": max(lat),
           "server_cpu_ms_per_key": typing.cpu_ms / len(lat) if typing.cpu_ms is not None else None,
           "diagnostics_match_check": want == got}
    row.update(replay(text, line, char, keystrokes, word))
    return row


def render(rows: list[dict]) -> str:
    ins = any(r.get("instructions_per_key") for r in rows)
    out = ["| threats | layout | typing in | p95 ms | median ms | server CPU ms/key | in-process CPU ms/key "
           + ("| M instructions/key " if ins else "") + "| items judged/key | chunks parsed/key | within budget | = fresh check |",
           "|---:|---|---|---:|---:|---:|---:|" + ("---:|" if ins else "") + "---:|---:|---|---|"]
    for r in rows:
        budget = BUDGET_MS.get(r["threats"])
        ok = "" if budget is None else ("yes" if r["p95_ms"] <= budget else f"**no** (> {budget:g})")
        cpu = f"{r['server_cpu_ms_per_key']:.1f}" if r["server_cpu_ms_per_key"] is not None else "-"
        out.append(f"| {r['threats']} | {r['layout']} | {r['section']} | {r['p95_ms']:.1f} | {r['median_ms']:.1f} | {cpu} "
                   f"| {r['inproc_cpu_ms']:.1f} "
                   + (f"| {r['instructions_per_key'] / 1e6:.1f} " if ins and r.get("instructions_per_key") else "| - " if ins else "")
                   + f"| {r['judged_per_key']:g} | {r['parses_per_key']:g} | {ok} "
                   f"| {'yes' if r['diagnostics_match_check'] else '**no**'} |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[50, 1000])
    p.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS))
    p.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    p.add_argument("--keystrokes", type=int, default=15)
    p.add_argument("--output", type=Path, default=BENCH / "work" / "editor.json")
    p.add_argument("--markdown", type=Path)
    p.add_argument("--instructions", action="store_true",
                   help="also count instructions per keystroke with valgrind (slow: minutes per row at 1,000 threats)")
    p.add_argument("--hints", action="store_true",
                   help="measure inlay-hint requests (60 lines in the middle of the model) instead of keystrokes")
    p.add_argument("--replay", nargs=4, metavar=("N", "LAYOUT", "SECTION", "KEYS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.replay:
        _replay_main(int(args.replay[0]), args.replay[1], args.replay[2], int(args.replay[3]))
        return 0
    if args.hints:
        print(f"load average before the run: {os.getloadavg()}, cores: {os.cpu_count()}")
        for n in args.sizes:
            for name in args.layouts:
                r = hint_latency(n, name)
                cpu = r["same_version_server_cpu_ms"]
                print(f"{n:>5} {name:<24} inlayHint, {r['lines']} lines ({r['hints']} hints): same version median "
                      f"{r['same_version_ms']:.1f} ms (server CPU {cpu if cpu is None else round(cpu, 1)} ms), after an edit "
                      f"median {r['after_edit_ms']:.1f} ms", flush=True)
        return 0
    rows = []
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    for n in args.sizes:
        for name in args.layouts:
            for section in args.sections:
                row = run_one(n, name, section, args.keystrokes)
                if args.instructions:
                    row["instructions_per_key"] = instructions_per_key(n, name, section)
                rows.append(row)
                print(f"{n:>5} {name:<14} {section:<10} p95 {row['p95_ms']:7.1f} ms  median {row['median_ms']:7.1f} ms  "
                      f"judged/key {row['judged_per_key']:g}", flush=True)
    table = render(rows)
    print()
    print(f"load average before the run: {load}, cores: {os.cpu_count()}")
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"load_before": load, "cores": os.cpu_count(), "rows": rows}, indent=1))
    if args.markdown:
        args.markdown.write_text(table + "\n")
    return 0 if all(r["diagnostics_match_check"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
