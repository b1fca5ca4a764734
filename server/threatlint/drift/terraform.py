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
_INTERPOLATED = re.compile(r"\$\{|%\{")


def looks_like(source: str) -> bool:
    return "resource" in source or "module" in source


def read(source: str) -> Read:
    out = Read()
    import hcl2  # imported on first use: lark builds its parser when loaded

    try:
        data = hcl2.loads(source)
    except Exception as e:  # lark's errors, and anything the library raises on text it cannot take
        line = max(int(getattr(e, "line", 1) or 1) - 1, 0)
        col = max(int(getattr(e, "column", 1) or 1) - 1, 0)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        out.problems.append(Problem(f"cannot read this Terraform file: {first}", Range.of(line, col, line, col)))
        return out
    headers = _HeaderIndex(source)
    for block in _blocks(data, "resource"):
        for rtype, by_name in block.items():
            category = CATEGORIES.get(_unquote(rtype))
            if category is None or not isinstance(by_name, dict):
                continue
            for label, body in by_name.items():
                rtype_s, label_s = _unquote(rtype), _unquote(label)
                out.components.append(_component(f"{rtype_s}.{label_s}", label_s, rtype_s, category, body,
                                                 headers.find("resource", rtype_s, label_s)))
    for block in _blocks(data, "module"):
        for label, body in block.items():
            label_s = _unquote(label)
            src = _literal(body.get("source")) if isinstance(body, dict) else None
            engine = _literal(body.get("engine")) if isinstance(body, dict) else None
            # A local module (source = "../modules/db") says what it makes only through its inputs.
            category = _module_category(src) or ("data store" if is_data_engine(engine) else None)
            if category is None:
                continue
            out.components.append(_component(f"module.{label_s}", label_s, src, category, body,
                                             headers.find("module", label_s)))
    return out


def _component(address: str, label: str, rtype: str, category: str, body, rng: Range) -> Component:
    literal = None
    if isinstance(body, dict):
        for key in _NAME_KEYS:
            literal = _literal(body.get(key))
            if literal:
                break
    name = literal or address
    shown = f"Terraform {category} {address}" + (f" ({literal!r})" if literal else "")
    engine = _literal(body.get("engine")) if isinstance(body, dict) else None
    return Component(name, "terraform", shown, rng, tuple(n for n in (address, label) if n != name),
                     engine or rtype, entry_point=category in ("load balancer", "API gateway"))


def _module_category(source: str | None) -> str | None:
    if not source:
        return None
    s = source.lower().split("?", 1)[0]
    for pattern, category in _MODULES:
        if pattern.search(s):
            return category
    return None


def _blocks(data, key: str):
    blocks = data.get(key) if isinstance(data, dict) else None
    if isinstance(blocks, dict):
        blocks = [blocks]
    for b in blocks if isinstance(blocks, list) else ():
        if isinstance(b, dict):
            yield b


def _unquote(s) -> str:
    s = str(s)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _literal(value) -> str | None:
    """A plain string attribute, or None for expressions (var.x, "${...}"), lists and blocks."""
    if not isinstance(value, str):
        return None
    if not (len(value) >= 2 and value[0] == value[-1] == '"'):
        return None  # python-hcl2 keeps the quotes on string literals; anything else is an expression
    inner = value[1:-1]
    return None if _INTERPOLATED.search(inner) or not inner.strip() else inner


class _HeaderIndex:
    """Where each block header (`resource "type" "name" {`) is: python-hcl2's dictionaries carry no lines."""

    def __init__(self, source: str):
        self.source = source
        self.starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.starts.append(i + 1)

    def find(self, *labels: str) -> Range:
        parts = [re.escape(labels[0])] + [rf'"?{re.escape(x)}"?' for x in labels[1:]]
        m = re.search(r"^[ \t]*(" + r"[ \t]+".join(parts) + r")[ \t]*\{", self.source, re.MULTILINE)
        if m is None:
            return Range.of(0, 0, 0, 0)
        import bisect

        line = bisect.bisect_right(self.starts, m.start(1)) - 1
        col = m.start(1) - self.starts[line]
        return Range.of(line, col, line, col + len(m.group(1)))
