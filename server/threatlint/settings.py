"""Per-repository configuration: find and read `.threatlint.yaml` or `[tool.threatlint]` (front-end I/O).

Every front end builds its CheckContext with `context_for(model_path, ...)`;
the engine then applies the configuration itself (engine/selection.py), so
`check`, `suggest`, the gate and the language server agree.

Lookup, as ruff does: from the model's folder upwards, the first folder with
`.threatlint.yaml` (or `.threatlint.yml`), or a `pyproject.toml` that has a
`[tool.threatlint]` table, wins (`.threatlint.yaml` before pyproject.toml in
the same folder). The search stops at the repository root (a folder holding
`.git`).
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import date
from pathlib import Path

from .engine.selection import DEFAULT_MODEL_PATTERNS, Config
from .engine.context import CheckContext
from .engine.finding import Severity
from .engine.parse import decode, parse_yaml
from .engine.model import RATINGS, STAGES

if TYPE_CHECKING:
    from .catalog import Catalog
    from .workspace import Exclusion


def _toml():
    # Imported on first use: most repositories have no [tool.threatlint], and the gate starts on every commit.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib

YAML_NAMES = (".threatlint.yaml", ".threatlint.yml")
KEYS = ("select", "ignore", "severity", "model-patterns", "extra-catalogs", "stage", "rating", "release-tags",
        "exclude", "extend-exclude", "respect-gitignore", "gate-model-update")
GATE_MODEL_UPDATES = ("content", "any")
_SELECTOR = re.compile(r"^(ALL|TM[0-9]{0,3})$")


class ConfigError(Exception):
    """The configuration (or a catalog it names) is invalid: message names the file, the key and the problem."""


@dataclass(frozen=True)
class Settings:
    """A loaded configuration with its catalog (built-in plus extra-catalogs)."""

    config: Config
    catalog: "Catalog | None"  # None: the built-in catalog (loaded by TM106 only when a model needs it)
    root: Path | None  # the folder the config file sits in


def find_config(start: Path) -> Path | None:
    """The configuration file that governs `start` (a file or folder), or None."""
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    for folder in (here, *here.parents):
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (folder / ".git").exists():
            return None
    return None


def _has_tool_table(pyproject: Path) -> bool:
    stamp = _stamp([pyproject])
    cached = _TABLES.get(pyproject)
    if cached is None or cached[0] != stamp:
        cached = _TABLES[pyproject] = (stamp, _read_has_tool_table(pyproject))
    return cached[1]


_TABLES: dict[Path, tuple[tuple, bool]] = {}  # editors ask on every check; most pyproject.toml files never change


def _read_has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "threatlint" not in text:
        return False  # no table of ours can be in it: no need to parse every pyproject.toml on the way up
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # Only a file that says [tool.threatlint] is ours to complain about.
        return "[tool.threatlint]" in text
    return isinstance(data.get("tool"), dict) and "threatlint" in data["tool"]


def read_config(path: Path) -> dict:
    """The raw settings mapping of a config file."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    if path.name == "pyproject.toml":
        tomllib = _toml()
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: invalid TOML: {e}") from None
        table = data.get("tool", {}).get("threatlint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.threatlint] must be a table")
        return table
    text, error = decode(raw)
    if error is not None:
        raise ConfigError(f"{path}: {error.message}")
    doc = parse_yaml(text)
    if not doc.ok:
        f = doc.findings[0]
        raise ConfigError(f"{path}:{f.range.start.line + 1}:{f.range.start.character + 1}: {f.message}")
    if doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings ({', '.join(KEYS)})")
    return doc.data


