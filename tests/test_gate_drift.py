"""The gate runs repository drift on staged infrastructure files in a model's scope: a commit that adds a
component no element answers is blocked with the component, the file and line, and what to add."""
from __future__ import annotations

from pathlib import Path

from test_gate import assert_blocked, assert_passed, make_repo
from test_gate import gate_env, git_template  # noqa: F401

import pytest

DRIFT = Path(__file__).resolve().parent / "fixtures" / "drift"
COMPOSE = (DRIFT / "awesome-compose" / "wasmedge-kafka-mysql" / "compose.yml").read_text(encoding="utf-8")
CART = (DRIFT / "microservices-demo" / "cartservice.yaml").read_text(encoding="utf-8")
RDS = (DRIFT / "terraform-aws-rds" / "db_instance" / "main.tf").read_text(encoding="utf-8")
MODEL = "shop.threatmodel.yaml"
BASE_MODEL = """version: 1
system: {name: Shop, owner: team-shop}
scope:
  paths: ["deploy/**", "src/**"]
review: {last_reviewed: 2026-10-01, cadence_days: 90}
elements:
  - {id: etl, kind: process, name: ETL job}
  - {id: orders-db, kind: data_store, name: Orders DB, aliases: [db]}
flows:
  - {id: etl-writes, from: etl, to: orders-db}
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, l in enumerate(text.splitlines(), 1) if needle in l)


@pytest.fixture
def shop(tmp_path, gate_env, git_template):  # noqa: F811
    r = make_repo(tmp_path / "shop", gate_env, git_template)
    r.write(MODEL, BASE_MODEL)
    r.write("src/app.py", "X = 1\n")
    r.setup_commit()
    return r


def add_with_review(repo, path: str, text: str, model_extra: str = "") -> None:
    """Stage an infrastructure file and a real update of the model (so only drift can block)."""
    repo.write(path, text)
    model = (repo.path / MODEL).read_text(encoding="utf-8").replace("2026-10-01", "2026-11-01") + model_extra
    repo.write(MODEL, model)
    repo.add(path, MODEL)


def test_adding_a_compose_file_with_an_unmodelled_service_is_blocked(shop):
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", COMPOSE)
    out = assert_blocked(shop, shop.commit(), before)
    line = line_of(COMPOSE, "redpanda:")
    finding = next(l for l in out.splitlines() if l.startswith("deploy/compose.yml:"))
    assert finding.startswith(f"deploy/compose.yml:{line}:3: warning TM501 compose service 'redpanda'"), finding
    assert "add an element with aliases: [redpanda], or an exemption" in finding
    # etl is answered by its id, db by the alias of orders-db: neither is reported.
    assert "'etl'" not in out and "service 'db'" not in out
    summary = next(l for l in out.splitlines() if l.startswith(f"{MODEL}: the commit adds"))
    assert "1 component no element answers (redpanda)" in summary and f"git add -- {MODEL}" in summary


def test_adding_the_element_with_the_alias_lets_it_through(shop):
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", COMPOSE,
                    "  - {id: broker, kind: data_store, name: Order events, aliases: [redpanda]}\n")
    # the element goes into the elements list: rewrite the model so it sits there
    text = (shop.path / MODEL).read_text(encoding="utf-8")
    extra = "  - {id: broker, kind: data_store, name: Order events, aliases: [redpanda]}\n"
    text = text.replace(extra, "").replace("flows:\n", extra + "flows:\n")
    shop.write(MODEL, text)
    shop.add(MODEL)
    assert_passed(shop, shop.commit(), before)


def test_an_exemption_answers_the_component(shop):
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", COMPOSE,
                    "exemptions:\n  - {component: redpanda, rationale: local development broker only}\n")
    assert_passed(shop, shop.commit(), before)


def test_an_inline_suppression_in_the_compose_file_answers_it(shop):
    before = shop.head()
    text = COMPOSE.replace("  redpanda:\n", "  redpanda:  # threatlint: ignore[TM501] dev-only broker\n", 1)
    add_with_review(shop, "deploy/compose.yml", text)
    assert_passed(shop, shop.commit(), before)


def test_ignoring_tm501_in_the_configuration_lets_it_through(shop):
    shop.write(".threatlint.yaml", "ignore: [TM501]\n")
    shop.setup_commit("no drift here")
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", COMPOSE)
    assert_passed(shop, shop.commit(), before)


def test_only_components_the_change_adds_are_reported(shop):
    """A service already in the file is `threatlint drift`'s to report; this commit adds another one."""
    shop.write("deploy/compose.yml", COMPOSE)
    shop.setup_commit("compose file before the gate knew about drift")
    before = shop.head()
    added = COMPOSE.rstrip("\n") + "\n  cache:\n    image: redis:7\n"
    add_with_review(shop, "deploy/compose.yml", added)
    out = assert_blocked(shop, shop.commit(), before)
    assert "compose service 'cache' (image redis:7)" in out and "aliases: [cache]" in out
    assert "'redpanda'" not in out
    # An edit that adds no component passes.
    shop.git("reset", "-q", "--hard")
    add_with_review(shop, "deploy/compose.yml", COMPOSE.replace("restart: always", "restart: unless-stopped"))
    assert_passed(shop, shop.commit(), before)


