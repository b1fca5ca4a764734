"""Regenerate the files derived from data, after editing the schema or the built-in catalog:

- server/threatlint/engine/schema_compiled.py from schemas/threatmodel.schema.json (fastjsonschema's code);
- server/threatlint/catalog/builtin.json from catalog/threats.yaml and catalog/mitigations.yaml;
- docs/rules.md from the rule registry (each rule's text and examples, beside the rule).

Until they are regenerated the engine compiles the schema and reads the YAML at run time (about 100 ms
and 65 ms per process), so a stale file is slow, never wrong; tests fail while either is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

from threatlint.catalog import SNAPSHOT_FILE, snapshot_text
from threatlint.engine.schema import COMPILED_MODULE, compiled_source
from threatlint.rules.docs import render_markdown

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "server" / "threatlint"
TARGETS = {
    PACKAGE / "engine" / f"{COMPILED_MODULE}.py": compiled_source,
    PACKAGE / "catalog" / SNAPSHOT_FILE: snapshot_text,
    ROOT / "docs" / "rules.md": render_markdown,
}


def main() -> int:
    for path, render in TARGETS.items():
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
