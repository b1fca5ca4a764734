"""The element kind a component most likely is (a quick fix's guess; the user can change it)."""
from __future__ import annotations

import re

# Images and engines of data stores and brokers (a queue is a data store in a data-flow diagram).
_DATA = re.compile(r"(^|[/_.:-])(postgres(ql)?|postgis|mysql|mariadb|percona|redis|valkey|keydb|memcached|mongo(db)?|"
                   r"cassandra|scylla(db)?|couchdb|couchbase|elasticsearch|opensearch|solr|neo4j|influxdb|"
                   r"timescaledb|clickhouse|cockroach(db)?|dynamodb(-local)?|minio|etcd|zookeeper|kafka|"
                   r"redpanda|rabbitmq|nats|activemq|artemis|pulsar|mosquitto|mssql|sqlserver|oracle|db2|"
                   r"aurora(-mysql|-postgresql)?|sqlite)([/_.:@-]|$)", re.IGNORECASE)
_STORE_CATEGORIES = ("data store", "queue", "bucket")


def is_data_engine(image: str | None) -> bool:
    """An image or engine name of a database, cache or broker."""
    return bool(image) and _DATA.search(image) is not None


def kind_of(image: str | None, what: str = "") -> str:
    """data_store for databases, caches, brokers, queues and buckets; process otherwise."""
    if is_data_engine(image):
        return "data_store"
    if any(f"Terraform {c} " in what for c in _STORE_CATEGORIES):
        return "data_store"
    return "process"
