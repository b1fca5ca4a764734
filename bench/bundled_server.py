"""What the VS Code extension's bundled server costs against an installed threatlint.

The .vsix bundles pure Python only (vscode-extension/scripts/bundle_server.py):
PyYAML without its libyaml C extension, and rpds-py replaced by
pyrsistent-as-rpds-py. This measures both against the repository's .venv
(PyYAML with libyaml, rpds-py compiled), running the same interpreter:

- parse: `parse_yaml` of a generated model, in process (the YAML event stream:
  libyaml's C parser against PyYAML's pure one), CPU seconds per parse;
- check: `threatlint check` of the same model as a fresh process (what a save
  or the CLI costs), CPU seconds of the child;
- schema errors: `threatlint check` of a model with schema errors in every
  threat (jsonschema's messages walk its `referencing` registry, built on rpds).

    .venv/bin/python bench/bundled_server.py [--sizes 100 1000] [--repeat 3]

Needs the bundle built first (cd vscode-extension && npm run bundle-server).
Prints a table of CPU times and the bundled/installed ratio; asserts nothing.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LAUNCHER = ROOT / "vscode-extension" / "bundled" / "tool" / "launch.py"
LIBS = ROOT / "vscode-extension" / "bundled" / "libs"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

PARSE = """
import sys, time
{path_setup}
import yaml
from threatlint.engine.parse import parse_yaml
text = open(sys.argv[1], encoding="utf-8").read()
parse_yaml(text)
best = []
for _ in range(int(sys.argv[2])):
    t = time.process_time(); doc = parse_yaml(text); best.append(time.process_time() - t)
    assert doc.ok
print(min(best), yaml.__with_libyaml__)
"""


def child_cpu(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, env={"THREATLINT_TODAY": "2026-11-23", "PATH": "/usr/bin:/bin"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parse_cpu(model: Path, bundled: bool, repeat: int) -> tuple[float, bool]:
    setup = f"sys.path.insert(0, {str(LIBS)!r})" if bundled else ""
    cmd = [sys.executable, *(["-I"] if bundled else []), "-c", PARSE.format(path_setup=setup), str(model), str(repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), out[1] == "True"


def check_cmd(model: Path, bundled: bool) -> list[str]:
    if bundled:
        return [sys.executable, "-I", str(LAUNCHER), "check", "--format", "json", str(model)]
    return [sys.executable, "-m", "threatlint", "check", "--format", "json", str(model)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (LIBS / "threatlint").is_dir():
        raise SystemExit("no bundle: run `npm run bundle-server` in vscode-extension first")
    work = Path(tempfile.mkdtemp(prefix="threatlint-bundled-bench-"))
    print(f"Python {sys.version.split()[0]} on {sys.platform}; CPU seconds (min of {args.repeat}); loaded machines add noise")
    print(f"{'case':34} {'installed':>10} {'bundled':>10} {'ratio':>7}")
    for n in args.sizes:
        model = work / f"m{n}.threatmodel.yaml"
        model.write_text(generate.generate_model(n).text, encoding="utf-8")
        lines = model.read_text(encoding="utf-8").count("\n")
        (fast, with_c), (slow, without_c) = parse_cpu(model, False, args.repeat), parse_cpu(model, True, args.repeat)
        assert with_c and not without_c, "expected libyaml in the .venv and none in the bundle"
        print(f"{f'parse, {n} threats ({lines} lines)':34} {fast:10.4f} {slow:10.4f} {slow / fast:6.1f}x")
        inst = min(child_cpu(check_cmd(model, False)) for _ in range(args.repeat))
        bund = min(child_cpu(check_cmd(model, True)) for _ in range(args.repeat))
        print(f"{f'check process, {n} threats':34} {inst:10.3f} {bund:10.3f} {bund / inst:6.2f}x")
        bad = work / f"bad{n}.threatmodel.yaml"
        bad.write_text(model.read_text(encoding="utf-8").replace("    likelihood: ", "    likelihood: very-"), encoding="utf-8")
        inst = min(child_cpu(check_cmd(bad, False)) for _ in range(args.repeat))
        bund = min(child_cpu(check_cmd(bad, True)) for _ in range(args.repeat))
        print(f"{f'check, schema errors, {n} threats':34} {inst:10.3f} {bund:10.3f} {bund / inst:6.2f}x")


if __name__ == "__main__":
    main()
