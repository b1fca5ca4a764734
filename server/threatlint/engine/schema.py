"""JSON Schema validation (TM002), with each error placed on the node it is about."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib.resources import files

from typing import TYPE_CHECKING

import fastjsonschema

if TYPE_CHECKING:  # jsonschema is imported on first use: a valid model never needs it (100 ms of CLI start-up)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "threatmodel.schema.json"


@lru_cache(maxsize=None)
def load_schema(name: str = SCHEMA_FILE) -> dict:
    return json.loads(files("threatlint.schemas").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(name: str = SCHEMA_FILE) -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker(formats=["date"]))


@lru_cache(maxsize=None)
def fast_validator(name: str = SCHEMA_FILE):
    """A compiled validator that only answers valid/invalid, several times faster than jsonschema.

    jsonschema stays the reference (and the source of every message); this only
    lets a valid document skip it. The schema uses no keyword beyond draft 7, so
    fastjsonschema's draft-7 compiler reads it as written.
    """
    schema = _inline_refs(load_schema(name))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema, formats={"date": _is_date})


_ANNOTATIONS = frozenset({"description", "title", "default", "examples", "$comment", "deprecated"})


def _inline_refs(schema: dict) -> dict:
    """The schema with each `#/$defs/...` reference replaced by the definition itself.

    fastjsonschema compiles a `$ref` into a call that formats the value's name
    with `str.format(**locals())` on every use, which made validation eight times
    slower on a 1,000-threat model. Inlined, the same checks run as straight code.
    A reference's sibling keywords are kept (merged when they only annotate, else
    alongside via allOf); a recursive definition stays a reference.
    """
    defs = schema.get("$defs", {})

    def walk(node, stack):
        if isinstance(node, list):
            return [walk(x, stack) for x in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs and ref not in stack:
            target = walk(defs[ref[8:]], stack + (ref,))
            rest = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
            return {**target, **rest} if set(rest) <= _ANNOTATIONS else {**rest, "allOf": [target]}
        return {k: walk(v, stack) for k, v in node.items()}

    return walk(schema, ())


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def json_path(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _leaf_errors(error: ValidationError):
    """anyOf/oneOf errors say only 'not valid under any schema'; dig out the branch that fits the value's type."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        yield error
        return
    inst = error.instance
    same_type = [e for e in error.context if e.validator != "type"]
    if isinstance(inst, list):
        same_type = [e for e in same_type if e.relative_schema_path and e.relative_schema_path[0] == 1] or same_type
    elif same_type:
        same_type = [e for e in same_type if not (e.relative_schema_path and e.relative_schema_path[0] == 1)] or same_type
    if not same_type:
        yield error
        return
    for e in same_type:
        yield from _leaf_errors(e)


def _short(value) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(e: ValidationError) -> str:
    v = e.validator
    if v == "enum":
        return f"{_short(e.instance)} is not one of: {', '.join(map(str, e.validator_value))}"
    if v == "type":
        expected = e.validator_value if isinstance(e.validator_value, str) else " or ".join(e.validator_value)
        return f"expected {'an' if expected[0] in 'aeiou' else 'a'} {expected}, got {_short(e.instance)}"
    if v == "const":
        return f"must be {_short(e.validator_value)}, got {_short(e.instance)}"
    if v == "pattern":
        what = e.schema.get("description") or f"pattern {e.validator_value}"
        return f"{_short(e.instance)} does not match the required format ({what})"
    if v == "format":
        return f"{_short(e.instance)} is not a valid {e.validator_value} (YYYY-MM-DD)"
    if v == "minLength":
        return "must not be empty"
    if v == "minItems":
        return f"needs at least {e.validator_value} item{'s' if e.validator_value != 1 else ''}"
    if v == "uniqueItems":
        return "has duplicate entries"
    if v in ("minimum", "maximum"):
        return f"{_short(e.instance)} is out of range ({'at least' if v == 'minimum' else 'at most'} {e.validator_value})"
    return e.message


# When one value breaks several keywords (a date that fails both `pattern` and `format`), report the most telling one.
_PREFERENCE = ("type", "const", "enum", "format", "pattern", "minLength", "minItems", "uniqueItems", "minimum", "maximum")


def _rank(validator: str) -> int:
    return _PREFERENCE.index(validator) if validator in _PREFERENCE else len(_PREFERENCE)


def _nested_required(e: ValidationError, key: str) -> str:
    """' (with 'severity')' when the missing key is an object that itself requires keys."""
    sub = e.schema.get("properties", {}).get(key, {})
    inner = sub.get("required") if isinstance(sub, dict) else None
    return f" (with {', '.join(repr(k) for k in inner)})" if inner else ""


def schema_issues(data) -> list[tuple[tuple, str, str]]:
    """Validate `data`; return (path, part, message) with part "key" or "value" for locating.

    One issue per offending node: unknown keys at the key, missing required keys at
    the parent's key, anything else at the value.
    """
    if not isinstance(data, dict):
        return [((), "value", f"a threat model must be a mapping with at least 'version: 1', got {_short(data)}")]
    try:
        fast_validator()(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    issues: list[tuple[tuple, str, str]] = []
    by_value: dict[tuple, ValidationError] = {}
    for top in validator().iter_errors(data):
        for e in _leaf_errors(top):
            path = tuple(e.absolute_path)
            where = json_path(path)
            if e.validator == "additionalProperties" and isinstance(e.instance, dict):
                allowed = e.schema.get("properties", {})
                for key in e.instance:
                    if key not in allowed:
                        hint = ", ".join(sorted(allowed))
                        issues.append((path + (key,), "key", f"{json_path(path + (key,))}: unknown key '{key}'; allowed here: {hint}"))
            elif e.validator == "required" and isinstance(e.instance, dict):
                for key in e.validator_value:
                    if key not in e.instance:
                        issues.append((path, "key", f"{where}: missing required key '{key}'{_nested_required(e, key)}"))
            elif path not in by_value or _rank(e.validator) < _rank(by_value[path].validator):
                by_value[path] = e
    issues += [(path, "value", f"{json_path(path)}: {_describe(e)}") for path, e in by_value.items()]
    return issues
