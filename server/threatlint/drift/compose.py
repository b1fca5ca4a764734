"""Compose files: each service is a component; depends_on, links and URLs naming another service are its
connections."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..engine.finding import Range
from .component import Component, Problem, Read
from .yamldocs import single_document, text, where

# scheme://[user[:pass]@]host[:port]: the host part names the service called.
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+")


def read(source: str) -> Read:
    out = Read()
    doc = single_document(source, "compose file", out.problems)
    if doc is None:
        return out
    data = doc.data
    if not isinstance(data, dict):
        out.problems.append(Problem("cannot read this compose file: expected a mapping with a 'services' key",
                                    Range.of(doc.line_offset, 0, doc.line_offset, 0)))
        return out
    services = data.get("services")
    if services is None:
        return out
    if not isinstance(services, dict):
        out.problems.append(Problem("cannot read this compose file: 'services' must be a mapping of service names",
                                    where(doc, ("services",))))
        return out
    names = {str(k).lower(): str(k) for k in services}
    for key, svc in services.items():
        name = str(key)
        svc = svc if isinstance(svc, dict) else {}
        image = text(svc.get("image"))
        also = [n for n in (text(svc.get("container_name")), text(svc.get("hostname"))) if n and n != name]
        shown = f"compose service '{name}'" + (f" (image {image})" if image else "")
        out.components.append(Component(
            name, "compose", shown, where(doc, ("services", key)), tuple(also), image,
            tuple(dict.fromkeys(c for c in _connections(svc, names) if c != name))))
    return out


def _connections(svc: dict, services: dict[str, str]):
    """Services this one connects to: depends_on (list or mapping), links ("db" or "db:alias") and
    environment values holding a URL whose host is another service ("redis://cache:6379")."""
    deps = svc.get("depends_on")
    if isinstance(deps, dict):
        yield from (str(k) for k in deps)
    elif isinstance(deps, list):
        yield from (t for t in map(text, deps) if t)
    links = svc.get("links")
    for link in links if isinstance(links, list) else ():
        t = text(link)
        if t:
            yield t.split(":", 1)[0]
    env = svc.get("environment")
    if isinstance(env, dict):
        values = list(env.values())
    elif isinstance(env, list):
        values = [v.split("=", 1)[1] for v in env if isinstance(v, str) and "=" in v]
    else:
        values = []
    for v in values:
        if not isinstance(v, str):
            continue
        for m in _URL.finditer(v):
            host = _host(m.group(0))
            if host in services:
                yield services[host]


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
