"""`threatlint lsp`: run the language server on stdin/stdout."""
from __future__ import annotations

HELP = "run the language server (LSP over stdio) for editors"


def add_arguments(p) -> None:
    p.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (the default and only transport)")


def run(args) -> int:
    from ..lsp.server import serve  # imported here: other commands need not load pygls

    serve()
    return 0
