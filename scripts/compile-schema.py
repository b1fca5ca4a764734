"""Regenerate server/threatlint/engine/schema_compiled.py after editing schemas/threatmodel.schema.json.

Until it is regenerated the engine compiles the schema at run time (about 100 ms per process), so a
stale module is slow, never wrong. tests/test_schema.py fails while the module is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

from threatlint.engine.schema import COMPILED_MODULE, compiled_source

TARGET = Path(__file__).resolve().parent.parent / "server" / "threatlint" / "engine" / f"{COMPILED_MODULE}.py"


def main() -> int:
    TARGET.write_text(compiled_source(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
