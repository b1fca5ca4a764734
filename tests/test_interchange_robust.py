"""Sources and models of the wrong shape (a list where a mapping belongs, a number for a name, ...)
never crash an import or export, and an export stays valid against its format's schema. The mutations
are drawn from a fixed seed, so a failure can be reproduced."""
from __future__ import annotations

import copy
import json
import random

import pytest
import yaml
from jsonschema import Draft7Validator

from threatlint.engine.parse import parse_yaml
from threatlint.interchange import InterchangeError, exporter, importer
from threatlint.interchange.ledger import Ledger
from threatlint.interchange.writer import render

from interchange_helpers import ALL_SOURCES, SCHEMAS

WRONG = [None, 1, -5, True, "", "x", [], [None], ["x"], {}, {"a": 1}]
ROUNDS = 25


def _paths(node, prefix=()):
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _mutants(data, seed: int):
    rng = random.Random(seed)
    paths = list(_paths(data))
    for _ in range(ROUNDS):
        mutant = copy.deepcopy(data)
        for path in rng.sample(paths, min(3, len(paths))):
            node = mutant
            try:
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = copy.deepcopy(rng.choice(WRONG))
            except (KeyError, IndexError, TypeError):
                pass  # an earlier mutation removed the way there
        yield mutant


@pytest.mark.parametrize("fmt,path", ALL_SOURCES, ids=[p.name for _, p in ALL_SOURCES])
def test_wrong_shapes_in_a_source(fmt, path):
    source = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas = {f: Draft7Validator(json.loads((SCHEMAS / n).read_text(encoding="utf-8"))) for f, n in
               (("otm", "otm.schema.json"), ("threat-dragon", "threat-dragon-v2.schema.json"),
                ("defectdojo", "defectdojo-generic-findings.schema.json"))}
    refused = 0
    for i, mutant in enumerate(_mutants(source, seed=len(path.name))):
        try:
            model = importer(fmt)(mutant, Ledger(path.name))
        except InterchangeError as e:
            # a drawing of the wrong shape (a Threat Dragon v1 diagramJson that is no cell list): the command
            # prints this and exits 2
            assert "Threat Dragon v1 model: detail.diagrams[" in str(e), e
            refused += 1
            continue
        text = render(model, ["mutant"])
        doc = parse_yaml(text)
        assert not doc.findings, (i, doc.findings)
        # and the written model, itself mutated, still exports to valid files
        for twisted in [doc.data, *list(_mutants(doc.data, seed=i))[:2]]:
            for target, validator in schemas.items():
                out = exporter(target)(twisted, "m.yaml", {})
                assert list(validator.iter_errors(out)) == [], (i, target)
    assert refused < ROUNDS // 2  # most wrong shapes are read around, not refused
