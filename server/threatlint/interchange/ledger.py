"""What an import kept, mapped and dropped, so the command can say it and a person can check it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Ledger:
    source: str
    version: str = ""  # the source format's version, when the importer reads several
    kept: Counter = field(default_factory=Counter)  # section -> items written
    mapped: dict = field(default_factory=dict)  # (source field, our key) -> how
    extensions: dict = field(default_factory=dict)  # source field -> x- key
    dropped: Counter = field(default_factory=Counter)  # (source field, why) -> times
    missing: Counter = field(default_factory=Counter)  # (our key, why) -> times a required key stays absent
    notes: dict = field(default_factory=dict)  # heading -> lines: what an importer derived and how

    def note(self, heading: str, line: str) -> None:
        self.notes.setdefault(heading, []).append(line)

    def keep(self, section: str, n: int = 1) -> None:
        self.kept[section] += n

    def map(self, source_field: str, key: str, how: str = "") -> None:
        self.mapped.setdefault((source_field, key), how)

    def extend(self, source_field: str, key: str) -> None:
        self.extensions.setdefault(source_field, key)

    def drop(self, source_field: str, why: str, n: int = 1) -> None:
        self.dropped[(source_field, why)] += n

    def lack(self, key: str, why: str) -> None:
        self.missing[(key, why)] += 1

    def summary(self) -> str:
        sections = ("elements", "flows", "boundaries", "assets", "threats", "mitigations", "assumptions")
        lines = [f"imported from {self.source}" + (f" as {self.version}" if self.version else "") + ", kept: " + ", ".join(f"{self.kept[s]} {s}" for s in sections)]
        if self.mapped:
            lines.append("mapped:")
            lines += [f"  {src} -> {key}" + (f" ({how})" if how else "") for (src, key), how in self.mapped.items()]
        if self.extensions:
            lines.append("kept as extension keys:")
            lines += [f"  {src} -> {key}" for src, key in self.extensions.items()]
        for heading, notes in self.notes.items():
            lines.append(f"{heading}:")
            lines += [f"  {n}" for n in notes]
        if self.dropped:
            lines.append("dropped:")
            lines += [f"  {src}: {why}" + (f" (x{n})" if n > 1 else "") for (src, why), n in self.dropped.items()]
        if self.missing:
            lines.append("left absent (the source does not say):")
            lines += [f"  {key}: {why} (x{n})" for (key, why), n in self.missing.items()]
        return "\n".join(lines)