def parse_config(table: dict, source: str, known_rules) -> Config:
    """Check the settings' keys and values and turn them into a Config."""
    where = source if source.endswith(".yaml") or source.endswith(".yml") else f"{source} [tool.threatlint]"
    for key in table:
        if key not in KEYS:
            hint = f" (did you mean '{key.replace('_', '-')}'?)" if key.replace("_", "-") in KEYS else ""
            raise ConfigError(f"{where}: unknown key '{key}'{hint}; allowed: {', '.join(KEYS)}")

    def strings(key) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, got {value!r}")
        return tuple(v.strip() for v in value)

    def selectors(key) -> tuple[str, ...]:
        out = strings(key)
        for sel in out:
            if not _SELECTOR.match(sel) or (sel != "ALL" and not any(r.startswith(sel) for r in known_rules)):
                raise ConfigError(f"{where}: {key}: unknown rule id or prefix '{sel}' (rules: {', '.join(sorted(known_rules))})")
        return out

    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: severity must be a mapping of rule id to error, warning or info")
    overrides = []
    for rule_id, level in severity.items():
        if not _SELECTOR.match(str(rule_id)) or not any(r.startswith(str(rule_id)) for r in known_rules):
            raise ConfigError(f"{where}: severity: unknown rule id or prefix '{rule_id}'")
        try:
            overrides.append((str(rule_id), Severity.parse(str(level))))
        except ValueError as e:
            raise ConfigError(f"{where}: severity.{rule_id}: {e}") from None
    patterns = strings("model-patterns") if "model-patterns" in table else DEFAULT_MODEL_PATTERNS
    for p in patterns:
        if "/" in p or "\\" in p:
            raise ConfigError(f"{where}: model-patterns: '{p}' must be a file-name pattern such as '*.tm.yaml' (no folders)")
    def one_of(key, options) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            raise ConfigError(f"{where}: {key} must be one of {', '.join(options)}, got {value!r}")
        return value

    tags = table.get("release-tags")
    release_tags = (tags,) if isinstance(tags, str) and tags.strip() else strings("release-tags") if tags is not None else ()
    excludes = {key: _exclude_patterns(where, key, strings(key)) for key in ("exclude", "extend-exclude") if key in table}
    respect_gitignore = table.get("respect-gitignore", True)
    if not isinstance(respect_gitignore, bool):
        raise ConfigError(f"{where}: respect-gitignore must be true or false, got {respect_gitignore!r}")
    update = table.get("gate-model-update", "content")
    if update not in GATE_MODEL_UPDATES:
        raise ConfigError(f"{where}: gate-model-update must be 'content' (the parsed model must change) or 'any' "
                          f"(any byte change counts), got {update!r}")
    return Config(select=selectors("select"), ignore=selectors("ignore"), severity=tuple(overrides),
                  model_patterns=patterns, extra_catalogs=strings("extra-catalogs"), release_tags=release_tags,
                  source=source, exclude=excludes.get("exclude"), extend_exclude=excludes.get("extend-exclude", ()),
                  respect_gitignore=respect_gitignore, gate_model_update=update,
                  stage=one_of("stage", STAGES), rating=one_of("rating", RATINGS))


