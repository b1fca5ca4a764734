"""Which reader an infrastructure file needs, from its name and (cheaply) its text."""
from __future__ import annotations

import fnmatch
import posixpath

from . import compose, kubernetes, openapi, terraform
from .component import Read

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
                 "compose.*.yaml", "compose.*.yml", "docker-compose.*.yaml", "docker-compose.*.yml")
_YAML = (".yaml", ".yml", ".json")


def source_kind(path: str, source: str) -> str | None:
    """compose | kubernetes | terraform | openapi, or None for a file that is none of them.

    Templated manifests (Helm charts, `{{ ... }}`) are not YAML until rendered, so they are left alone.
    """
    name = posixpath.basename(path).lower()
    if name.endswith(".tf"):
        return "terraform" if terraform.looks_like(source) else None
    if not name.endswith(_YAML):
        return None
    if any(fnmatch.fnmatchcase(name, p) for p in COMPOSE_NAMES):
        return "compose"
    if "{{" in source:
        return None
    if openapi.looks_like(source):
        return "openapi"
    if not name.endswith(".json") and kubernetes.looks_like(source):
        return "kubernetes"
    return None


READERS = {"compose": compose.read, "kubernetes": kubernetes.read, "terraform": terraform.read,
           "openapi": openapi.read}


def read_source(path: str, source: str) -> Read | None:
    """The components a file declares, or None when it is not an infrastructure file."""
    kind = source_kind(path, source)
    return None if kind is None else READERS[kind](source)
