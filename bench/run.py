"""threatlint benchmarks: editor latency, check and gate throughput, against what users would run instead.

    python bench/run.py                  # everything, all sizes (several minutes on a 2-core machine)
    python bench/run.py --quick          # sizes 10 and 100, one repetition: a smoke run
    python bench/run.py --only check --sizes 1000

Prints a table and writes bench/results.json. Wall-clock numbers depend on
the machine's load; CPU times (user+sys of the measured process) are printed
next to them and are what the in-process ratios use, because a shared CI box
makes wall time noisy while CPU time of a single-threaded run is stable.
Targets are reported, never asserted.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import lspclient  # noqa: E402
import pytm_model  # noqa: E402

TODAY = "2026-11-23"
SCHEMA = ROOT / "schemas" / "threatmodel.schema.json"
BIN = Path(sys.executable).parent
TARGETS = {
    "lsp_p95_ms_at_1000": 50.0,
    "lsp_p95_ms_at_50": 10.0,
    "check_vs_floor_ratio": 1.5,
    "gate_ms": 300.0,
    "server_rss_mb_at_5000": 200.0,
}


def tool(name: str) -> str:
    """A console script of this interpreter's environment (the venv's threatlint, check-jsonschema)."""
    p = BIN / name
    return str(p) if p.exists() else (shutil.which(name) or name)


# -- timing primitives ------------------------------------------------------------------------------------------
def time_call(fn, reps: int) -> dict:
    """Median wall and CPU seconds of `reps` calls of fn() in this process, plus every run."""
    walls, cpus = [], []
    result = None
    for _ in range(max(1, reps)):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "walls": walls, "cpus": cpus,
            "result": result}


def run_cmd(cmd: list[str], cwd=None, env=None) -> dict:
    """Run a command to completion: wall seconds, CPU seconds of the child (user+sys), exit code, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def time_cmd(cmd: list[str], reps: int, cwd=None, env=None) -> dict:
    runs = [run_cmd(cmd, cwd, env) for _ in range(max(1, reps))]
    return {"wall": statistics.median(r["wall"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "walls": [r["wall"] for r in runs], "rc": runs[-1]["rc"], "stdout": runs[-1]["stdout"],
            "stderr": runs[-1]["stderr"]}


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


# -- check: engine vs the C loader vs check-jsonschema vs pytm ----------------------------------------------------
def check_row(n: int, path: Path, reps: int, sub_reps: int, slow_reps: int, tools=("cli", "cjs", "pytm")) -> dict:
    from threatlint.engine import CheckContext, check_bytes, parse_yaml
    from threatlint.engine.check import run_rules
    from threatlint.engine.model import Model
    from threatlint.engine.schema import fast_validator, schema_issues
    import yaml

    raw = path.read_bytes()
    text = raw.decode("utf-8")
    ctx = CheckContext(today=date.fromisoformat(TODAY))
    fast_validator()  # compiled once per process, like the server does; not part of a check
    check_bytes(generate.generate_model(10).text.encode(), ctx)  # first-use imports and the catalog load, likewise
    row = {"threats": n, "file": str(path), "bytes": len(raw), "lines": text.count("\n")}

    row["floor"] = _strip(time_call(lambda: yaml.load(text, Loader=yaml.CSafeLoader), reps))
    engine = time_call(lambda: check_bytes(raw, ctx), reps)
    findings = engine["result"]
    row["engine"] = _strip(engine)
    row["findings"] = len(findings)
    row["schema_or_syntax_errors"] = sum(f.rule in ("TM001", "TM002") for f in findings)
    doc = parse_yaml(text)
    row["parse"] = _strip(time_call(lambda: parse_yaml(text), reps))
    row["schema"] = _strip(time_call(lambda: schema_issues(doc.data), reps))
    row["rules"] = _strip(time_call(lambda: _paused(lambda: run_rules(Model(doc), ctx)), reps))  # as check runs them
    row["engine_vs_floor"] = row["engine"]["cpu"] / row["floor"]["cpu"]

    env = dict(os.environ, THREATLINT_TODAY=TODAY)
    if "cli" in tools:
        cli = time_cmd([tool("threatlint"), "check", "--format", "json", str(path)], sub_reps, cwd=path.parent, env=env)
        row["cli"] = _strip(cli)
        floor_cmd = [sys.executable, "-c", "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8').read(), "
                     "Loader=yaml.CSafeLoader)", str(path)]
        row["cli_floor"] = _strip(time_cmd(floor_cmd, sub_reps))
        row["cli_vs_floor"] = row["cli"]["wall"] / row["cli_floor"]["wall"]
    if "cjs" in tools:
        cjs = time_cmd([tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(path)], slow_reps)
        row["check_jsonschema"] = _strip(cjs)
        if "cli" in tools:
            row["check_jsonschema_vs_cli"] = cjs["wall"] / row["cli"]["wall"]
    if "pytm" in tools:
        model = generate.build_model(n)
        import pytm  # noqa: F401  (import time is not the evaluation's)
        runs = [pytm_model.time_pytm(model) for _ in range(max(1, slow_reps))]
        row["pytm"] = {"build_wall": statistics.median(r["build_wall"] for r in runs),
                       "build_cpu": statistics.median(r["build_cpu"] for r in runs),
                       "wall": statistics.median(r["eval_wall"] for r in runs),
                       "cpu": statistics.median(r["eval_cpu"] for r in runs),
                       "findings": runs[-1]["findings"]}
        row["pytm_vs_engine"] = row["pytm"]["cpu"] / row["engine"]["cpu"]
    return row


def _paused(fn):
    from threatlint.engine.check import _gc_paused

    with _gc_paused():
        return fn()


def _strip(timing: dict) -> dict:
    """What goes into results.json: times and exit code, not the outputs."""
    out = {k: v for k, v in timing.items() if k in ("wall", "cpu", "walls", "cpus", "rc")}
    if timing.get("rc") not in (None, 0, 1):
        out["stderr"] = timing.get("stderr", b"").decode("utf-8", "replace")[-500:]
    return out


# -- the language server -----------------------------------------------------------------------------------------
def lsp_available() -> bool:
    try:
        from threatlint.cli import COMMANDS
    except ImportError:
        return False
    return "lsp" in COMMANDS


SERVERS = {
    "threatlint lsp": lambda: [tool("threatlint"), "lsp"],
    # The baseline: full check_text per change (bench/naive_server.py).
    "naive full re-check": lambda: [sys.executable, str(BENCH / "naive_server.py")],
}


def lsp_row(n: int, path: Path, keystrokes: int, server: str = "threatlint lsp") -> dict:
    """Latency of typing into a threat, over stdio, in a fresh server process (`threatlint lsp` or the baseline).

    The model is copied outside any git repository so the server's diagnostics depend on the text alone and can
    be compared with a fresh `check` of the final text.
    """
    from threatlint.engine import CheckContext, check_text

    with tempfile.TemporaryDirectory(prefix="threatlint-bench-") as tmp:
        local = Path(tmp) / path.name
        shutil.copyfile(path, local)
        env = dict(os.environ, THREATLINT_TODAY=TODAY)
        session = lspclient.measure(SERVERS[server](), local, keystrokes=keystrokes, root=Path(tmp), env=env)
    lat = [k.latency_ms for k in session.keystrokes]
    expected = check_text(session.final_text, CheckContext(today=date.fromisoformat(TODAY)))
    want = sorted((f.rule, f.range.start.line, f.range.start.character) for f in expected)
    got = sorted((str(d.get("code")), d["range"]["start"]["line"], d["range"]["start"]["character"])
                 for d in session.final_diagnostics)
    return {"server": server, "threats": n, "open_ms": session.open_ms, "keystrokes": len(lat), "median_ms": statistics.median(lat),
            "p95_ms": p95(lat), "max_ms": max(lat), "latencies_ms": lat,
            "rss_mb": session.rss_kb / 1024 if session.rss_kb else None,
            "peak_rss_mb": session.hwm_kb / 1024 if session.hwm_kb else None,
            "diagnostics_match_check": want == got, "diagnostics": len(got), "check_findings": len(want)}


# -- the gate ----------------------------------------------------------------------------------------------------
def gate_row(repo: Path, staged: list[str], reps: int) -> dict:
    from threatlint.gate import Options, run_gate
    from threatlint.engine.finding import Severity

    opts = Options(files=tuple(staged), base=None, today=date.fromisoformat(TODAY), fail_on=Severity.ERROR,
                   cwd=str(repo))
    inproc = time_call(lambda: run_gate(opts), reps)
    outcome = inproc["result"]
    # Cold: every model read (as on the first run, or after all of them changed). Warm: the scopes of
    # unchanged models come from the cache the previous run left in .git, as on every later commit.
    cold = time_cmd([tool("threatlint"), "gate", "--no-cache", "--today", TODAY, *staged], reps, cwd=repo)
    cli = time_cmd([tool("threatlint"), "gate", "--today", TODAY, *staged], reps, cwd=repo)
    git_floor = time_cmd(["git", "diff", "--cached", "--name-status", "-z"], reps, cwd=repo)
    return {"files": sum(1 for _ in _tracked(repo)), "staged": len(staged), "in_process": _strip(inproc),
            "cli": _strip(cli), "cli_no_cache": _strip(cold), "git_diff_cached": _strip(git_floor), "exit_code": outcome.code,
            "blocked_models": sum(1 for line in outcome.lines if "threatmodel" in line.split(":", 1)[0])}


def _tracked(repo: Path):
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True).stdout
    return (p for p in out.split(b"\0") if p)


# -- report ------------------------------------------------------------------------------------------------------
def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}"