def _exclude_patterns(where: str, key: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
    import pathspec

    for p in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([p])
        except (ValueError, TypeError) as e:
            raise ConfigError(f"{where}: {key}: '{p}' is not a gitignore pattern ({e})") from None
    return patterns


def load_catalog(config: Config, root: Path | None) -> "Catalog | None":
    """The built-in catalog plus the config's extra-catalogs (paths relative to the config file).

    None when there are no extra catalogs: TM106 then reads the built-in one, and only when a model has
    an unanswered category (so the gate and `check` on a complete model never load the catalog).
    """
    from .catalog import CatalogError, with_extra

    if not config.extra_catalogs:
        return None
    parts = []
    boundary = _repository_of(root) if root is not None else None
    for rel in config.extra_catalogs:
        path = (root / rel) if root is not None else Path(rel)
        if boundary is not None and not path.resolve().is_relative_to(boundary):
            # The gate runs on every commit: a repository's config must not make it read files elsewhere.
            raise ConfigError(f"{config.source}: extra-catalogs: {rel} is outside the repository ({boundary}); "
                              "threatlint reads nothing outside it, so copy the catalog into the repository")
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise ConfigError(f"{config.source}: extra-catalogs: cannot read {path}: {e.strerror or e}") from None
        text, error = decode(raw)
        if error is not None:
            raise ConfigError(f"{path}: {error.message}")
        parts.append((str(path), text))
    try:
        return with_extra(parts)
    except CatalogError as e:
        raise ConfigError(f"invalid catalog {e}") from None


def _repository_of(folder: Path) -> Path:
    """The top of the git work tree around `folder` (the folder itself outside any repository)."""
    folder = folder.resolve()
    for f in (folder, *folder.parents):
        if (f / ".git").exists():
            return f
    return folder


# Loaded settings per config file, reloaded when the file or one of its catalogs changes.
_CACHE: dict[Path, tuple[tuple, Settings]] = {}


def _stamp(paths) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def settings_for(path: str | Path) -> Settings:
    """The settings that govern a model file (or folder); raises ConfigError when invalid."""
    cfg_file = find_config(Path(path))
    if cfg_file is None:
        return Settings(Config(), None, None)
    from .rules import RULES  # to check the rule ids a configuration names; not needed without one

    cached = _CACHE.get(cfg_file)
    if cached is not None and cached[0] == _stamp(_inputs(cfg_file, cached[1].config)):
        return cached[1]
    config = parse_config(read_config(cfg_file), str(cfg_file), RULES)
    settings = Settings(config, load_catalog(config, cfg_file.parent), cfg_file.parent)
    _CACHE[cfg_file] = (_stamp(_inputs(cfg_file, config)), settings)
    return settings


def _inputs(cfg_file: Path, config: Config) -> list[Path]:
    return [cfg_file, *(cfg_file.parent / rel for rel in config.extra_catalogs)]


def load_for(path: str | Path) -> Config:
    """The Config that governs a model file (or folder)."""
    return settings_for(path).config


def context_for(path: str | Path, today: date | None = None, repo_files: tuple[str, ...] | None = None) -> CheckContext:
    """The CheckContext for checking the model at `path`: its repository's config and catalog."""
    s = settings_for(path)
    kwargs = {"today": today} if today is not None else {}
    return CheckContext(repo_files=repo_files, config=s.config, catalog=s.catalog, **kwargs)


def exclusion_for(path: str | Path) -> "Exclusion":
    """The paths model discovery skips under `path`: the governing config's exclude and extend-exclude."""
    from .workspace import DEFAULT_EXCLUDE, Exclusion

    s = settings_for(path)
    patterns = DEFAULT_EXCLUDE if s.config.exclude is None else s.config.exclude
    return Exclusion(patterns + s.config.extend_exclude, s.root)


def expand(paths, force_exclude: bool = False) -> tuple[list[Path], list[str]]:
    """Model files among `paths`: folders searched as `models_under` does; a file named explicitly is kept even
    when excluded, unless `force_exclude` (as ruff's --force-exclude)."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            errors.append(f"{raw}: no such file or directory")
            continue
        if p.is_dir():
            files += models_under(p, strict=True)
        elif not (force_exclude and _excluded_file(p)):
            files.append(p)
    return files, errors


def _excluded_file(path: Path) -> bool:
    exclusion = exclusion_for(path)
    folder = exclusion.base if exclusion.base is not None else path.resolve().parent
    rel = os.path.relpath(path.resolve(), folder).replace(os.sep, "/")
    return not rel.startswith("../") and exclusion.matches(rel)


def models_under(folder: str | Path, strict: bool = False) -> list[Path]:
    """Every model under a folder as the folder's configuration defines them: model-patterns, exclude and
    extend-exclude, and (unless respect-gitignore is false) not ignored by git.

    An invalid configuration raises ConfigError with `strict`; otherwise the defaults apply (the language
    server reports the problem on its own and keeps going).
    """
    from .workspace import find_models, ignored_by_git

    try:
        config = load_for(folder)
        found = find_models(folder, config.model_patterns, exclusion_for(folder))
    except ConfigError:
        if strict:
            raise
        config, found = Config(), find_models(folder)
    if config.respect_gitignore and found:
        ignored = ignored_by_git(folder, found)
        found = [p for p in found if p not in ignored]
    return found
