"""Interchange with other threat-modelling tools (see docs/interchange.md).

One module per format and direction: `from_<format>.py` turns the source's parsed data into a threatlint
model (plain data plus the comments `draft.Item` carries), `to_<format>.py` turns a threatlint model into
the other tool's JSON (`threat_dragon_v1.py` reads an older Threat Dragon file into the shape the v2 importer
maps). `detect.py` names the format of a source; `writer.py` writes the model as YAML a
person could have written; `ledger.py` records what was kept, mapped and dropped.
"""
from __future__ import annotations

import importlib

IMPORT_FORMATS = ("threat-dragon", "threat-composer", "threagile", "otm")
EXPORT_FORMATS = ("otm", "threat-dragon", "defectdojo")


class InterchangeError(Exception):
    """The source cannot be read as the format asked for (or as any format, when detecting)."""


def importer(fmt: str):
    """The `convert(data, ledger) -> dict` of the importer for `fmt`."""
    return importlib.import_module(f".from_{fmt.replace('-', '_')}", __name__).convert


def exporter(fmt: str):
    """The `convert(model, doc, source_name) -> dict` of the exporter for `fmt`."""
    return importlib.import_module(f".to_{fmt.replace('-', '_')}", __name__).convert