def render(results: dict) -> str:
    out = []
    checks = results.get("check", [])
    if checks:
        out.append("check, in process (median; ms CPU, wall in brackets): engine check_bytes vs yaml.load(CSafeLoader)")
        out.append(f"{'threats':>7} {'KB':>6} {'lines':>7} | {'yaml.load':>15} {'check_bytes':>15} {'ratio':>6} |"
                   f" {'parse':>7} {'schema':>7} {'rules':>7} | {'pytm eval':>15} {'pytm/eng':>8}")
        for r in checks:
            py = r.get("pytm")
            out.append(f"{r['threats']:>7} {r['bytes'] / 1024:>6.0f} {r['lines']:>7} | "
                       f"{ms(r['floor']['cpu']):>6} ({ms(r['floor']['wall']):>6}) "
                       f"{ms(r['engine']['cpu']):>6} ({ms(r['engine']['wall']):>6}) {r['engine_vs_floor']:>5.2f}x | "
                       f"{ms(r['parse']['cpu']):>7} {ms(r['schema']['cpu']):>7} {ms(r['rules']['cpu']):>7} | "
                       + (f"{ms(py['cpu']):>6} ({ms(py['wall']):>6}) {r['pytm_vs_engine']:>7.2f}x" if py else f"{'-':>15} {'-':>8}"))
        if any("cli" in r for r in checks):
            out.append("")
            out.append("check as a subprocess (median wall ms, interpreter start-up included)")
            out.append(f"{'threats':>7} | {'python+yaml.load':>16} {'threatlint check':>16} {'ratio':>6} | "
                       f"{'check-jsonschema':>16} {'cjs/threatlint':>14}")
            for r in checks:
                if "cli" not in r:
                    continue
                cjs = r.get("check_jsonschema")
                out.append(f"{r['threats']:>7} | {ms(r['cli_floor']['wall']):>16} {ms(r['cli']['wall']):>16} "
                           f"{r['cli_vs_floor']:>5.2f}x | " + (f"{ms(cjs['wall']):>16} {r['check_jsonschema_vs_cli']:>13.2f}x"
                                                              if cjs else f"{'-':>16} {'-':>14}"))
    lsp = results.get("lsp")
    if lsp:
        out.append("")
        out.append("threatlint lsp over stdio: didChange (one character) to publishDiagnostics, ms wall")
        out.append(f"{'server':<20} {'threats':>7} | {'open':>8} {'keys':>5} {'median':>8} {'p95':>8} {'max':>8} | "
                   f"{'RSS MB':>7} {'peak MB':>7} | same as check")
        for r in lsp:
            if "error" in r:
                out.append(f"{r['server']:<20} {r['threats']:>7} | error: {r['error'][:100]}")
                continue
            out.append(f"{r['server']:<20} {r['threats']:>7} | {r['open_ms']:>8.0f} {r['keystrokes']:>5} {r['median_ms']:>8.1f} "
                       f"{r['p95_ms']:>8.1f} {r['max_ms']:>8.1f} | {r['rss_mb'] or 0:>7.0f} {r['peak_rss_mb'] or 0:>7.0f} | "
                       f"{'yes' if r['diagnostics_match_check'] else 'NO'}")
    if results.get("lsp_skipped"):
        out.append("")
        out.append(f"threatlint lsp: skipped ({results['lsp_skipped']})")
    gate = results.get("gate")
    if gate:
        out.append("")
        if "error" in gate:
            out.append(f"threatlint gate: error: {gate['error'][:200]}")
        else:
            out.append(f"threatlint gate: {gate['files']:,} files, {gate['staged']} staged, exit {gate['exit_code']} "
                       f"({gate['blocked_models']} models flagged)")
            if "cli_no_cache" in gate:
                out.append(f"  subprocess, --no-cache (every model read) {ms(gate['cli_no_cache']['wall'])} ms wall "
                           f"({ms(gate['cli_no_cache']['cpu'])} CPU)")
            out.append(f"  subprocess {ms(gate['cli']['wall'])} ms wall ({ms(gate['cli']['cpu'])} CPU); in process "
                       f"{ms(gate['in_process']['wall'])} ms wall ({ms(gate['in_process']['cpu'])} CPU); "
                       f"git diff --cached alone {ms(gate['git_diff_cached']['wall'])} ms")
    targets = results.get("targets", [])
    if targets:
        out.append("")
        out.append("targets")
        for t in targets:
            verdict = "n/a " if t["met"] is None else "met " if t["met"] else "MISSED"
            value = "-" if t["value"] is None else f"{t['value']:.2f}"
            out.append(f"  {verdict:<6} {t['name']}: {value} (target {t['op']} {t['target']})")
    return "\n".join(out)


