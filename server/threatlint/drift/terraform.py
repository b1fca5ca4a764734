"""Terraform (read with python-hcl2): data stores, queues, buckets, load balancers, functions and API
gateways, as resources or as the well-known modules that create them."""
from __future__ import annotations

import re

from ..engine.finding import Range
from .component import Component, Problem, Read
from .kinds import is_data_engine

# Resource type -> what it is (the wording of messages and the kind a quick fix gives the element).
CATEGORIES: dict[str, str] = {}
for _cat, _types in {
    "data store": ("aws_db_instance", "aws_rds_cluster", "aws_dynamodb_table", "aws_elasticache_cluster",
                   "aws_elasticache_replication_group", "aws_elasticache_serverless_cache", "aws_memorydb_cluster",
                   "aws_docdb_cluster", "aws_neptune_cluster", "aws_redshift_cluster", "aws_opensearch_domain",
                   "aws_elasticsearch_domain", "aws_efs_file_system", "google_sql_database_instance",
                   "google_bigtable_instance", "google_spanner_instance", "google_redis_instance",
                   "google_firestore_database", "google_alloydb_cluster", "azurerm_postgresql_server",
                   "azurerm_postgresql_flexible_server", "azurerm_mysql_server", "azurerm_mysql_flexible_server",
                   "azurerm_mssql_server", "azurerm_mssql_database", "azurerm_cosmosdb_account",
                   "azurerm_redis_cache"),
    "queue": ("aws_sqs_queue", "aws_sns_topic", "aws_kinesis_stream", "aws_kinesis_firehose_delivery_stream",
              "aws_msk_cluster", "aws_mq_broker", "aws_cloudwatch_event_bus", "google_pubsub_topic",
              "google_pubsub_subscription", "azurerm_servicebus_namespace", "azurerm_servicebus_queue",
              "azurerm_servicebus_topic", "azurerm_eventhub", "azurerm_eventhub_namespace", "azurerm_storage_queue"),
    "bucket": ("aws_s3_bucket", "google_storage_bucket", "azurerm_storage_account", "azurerm_storage_container"),
    "load balancer": ("aws_lb", "aws_alb", "aws_elb", "google_compute_url_map", "google_compute_backend_service",
                      "azurerm_lb", "azurerm_application_gateway", "azurerm_frontdoor"),
    "function": ("aws_lambda_function", "google_cloudfunctions_function", "google_cloudfunctions2_function",
                 "google_cloud_run_service", "google_cloud_run_v2_service", "azurerm_function_app",
                 "azurerm_linux_function_app", "azurerm_windows_function_app"),
    "API gateway": ("aws_api_gateway_rest_api", "aws_apigatewayv2_api", "google_api_gateway_api",
                    "azurerm_api_management"),
}.items():
    CATEGORIES.update(dict.fromkeys(_types, _cat))

# Registry modules (terraform-aws-modules/<name>/aws and the like) that create one of the above.
_MODULES = (
    (re.compile(r"(^|[/_-])(rds|rds-aurora|dynamodb-table|elasticache|memory-db|redshift|opensearch|efs|"
                r"sql-db|postgresql|mysql|cosmosdb|redis|memorystore)([/_-]|$)"), "data store"),
    (re.compile(r"(^|[/_-])(sqs|sns|kinesis|msk-kafka-cluster|mq|eventbridge|pubsub|servicebus|eventhub)([/_-]|$)"),
     "queue"),
    (re.compile(r"(^|[/_-])(s3-bucket|cloud-storage|storage-account)([/_-]|$)"), "bucket"),
    (re.compile(r"(^|[/_-])(alb|elb|lb-http|load-balancer|application-gateway)([/_-]|$)"), "load balancer"),
    (re.compile(r"(^|[/_-])(lambda|cloud-function|cloud-run|function-app)([/_-]|$)"), "function"),
    (re.compile(r"(^|[/_-])(apigateway-v2|api-gateway|apigateway|api-management)([/_-]|$)"), "API gateway"),
)
# Attributes holding the name the resource gets in the cloud (an alias a team is likely to use).
_NAME_KEYS = ("name", "identifier", "bucket", "function_name", "cluster_identifier", "cluster_id",
              "replication_group_id", "table_name", "domain_name", "cluster_name", "queue_name")


_RELEVANT = re.compile(r'^[ \t]*(?:resource[ \t]+"?(?:' + "|".join(map(re.escape, CATEGORIES)) +
                       r')"?[ \t]|module[ \t])', re.MULTILINE)


def looks_like(source: str) -> bool:
    """Whether the file may declare a component: a resource of a known type, or a module. Most .tf files
    (variables, outputs, providers, IAM) declare none and are not parsed at all."""
    return _RELEVANT.search(source) is not None


