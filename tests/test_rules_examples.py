"""examples/: the payments model is realistic and clean; the mistakes model shows a varied set of findings."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from threatlint.engine.model import APPLICABLE, STRIDE, categories

ROOT = Path(__file__).resolve().parent.parent
PAYMENTS = ROOT / "examples" / "payments" / "threatmodel.yaml"


def check(*args):
    """`threatlint check` from the repository root, as a newcomer runs it (scope paths are repo-relative)."""
    out = subprocess.run([sys.executable, "-m", "threatlint", "check", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("today", ["2026-11-23", "2027-10-30"])
def test_payments_example_has_no_finding(today):
    code, out, err = check("examples/payments", "--format", "json", "--today", today)
    assert (code, json.loads(out)) == (0, []), err


def test_payments_example_text_output():
    code, out, _ = check("examples/payments", "--today", "2026-11-23")
    assert code == 0
    assert out.strip() == "All checks passed: 1 model file, no findings."


def test_payments_example_is_realistic():
    data = yaml.safe_load(PAYMENTS.read_text(encoding="utf-8"))
    assert len(data["elements"]) >= 8 and len(data["flows"]) >= 6 and len(data["threats"]) >= 15
    used = {c for t in data["threats"] for c in categories(t["stride"])}
    assert used == set(STRIDE)
    assert {e["kind"] for e in data["elements"]} == set(APPLICABLE) - {"flow"}
    for t in data["threats"]:
        assert {"entry", "steps", "target"} <= set(t["attack_path"]), t["id"]
    assert all(m.get("ticket") for m in data["mitigations"])
    assert all(a["validated"] is True and a["evidence"] for a in data["assumptions"])
    # scope.paths cover real files of this repository (TM404 would say otherwise)
    assert (ROOT / "examples" / "payments" / "src" / "payments" / "webhooks.py").is_file()
    assert (ROOT / "examples" / "payments" / "src" / "tests").is_dir()


def test_mistakes_example_shows_many_rules():
    code, out, _ = check("examples/mistakes", "--format", "json", "--today", "2026-11-23")
    assert code == 1
    rules = {f["rule"] for f in json.loads(out)}
    assert len(rules) >= 10
    assert {"TM002", "TM003", "TM004", "TM101", "TM104", "TM202", "TM203", "TM204", "TM305", "TM401"} <= rules


def test_check_examples_directory_finds_both_models():
    code, out, _ = check("examples", "--today", "2026-11-23")
    assert code == 1
    assert "in 2 files." in out.splitlines()[-1]
    assert "examples/payments" not in out