def judge(results: dict) -> list[dict]:
    def at(rows, n, key):
        for r in rows or ():
            if r.get("threats") == n and key in r:
                return r[key]
        return None

    gate = results.get("gate") or {}
    checks = {r["threats"]: r for r in results.get("check", [])}
    headline = checks.get(1000) or (checks[max(checks)] if checks else None)
    ours = [r for r in results.get("lsp") or () if r.get("server") == "threatlint lsp"]
    rss = at(ours, 5000, "rss_mb")
    specs = [
        ("keystroke p95 at 1,000 threats, ms", at(ours, 1000, "p95_ms"), TARGETS["lsp_p95_ms_at_1000"]),
        ("keystroke p95 at 50 threats, ms", at(ours, 50, "p95_ms"), TARGETS["lsp_p95_ms_at_50"]),
        (f"check / yaml.load CPU at {headline['threats'] if headline else '-'} threats",
         headline["engine_vs_floor"] if headline else None, TARGETS["check_vs_floor_ratio"]),
        ("gate, 500 staged of 10,000 files, subprocess ms", gate["cli"]["wall"] * 1000 if "cli" in gate else None,
         TARGETS["gate_ms"]),
        ("server RSS with 5,000 threats open, MB", rss, TARGETS["server_rss_mb_at_5000"]),
    ]
    return [{"name": name, "value": value, "target": target, "op": "<=",
             "met": None if value is None else value <= target} for name, value, target in specs]