def read(source: str) -> Read:
    out = Read()
    try:
        import hcl2  # imported on first use: lark loads its parser tables when first asked
    except ImportError:
        # The VS Code extension's bundled server leaves python-hcl2 out (its `regex` dependency is compiled).
        out.problems.append(Problem(
            "cannot read Terraform here: python-hcl2 is not installed (the VS Code extension's bundled server "
            "leaves it out); run `threatlint drift` where threatlint is installed, or set "
            "threatlint.importStrategy to fromEnvironment", Range.of(0, 0, 0, 0)))
        return out

    try:
        tree = hcl2.parses_to_tree(source)
    except Exception as e:  # lark's errors, and anything the library raises on text it cannot take
        line = max(int(getattr(e, "line", 1) or 1) - 1, 0)
        col = max(int(getattr(e, "column", 1) or 1) - 1, 0)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        out.problems.append(Problem(f"cannot read this Terraform file: {first}", Range.of(line, col, line, col)))
        return out
    # The concrete tree (not hcl2.loads' dictionaries): it keeps each block's position and spares the
    # conversion of every expression into dictionaries, most of python-hcl2's work on a large file.
    for block in _children(_child(tree, "body"), "block"):
        kind, labels, body, rng = _header(block)
        attrs = _attributes(body)
        if kind == "resource" and len(labels) == 2 and labels[0] in CATEGORIES:
            rtype, label = labels
            out.components.append(_component(f"{rtype}.{label}", label, rtype, CATEGORIES[rtype], attrs, rng))
        elif kind == "module" and len(labels) == 1:
            category = _module_category(attrs.get("source")) or (
                # A local module (source = "../modules/db") says what it makes only through its inputs.
                "data store" if is_data_engine(attrs.get("engine")) else None)
            if category is not None:
                out.components.append(_component(f"module.{labels[0]}", labels[0], attrs.get("source") or "module",
                                                 category, attrs, rng))
    return out


def _component(address: str, label: str, rtype: str, category: str, attrs: dict, rng: Range) -> Component:
    literal = next((attrs[k] for k in _NAME_KEYS if attrs.get(k)), None)
    name = literal or address
    shown = f"Terraform {category} {address}" + (f" ({literal!r})" if literal else "")
    return Component(name, "terraform", shown, rng, tuple(n for n in (address, label) if n != name),
                     attrs.get("engine") or rtype, entry_point=category in ("load balancer", "API gateway"))


def _module_category(source: str | None) -> str | None:
    if not source:
        return None
    s = source.lower().split("?", 1)[0]
    for pattern, category in _MODULES:
        if pattern.search(s):
            return category
    return None


def _child(tree, name: str):
    return next((c for c in getattr(tree, "children", ()) if getattr(c, "data", None) == name), None)


def _children(tree, name: str):
    return [c for c in getattr(tree, "children", ()) if getattr(c, "data", None) == name]


def _ident(node) -> str | None:
    if getattr(node, "data", None) == "identifier" and node.children:
        return str(node.children[0])
    return None


def _string(node) -> str | None:
    """The value of a string literal; None for anything else, interpolations ("${var.x}-db") included."""
    if getattr(node, "data", None) != "string":
        return None
    parts = []
    for c in node.children:
        if getattr(c, "data", None) == "string_part":
            if not all(isinstance(t, str) for t in c.children):  # a lark Token is a str; a Tree is not
                return None
            parts += [str(t) for t in c.children]
    return "".join(parts)


def _header(block):
    """(block type, labels, body, range of `type "label" "label"`)."""
    kind = _ident(block.children[0]) if block.children else None
    labels, body, last = [], None, block.children[0] if block.children else None
    for c in block.children[1:]:
        label = _ident(c) if getattr(c, "data", None) == "identifier" else _string(c)
        if label is not None:
            labels.append(label)
            last = c
        elif getattr(c, "data", None) == "body":
            body = c
    m, e = block.meta, getattr(last, "meta", None)
    end = (e.end_line - 1, e.end_column - 1) if e is not None and not e.empty else (m.line - 1, m.column - 1)
    return kind, labels, body, Range.of(m.line - 1, m.column - 1, *end)


def _attributes(body) -> dict[str, str]:
    """The block's attributes whose value is a plain string literal."""
    out = {}
    for attr in _children(body, "attribute"):
        key = _ident(attr.children[0]) if attr.children else None
        expr = attr.children[-1] if attr.children else None
        value = _string(expr.children[0]) if getattr(expr, "data", None) == "expr_term" and expr.children else None
        if key and value is not None and value.strip():
            out[key] = value
    return out
