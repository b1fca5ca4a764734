"""`threatlint drift` as a user runs it: a repository (git, and a plain folder) with real infrastructure files
in a model's scope, text / JSON / SARIF output, exit codes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

THREATLINT = Path(sys.executable).parent / "threatlint"
DRIFT = Path(__file__).resolve().parent / "fixtures" / "drift"
MODEL = """version: 1
system: {name: Shop, owner: team-shop}
scope:
  paths: ["deploy/**", "!deploy/legacy/**"]
elements:
  - {id: etl, kind: process, name: ETL job}
  - {id: orders-db, kind: data_store, name: Orders DB, aliases: [db]}
  - {id: cart, kind: process, name: Cart, aliases: [cartservice]}
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(THREATLINT), "drift", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(params=["git", "folder"])
def shop(request, tmp_path) -> Path:
    root = tmp_path / "shop"
    (root / "deploy" / "k8s").mkdir(parents=True)
    (root / "deploy" / "legacy").mkdir()
    (root / "shop.threatmodel.yaml").write_text(MODEL, encoding="utf-8")
    shutil.copy(DRIFT / "awesome-compose" / "wasmedge-kafka-mysql" / "compose.yml", root / "deploy" / "compose.yml")
    shutil.copy(DRIFT / "microservices-demo" / "cartservice.yaml", root / "deploy" / "k8s" / "cartservice.yaml")
    shutil.copy(DRIFT / "terraform-aws-rds" / "db_instance" / "main.tf", root / "deploy" / "legacy" / "main.tf")
    shutil.copy(DRIFT / "terraform-aws-rds" / "db_instance" / "main.tf", root / "outside.tf")
    if request.param == "git":
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_text_names_each_component_on_its_line(shop):
    proc = run(shop)
    assert proc.returncode == 1, proc.stderr
    compose = (shop / "deploy" / "compose.yml").read_text().splitlines()
    cart = (shop / "deploy" / "k8s" / "cartservice.yaml").read_text().splitlines()
    lines = proc.stdout.splitlines()
    assert lines[:-1] == [
        f"deploy/compose.yml:{compose.index('  redpanda:') + 1}:3: warning TM501 compose service 'redpanda' (image "
        "docker.redpanda.com/vectorized/redpanda:v22.2.2) is not in shop.threatmodel.yaml: no element has the id, "
        "name or alias 'redpanda'; add an element with aliases: [redpanda], or an exemption (component: redpanda, "
        "with the rationale)",
        f"deploy/k8s/cartservice.yaml:{cart.index('  name: redis-cart') + 1}:9: warning TM501 Kubernetes Deployment "
        "'redis-cart' (image redis:alpine) is not in shop.threatmodel.yaml: no element has the id, name or alias "
        "'redis-cart'; add an element with aliases: [redis-cart], or an exemption (component: redis-cart, with the "
        "rationale)",
    ]  # the negated legacy folder and the file outside the scope are not read
    assert lines[-1] == "Found 2 drift findings for 1 model."


def test_json_and_sarif(shop):
    out = json.loads(run(shop, "--format", "json").stdout)
    assert [(f["file"], f["rule"]) for f in out] == [("deploy/compose.yml", "TM501"),
                                                      ("deploy/k8s/cartservice.yaml", "TM501")]
    sarif = json.loads(run(shop, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == \
        ["deploy/compose.yml", "deploy/k8s/cartservice.yaml"]
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["TM501"]["properties"]["tags"][-1] == "drift" and rules["TM502"]["defaultConfiguration"]["level"] == "warning"


def test_no_drift_passes_and_fail_on_error_lets_warnings_through(shop):
    assert run(shop, "--fail-on", "error").returncode == 0
    model = shop / "shop.threatmodel.yaml"
    model.write_text(MODEL + "  - {id: broker, kind: data_store, name: Broker, aliases: [redpanda]}\n"
                     "exemptions:\n  - {component: redis-cart, rationale: the cart cache holds no customer data}\n",
                     encoding="utf-8")
    proc = run(shop)
    assert proc.returncode == 0 and proc.stdout.startswith("No drift: 1 model checked"), proc.stdout


def test_a_broken_infrastructure_file_is_a_finding_with_a_position(shop):
    (shop / "deploy" / "compose.yml").write_text("services:\n  web:\n    image: nginx\n  - oops\n", encoding="utf-8")
    proc = run(shop)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("deploy/compose.yml:"))
    assert line.startswith("deploy/compose.yml:4:3: warning TM500 cannot read this compose file: YAML syntax error")
    assert "Traceback" not in proc.stderr


def test_a_model_that_does_not_parse_is_named_and_skipped(shop):
    (shop / "shop.threatmodel.yaml").write_text("version: [\n", encoding="utf-8")
    proc = run(shop)
    assert proc.returncode == 0 and "shop.threatmodel.yaml does not parse" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_configuration_applies(shop):
    (shop / ".threatlint.yaml").write_text("severity: {TM501: info}\n", encoding="utf-8")
    proc = run(shop)
    assert proc.returncode == 0 and proc.stdout.count(" info TM501 ") == 2
    assert run(shop, "--fail-on", "info").returncode == 1


def test_a_component_another_model_covering_it_answers_is_not_reported(shop):
    """A system-wide model and a service model both cover deploy/: the component needs to be in one of them."""
    (shop / "platform.threatmodel.yaml").write_text(
        "version: 1\nsystem: {name: Platform}\nscope: {paths: ['**']}\nelements:\n"
        "  - {id: broker, kind: data_store, name: Broker, aliases: [redpanda]}\n"
        "  - {id: shop, kind: process, name: Shop}\n", encoding="utf-8")
    out = json.loads(run(shop, "--format", "json").stdout)
    reported = sorted((Path(f["file"]).name, f["message"].split(" is not in ")[1].split(":")[0]) for f in out)
    # redpanda: answered by the platform model; etl, db and cartservice: by the shop model; redis-cart: by
    # neither, so both report it. The legacy and outside Terraform files only the platform model covers.
    assert reported == [("cartservice.yaml", "platform.threatmodel.yaml"), ("cartservice.yaml", "shop.threatmodel.yaml"),
                        ("main.tf", "platform.threatmodel.yaml"), ("outside.tf", "platform.threatmodel.yaml")], reported
    assert all("redis-cart" in f["message"] for f in out if f["file"].endswith("cartservice.yaml"))


def test_an_infrastructure_file_that_is_not_utf8_is_reported_not_skipped(shop):
    # A compose file saved as Latin-1 (an accented label): drift says it cannot be sure what the file deploys,
    # at the bad byte, and still reads the services it can see.
    compose = shop / "deploy" / "compose.yml"
    text = compose.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "redpanda:")
    lines.insert(at, "  # r\xe9plication du flux\n")
    compose.write_bytes("".join(lines).encode("latin-1"))
    proc = run(shop)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    tm500 = [line for line in out if " TM500 " in line]
    assert tm500 == [f"deploy/compose.yml:{at + 1}:6: warning TM500 cannot read this file as UTF-8 (byte 0xe9 at offset "
                     f"{len(''.join(lines[:at]).encode('latin-1')) + 5}): drift cannot tell for sure what it deploys; "
                     "save it as UTF-8"]
    assert any(" TM501 " in line and "'redpanda'" in line for line in out)  # what it could read is still judged
