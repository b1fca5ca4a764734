"""Lines as LSP counts them, and the translation from libyaml's lines to those.

LSP (and every editor) ends a line at \\r\\n, \\r or \\n only. libyaml (YAML 1.1) also
breaks lines at NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
(U+2029), so in a text holding one of those its marks count more lines than
the editor shows; every position after such a character must be translated.
"""
from __future__ import annotations

import re
from bisect import bisect_right

LSP_BREAK = re.compile(r"\r\n|\r|\n")
_YAML_BREAK = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")
YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def lsp_lines(text: str) -> list[str]:
    # str.split is four times faster than the regex; without "\r" they agree (the language server calls this
    # twice per keystroke on the whole document).
    return text.split("\n") if "\r" not in text else LSP_BREAK.split(text)


def _starts(pattern: re.Pattern, text: str) -> list[int]:
    return [0] + [m.end() for m in pattern.finditer(text)]


def position_at(text: str, offset: int) -> tuple[int, int]:
    """(line, character) of a code-point offset, counting lines as LSP does."""
    starts = _starts(LSP_BREAK, text[:offset])
    return len(starts) - 1, offset - starts[-1]


def needs_translation(text: str) -> bool:
    return any(ch in text for ch in YAML_ONLY_BREAKS)


class YamlToLsp:
    """Maps libyaml (line, column) marks of one text to LSP (line, character) positions."""

    def __init__(self, text: str):
        self._yaml = _starts(_YAML_BREAK, text)
        self._lsp = _starts(LSP_BREAK, text)
        self._size = len(text)

    def __call__(self, mark: tuple[int, int]) -> tuple[int, int]:
        line, col = mark
        if line >= len(self._yaml):
            return mark
        offset = min(self._yaml[line] + col, self._size)
        lsp_line = bisect_right(self._lsp, offset) - 1
        return lsp_line, offset - self._lsp[lsp_line]
