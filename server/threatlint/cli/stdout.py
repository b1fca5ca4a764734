"""Writing command output to stdout as UTF-8, whatever the console's code page."""
from __future__ import annotations

import sys


def write_utf8(text: str) -> None:
    """Tools that read our stdout (the VS Code extension, CI scripts) decode it as UTF-8; a cp1252
    or ASCII console encoding would otherwise raise on the first arrow or accented name."""
    raw = getattr(sys.stdout, "buffer", None)
    if raw is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    raw.write(text.encode("utf-8", "surrogateescape"))
    raw.flush()