def test_kubernetes_and_terraform_files_are_checked_too(shop):
    before = shop.head()
    shop.write("deploy/k8s/cartservice.yaml", CART)
    shop.write("deploy/tf/rds.tf", RDS)
    add_with_review(shop, "src/app.py", "X = 2\n")
    shop.add("deploy")
    out = assert_blocked(shop, shop.commit(), before)
    assert f"deploy/k8s/cartservice.yaml:{line_of(CART, 'name: cartservice')}:" in out
    assert "Kubernetes Deployment 'cartservice'" in out and "Kubernetes Deployment 'redis-cart' (image redis:alpine)" in out
    header = line_of(RDS, 'resource "aws_db_instance" "this"')
    assert f"deploy/tf/rds.tf:{header}:1: warning TM501 Terraform data store aws_db_instance.this" in out


def test_an_unreadable_compose_file_is_reported_with_its_position(shop):
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", "services:\n  web:\n    image: [nginx\n")
    out = assert_blocked(shop, shop.commit(), before)
    finding = next(l for l in out.splitlines() if l.startswith("deploy/compose.yml:"))
    assert "TM500 cannot read this compose file: YAML syntax error" in finding
    assert finding.split(":")[1] == "4", finding  # where the parser stopped (the unclosed list runs to the end)
    assert "Traceback" not in out


def test_infrastructure_outside_every_scope_is_not_checked(shop):
    before = shop.head()
    shop.write("other/compose.yml", COMPOSE)
    shop.add("other/compose.yml")
    assert_passed(shop, shop.commit(), before)


def test_base_reports_components_the_branch_adds(shop):
    shop.git("checkout", "-q", "-b", "feature")
    add_with_review(shop, "deploy/compose.yml", COMPOSE)
    shop.setup_commit("feature: compose")
    proc = shop.gate("--base", "main")
    assert proc.returncode == 1, proc.stdout
    assert f"deploy/compose.yml:{line_of(COMPOSE, 'redpanda:')}:3: warning TM501" in proc.stdout
    summary = next(l for l in proc.stdout.splitlines() if l.startswith(f"{MODEL}: the branch adds"))
    assert "commit it on this branch" in summary
    shop.write(MODEL, (shop.path / MODEL).read_text(encoding="utf-8") +
               "exemptions:\n  - {component: redpanda, rationale: dev broker}\n")
    shop.setup_commit("feature: exempt the broker")
    assert shop.gate("--base", "main").returncode == 0


# --- TM503: a change removes a component an element still answers ---------------------------------------------

BROKER = "  - {id: broker, kind: data_store, name: Order events, aliases: [redpanda]}\n"


@pytest.fixture
def deployed(shop):
    """The compose file committed, and the model answering all three of its services."""
    shop.write("deploy/compose.yml", COMPOSE)
    shop.write(MODEL, BASE_MODEL.replace("flows:\n", BROKER + "flows:\n"))
    shop.setup_commit("compose and its model")
    return shop


def without_redpanda() -> str:
    lines = COMPOSE.splitlines(keepends=True)
    start = lines.index("  redpanda:\n")
    end = lines.index("  etl:\n")
    return "".join(lines[:start] + lines[end:])


def test_removing_a_service_an_element_answers_is_blocked_on_the_element(deployed):
    before = deployed.head()
    add_with_review(deployed, "deploy/compose.yml", without_redpanda())
    out = assert_blocked(deployed, deployed.commit(), before)
    model_lines = (deployed.path / MODEL).read_text().splitlines()
    finding = next(l for l in out.splitlines() if " TM503 " in l)
    assert finding.startswith(f"{MODEL}:{model_lines.index(BROKER.rstrip()) + 1}:"), finding
    assert "compose service 'redpanda'" in finding and "element 'broker' still answers it" in finding
    summary = next(l for l in out.splitlines() if l.startswith(f"{MODEL}: the commit removes"))
    assert "(broker)" in summary and "out_of_scope" in summary


def test_a_component_still_declared_elsewhere_in_scope_is_not_removed(deployed):
    deployed.write("deploy/k8s/broker.yaml", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redpanda\n")
    deployed.setup_commit("the broker also runs in the cluster")
    before = deployed.head()
    add_with_review(deployed, "deploy/compose.yml", without_redpanda())
    assert_passed(deployed, deployed.commit(), before)


def test_removing_the_element_too_passes_and_so_does_a_suppression(deployed):
    before = deployed.head()
    add_with_review(deployed, "deploy/compose.yml", without_redpanda())
    deployed.write(MODEL, (deployed.path / MODEL).read_text().replace(
        BROKER, BROKER.rstrip() + "  # threatlint: ignore[TM503] the broker moves to the platform team\n"))
    deployed.add(MODEL)
    assert_passed(deployed, deployed.commit(), before)
    before = deployed.head()
    deployed.git("rm", "-q", "deploy/compose.yml")
    text = (deployed.path / MODEL).read_text()
    deployed.write(MODEL, text.replace("  - {id: etl, kind: process, name: ETL job}\n", "")
                   .replace("flows:\n  - {id: etl-writes, from: etl, to: orders-db}\n", "")
                   .replace("name: Orders DB, aliases: [db]}", "name: Orders DB, aliases: [db], out_of_scope: managed by the DBA team}"))
    deployed.add(MODEL)
    assert_passed(deployed, deployed.commit(), before)


def test_deleting_the_file_reports_each_element_it_answered(deployed):
    before = deployed.head()
    deployed.git("rm", "-q", "deploy/compose.yml")
    deployed.edit(MODEL, "2026-10-01", "2026-11-01")
    deployed.add(MODEL)
    out = assert_blocked(deployed, deployed.commit(), before)
    assert sorted(l.split("element '")[1].split("'")[0] for l in out.splitlines() if " TM503 " in l) == \
        ["broker", "etl", "orders-db"]


def test_files_that_are_not_infrastructure_pass_untouched(shop):
    """Binary or non-UTF-8 YAML, a Helm template, plain JSON data and a .tf with no component: not read as
    components, never a crash."""
    before = shop.head()
    (shop.path / "deploy").mkdir(exist_ok=True)
    (shop.path / "deploy" / "blob.yaml").write_bytes(b"apiVersion: v1\nkind: \xff\xfe\x00\n")
    shop.write("deploy/chart/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                                     "  name: {{ .Values.name }}\n")
    shop.write("deploy/data.json", '{"items": [1, 2, 3]}\n')
    shop.write("deploy/variables.tf", 'variable "region" {\n  default = "eu-west-1"\n}\n')
    add_with_review(shop, "src/app.py", "X = 3\n")
    shop.add("deploy")
    proc = shop.commit()
    assert_passed(shop, proc, before)
    assert "Traceback" not in proc.stdout


def test_a_commit_of_code_alone_loads_nothing_of_drift(shop):
    """The gate's budget: when no changed path could be infrastructure, no reader (nor python-hcl2) is imported."""
    shop.write("src/app.py", "X = 4\n")
    shop.add("src/app.py")
    probe = ("import sys\nfrom threatlint.cli import main\ncode = main(['gate'])\n"
             "print(code, sorted(m for m in sys.modules if m.startswith(('threatlint.drift', 'hcl2', 'lark'))))")
    import sys as _sys

    proc = shop.run(_sys.executable, "-c", probe, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "1 ['threatlint.drift', 'threatlint.drift.names']", proc.stdout


def test_drift_reads_a_model_the_scope_cache_knows(shop):
    """On a warm run the gate knows an unchanged model's scope from its cache without reading the model; drift
    still needs the elements, so it reads the model then."""
    before = shop.head()
    add_with_review(shop, "src/app.py", "X = 5\n")
    assert_passed(shop, shop.commit(), before)  # this run remembers the model's scope by its blob id
    assert (shop.path / ".git" / "threatlint-scopes.json").is_file()
    before = shop.head()
    shop.write("deploy/compose.yml", COMPOSE)
    shop.add("deploy/compose.yml")
    out = assert_blocked(shop, shop.commit(), before)
    assert "warning TM501 compose service 'redpanda'" in out, out


def test_a_component_another_covering_model_answers_passes(shop):
    shop.write("platform.threatmodel.yaml", "version: 1\nsystem: {name: Platform}\nscope: {paths: ['deploy/**']}\n"
                                            "elements:\n  - {id: broker, kind: data_store, name: Broker, aliases: [redpanda]}\n")
    shop.setup_commit("a platform-wide model")
    before = shop.head()
    add_with_review(shop, "deploy/compose.yml", COMPOSE)
    # the platform model is in scope of the change too and must be updated; it answers redpanda, the shop model
    # the rest, and it misses etl and db, which the shop model answers
    shop.edit("platform.threatmodel.yaml", "name: Platform", "name: Platform services")
    shop.add("platform.threatmodel.yaml")
    assert_passed(shop, shop.commit(), before)
