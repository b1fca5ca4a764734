"""Packs the threatlint language server and its runtime dependencies into bundled/libs.

Run at package time (npm run bundle-server, part of npm run build), the way
Microsoft's Python tools extension template fills `bundled/libs`: the .vsix
then runs the server with any CPython 3.10+ that has nothing installed
(bundled/tool/launch.py puts bundled/libs first on sys.path).

Everything bundled is pure Python, so one .vsix serves every platform and
every Python version. Two dependencies are compiled, and each has a pure
stand-in (docs/editors-vscode.md says what that costs):
- PyYAML: its own Python package, without the optional libyaml extension
  (`yaml/_yaml*.so`); threatlint's parser then uses PyYAML's pure SafeLoader,
  which gives the same events.
- rpds-py (referencing, under jsonschema): pyrsistent-as-rpds-py's pure
  implementation of the same API on pyrsistent, installed as the `rpds` module
  the way that project documents for "cannot use rpds-py".
pre-commit (and what it pulls in) is left out: only the gate uses it, never
the server. ruamel.yaml (compiled clib) serves only `threatlint import`.
python-hcl2 (compiled `regex`) reads Terraform for drift: without it the
server says so on a .tf file in a model's scope (TM500) and drift on compose,
Kubernetes and OpenAPI files works as usual. A new compiled dependency makes
this script fail, naming it.

Usage: python bundle_server.py [--out DIR]   (needs pip and the package index)
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

EXT = Path(__file__).resolve().parent.parent
ROOT = EXT.parent
OLDEST = "3.10"  # requires-python of threatlint: resolve for the oldest, so its backports (tomli) are in
LEFT_OUT = {"pre-commit", "ruamel-yaml", "python-hcl2"}  # gate only; import only; Terraform drift (see above)
COMPILED = {"pyyaml", "rpds-py"}  # handled below
STAND_INS = ["pyrsistent-as-rpds-py", "pyrsistent"]  # pure rpds


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip(*args: str, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"bundle_server: {' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def requirements(wheel: Path) -> list[str]:
    """threatlint's Requires-Dist, less what the server never imports."""
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(meta).decode("utf-8")
    out = []
    for line in text.splitlines():
        if line.startswith("Requires-Dist:"):
            req = line.split(":", 1)[1].strip()
            if "extra ==" in req:
                continue
            req = req.split(";")[0].strip()  # markers: see resolve()
            name = canonical(re.match(r"[A-Za-z0-9_.-]+", req).group(0))
            if name not in LEFT_OUT:
                out.append(req)
    return out


def resolve(reqs: list[str], work: Path) -> dict[str, str]:
    """name -> version pip picks for CPython 3.10 (the platform only matters for resolving compiled ones).

    pip evaluates environment markers for the Python running it, not for --python-version, so the
    backports a 3.10 needs (tomli, exceptiongroup) are added from the resolved packages' own
    Requires-Dist, read with 3.10's markers, until nothing is missing."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # a Python without packaging still has pip's copy
        from pip._vendor.packaging.requirements import Requirement

    env = {"python_version": OLDEST, "python_full_version": f"{OLDEST}.0", "extra": ""}
    wanted = list(reqs) + STAND_INS
    while True:
        report = work / "report.json"
        pip("install", "--quiet", "--dry-run", "--ignore-installed", "--report", str(report), "--target",
            str(work / "t"), "--only-binary=:all:", "--python-version", OLDEST, "--implementation", "cp",
            "--platform", "manylinux2014_x86_64", *wanted)
        data = json.loads(report.read_text(encoding="utf-8"))
        versions = {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in data["install"]}
        missing = []
        for item in data["install"]:
            for spec in item["metadata"].get("requires_dist", []):
                req = Requirement(spec)
                if canonical(req.name) in versions or canonical(req.name) in LEFT_OUT:
                    continue
                if req.marker is None or req.marker.evaluate(env):
                    missing.append(f"{req.name}{req.specifier}")
        if not missing:
            return versions
        wanted += [m for m in missing if m not in wanted]


def pure_install(specs: list[str], target: Path) -> None:
    pip("install", "--quiet", "--no-deps", "--target", str(target), "--only-binary=:all:", "--platform", "any",
        "--implementation", "py", "--abi", "none", "--python-version", OLDEST, *specs)


def pyyaml_without_libyaml(version: str, target: Path, work: Path) -> None:
    """PyYAML publishes no pure wheel: take one platform's wheel and keep only its Python package."""
    dl = work / "pyyaml"
    pip("download", "--quiet", "--no-deps", "--dest", str(dl), "--only-binary=:all:", "--platform",
        "manylinux2014_x86_64", "--implementation", "cp", "--python-version", OLDEST, f"pyyaml=={version}")
    wheel = next(dl.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.startswith("yaml/") and not name.startswith("yaml/_yaml"):
                z.extract(name, target)
            elif ".dist-info/" in name and name.split("/")[-1] in ("METADATA", "LICENSE"):
                z.extract(name, target)
    if not (target / "yaml" / "__init__.py").is_file():
        sys.exit(f"bundle_server: no yaml/__init__.py in {wheel.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=EXT / "bundled" / "libs")
    args = parser.parse_args()
    out: Path = args.out
    with tempfile.TemporaryDirectory(prefix="threatlint-bundle-") as tmp:
        work = Path(tmp)
        pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "wheel"), str(ROOT))
        wheel = next((work / "wheel").glob("threatlint-*.whl"))
        versions = resolve(requirements(wheel), work)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        pure = [f"{name}=={v}" for name, v in sorted(versions.items()) if name not in COMPILED]
        pure_install(pure, out)  # fails, naming the package, if a dependency has no pure wheel
        pyyaml_without_libyaml(versions["pyyaml"], out, work)
        pip("install", "--quiet", "--no-deps", "--no-compile", "--target", str(out), str(wheel))
    # `import rpds` (referencing) gets the pure implementation.
    (out / "rpds").mkdir()
    (out / "rpds" / "__init__.py").write_text(
        '"""rpds-py\'s API in pure Python (pyrsistent-as-rpds-py); written by scripts/bundle_server.py."""\n'
        "from pyrsistent_as_rpds.pure import *  # noqa: F401,F403\n", encoding="utf-8")
    for junk in [*out.glob("bin"), *out.rglob("__pycache__")]:
        shutil.rmtree(junk, ignore_errors=True)
    bundled = {name: v for name, v in versions.items() if name != "rpds-py"}
    bundled["threatlint"] = wheel.name.split("-")[1]
    (out / "BUNDLE.json").write_text(json.dumps({
        "python": f">={OLDEST}", "packages": dict(sorted(bundled.items())),
        "pure_stand_ins": {"rpds-py": "pyrsistent-as-rpds-py", "pyyaml": "pyyaml without its libyaml extension"},
    }, indent=2) + "\n", encoding="utf-8")
    compiled = [p for p in out.rglob("*") if p.suffix in (".so", ".pyd", ".dylib")]
    if compiled:
        sys.exit(f"bundle_server: compiled files in the bundle: {compiled}")
    print(f"bundle_server: {len(bundled)} packages in {out}")


if __name__ == "__main__":
    main()
