"""Drift's readers on real infrastructure files from public projects (tests/fixtures/drift/SOURCES.md), and
on broken ones: every component with the line that declares it, every bad file a finding with a position."""
from __future__ import annotations

from pathlib import Path

import pytest

from threatlint.drift.detect import read_source, source_kind
from threatlint.drift.check import repository
from threatlint.drift.kinds import kind_of
from threatlint.engine.selection import Config
from threatlint.engine.parse import parse_yaml

DRIFT = Path(__file__).resolve().parent / "fixtures" / "drift"


def fixture(rel: str) -> str:
    return (DRIFT / rel).read_text(encoding="utf-8")


def line_of(text: str, needle: str, after: int = 0) -> int:
    """0-based line of the first line containing `needle` from line `after` on."""
    return next(i for i, l in enumerate(text.splitlines()) if i >= after and needle in l)


def components(rel: str):
    read = read_source(rel, fixture(rel))
    assert read is not None and read.problems == []
    return read.components


def test_compose_services_with_images_depends_on_and_urls():
    rel = "awesome-compose/wasmedge-kafka-mysql/compose.yml"
    text = fixture(rel)
    comps = {c.name: c for c in components(rel)}
    assert set(comps) == {"redpanda", "etl", "db"}
    assert comps["redpanda"].image == "docker.redpanda.com/vectorized/redpanda:v22.2.2"
    # etl names db and redpanda only in URLs of its environment (DATABASE_URL, KAFKA_URL) and depends_on
    assert set(comps["etl"].depends_on) == {"db", "redpanda"}
    for name, c in comps.items():
        assert c.range.start.line == line_of(text, f"  {name}:") and c.range.start.character == 2


def test_compose_depends_on_as_a_mapping():
    comps = {c.name: c for c in components("awesome-compose/nginx-aspnet-mysql/compose.yaml")}
    assert comps["backend"].depends_on == ("db",) and comps["proxy"].depends_on == ("backend",)
    assert kind_of(comps["db"].image, comps["db"].what) == "data_store"  # mariadb
    assert kind_of(comps["proxy"].image, comps["proxy"].what) == "process"


def test_kubernetes_workloads_and_services_across_documents():
    rel = "microservices-demo/cartservice.yaml"
    text = fixture(rel)
    comps = components(rel)
    kinds = [(c.name, c.what.split()[1]) for c in comps]
    assert kinds == [("cartservice", "Deployment"), ("cartservice", "Service"), ("redis-cart", "Deployment"),
                     ("redis-cart", "Service")]  # the ServiceAccount is not a component
    redis = comps[2]
    assert redis.range.start.line == line_of(text, "name: redis-cart", line_of(text, "kind: Deployment", 80))
    assert kind_of(redis.image, redis.what) == "data_store"


def test_kubernetes_statefulset_from_kubernetes_examples():
    comps = components("kubernetes-examples/cassandra/cassandra-statefulset.yaml")
    assert [(c.name, c.what.split()[1]) for c in comps] == [("cassandra", "StatefulSet")]
    assert kind_of(comps[0].image, comps[0].what) == "data_store"  # gcr.io/google-samples/cassandra:v14
    assert kind_of("gcr.io/google-samples/microservices-demo/cartservice:v0.3.6", "") == "process"


def test_terraform_resources_and_modules():
    rel = "terraform-aws-rds/db_instance/main.tf"
    text = fixture(rel)
    comps = components(rel)
    assert [c.name for c in comps] == ["aws_db_instance.this"]  # IAM roles, log groups... are not components
    assert comps[0].range.start.line == line_of(text, 'resource "aws_db_instance" "this"')
    rel = "terraform-aws-rds/complete-postgres/main.tf"
    text = fixture(rel)
    comps = components(rel)
    # module "db" (engine = "postgres") and "db_default"; vpc and security_group are not components, and
    # db_disabled has no engine
    assert [c.name for c in comps] == ["module.db", "module.db_default"]
    assert comps[0].range.start.line == line_of(text, 'module "db" {')
    assert all(kind_of(c.image, c.what) == "data_store" for c in comps)


