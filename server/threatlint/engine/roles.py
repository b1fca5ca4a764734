"""What an element is for (a load balancer, a database, a person...), read from its kind, technology and name.

Catalog conditions (`role:`) and rules ask "is this a load balancer / a database / a user?" rather than
matching words themselves, so one table decides it. Words match whole words ("proxy" is not
"proxyless"); a table lists the plurals it means.
"""
from __future__ import annotations

import re
from functools import lru_cache

ROLE_WORDS = {
    "edge": ("load balancer", "load-balancer", "loadbalancer", "elb", "alb", "nlb", "lb", "reverse proxy", "proxy",
             "nginx", "haproxy", "envoy", "traefik", "ingress", "cdn", "cloudfront", "akamai", "fastly", "cloudflare",
             "front door", "waf", "api gateway", "gateway", "edge", "varnish"),
    "static_hosting": ("static site", "static website", "static content", "static hosting", "static files",
                       "static assets", "web server serving static", "s3 website", "github pages", "netlify"),
    "client_app": ("browser", "web browser", "single-page", "single page", "spa", "frontend", "front-end",
                   "front end", "client-side", "client side", "mobile app", "android", "ios app", "desktop app",
                   "javascript app", "react", "angular", "vue", "electron", "web client", "web app client", "client",
                   "desktop client", "mobile client", "cli", "command-line", "command line", "command-line tool",
                   "command line tool", "terminal"),
    # the user's own web browser: software the system does not ship (a client app the team builds is not one)
    "browser": ("browser", "web browser", "user agent", "user-agent"),
    "config": ("config", "configuration", "settings", "properties file", ".env", "env file", "environment file",
               "parameter store", "secrets manager", "vault", "key vault", "keystore", "secret store", "kms"),
    "browser_storage": ("local storage", "localstorage", "session storage", "sessionstorage", "indexeddb", "cookie",
                        "cookies", "browser storage", "browser cache", "web storage"),
    "database": ("database", "db", "sql", "postgres", "postgresql", "mysql", "mariadb", "oracle", "mssql",
                 "sql server", "sqlite", "mongo", "mongodb", "dynamodb", "cassandra", "couchdb", "rds", "aurora",
                 "cosmos", "firestore", "redis", "elasticsearch", "opensearch", "neo4j", "cockroachdb"),
    "directory": ("ldap", "active directory", "directory", "kerberos", "openldap", "entra", "azure ad"),
    "cloud_storage": ("azure storage", "azure file", "azure blob", "file storage", "blob storage", "object storage",
                      "cloud storage", "storage account", "s3", "bucket", "gcs", "google cloud storage", "minio",
                      "efs", "azure files", "file share", "nfs", "smb share"),
    # storage on the process's own host, opened without a network hop: nobody else connects to it
    "local_storage": ("local file system", "local filesystem", "local-file-system", "local disk", "local drive",
                      "sqlite", "embedded database", "in-memory", "tmpfs", "ephemeral storage", "emptydir"),
    "broker": ("kafka", "rabbitmq", "message broker", "broker", "queue", "sqs", "sns", "pubsub", "pub/sub", "nats",
               "kinesis", "activemq", "event hub", "eventbridge", "mqtt", "topic"),
    "external_system": ("processor", "provider", "partner", "bank", "service", "system", "api", "gateway", "psp",
                        "vendor", "saas", "server", "integration", "webhook", "scheduler", "cron", "third party",
                        "third-party", "external system", "platform", "idp", "identity provider"),
    # the service people and clients sign in at, which issues tokens rather than accepting them
    "identity_provider": ("identity provider", "idp", "cognito", "user pool", "keycloak", "okta", "auth0", "entra",
                          "entra id", "azure ad", "azure active directory", "authorization server", "oauth server",
                          "openid provider", "oidc provider", "adfs", "pingfederate", "ping identity", "fusionauth",
                          "identityserver", "identity server"),
    # code run per event by a platform (the platform parses the request and hands it a structured event)
    "function": ("lambda", "aws lambda", "serverless", "cloud function", "cloud functions", "azure function",
                 "azure functions", "function app", "openfaas", "knative"),
    # a vault for secrets and keys: it must return what it holds in clear to its callers
    "secret_store": ("secrets manager", "secret manager", "vault", "key vault", "keyvault", "keystore",
                     "secret store", "kms", "hsm"),
    # a process that speaks HTTP by what it is called (read when a flow states no protocol; proxies are edge)
    "web": ("web", "webapp", "webapps", "website", "webserver", "web-server", "web-application", "api", "apis",
            "rest", "http", "https", "graphql", "apache", "tomcat", "iis", "express", "django", "flask", "rails",
            "php", "portal", "backend", "back-end", "bff"),
    # an actor with no account: nobody to impersonate, nothing it signs in with
    "anonymous": ("anonymous", "anon", "unauthenticated", "unauthenticated user", "guest", "guests", "unregistered",
                  "logged-out", "logged out", "not signed in"),
    "person": ("user", "users", "customer", "customers", "visitor", "visitors", "patient", "patients", "employee",
               "employees", "admin", "administrator", "administrators", "operator", "operators", "staff", "member",
               "members", "person", "people", "human", "client user", "end user", "end-user", "student", "driver",
               "buyer", "seller", "shopper", "attacker", "doctor", "nurse", "clinician", "agent", "developer",
               "developers", "analyst", "manager", "citizen", "player", "players", "gamer", "gamers", "subscriber",
               "subscribers", "guest", "guests"),
}
_ROLE_RX = {role: re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                             + r")(?![a-z0-9])") for role, words in ROLE_WORDS.items()}
_BROWSER_RX = _ROLE_RX["browser"]
# A client app the team builds, named beside the browser it runs in.
_APP_RX = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in sorted(
    set(ROLE_WORDS["client_app"]) - set(ROLE_WORDS["browser"]) - {"client", "web client"}, key=len, reverse=True))
    + r"|app|application)(?![a-z0-9])")
