"""A real third-party client: Neovim's built-in LSP client against `threatlint lsp`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text
from threatlint.engine.context import CheckContext

HERE = Path(__file__).parent / "fixtures" / "lsp"
NVIM = shutil.which("nvim")

pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (Debian package `neovim`; .ci/run installs it)")


def test_neovim_shows_threatlint_diagnostics(tmp_path):
    model = tmp_path / "payments.threatmodel.yaml"
    shutil.copy(HERE / "payments.threatmodel.yaml", model)
    out = tmp_path / "diagnostics.json"
    env = {**os.environ, "TL_MODEL": str(model), "TL_OUT": str(out), "THREATLINT_TODAY": "2026-11-23",
           "TL_CMD": json.dumps([sys.executable, "-m", "threatlint", "lsp"]), "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.run([NVIM, "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_diagnostics.lua'}"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.exists(), f"nvim wrote nothing: {proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text())
    assert result["ok"], "no diagnostics arrived in Neovim"
    got = sorted((d["code"], d["lnum"], d["col"]) for d in result["diagnostics"])
    want = sorted((f.rule, f.range.start.line, f.range.start.character)
                  for f in check_text(model.read_text(), CheckContext(today=date(2026, 11, 23))))
    assert got == want
    assert {"TM101", "TM204", "TM401"} <= {d["code"] for d in result["diagnostics"]}
    assert all(d["source"] == "threatlint" for d in result["diagnostics"])
