"""OpenAPI documents: each server is an entry point (named by its host, or the API's title)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .component import Component, Read
from .yamldocs import single_document, text, where

_MARK = re.compile(r"""(?:^|[{,])\s*["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)


def looks_like(source: str) -> bool:
    return _MARK.search(source) is not None


def read(source: str) -> Read:
    out = Read()
    doc = single_document(source, "OpenAPI document", out.problems)
    if doc is None:
        return out
    data = doc.data if isinstance(doc.data, dict) else {}
    if "openapi" not in data and "swagger" not in data:
        return out
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    title = text(info.get("title"))
    servers = data.get("servers")
    if isinstance(servers, list):
        for i, server in enumerate(servers):
            url = text(server.get("url")) if isinstance(server, dict) else None
            if url:
                out.components.append(_server(url, title, where(doc, ("servers", i, "url"), "value")))
    elif isinstance(text(data.get("host")), str):  # Swagger 2.0: host (+ basePath)
        out.components.append(_server(f"https://{text(data['host'])}", title, where(doc, ("host",), "value")))
    return out


def _server(url: str, title: str | None, rng) -> Component:
    try:
        host = urlsplit(url).hostname if "://" in url else None
    except ValueError:
        host = None
    name = host or title or url
    names = tuple(n for n in (title, url) if n and n != name)
    shown = f"OpenAPI server {url}" + (f" of '{title}'" if title else "")
    return Component(name, "openapi", shown, rng, names, entry_point=True)
