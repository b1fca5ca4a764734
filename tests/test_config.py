"""Repository configuration (select/ignore/severity, files) and inline suppressions."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from threatlint.settings import ConfigError, context_for, find_config, load_for, settings_for
from threatlint.engine import CheckContext, check_text
from threatlint.engine.selection import Config, suppressions
from threatlint.engine.finding import Severity

TODAY = date(2026, 11, 23)
TEAM = Path(__file__).parent / "fixtures" / "catalog" / "team-catalog.yaml"

MODEL = """\
version: 1
system: {name: Shop}
assets:
  - {id: pw, classification: pii}  # not credentials: a request carrying the sender's credentials is authenticated (TM103)
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: shopper, kind: external_entity, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: login, from: shopper, to: api, data: [pw], protocol: HTTP}
"""


def rules_of(findings) -> set[str]:
    return {f.rule for f in findings}


def check(text: str, config: Config | None = None) -> list:
    return check_text(text, CheckContext(today=TODAY, config=config or Config()))


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


# -- select / ignore / severity (pure) -----------------------------------------------------

def test_default_config_enables_every_rule():
    assert Config().enabled("TM101") and Config().enabled("TM404")


def test_select_and_ignore_by_id_and_prefix_most_specific_wins():
    c = Config(select=("TM1",), ignore=("TM106",))
    assert c.enabled("TM101") and c.enabled("TM104")
    assert not c.enabled("TM106") and not c.enabled("TM201")
    c = Config(select=("TM104",))
    assert c.enabled("TM104") and not c.enabled("TM103") and not c.enabled("TM201")
    c = Config(select=("ALL", "TM104"), ignore=("TM1",))
    assert c.enabled("TM104") and not c.enabled("TM103") and c.enabled("TM201")
    assert not Config(select=("ALL",), ignore=("TM2",)).enabled("TM203")
    assert not Config(select=("TM2",), ignore=("TM2",)).enabled("TM203")  # a tie: ignore wins


def test_syntax_errors_cannot_be_deselected():
    assert Config(ignore=("TM0",)).enabled("TM001")
    assert rules_of(check("a: [\n", Config(ignore=("TM",)))) == {"TM001"}


def test_config_filters_and_overrides_findings():
    base = rules_of(check(MODEL))
    assert {"TM101", "TM103", "TM104", "TM106"} <= base
    found = check(MODEL, Config(ignore=("TM101", "TM106")))
    assert "TM101" not in rules_of(found) and "TM106" not in rules_of(found) and "TM104" in rules_of(found)
    found = check(MODEL, Config(select=("TM104",)))
    assert rules_of(found) == {"TM104"}
    found = check(MODEL, Config(severity=(("TM104", Severity.WARNING), ("TM1", Severity.INFO))))
    sev = {f.rule: f.severity for f in found}
    assert sev["TM104"] == Severity.WARNING and sev["TM103"] == Severity.INFO and sev["TM101"] == Severity.INFO


# -- inline suppressions ---------------------------------------------------------------------

def test_same_line_suppression_with_reason():
    text = MODEL.replace("protocol: HTTP}", "protocol: HTTP}  # threatlint: ignore[TM104] test fixture, no real data")
    found = check(text)
    line = line_of(text, "id: login")
    assert not [f for f in found if f.rule == "TM104"]
    assert [f for f in found if f.rule == "TM103" and f.range.start.line == line]  # other rules still apply
    assert "TM007" not in rules_of(found)


def test_prefix_and_several_ids():
    text = MODEL.replace("protocol: HTTP}", "protocol: HTTP}  # threatlint: ignore[TM103, TM10] legacy link, see ADR-12")
    line = line_of(text, "id: login")
    assert not [f for f in check(text) if f.range.start.line == line and f.rule.startswith("TM10")]


def test_comment_alone_on_a_line_covers_the_next_line():
    text = MODEL.replace("  - {id: login", "  # threatlint: ignore[TM104] encrypted by the VPN tunnel\n  - {id: login")
    assert "TM104" not in rules_of(check(text))


def test_suppression_elsewhere_does_not_apply():
    text = MODEL.replace("  - {id: api, kind: process, boundary: vpc}",
                         "  - {id: api, kind: process, boundary: vpc}  # threatlint: ignore[TM104] wrong line")
    assert "TM104" in rules_of(check(text))


def test_suppression_without_reason_still_suppresses_but_is_reported():
    text = MODEL.replace("protocol: HTTP}", "protocol: HTTP}  # threatlint: ignore[TM104]")
    found = check(text)
    assert "TM104" not in rules_of(found)
    tm007 = [f for f in found if f.rule == "TM007"]
    assert len(tm007) == 1 and "no reason" in tm007[0].message
    assert tm007[0].severity == Severity.WARNING
    line = line_of(text, "id: login")
    assert tm007[0].range.start.line == line
    assert text.splitlines()[line][tm007[0].range.start.character:].startswith("# threatlint")


def test_unknown_rule_in_suppression_is_reported():
    text = MODEL.replace("protocol: HTTP}", "protocol: HTTP}  # threatlint: ignore[TM999, XY1] because")
    tm007 = [f for f in check(text) if f.rule == "TM007"]
    assert len(tm007) == 1 and "'TM999'" in tm007[0].message and "'XY1'" in tm007[0].message


def test_suppression_inside_a_quoted_string_is_not_a_comment():
    text = MODEL.replace("system: {name: Shop}", "system: {name: Shop, description: \"see # threatlint: ignore[TM104] x\"}")
    assert suppressions(text) == []
    text = MODEL.replace("system: {name: Shop}", "system: {name: Shop}\n# threatlint: ignore[TM104] real comment")
    assert len(suppressions(text)) == 1


def test_suppression_on_an_item_id_line_hides_element_findings():
    text = MODEL.replace("  - {id: api, kind: process, boundary: vpc}",
                         "  - {id: api, kind: process, boundary: vpc}  # threatlint: ignore[TM101, TM106] modelled in auth.threatmodel.yaml")
    line = line_of(text, "id: api")
    assert not [f for f in check(text) if f.range.start.line == line]


# -- loading configuration files (front-end I/O) ------------------------------------------------

def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    return root


def test_pyproject_table_is_found_from_a_nested_model(tmp_path):
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": "[project]\nname='x'\n\n[tool.threatlint]\nignore = ['TM106']\n"
                     "severity = {TM104 = 'warning'}\nmodel-patterns = ['*.tm.yaml']\n",
                     "svc/a/threatmodel.yaml": MODEL})
    cfg = load_for(tmp_path / "svc" / "a" / "threatmodel.yaml")
    assert cfg.ignore == ("TM106",) and cfg.severity == (("TM104", Severity.WARNING),)
    assert cfg.model_patterns == ("*.tm.yaml",)


def test_yaml_config_wins_over_pyproject_and_nearest_folder_wins(tmp_path):
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": "[tool.threatlint]\nignore = ['TM1']\n",
                     ".threatlint.yaml": "ignore: [TM2]\n", "svc/.threatlint.yaml": "select: [TM104]\n",
                     "svc/threatmodel.yaml": MODEL, "other/threatmodel.yaml": MODEL})
    assert load_for(tmp_path / "other" / "threatmodel.yaml").ignore == ("TM2",)
    assert load_for(tmp_path / "svc" / "threatmodel.yaml").select == ("TM104",)


def test_pyproject_without_the_table_is_not_a_config(tmp_path):
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": "[project]\nname = 'x'\n", "threatmodel.yaml": MODEL})
    assert find_config(tmp_path / "threatmodel.yaml") is None
    assert load_for(tmp_path / "threatmodel.yaml") == Config()


def test_search_stops_at_the_repository_root(tmp_path):
    write(tmp_path, {".threatlint.yaml": "ignore: [TM1]\n", "repo/.git/HEAD": "", "repo/threatmodel.yaml": MODEL})
    assert find_config(tmp_path / "repo" / "threatmodel.yaml") is None


@pytest.mark.parametrize("files,expected", [
    ({".threatlint.yaml": "ignored: [TM101]\n"}, "unknown key 'ignored'"),
    ({".threatlint.yaml": "select: TM101\n"}, "select must be a list of strings"),
    ({".threatlint.yaml": "ignore: [TM9]\n"}, "unknown rule id or prefix 'TM9'"),
    ({".threatlint.yaml": "severity: {TM101: fatal}\n"}, "severity.TM101: unknown severity 'fatal'"),
    ({".threatlint.yaml": "model-patterns: [models/*.yaml]\n"}, "must be a file-name pattern"),
    ({".threatlint.yaml": "select: [\n"}, ".threatlint.yaml:2:1"),
    ({"pyproject.toml": "[tool.threatlint]\nmodel_patterns = ['x']\n"}, "did you mean 'model-patterns'"),
    ({"pyproject.toml": "[tool.threatlint]\nignore = [\n"}, "invalid TOML"),
    ({".threatlint.yaml": "extra-catalogs: [missing.yaml]\n"}, "cannot read"),
])
def test_invalid_config_is_a_clear_error(tmp_path, files, expected):
    write(tmp_path, {".git/HEAD": "", "threatmodel.yaml": MODEL, **files})
    with pytest.raises(ConfigError) as info:
        load_for(tmp_path / "threatmodel.yaml")
    assert expected in str(info.value)
    assert str(tmp_path) in str(info.value)  # names the file


def test_extra_catalogs_are_loaded_relative_to_the_config(tmp_path):
    write(tmp_path, {".git/HEAD": "", ".threatlint.yaml": "extra-catalogs: [security/team.yaml]\n",
                     "security/team.yaml": TEAM.read_text(encoding="utf-8"), "threatmodel.yaml": MODEL})
    ctx = context_for(tmp_path / "threatmodel.yaml", today=TODAY)
    assert ctx.catalog.threat("ACME-I-001") is not None and ctx.today == TODAY


def test_invalid_extra_catalog_names_file_line_and_path(tmp_path):
    bad = TEAM.read_text(encoding="utf-8").replace("kinds: [data_store]", "kinds: [data-store]")
    write(tmp_path, {".git/HEAD": "", ".threatlint.yaml": "extra-catalogs: [team.yaml]\n", "team.yaml": bad,
                     "threatmodel.yaml": MODEL})
    with pytest.raises(ConfigError) as info:
        settings_for(tmp_path / "threatmodel.yaml")
    message = str(info.value)
    line = bad.splitlines().index("    kinds: [data-store]") + 1
    assert f"team.yaml:{line}:" in message and "$.threats[0].kinds[0]" in message and '"data-store" is not one of' in message


def test_config_changes_are_picked_up(tmp_path):
    write(tmp_path, {".git/HEAD": "", ".threatlint.yaml": "ignore: [TM101]\n", "threatmodel.yaml": MODEL})
    assert load_for(tmp_path / "threatmodel.yaml").ignore == ("TM101",)
    write(tmp_path, {".threatlint.yaml": "ignore: [TM101, TM103]\n# longer so the size changes\n"})
    assert load_for(tmp_path / "threatmodel.yaml").ignore == ("TM101", "TM103")
