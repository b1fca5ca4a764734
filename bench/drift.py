"""Drift benchmarks (docs/drift.md), printed as figures next to their targets; nothing is asserted.

    python bench/drift.py            # all three, 100 MB of traces
    python bench/drift.py --quick    # 10 MB of traces, one repetition

1. `threatlint drift` over a 10,000-file repository with 200 infrastructure files (20 models): target <= 1 s.
2. `threatlint drift --traces` over 100 MB of OTLP JSON: peak memory compared with 10 MB (bounded memory means
   the same peak, not ten times it) and throughput.
3. The gate with 500 of 10,000 files staged, none of them infrastructure: target <= 300 ms (bench/run.py's row).

The machine is often shared: wall times are noisy, CPU times (user+sys of the process) are printed beside them.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
from run import gate_row, ms, time_cmd, tool  # noqa: E402

INFRA_PER_SERVICE = 10  # 20 services -> 200 infrastructure files
COMPOSE = """services:
  {svc}-api:
    image: ghcr.io/acme/{svc}-api:1.4.2
    depends_on: [{svc}-db, {svc}-cache]
    environment:
      DATABASE_URL: postgres://app@{svc}-db:5432/{svc}
      CACHE_URL: redis://{svc}-cache:6379/0
  {svc}-db:
    image: postgres:16
  {svc}-cache:
    image: redis:7
  {svc}-worker:
    image: ghcr.io/acme/{svc}-worker:1.4.2
    depends_on: [{svc}-db]
"""
K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}-{part}
  labels: {{app: {svc}-{part}}}
spec:
  template:
    spec:
      containers:
        - name: main
          image: ghcr.io/acme/{svc}-{part}:1.4.2
---
apiVersion: v1
kind: Service
metadata:
  name: {svc}-{part}
spec:
  ports: [{{port: 80}}]
"""
TF = """resource "aws_sqs_queue" "{svc}_{part}" {{
  name = "{svc}-{part}"
}}

resource "aws_s3_bucket" "{svc}_{part}" {{
  bucket = "acme-{svc}-{part}"
}}

resource "aws_iam_role" "{svc}_{part}" {{
  name = "{svc}-{part}"
}}
"""
OPENAPI = """openapi: 3.0.3
info: {{title: {svc} API, version: 1.0.0}}
servers:
  - url: https://{svc}.api.acme.example/v1
paths: {{}}
"""


def infra_files(svc: str) -> dict[str, str]:
    base = f"services/{svc}/deploy"
    out = {f"{base}/compose.yaml": COMPOSE.format(svc=svc), f"{base}/openapi.yaml": OPENAPI.format(svc=svc)}
    for part in ("api", "worker", "scheduler", "gateway", "admin"):
        out[f"{base}/k8s/{part}.yaml"] = K8S.format(svc=svc, part=part)
    for part in ("events", "exports", "imports"):
        out[f"{base}/tf/{part}.tf"] = TF.format(svc=svc, part=part)
    return out


def write_repo(work: Path) -> Path:
    """The 10,000-file benchmark repository with 200 of its files replaced by infrastructure files."""
    repo = work / "drift-repo"
    marker = repo / ".git" / "drift-bench-complete"
    if marker.exists():
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    layout = generate.repo_layout()
    models = sorted(p for p in layout if p.endswith("threatmodel.yaml"))
    services = [p.split("/")[1] for p in models]
    infra = {}
    for svc in services:
        infra.update(infra_files(svc))
    code = [p for p in layout if p.endswith(".py") and "/tests/" not in p]
    for p in random.Random(1).sample(code, len(infra)):  # keep 10,000 files
        del layout[p]
    layout.update(infra)
    assert len(layout) == generate.REPO_FILES, len(layout)
    for rel, content in layout.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    generate._git(repo, "init", "-q", "-b", "main")
    generate._git(repo, "add", "-A")
    generate._git(repo, "commit", "-q", "-m", "initial import")
    marker.write_text("ok")
    return repo


