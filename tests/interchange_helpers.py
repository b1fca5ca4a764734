"""Shared by the interchange tests: run `threatlint import/export` in-process and read what they wrote."""
from __future__ import annotations

import json
from pathlib import Path

from threatlint.cli import main
from threatlint.engine import check_text
from threatlint.engine.parse import parse_yaml

HERE = Path(__file__).parent / "fixtures" / "interchange"
SCHEMAS = HERE / "schemas"
SOURCES = {
    "threat-dragon": [HERE / "threat-dragon" / n for n in ("v2-threat-model.json", "three-tier-web-app.json",
                                                            "e2e-v2-model.json", "v1-demo-threat-model.json",
                                                            "v1-odo-model.json")],
    "threat-composer": [HERE / "threat-composer" / "ThreatComposer.tc.json"],
    "threagile": [HERE / "threagile" / "threagile-example.yaml"],
    "otm": [HERE / "otm" / "EXAMPLE.json", HERE / "otm" / "mobile-cloud.otm.json",
            HERE / "otm" / "startleft-mtmt-nested-tz.otm"],
}
ALL_SOURCES = [(fmt, p) for fmt, paths in SOURCES.items() for p in paths]
# Real Threat Dragon files with trust-boundary curves. Two are not in SOURCES: their threats are not all
# STRIDE (a CIA diagram) or not all rated, which the generic tests there do not allow.
TD_CURVES = [HERE / "threat-dragon" / n for n in ("v2-threat-model.json", "cryptocurrency-wallet.json",
                                                  "iot-device.json", "e2e-v2-model.json")]
# The zones the trust-boundary curves of each real Threat Dragon file split its diagram into: zone id ->
# names of the elements not in a box drawn there (read off the drawings; tests/test_interchange_zones.py).
TD_ZONES = {
    "v2-threat-model.json": {
        "web-application-zone": {"Web Application", "Background Worker Process", "Web Application Config", "Worker Config"},
        "database-zone": {"Database"}, "message-queue-zone": {"Message Queue"}, "browser-zone": {"Browser"}},
    "cryptocurrency-wallet.json": {
        "browser-zone": {"Actor", "Browser", "Mobile App", "Trading Bot"},
        "exchange-backend-zone": {"ElectrumX", "Blockchain", "Exchange Web Site", "Exchange Backend", "Exchange API",
                                  "MongoDB", "MySQL user & config", "Blockchain Integration"}},
    "iot-device.json": {
        "mobile-app-zone": {"User", "Browser", "Mobile App", "My script", "IoT Device", "Local API",
                            "Social networks, Weather data, etc"},
        "web-site-zone": {"Web site", "MySQL database", "Cloud API", "Cloud integration"}},
    "e2e-v2-model.json": {"browser-zone": {"Browser"}, "web-application-zone": {"Web Application"}},
    # Threat Dragon v1 files (tests/test_interchange_threat_dragon_v1.py). The v1 demo's four curves are short
    # arcs: prolonged, each of the six elements not drawn together lands in a zone of its own.
    "v1-odo-model.json": {"developer-zone": {"developer"}, "odo-cli-zone": {"odo CLI", "cloned repo"},
                          "cluster-zone": {"cluster"}},
    "v1-demo-threat-model.json": {
        "web-application-zone": {"Web Application", "Web Application Config"}, "database-zone": {"Database"},
        "message-queue-zone": {"Message Queue"}, "browser-zone": {"Browser"}, "worker-config-zone": {"Worker Config"},
        "background-worker-process-zone": {"Background Worker Process"}},
}


def run_import(src: Path, out: Path, capsys, *extra) -> tuple[str, dict, str]:
    """(text written, its data, what the command printed)."""
    assert main(["import", str(src), "-o", str(out), *extra]) == 0
    printed = capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    doc = parse_yaml(text)
    assert not doc.findings, doc.findings
    return text, doc.data, printed


def run_export(model: Path, fmt: str, out: Path) -> dict:
    assert main(["export", str(model), "--to", fmt, "-o", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def schema_problems(text: str) -> list:
    """TM001/TM002 findings of a model. None is tolerated: the schema requires no rating key of a threat
    (likelihood, impact, priority depend on review.rating, which the importers set), so a model imported from a
    source rated by severity or priority only, with absent ratings left absent, is schema-valid as it is."""
    return [f for f in check_text(text) if f.rule in ("TM001", "TM002")]


def ids(data: dict, section: str) -> list[str]:
    return [i["id"] for i in data.get(section) or []]
