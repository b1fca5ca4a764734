"""A plain \\r progress bar on stderr, shown only when stderr is a terminal (never in pipes, CI logs or tests)."""
from __future__ import annotations

import sys

WIDTH = 24


class Progress:
    def __init__(self, total: int, what: str, stream=None):
        self.total = max(total, 0)
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.enabled = self.total > 0 and self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.done = 0

    def step(self, label: str = "") -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = WIDTH * self.done // self.total
        label = label if len(label) <= 40 else "…" + label[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} {self.what} {label}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
