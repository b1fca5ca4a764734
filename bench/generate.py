"""Deterministic generator of realistic threat models and of a large repository for the benchmarks.

A model of N threats has elements, flows, assets, boundaries, mitigations,
exemptions and assumptions in the proportions of a real model (about 28 lines
and 800 bytes per threat, like the example in docs/format.md) and is valid against the
schema, so the numbers measure the common case: a model people keep editing,
with a few rule findings but no syntax or schema errors.

    python bench/generate.py            # models of 10, 50, 100, 1,000, 5,000 threats + the repository
    python bench/generate.py --sizes 10 100 --no-repo

Everything goes under bench/work/ (git-ignored). Same seed, same bytes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
SIZES = (10, 50, 100, 1000, 5000)
SEED = 20261123

STRIDE = ("spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service",
          "elevation_of_privilege")
APPLICABLE = {
    "external_entity": ("spoofing", "repudiation"),
    "process": STRIDE,
    "data_store": ("tampering", "repudiation", "information_disclosure", "denial_of_service"),
    "flow": ("tampering", "information_disclosure", "denial_of_service"),
}
LEVELS = ("low", "medium", "high", "critical")

DOMAINS = ("payments", "orders", "identity", "catalog", "shipping", "billing", "search", "loyalty", "inventory",
           "pricing", "reviews", "notifications", "fraud", "ledger", "returns", "tax", "media", "support",
           "reporting", "partners", "checkout", "accounts", "wallet", "subscriptions", "warehouse")
PROCESS_KINDS = (("api", "API", "Python/FastAPI"), ("worker", "worker", "Celery"), ("gateway", "gateway", "Envoy"),
                 ("admin", "admin console backend", "Django"), ("scheduler", "scheduler", "Kubernetes CronJob"),
                 ("webhook", "webhook receiver", "Go"))
STORE_KINDS = (("db", "DB", "PostgreSQL 15"), ("cache", "cache", "Redis 7"), ("bucket", "object store", "S3"),
               ("queue", "queue", "SQS"), ("index", "search index", "OpenSearch"))
EXTERNAL_KINDS = (("browser", "shopper browser"), ("mobile", "mobile app"), ("partner", "partner system"),
                  ("operator", "support operator"), ("psp", "payment provider"), ("idp", "identity provider"))
ASSET_KINDS = (("card-data", "Cardholder data", "financial", ["PCI-DSS"]),
               ("customer-pii", "Customer profiles", "pii", ["GDPR"]),
               ("session-tokens", "Session tokens", "credentials", []),
               ("api-keys", "Partner API keys", "secret", []),
               ("order-history", "Order history", "confidential", ["GDPR"]),
               ("price-lists", "Price lists", "internal", []),
               ("audit-log", "Audit log", "confidential", ["SOX"]),
               ("product-images", "Product images", "public", []))
PEOPLE = ("dana@example.com", "li.wei@example.com", "amir@example.com", "sofia@example.com", "team-{d}",
          "k.otieno@example.com", "marta@example.com")

# Concrete threat wording per STRIDE category: {el} element name, {entry} entry point, {asset} asset name.
THREATS = {
    "spoofing": (
        ("Forged service token lets any caller impersonate {el}",
         "{el} accepts bearer tokens without checking the audience claim, so a token minted for another "
         "internal service is replayed against {entry} and acts with the rights of {el}.",
         ["steals a token from a low-value service", "replays it", "reads {asset}"]),
        ("Open redirect in the login callback of {el} harvests session tokens",
         "The login callback of {el} accepts any redirect_uri, so a crafted link sends the fresh session "
         "token to the attacker host and bypasses MFA.",
         ["mails a crafted login link", "victim signs in", "token goes to attacker host"]),
        ("Unsigned webhook calls to {el} can be forged by anyone who knows the URL",
         "{el} trusts the source IP of webhook calls on {entry} instead of an HMAC signature, so a request "
         "from a shared cloud range is taken for the partner.",
         ["rents a host in the partner cloud range", "posts a forged event"]),
    ),
    "tampering": (
        ("Unsigned job payload lets an attacker rewrite {asset} through {el}",
         "Jobs read by {el} are plain JSON without a signature, so anyone with write access to the queue "
         "changes amounts or target accounts before {el} applies them to {asset}.",
         ["uses a leaked queue key", "edits a pending job"]),
        ("SQL injection in the sort parameter of {entry} modifies {asset}",
         "{el} concatenates the sort parameter into an ORDER BY clause, so a stacked query updates rows "
         "of {asset}.",
         ["sends a crafted sort parameter", "stacked query rewrites rows"]),
        ("Mass assignment on {entry} lets a client overwrite server-owned fields of {asset}",
         "{el} binds the whole request body to the record, so a client sets the status and price fields "
         "that only the back office may change.",
         ["adds status and price to the body", "record is saved unchecked"]),
    ),
    "repudiation": (
        ("Refunds issued through {el} leave no audit record",
         "{el} writes no audit entry for refunds and operators share one service account, so a rogue "
         "refund cannot be traced to a person.",
         ["operator refunds an accomplice", "no audit entry names the operator"]),
        ("Log lines of {el} can be erased by the service itself",
         "{el} keeps its only audit trail in {asset} with delete rights for the service role, so an "
         "attacker who owns the service removes the evidence.",
         ["gains code execution", "deletes the audit rows"]),
    ),
    "information_disclosure": (
        ("Verbose error pages of {el} leak {asset} in stack traces",
         "Unhandled exceptions in {el} return the full stack trace with local variables, which include "
         "rows of {asset}, to the caller of {entry}.",
         ["sends malformed input", "reads {asset} in the trace"]),
        ("Insecure direct object reference on {entry} exposes other customers' {asset}",
         "{el} looks records up by the numeric id in the path without checking ownership, so incrementing "
         "the id walks through {asset} of every customer.",
         ["signs up with a free account", "iterates ids", "downloads {asset}"]),
        ("Backups of {el} are readable from the analytics account",
         "Nightly snapshots of {el} are shared with the analytics account without encryption, so anyone "
         "with analytics read access restores {asset}.",
         ["phishes an analyst", "restores the shared snapshot"]),
    ),
    "denial_of_service": (
        ("Unbounded page size on {entry} exhausts the memory of {el}",
         "{el} honours any limit parameter on {entry}, so one request for ten million rows makes the "
         "pods run out of memory and restart in a loop.",
         ["requests ten million rows", "pods are OOM-killed"]),
        ("Regex backtracking in the input validation of {el} pins the CPU",
         "The e-mail validation regex of {el} backtracks exponentially, so a 50-character crafted address "
         "on {entry} blocks a worker for minutes.",
         ["submits a crafted address", "every worker spins"]),
    ),
    "elevation_of_privilege": (
        ("Role claim taken from the request body lets a shopper act as admin in {el}",
         "{el} reads the role from the JSON body of {entry} instead of the verified token, so any "
         "authenticated user sets role=admin and reaches {asset}.",
         ["adds role=admin to the body", "exports {asset}"]),
        ("Server-side request forgery in the image fetcher of {el} reaches the cloud metadata service",
         "{el} fetches any URL given to {entry}, including 169.254.169.254, so an attacker reads the "
         "instance role credentials and takes over the account.",
         ["submits the metadata URL", "reads the role credentials"]),
    ),
}
MITIGATIONS = {
    "spoofing": ("Verify the aud and iss claims of service tokens in {el}", "Exact-match allowlist of redirect URIs in {el}",
                 "HMAC-SHA256 signature on webhook bodies checked by {el}", "Mutual TLS between {el} and its callers"),
    "tampering": ("Sign queued jobs with a per-producer key checked by {el}", "Parameterised queries and a sort-column allowlist in {el}",
                  "Explicit request DTOs in {el} that exclude server-owned fields"),
    "repudiation": ("Append-only audit log of refunds with the operator identity in {el}",
                    "Ship audit events of {el} to a write-once bucket in the security account"),
    "information_disclosure": ("Generic error responses with a correlation id in {el}", "Ownership check on every record lookup in {el}",
                               "KMS-encrypted snapshots of {el} with a key the analytics account cannot use"),
    "denial_of_service": ("Cap the limit parameter at 500 and paginate with cursors in {el}",
                          "Replace the validation regex of {el} with a linear-time parser"),
    "elevation_of_privilege": ("Take roles only from the verified token in {el}",
                               "Egress allowlist and IMDSv2-only instances for {el}"),
}
ENTRIES = ("POST /v1/{d}/orders", "GET /v1/{d}/items/{{id}}", "PUT /v1/{d}/profile", "POST /internal/{d}/jobs",
           "GET /v1/{d}/export?limit=", "POST /hooks/{d}/events", "GET /oauth/{d}/callback?redirect_uri=")


def _plain_ok(s: str, flow: bool = False) -> bool:
    """Whether a string can be written as a plain YAML scalar and still read back as the same string."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        return True  # an unquoted date, as people write them (threatlint reads it as text)
    if flow and "," in s:  # a comma ends an item inside [...] and {...}
        return False
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9 _.,/@()'%-]*", s)) and not s.endswith(" ") and \
        s.lower() not in ("yes", "no", "true", "false", "null", "on", "off", "y", "n")