def test_terraform_without_python_hcl2_says_so(monkeypatch):
    """The VS Code extension's bundled server has no python-hcl2: a .tf file gets a clear problem, no crash."""
    import sys

    from threatlint.drift import terraform

    monkeypatch.setitem(sys.modules, "hcl2", None)  # `import hcl2` now raises ImportError
    read = terraform.read(fixture("terraform-aws-rds/db_instance/main.tf"))
    assert read.components == []
    assert len(read.problems) == 1 and "python-hcl2" in read.problems[0].message


def test_terraform_literal_names_are_the_component_names():
    read = read_source("main.tf", 'resource "aws_s3_bucket" "uploads" {\n  bucket = "acme-uploads"\n}\n'
                                  'resource "aws_sqs_queue" "jobs" {\n  name = "${var.env}-jobs"\n}\n')
    assert [(c.name, c.names) for c in read.components] == [
        ("acme-uploads", ("aws_s3_bucket.uploads", "uploads")), ("aws_sqs_queue.jobs", ("jobs",))]
    assert read.components[1].range.start.line == 3


def test_openapi_servers_are_entry_points():
    comps = components("openapi-examples/petstore.yaml")
    assert [(c.name, c.entry_point) for c in comps] == [("petstore.swagger.io", True)]
    assert "Swagger Petstore" in comps[0].names
    assert comps[0].range.start.line == line_of(fixture("openapi-examples/petstore.yaml"), "- url:")