# Data stores that authenticate and authorize their clients themselves (databases, directories, brokers, managed
# cloud storage): spoofing a client towards them, or gaining more rights inside them, is a threat a reviewer
# accepts on the store.
AUTHENTICATING_STORES = frozenset({"database", "directory", "broker", "cloud_storage"})

# What `roles` reads of the elements, as the rules' `reads` declarations name it (rules/registry.py `Reads`).
ROLE_PARTS = ("elements[].id", "elements[].kind", "elements[].name", "elements[].technology")


def _role_text(item: dict) -> str:
    return " ".join(v.lower() for k in ("id", "name", "technology") if isinstance(v := item.get(k), str))


def roles(item) -> frozenset[str]:
    """What an element is, from its kind, technology and name words: edge (load balancer, proxy, CDN,
    gateway), static_hosting, client_app, config, browser_storage, database, directory, broker, cloud_storage,
    person, external_system, anonymous (an outside party with no account), identity_provider (Cognito, Keycloak,
    Okta, Auth0, Entra...), function (Lambda and other event-invoked functions), secret_store (secrets manager,
    vault, KMS), web (named as software that speaks HTTP: web server or app, API, REST...), local_storage (a data
    store on the process's own host: a local disk, an embedded database such as SQLite)."""
    if not isinstance(item, dict):
        return frozenset()
    kind = item.get("kind")
    return _roles(kind if isinstance(kind, str) else None, _role_text(item).replace("_", " "))


@lru_cache(maxsize=4096)  # rules ask about the same elements again and again, and between keystrokes
def _roles(kind: str | None, words: str) -> frozenset[str]:
    found = {role for role, rx in _ROLE_RX.items() if rx.search(words)}
    if kind != "external_entity":
        found -= {"person", "external_system", "anonymous"}
    elif "external_system" in found:
        found -= {"person", "edge"}
    if kind == "external_entity":
        found -= {"database", "config", "browser_storage", "directory", "broker", "static_hosting", "cloud_storage"}
    if kind == "process":
        found -= {"cloud_storage"}
    if kind != "process":
        found -= {"function", "web"}  # software the system runs; an outside party is a person or an external system
    if kind == "data_store":
        found.discard("identity_provider")
    if kind == "data_store":
        found -= {"edge", "client_app", "static_hosting", "browser"}
    else:
        found.discard("local_storage")
    if "browser" in found and _APP_RX.search(_BROWSER_RX.sub(" ", words)):
        found.discard("browser")  # "Storefront SPA in the browser": the team's app, running in a browser
    if "edge" in found:
        # "API gateway with Cognito tokens": a proxy that checks tokens, neither the identity provider that issues
        # them nor the web application behind it
        found -= {"identity_provider", "web"}
    if "browser_storage" in found:
        found -= {"database", "config"}
    if "config" in found and kind == "data_store":
        found.discard("database")
    return frozenset(found)


