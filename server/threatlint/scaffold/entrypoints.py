"""Find a directory's entry points (web routes, exposed container ports) to seed a starter model.

Best effort and bounded: regular expressions over at most MAX_FILES source
files of at most MAX_BYTES each; a miss only means fewer starter elements.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..workspace import SKIP_DIRS

MAX_FILES = 5000
MAX_BYTES = 512 * 1024

_PY_ROUTE = re.compile(r"^\s*@\w+(?:\.\w+)*\.(get|post|put|patch|delete|route|api_route|websocket)\(\s*[rbf]?[\"']([^\"']*)", re.M)
_JS_ROUTE = re.compile(r"\b(?:app|router|server|api)\.(get|post|put|patch|delete|all)\(\s*[\"'`]([^\"'`]*)")
_GO_ROUTE = re.compile(r"\b(?:HandleFunc|Handle)\(\s*\"([^\"]*)\"|\.(GET|POST|PUT|PATCH|DELETE)\(\s*\"([^\"]*)\"")
_SPRING = re.compile(r"@(Get|Post|Put|Patch|Delete|Request)Mapping\(\s*(?:value\s*=\s*|path\s*=\s*)?\"?([^\")]*)")
_EXPOSE = re.compile(r"^\s*EXPOSE\s+(.+?)\s*$", re.M | re.I)

SOURCE_EXT = {".py": "py", ".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".go": "go", ".java": "java", ".kt": "java"}


@dataclass
class EntryPoint:
    kind: str  # "http" or "port"
    file: str  # relative to the scanned directory, "/"-separated
    details: list[str] = field(default_factory=list)  # routes ("GET /login") or ports ("8080/tcp")


def routes_in(text: str, lang: str) -> list[str]:
    out = []
    if lang == "py":
        out = [f"{m.group(1).upper() if m.group(1) not in ('route', 'api_route') else 'ANY'} {m.group(2)}" for m in _PY_ROUTE.finditer(text)]
    elif lang == "js":
        out = [f"{m.group(1).upper()} {m.group(2)}" for m in _JS_ROUTE.finditer(text)]
    elif lang == "go":
        out = [f"ANY {m.group(1)}" if m.group(1) is not None else f"{m.group(2)} {m.group(3)}" for m in _GO_ROUTE.finditer(text)]
    elif lang == "java":
        out = [f"{'ANY' if m.group(1) == 'Request' else m.group(1).upper()} {m.group(2)}".rstrip() for m in _SPRING.finditer(text)]
    return list(dict.fromkeys(out))


def ports_in(dockerfile: str) -> list[str]:
    ports = []
    for m in _EXPOSE.finditer(dockerfile):
        ports += m.group(1).split()
    return list(dict.fromkeys(ports))


def detect(directory: Path) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            seen += 1
            if seen > MAX_FILES:
                return found
            path = Path(dirpath) / name
            lang = SOURCE_EXT.get(path.suffix.lower())
            is_docker = name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")
            if not lang and not is_docker:
                continue
            try:
                if path.stat().st_size > MAX_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            rel = path.relative_to(directory).as_posix()
            if is_docker:
                ports = ports_in(text)
                if ports:
                    found.append(EntryPoint("port", rel, ports))
            else:
                routes = routes_in(text, lang)
                if routes:
                    found.append(EntryPoint("http", rel, routes))
    return found