# -- main --------------------------------------------------------------------------------------------------------
REPS = {10: 20, 50: 20, 100: 10, 1000: 3, 5000: 1}
SUB_REPS = {10: 5, 50: 5, 100: 3, 1000: 2, 5000: 1}
SLOW_REPS = {10: 3, 50: 3, 100: 2, 1000: 1, 5000: 1}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="threatlint benchmarks (see docs/performance.md)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(generate.SIZES))
    p.add_argument("--only", nargs="+", choices=("check", "lsp", "gate"), default=("check", "lsp", "gate"))
    p.add_argument("--skip-tools", nargs="*", choices=("cli", "cjs", "pytm"), default=[],
                   help="leave out subprocess check, check-jsonschema or pytm")
    p.add_argument("--keystrokes", type=int, default=20, help="characters typed per field (title, description)")
    p.add_argument("--quick", action="store_true", help="sizes 10 and 100, one repetition each")
    p.add_argument("--no-baseline", action="store_true", help="leave out the naive full re-check server")
    p.add_argument("--output", type=Path, default=BENCH / "results.json")
    args = p.parse_args(argv)
    sizes = [10, 100] if args.quick and args.sizes == list(generate.SIZES) else args.sizes
    reps = (lambda table, n: 1) if args.quick else (lambda table, n: table.get(n, 1))

    paths = generate.write_models(sizes)
    results: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                     "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "load_average": os.getloadavg(), "platform": platform.platform()}}
    tools = tuple(t for t in ("cli", "cjs", "pytm") if t not in args.skip_tools)
    if "check" in args.only:
        results["check"] = []
        for n in sizes:
            print(f"check: {n} threats ...", file=sys.stderr, flush=True)
            results["check"].append(check_row(n, paths[n], reps(REPS, n), reps(SUB_REPS, n), reps(SLOW_REPS, n), tools))
    if "lsp" in args.only:
        servers = ["threatlint lsp"] if lsp_available() else []
        if not servers:
            results["lsp_skipped"] = "`threatlint lsp` is not a command of this build yet"
        if not args.no_baseline:
            servers.append("naive full re-check")
        results["lsp"] = []
        for server in servers:
            for n in sizes:
                keys = 3 if args.quick else args.keystrokes
                if server != "threatlint lsp":  # seconds per keystroke on big models: a few make the point
                    if n > 1000:
                        continue
                    keys = min(keys, 5) if n >= 1000 else keys
                print(f"lsp ({server}): {n} threats ...", file=sys.stderr, flush=True)
                try:
                    results["lsp"].append(lsp_row(n, paths[n], keys, server))
                except lspclient.LspError as e:
                    results["lsp"].append({"server": server, "threats": n, "error": str(e)})
    if "gate" in args.only:
        print("gate: generating / reusing the 10,000-file repository ...", file=sys.stderr, flush=True)
        repo, staged = generate.write_repo()
        try:
            results["gate"] = gate_row(repo, staged, 1 if args.quick else 3)
        except ImportError as e:
            results["gate"] = {"error": f"the gate is not importable: {e}"}
    results["machine"]["load_average_after"] = os.getloadavg()
    results["targets"] = judge(results)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