@pytest.mark.parametrize("path,text,line", [
    ("compose.yaml", "services:\n  web:\n    image: [nginx\n", 3),
    ("docker-compose.yml", "services: [a, b]\n", 0),
    ("k8s/app.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\n"
                     "metadata: {name: b\n", 8),
    ("infra/main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n', 2),
    ("infra/bad.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = = "x"\n}\n', 1),
    ("compose.yaml", "services:\n  web: !custom x\n", 1),
    ("compose.yaml", "a: &a [*a]\n", 0),
])
def test_bad_files_give_a_finding_with_a_position(path, text, line):
    read = read_source(path, text)
    assert read is not None
    assert len(read.problems) == 1, read.problems
    assert read.problems[0].range.start.line == line, read.problems
    assert read.problems[0].message.startswith("cannot read this ")
    model = parse_yaml("version: 1\nsystem: {name: x}\nscope: {paths: ['**']}\n")
    found = repository(model, {path: text}, Config())[path]
    assert [f.rule for f in found if f.rule == "TM500"] == ["TM500"]


@pytest.mark.parametrize("path,text,kind", [
    ("deploy/values.yaml", "replicas: 2\n", None),
    (".github/workflows/ci.yml", "on: push\njobs: {}\n", None),
    ("chart/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n",
     None),  # Helm template: not YAML until rendered
    ("docker-compose.override.yml", "services: {}\n", "compose"),
    ("compose.prod.yaml", "services: {}\n", "compose"),
    ("api/openapi.json", '{"openapi": "3.1.0", "info": {"title": "A"}, "servers": [{"url": "https://a.example"}]}',
     "openapi"),
    ("src/main.py", "resource = 1\n", None),
])
def test_which_files_are_infrastructure(path, text, kind):
    assert source_kind(path, text) == kind


def test_answered_components_and_exemptions(tmp_path):
    text = fixture("awesome-compose/react-express-mongodb/compose.yaml")
    model = parse_yaml("""version: 1
system: {name: Todo}
scope: {paths: ['**']}
elements:
  - {id: spa, kind: process, name: Frontend}
  - {id: api, kind: process, name: API, aliases: [BACKEND]}
exemptions:
  - {component: mongo, rationale: the managed database is modelled by the platform team}
""")
    assert repository(model, {"compose.yaml": text}, Config())["compose.yaml"] == []


def test_tm501_fix_data_has_the_kind_and_the_flows_depends_on_implies():
    text = fixture("awesome-compose/nginx-aspnet-mysql/compose.yaml")
    model = parse_yaml("""version: 1
system: {name: Shop}
scope: {paths: ['**']}
elements:
  - {id: proxy, kind: process, name: Proxy}
  - {id: api, kind: process, name: API, aliases: [backend]}
""")
    [f] = repository(model, {"compose.yaml": text}, Config())["compose.yaml"]
    assert f.rule == "TM501" and f.data["component"] == "db" and f.data["kind"] == "data_store"
    assert f.data["flows"] == [("api", "db")]  # backend depends_on db
    assert "aliases: [db]" in f.message and f.range.start.line == text.splitlines().index("  db:")


def test_configuration_and_inline_suppression_apply():
    text = "services:\n  cache:  # threatlint: ignore[TM501] a local cache, nothing leaves the pod\n    image: redis\n" \
           "  queue:\n    image: rabbitmq\n"
    model = parse_yaml("version: 1\nsystem: {name: x}\nscope: {paths: ['**']}\n")
    found = repository(model, {"compose.yaml": text}, Config())["compose.yaml"]
    assert [f.data["component"] for f in found] == ["queue"]
    from threatlint.engine.finding import Severity

    demoted = repository(model, {"compose.yaml": text}, Config(severity=(("TM501", Severity.INFO),)))["compose.yaml"]
    assert [f.severity for f in demoted] == [Severity.INFO]
    assert repository(model, {"compose.yaml": text}, Config(ignore=("TM5",)))["compose.yaml"] == []


@pytest.mark.parametrize("text", [
    (Path(__file__).resolve().parent / "fixtures" / "gate" / "payments.threatmodel.yaml").read_text(encoding="utf-8"),
    "version: 1\nthreats:\n  - id: t\n    notes: |\n      elements: not a key\nelements:\n  - {id: a, kind: process, name: A}\n",
    "version: 1\nassets:\n  - &x {id: a, name: A}\nelements:\n  - {id: e, kind: process, name: E, aliases: [*x]}\n",
    "version: 1\n'elements': [{id: a, kind: process, name: A}]\n# comment\nthreats: [\n  ]\n",
    "{version: 1, elements: [{id: a, kind: process, name: A}]}\n",
    "version: 1\r\nelements: []\r\n",
    "version: 1\nelements:\n- id: a\n  kind: process\n  name: A\nthreats: [{id: t, stride: spoofing\n",
])
def test_the_drift_view_of_a_model_has_the_sections_of_the_full_parse(text):
    from threatlint.drift.model_view import SECTIONS, parse_for_drift

    full, view = parse_yaml(text), parse_for_drift(text)
    if full.ok:
        assert view.ok
        for key in SECTIONS:
            assert view.data.get(key) == full.data.get(key), key
        for i, _ in enumerate(full.data.get("elements") or []):
            from threatlint.engine.locate import locate

            assert locate(view.pos, ("elements", i), "key") == locate(full.pos, ("elements", i), "key")


# -- never a traceback: any text, in any kind of infrastructure file ----------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["services:", "  web:", "    image: redis", "    depends_on: [db]", "apiVersion: v1",
                           "kind: Deployment", "metadata:", "  name: x", "---", "openapi: 3.0.0", "servers:",
                           "  - url: http://a", 'resource "aws_s3_bucket" "b" {', "  bucket = \"x\"", "}",
                           'module "m" {', "  source = \"terraform-aws-modules/sqs/aws\"", "{{ x }}", "[", "{", ":",
                           "&a", "*a", "!tag", "\t", "- ", "#", "${var.x}", "<<EOF", "EOF", "\"", "'"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=25),
       st.sampled_from(["compose.yaml", "k8s.yaml", "main.tf", "openapi.json", "api.yaml"]))
def test_any_text_gives_components_or_problems_never_an_exception(pieces, name):
    text = "\n".join(pieces)
    read = read_source(name, text)
    if read is not None:
        for p in read.problems:
            assert p.message.startswith("cannot read this ") and p.range.start.line >= 0
        for c in read.components:
            assert c.name and c.range.start.line >= 0


def test_every_kubernetes_kind_drift_reads():
    text = """apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly-report}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: r, image: ghcr.io/acme/report:2}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: log-shipper}
spec: {template: {spec: {containers: [{name: f, image: fluent/fluent-bit:3}]}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
"""
    comps = read_source("k8s/all.yaml", text).components
    assert [(c.name, c.what.split()[1], c.image, c.entry_point) for c in comps] == [
        ("nightly-report", "CronJob", "ghcr.io/acme/report:2", False),
        ("log-shipper", "DaemonSet", "fluent/fluent-bit:3", False),
        ("shop", "Ingress", None, True)]
    assert comps[2].depends_on == ("frontend", "api")
    assert [c.range.start.line for c in comps] == [2, 12, 17]