# -- traces -------------------------------------------------------------------------------------------------------
def _attr(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def trace_line(rnd: random.Random, n: int, services: list[str]) -> str:
    """One ExportTraceServiceRequest as the Collector's file exporter writes it: a batch of spans of one service,
    CLIENT spans with peer.service or db attributes, and SERVER spans answering another batch's calls."""
    svc = services[n % len(services)]
    spans = []
    for i in range(40):
        trace_id = f"{rnd.getrandbits(128):032x}"
        span_id = f"{rnd.getrandbits(64):016x}"
        callee = services[(n + i + 1) % len(services)]
        attrs = [_attr("peer.service", callee)] if i % 3 else [_attr("db.system", "postgresql"),
                                                               _attr("server.address", f"{svc}-db")]
        spans.append({"traceId": trace_id, "spanId": span_id, "parentSpanId": f"{rnd.getrandbits(64):016x}",
                      "name": f"call {callee}", "kind": 3, "startTimeUnixNano": "1764770000000000000",
                      "endTimeUnixNano": "1764770000005000000", "attributes": attrs, "status": {}})
        spans.append({"traceId": trace_id, "spanId": f"{rnd.getrandbits(64):016x}", "parentSpanId": span_id,
                      "name": "handle", "kind": 2, "startTimeUnixNano": "1764770000001000000",
                      "endTimeUnixNano": "1764770000004000000",
                      "attributes": [_attr("http.route", "/v1/items/{id}")], "status": {}})
    request = {"resourceSpans": [{"resource": {"attributes": [_attr("service.name", svc)]},
                                  "scopeSpans": [{"scope": {"name": "io.opentelemetry.http"}, "spans": spans}]}]}
    return json.dumps(request, separators=(",", ":"))


def write_traces(path: Path, megabytes: int, services: list[str]) -> int:
    rnd = random.Random(7)
    size = n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < megabytes * 1024 * 1024:
            line = trace_line(rnd, n, services) + "\n"
            fh.write(line)
            size += len(line)
            n += 1
    return size


def peak_rss_cmd(cmd: list[str], cwd: Path) -> dict:
    """Wall time, CPU and peak RSS (MB) of one run of cmd, measured by a fresh parent process."""
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True); w = time.perf_counter() - t\n"
             "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
             "print(p.returncode, w, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    rc, wall, cpu, rss = out.stdout.split()
    return {"rc": int(rc), "wall": float(wall), "cpu": float(cpu), "rss_mb": float(rss)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="+", choices=("repo", "traces", "gate"), default=("repo", "traces", "gate"))
    args = p.parse_args(argv)
    reps = 1 if args.quick else 3
    work = generate.WORK
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    lines = []
    if "repo" in args.only:
        repo = write_repo(work)
        run = time_cmd([tool("threatlint"), "drift", "--format", "json"], reps, cwd=repo)
        found = json.loads(run["stdout"])
        results["repo"] = {"wall": run["wall"], "cpu": run["cpu"], "walls": run["walls"], "findings": len(found)}
        floor = time_cmd([tool("threatlint"), "--version"], reps, cwd=repo)
        lines.append(f"drift, 10,000 files, 200 infrastructure files, 20 models: {ms(run['wall'])} ms wall "
                     f"({ms(run['cpu'])} CPU), {len(found)} findings; target <= 1,000 ms; "
                     f"`threatlint --version` alone {ms(floor['wall'])} ms")
    if "traces" in args.only:
        services = [f"svc-{i}" for i in range(30)]
        model = work / "traces-model" / "threatmodel.yaml"
        model.parent.mkdir(parents=True, exist_ok=True)
        elements = "".join(f"  - {{id: e{i}, kind: process, name: S{i}, aliases: [svc-{i}]}}\n" for i in range(30))
        model.write_text(f"version: 1\nsystem: {{name: Traces}}\nscope: {{paths: ['src/**']}}\nelements:\n{elements}",
                         encoding="utf-8")
        results["traces"] = []
        for mb in ((10,) if args.quick else (10, 100)):
            path = work / f"traces-{mb}mb.jsonl"
            if not path.exists() or path.stat().st_size < mb * 1024 * 1024:
                write_traces(path, mb, services)
            size = path.stat().st_size
            r = peak_rss_cmd([tool("threatlint"), "drift", str(model), "--traces", str(path), "--format", "json"],
                             model.parent)
            r["mb"] = size / 1024 / 1024
            results["traces"].append(r)
            lines.append(f"drift --traces {r['mb']:.0f} MB: {r['wall']:.1f} s wall ({r['cpu']:.1f} s CPU), "
                         f"{r['mb'] / r['wall']:.0f} MB/s, peak RSS {r['rss_mb']:.0f} MB")
        if len(results["traces"]) == 2:
            small, big = results["traces"]
            lines.append(f"  peak RSS ratio 100 MB / 10 MB: {big['rss_mb'] / small['rss_mb']:.2f} "
                         "(bounded memory: ~1.0, not 10)")
    if "gate" in args.only:
        repo, staged = generate.write_repo()
        from threatlint.drift.names import candidate

        infra = [s for s in staged if candidate(s) and not s.endswith("threatmodel.yaml")]
        row = gate_row(repo, staged, reps)
        results["gate"] = {k: v for k, v in row.items()}
        lines.append(f"gate, {row['staged']} staged of {row['files']:,} files ({len(infra)} of them could be "
                     f"infrastructure by name, all models): {ms(row['cli']['wall'])} ms wall "
                     f"({ms(row['cli']['cpu'])} CPU), in process {ms(row['in_process']['wall'])} ms wall "
                     f"({ms(row['in_process']['cpu'])} CPU); target <= 300 ms")
    print("\n".join(lines))
    (BENCH / "drift-results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