def _q(s, flow: bool = False) -> str:
    if isinstance(s, bool):
        return "true" if s else "false"
    if isinstance(s, int):
        return str(s)
    return s if _plain_ok(s, flow) else json.dumps(s, ensure_ascii=False)


def _flow_list(values) -> str:
    return "[" + ", ".join(_q(v, flow=True) for v in values) + "]"


def _flow_map(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {_flow_list(v) if isinstance(v, list) else _q(v, flow=True)}" for k, v in d.items()) + "}"


@dataclass
class GeneratedModel:
    n_threats: int
    data: dict  # the model as plain data (what parsing the text gives back)
    text: str


# Three external entities, four processes, three data stores in ten; small models still get one of each.
_KIND_CYCLE = ("external_entity", "process", "data_store", "process", "process", "external_entity", "data_store",
               "process", "external_entity", "data_store")


def build_model(n_threats: int, seed: int = SEED, name: str | None = None, scope: list[str] | None = None) -> dict:
    """The model of `n_threats` threats as plain data, deterministic for a seed."""
    rnd = random.Random(f"{seed}:{n_threats}:{name}")
    n_elements = max(3, n_threats // 8)
    n_flows = max(2, n_threats // 8)
    n_assets = max(2, n_threats // 25)
    n_boundaries = max(2, n_threats // 100)
    domain0 = rnd.choice(DOMAINS)
    system = name or f"{domain0.capitalize()} platform"

    boundaries = [{"id": "internet", "name": "Internet"}]
    for b in range(1, n_boundaries):
        d = DOMAINS[b % len(DOMAINS)]
        boundaries.append({"id": f"vpc-{d}-{b}", "name": f"{d.capitalize()} production VPC {b}"})

    assets = []
    for a in range(n_assets):
        slug, aname, cls, regs = ASSET_KINDS[a % len(ASSET_KINDS)]
        d = DOMAINS[(a // len(ASSET_KINDS)) % len(DOMAINS)]
        item = {"id": f"{d}-{slug}-{a}", "name": f"{d.capitalize()} {aname.lower()} {a}", "classification": cls,
                "attacker_value": 5 if cls in ("financial", "credentials", "secret") else rnd.randint(1, 4),
                "records": rnd.choice((1200, 45000, 400000, 2000000))}
        if regs:
            item["regulations"] = list(regs)
        assets.append(item)

    elements = []
    for e in range(n_elements):
        d = DOMAINS[e % len(DOMAINS)]
        kind = _KIND_CYCLE[e % len(_KIND_CYCLE)]
        if kind == "external_entity":
            slug, label = EXTERNAL_KINDS[e % len(EXTERNAL_KINDS)]
            el = {"id": f"{d}-{slug}-{e}", "kind": "external_entity", "name": f"{d.capitalize()} {label} {e}",
                  "boundary": "internet"}
        elif kind == "process":
            slug, label, tech = PROCESS_KINDS[e % len(PROCESS_KINDS)]
            el = {"id": f"{d}-{slug}-{e}", "kind": "process", "name": f"{d.capitalize()} {label} {e}",
                  "technology": tech, "boundary": boundaries[1 + e % (len(boundaries) - 1)]["id"]}
        else:
            slug, label, tech = STORE_KINDS[e % len(STORE_KINDS)]
            el = {"id": f"{d}-{slug}-{e}", "kind": "data_store", "name": f"{d.capitalize()} {label} {e}",
                  "technology": tech, "boundary": boundaries[1 + e % (len(boundaries) - 1)]["id"],
                  "stores": [], "encrypted_at_rest": True}
        elements.append(el)
    stores = [el for el in elements if el["kind"] == "data_store"]
    for a, asset in enumerate(assets):  # every asset lives somewhere (no TM005)
        stores[a % len(stores)]["stores"].append(asset["id"])
    for st in stores:
        if not st["stores"]:
            st["stores"].append(rnd.choice(assets)["id"])

    by_id = {el["id"]: el for el in elements}
    flows = []
    for f in range(n_flows):
        src = elements[f % n_elements]
        dst = elements[(f * 7 + 3) % n_elements]
        if dst is src:
            dst = elements[(f + 1) % n_elements]
        data = sorted({rnd.choice(assets)["id"] for _ in range(rnd.randint(1, 2))})
        crosses = src["boundary"] != dst["boundary"]
        flows.append({"id": f"f{f}-{src['id'].split('-')[0]}-{dst['id'].split('-')[0]}", "from": src["id"], "to": dst["id"], "data": data,
                      "protocol": rnd.choice(("HTTPS", "gRPC over TLS", "AMQPS", "PostgreSQL wire over TLS")),
                      "authenticated": True if crosses else rnd.random() < 0.8, "encrypted": True})

    # Threats first cover each applicable (target, category) pair once, like a team working through STRIDE
    # per element; the rest pile onto the busiest components.
    pairs = [(el["id"], el["name"], c) for el in elements for c in APPLICABLE[el["kind"]]]
    pairs += [(fl["id"], f"flow {fl['id']}", c) for fl in flows for c in APPLICABLE["flow"]]
    rnd.shuffle(pairs)
    while len(pairs) < n_threats:
        pairs.append(rnd.choice(pairs))
    pairs = pairs[:n_threats]

    threats, mitigations = [], []
    for t, (target, tname, cat) in enumerate(pairs):
        d = target.split("-", 1)[0]
        asset = by_id[target]["stores"][0] if target in by_id and by_id[target]["kind"] == "data_store" \
            else rnd.choice(assets)["id"]
        asset_name = next(a["name"] for a in assets if a["id"] == asset) if n_assets < 50 else asset
        entry = rnd.choice(ENTRIES).format(d=d)
        title, desc, steps = rnd.choice(THREATS[cat])
        fill = {"el": tname, "entry": entry, "asset": asset_name}
        likelihood, severity = rnd.choice(LEVELS), rnd.choice(LEVELS)
        score = (LEVELS.index(likelihood) + 1) * (LEVELS.index(severity) + 1)
        priority = "critical" if score >= 12 else "high" if score >= 6 else "medium" if score >= 3 else "low"
        status = rnd.choices(("open", "mitigating", "mitigated", "accepted"), (55, 20, 15, 10))[0]
        threat = {
            "id": f"T-{t + 1:05d}",
            "title": title.format(**fill),
            "stride": cat,
            "affects": [target],
            "description": desc.format(**fill),
            "attack_path": {"entry": entry, "steps": [s.format(**fill) for s in steps], "target": asset},
            "likelihood": likelihood,
            "impact": {"severity": severity,
                       "blast_radius": rnd.choice(("all sessions", "one region", "one tenant", "back office", "all partners")),
                       "records_exposed": rnd.choice((0, 1200, 45000, 400000)),
                       "regulatory": rnd.choice((["GDPR"], ["PCI-DSS"], ["GDPR", "PCI-DSS"], ["SOX"])),
                       "financial": rnd.choice(("GDPR fines", "chargebacks", "lost orders", "card scheme penalties"))},
            "priority": priority,
            "owner": rnd.choice(PEOPLE).format(d=d),
            "status": status,
            "identified": f"2026-{rnd.randint(1, 9):02d}-{rnd.randint(1, 28):02d}",
        }
        if status == "accepted":
            threat["acceptance"] = {"by": "cto@example.com",
                                    "rationale": f"Exposure limited to internal callers of {tname}; revisit with the redesign",
                                    "expires": f"2027-{rnd.randint(1, 12):02d}-01"}
        # Four mitigations in five are new, the rest are shared with an earlier threat of the same category.
        same_cat = [m for m in mitigations[-40:] if m["_cat"] == cat]
        if same_cat and rnd.random() < 0.2:
            mids = [rnd.choice(same_cat)["id"]]
        else:
            mstatus = {"open": "planned", "mitigating": "in_progress", "mitigated": "implemented",
                       "accepted": "planned"}[status]
            m = {"id": f"M-{len(mitigations) + 1:05d}", "title": rnd.choice(MITIGATIONS[cat]).format(el=tname),
                 "status": mstatus, "effort": rnd.choice(("2d", "5d", "1w", "3w")),
                 "ticket": f"{d[:3].upper()}-{rnd.randint(100, 9999)}",
                 "rationale": rnd.choice(("Blocks the attack at the entry point", "A WAF rule is bypassable",
                                          "Removes the trust in client input")),
                 "_cat": cat}
            mitigations.append(m)
            mids = [m["id"]]
        threat["mitigations"] = mids
        if status == "mitigated":
            threat["residual_risk"] = "low"
        threats.append(threat)
    for m in mitigations:
        del m["_cat"]

    exemptions = []
    for el in elements[: max(1, n_elements // 12)]:
        if el["kind"] == "external_entity":
            exemptions.append({"element": el["id"], "stride": "repudiation",
                               "rationale": f"Actions of {el['name']} are attributed server-side"})
    assumptions = [{"id": f"A-{a + 1}", "text": f"The {boundaries[1 + a % (len(boundaries) - 1)]['name']} has no inbound "
                    "route from the internet except through the gateway", "validated": a % 3 != 0,
                    "evidence": "VPC flow-log review 2026-09"} for a in range(max(1, n_threats // 50))]

    return {
        "version": 1,
        "system": {"name": system, "description": f"{system}: services, stores and partner integrations",
                   "owner": f"team-{domain0}", "champion": "dana@example.com", "criticality": "high"},
        "scope": {"paths": scope if scope is not None else [f"services/{domain0}/**", f"!services/{domain0}/tests/**"],
                  "out_of_scope": ["Shared login library, see auth.threatmodel.yaml"]},
        "review": {"last_reviewed": "2026-10-01", "cadence_days": 90},
        "assets": assets, "boundaries": boundaries, "elements": elements, "flows": flows,
        "threats": threats, "mitigations": mitigations, "exemptions": exemptions, "assumptions": assumptions,
    }


def _emit_block(item: dict, indent: str) -> list[str]:
    """One list item in block style, the way people write threats (folded description, flow lists)."""
    out = []
    first = True
    for k, v in item.items():
        lead = indent + ("- " if first else "  ")
        first = False
        if isinstance(v, dict):
            out.append(f"{lead}{k}:")
            for k2, v2 in v.items():
                out.append(f"{indent}    {k2}: {_flow_list(v2) if isinstance(v2, list) else _q(v2)}")
        elif k in ("description", "rationale") and isinstance(v, str) and len(v) > 70:
            out.append(f"{lead}{k}: >-")
            out += [f"{indent}    {line}" for line in textwrap.wrap(v, 72)]
        elif isinstance(v, list):
            out.append(f"{lead}{k}: {_flow_list(v)}")
        else:
            out.append(f"{lead}{k}: {_q(v)}")
    return out


def to_yaml(model: dict) -> str:
    lines = ["# Generated by bench/generate.py (deterministic); edit the generator, not this file.", "version: 1"]
    for key in ("system", "scope", "review"):
        lines.append(f"{key}:")
        for k, v in model[key].items():
            lines.append(f"  {k}: {_flow_list(v) if isinstance(v, list) else _q(v)}")
    for section in ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "exemptions",
                    "assumptions"):
        items = model[section]
        if not items:
            continue
        lines.append(f"{section}:")
        for item in items:
            if section in ("boundaries", "elements", "flows", "exemptions"):
                lines.append(f"  - {_flow_map(item)}")
            else:
                lines += _emit_block(item, "  ")
    return "\n".join(lines) + "\n"


def generate_model(n_threats: int, seed: int = SEED, **kw) -> GeneratedModel:
    data = build_model(n_threats, seed, **kw)
    return GeneratedModel(n_threats, data, to_yaml(data))


def model_path(n_threats: int, work: Path = WORK) -> Path:
    return work / "models" / f"threats-{n_threats}.threatmodel.yaml"


def write_models(sizes=SIZES, work: Path = WORK, seed: int = SEED) -> dict[int, Path]:
    out = {}
    for n in sizes:
        p = model_path(n, work)
        p.parent.mkdir(parents=True, exist_ok=True)
        text = generate_model(n, seed).text
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
        out[n] = p
    return out


# -- the repository ---------------------------------------------------------------------------------------------
REPO_FILES = 10_000
REPO_MODELS = 20
STAGED = 500

_PY = '''"""{mod} of the {svc} service."""
from __future__ import annotations


def handle_{n}(request: dict) -> dict:
    """Validate and route one {mod} request."""
    if "id" not in request:
        raise ValueError("missing id")
    return {{"id": request["id"], "handled_by": "{svc}.{mod}"}}
'''


def repo_layout(n_files: int = REPO_FILES, n_models: int = REPO_MODELS, seed: int = SEED) -> dict[str, str]:
    """Path -> content of every file of the benchmark repository (models included)."""
    rnd = random.Random(f"{seed}:repo")
    services = [f"{DOMAINS[i % len(DOMAINS)]}{'' if i < len(DOMAINS) else i}" for i in range(n_models)]
    files: dict[str, str] = {}
    for i, svc in enumerate(services):
        # Most models cover their service minus its tests; some also cover a shared library.
        scope = [f"services/{svc}/**", f"!services/{svc}/tests/**"]
        if i % 4 == 0:
            scope.append(f"libs/{svc}-client/**")
        name = f"{svc.capitalize()} service"
        text = to_yaml(build_model(rnd.choice((20, 40, 60, 100)), seed, name=name, scope=scope))
        files[f"services/{svc}/threatmodel.yaml"] = text
    dirs = [f"services/{svc}/{sub}" for svc in services
            for sub in ("src/api", "src/domain", "src/adapters", "src/jobs", "tests/unit", "tests/integration")]
    dirs += [f"libs/{svc}-client/src" for svc in services[::4]]
    dirs += [f"libs/common{i}" for i in range(10)] + [f"docs/section{i}" for i in range(15)] + \
            [f"tools/scripts{i}" for i in range(5)] + [f"web/app/components/area{i}" for i in range(20)]
    n = 0
    while len(files) < n_files:
        d = dirs[n % len(dirs)]
        ext = ".md" if d.startswith("docs") else ".tsx" if d.startswith("web") else ".py"
        mod = f"module_{n // len(dirs):03d}"
        svc = d.split("/")[1]
        files[f"{d}/{mod}{ext}"] = _PY.format(mod=mod, svc=svc, n=n) if ext == ".py" else f"# {mod} of {d}\n\nNotes.\n"
        n += 1
    return files


def _git(repo: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="bench@example.com", GIT_AUTHOR_DATE="2026-11-01T10:00:00Z",
               GIT_COMMITTER_DATE="2026-11-01T10:00:00Z")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env, **kw)


def staged_selection(paths: list[str], n_staged: int = STAGED, seed: int = SEED) -> list[str]:
    """The files a big commit touches: code across services, docs, and two of the models."""
    rnd = random.Random(f"{seed}:staged")
    models = sorted(p for p in paths if p.endswith("threatmodel.yaml"))
    code = sorted(p for p in paths if not p.endswith("threatmodel.yaml"))
    return sorted(models[:2] + rnd.sample(code, n_staged - 2))


def write_repo(work: Path = WORK, n_files: int = REPO_FILES, n_models: int = REPO_MODELS, n_staged: int = STAGED,
               seed: int = SEED) -> tuple[Path, list[str]]:
    """A git repository with one commit of every file and `n_staged` modified files staged on top.

    Returns the repository and the staged paths (what pre-commit would pass to the gate).
    """
    repo = work / f"repo-{n_files}"
    layout = repo_layout(n_files, n_models, seed)
    staged = staged_selection(list(layout), n_staged, seed)
    # The marker holds a digest of every file and of the staged set: a changed generator rebuilds the repository.
    digest = hashlib.sha256(json.dumps([layout, staged], sort_keys=True).encode()).hexdigest()
    marker = repo / ".git" / "bench-complete"
    if marker.exists() and marker.read_text() == digest:
        return repo, staged
    if repo.exists():
        shutil.rmtree(repo)
    for rel, content in layout.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "initial import")
    for rel in staged:
        p = repo / rel
        with p.open("a", encoding="utf-8") as fh:
            fh.write("# touched by the benchmark commit\n")
    _git(repo, "add", "--", *staged)
    marker.write_text(digest)
    return repo, staged


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="threat counts of the models")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--work", type=Path, default=WORK)
    p.add_argument("--no-repo", action="store_true", help="skip the 10,000-file repository")
    args = p.parse_args(argv)
    for n, path in write_models(args.sizes, args.work, args.seed).items():
        text = path.read_text(encoding="utf-8")
        print(f"{n:>6} threats: {path} ({len(text.encode()) / 1024:.0f} KB, {text.count(chr(10))} lines)")
    if not args.no_repo:
        repo, staged = write_repo(args.work, seed=args.seed)
        print(f"repository: {repo} ({REPO_FILES} files, {REPO_MODELS} models, {len(staged)} staged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
