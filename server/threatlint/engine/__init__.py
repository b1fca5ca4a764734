"""The engine: pure functions from model text to findings. No I/O, no LSP, no git."""
from .check import check_bytes, check_document, check_text  # noqa: F401
from .context import CheckContext, resolve_today  # noqa: F401
from .finding import Finding, Position, Range, Severity  # noqa: F401
from .parse import ParsedDoc, parse_yaml  # noqa: F401
