"""Which file names are threat models: the one definition every front end uses.

The CLI and the gate search folders with these patterns (a repository's `model-patterns` setting replaces
them); the language server treats matching documents as models. The pre-commit hook's `files` regex and
the VS Code extension's globs (`vscode-extension/src/patterns.ts`, `package.json`) are written out in
their own languages; `tests/test_model_filenames.py` checks that they all agree with this one.
"""
from __future__ import annotations

import fnmatch
import posixpath

# File-name patterns (fnmatch, case-sensitive), matched against the last path segment only.
MODEL_PATTERNS = ("threatmodel.yaml", "threatmodel.yml", "*.threatmodel.yaml", "*.threatmodel.yml")


def is_model_file(name: str, patterns=MODEL_PATTERNS) -> bool:
    """True when the last segment of `name` (a file name or a path, `/` or `\\` separated) names a model."""
    base = posixpath.basename(name.replace("\\", "/"))
    return any(fnmatch.fnmatchcase(base, p) for p in patterns)
