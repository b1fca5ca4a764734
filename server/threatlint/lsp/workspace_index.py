"""What the server knows about the workspace beyond the open documents: the models on disk, where each
file's repository starts, the repository's file list (TM404), and which models cover a code file."""
from __future__ import annotations

import os
import time
from pathlib import Path

from ..settings import models_under
from ..workspace import git_root, repo_files
from ..engine.parse import ParsedDoc, decode, parse_yaml
from .coverage import ModelInfo, covers, summary

REPO_FILES_TTL = 30.0  # seconds before TM404's repository file list is read again


class WorkspaceIndex:
    def __init__(self, folders):
        """`folders()` gives the workspace folders' paths (and the root path when there are none)."""
        self._folders = folders
        self._repo_files: dict[Path, tuple[float, tuple[str, ...] | None]] = {}
        self._roots: dict[Path, Path | None] = {}
        self._disk_models: dict[Path, tuple[tuple, ModelInfo]] = {}
        self._model_paths: list[Path] | None = None

    # -- invalidation (the handlers call these on file events) ----------------------------------
    def forget_model_paths(self) -> None:
        """A model may have appeared or gone: list them again when next asked."""
        self._model_paths = None

    def forget_repo_files(self) -> None:
        self._repo_files.clear()

    # -- repositories ---------------------------------------------------------------------------
    def git_root_of(self, path: Path) -> Path | None:
        folder = path.parent
        if folder not in self._roots:
            self._roots[folder] = git_root(folder)
        return self._roots[folder]

    def root_of(self, path: Path) -> Path:
        """What scope patterns are relative to: the git root, else the workspace folder, else the file's folder."""
        root = self.git_root_of(path)
        if root is not None:
            return root
        for fp in self._folders():
            if fp == path or fp in path.parents:
                return fp
        return path.parent

    def repo_files_for(self, path: Path):
        root = self.git_root_of(path)
        if root is None:
            return None
        hit = self._repo_files.get(root)
        if hit is None or time.monotonic() - hit[0] > REPO_FILES_TTL:
            hit = (time.monotonic(), repo_files(root))
            self._repo_files[root] = hit
        return hit[1]

    # -- models -----------------------------------------------------------------------------------
    def model_paths(self) -> list[Path]:
        if self._model_paths is None:
            paths: list[Path] = []
            for fp in self._folders():
                if fp.is_dir():
                    paths += models_under(fp)  # the folder's model-patterns and exclude
            self._model_paths = paths
        return self._model_paths

    def models(self, open_docs: dict[Path, ParsedDoc]) -> list[ModelInfo]:
        """Every model in the workspace folders; `open_docs` (resolved path -> parse) wins over the disk."""
        open_docs = dict(open_docs)
        out = []
        for p in self.model_paths():
            rp = p.resolve()
            if rp in open_docs:
                out.append(ModelInfo(p, self.root_of(rp), open_docs.pop(rp)))
                continue
            info = self._disk_model(p)
            if info is not None:
                out.append(info)
        for rp, doc in open_docs.items():  # open models not (yet) on disk or outside the folders
            out.append(ModelInfo(rp, self.root_of(rp), doc))
        return out

    def _disk_model(self, p: Path) -> ModelInfo | None:
        try:
            st = p.stat()
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        hit = self._disk_models.get(p)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        text, err = decode(p.read_bytes())
        info = ModelInfo(p, self.root_of(p.resolve()), parse_yaml(text if err is None else ""))
        self._disk_models[p] = (stamp, info)
        return info

    def coverage_message(self, path: Path, open_docs: dict[Path, ParsedDoc], today) -> str | None:
        """The one-line summary of the models covering a code file, or None."""
        path = path.resolve()
        parts = [summary(info, today, display(info.path, info.root)) for info in self.models(open_docs) if covers(info, path)]
        return " | ".join(parts) if parts else None


def display(path: Path, root: Path) -> str:
    """How a model is named to the user: relative to its root when inside it."""
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel.replace(os.sep, "/")
