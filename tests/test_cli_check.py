"""`threatlint check`: paths, formats (text, JSON, SARIF), --fail-on, --today / THREATLINT_TODAY, exit codes."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from threatlint.cli import main
from threatlint.rules import RULES

from conftest import RULE_FIXTURES

CLEAN = """version: 1
system: {name: Login service}
review: {last_reviewed: 2026-11-01, cadence_days: 30}
"""
# TM402 (info), TM403 (warning), TM401 (warning, once the review is due) and nothing else.
# At the operational stage every untracked mitigation gets TM402 (info); at design only those of high threats.
INFO_AND_WARNING = CLEAN.replace("cadence_days: 30", "cadence_days: 30, stage: operational") + """assumptions:
  - {id: A-1, text: The load balancer strips X-Forwarded-For, validated: false}
mitigations:
  - {id: M-1, title: Lock the account for 15 minutes after 5 failed logins, status: planned}
threats:
  - id: T-1
    title: Password spraying against POST /login takes over accounts
    stride: spoofing
    affects: [login]
    likelihood: low
    impact: {severity: low, blast_radius: accounts with reused passwords}
    priority: low
    status: open
    mitigations: [M-1]
    attack_path: {entry: POST /login, steps: [spray common passwords], target: creds}
elements:
  - {id: login, kind: process, name: Login handler}
assets:
  - {id: creds, name: Passwords, classification: credentials}
exemptions:
  - {element: login, stride: [tampering, repudiation, information_disclosure, denial_of_service, elevation_of_privilege], rationale: Platform model}
"""
ERROR_MODEL = "version: 1\nsystem: {name: x, colour: red}\n"


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """Run `threatlint ARGS` in-process from tmp_path; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("THREATLINT_TODAY", raising=False)

    def go(*args):
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err
    return go


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


TEXT_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info) (?P<rule>TM\d{3}) (?P<msg>.+)$")


def test_text_format_is_compiler_style_with_1_based_positions_and_a_summary(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", ERROR_MODEL)
    code, out, _ = run("check", "threatmodel.yaml", "--today", "2026-11-23")
    lines = out.splitlines()
    assert code == 1
    m = TEXT_LINE.match(lines[0])
    assert m, lines[0]
    # `colour` is on line 2, column 19 (1-based): "system: {name: x, colour"
    assert m.group("path", "line", "col", "sev", "rule") == ("threatmodel.yaml", "2", "19", "error", "TM002")
    assert "unknown key 'colour'" in m.group("msg")
    assert lines[-1] == "Found 1 finding (1 error) in 1 file."


def test_clean_file_passes_with_exit_0(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", CLEAN)
    code, out, _ = run("check", "threatmodel.yaml", "--today", "2026-11-23")
    assert (code, out) == (0, "All checks passed: 1 model file, no findings.\n")


def test_directories_find_every_model_name_and_skip_other_yaml_and_venvs(run, tmp_path):
    write(tmp_path / "svc" / "threatmodel.yaml", CLEAN)
    write(tmp_path / "svc" / "auth.threatmodel.yaml", CLEAN)
    write(tmp_path / "svc" / "deep" / "er" / "billing.threatmodel.yml", CLEAN)
    write(tmp_path / "svc" / "config.yaml", ERROR_MODEL)  # not a model file
    write(tmp_path / "svc" / "node_modules" / "pkg" / "threatmodel.yaml", ERROR_MODEL)
    write(tmp_path / "svc" / ".venv" / "threatmodel.yaml", ERROR_MODEL)
    code, out, _ = run("check", "svc", "--format", "json", "--today", "2026-11-23")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run("check", "svc", "--today", "2026-11-23")
    assert out.strip() == "All checks passed: 3 model files, no findings."


def test_files_and_directories_mixed(run, tmp_path):
    write(tmp_path / "a" / "threatmodel.yaml", ERROR_MODEL)
    write(tmp_path / "b.yaml", ERROR_MODEL)  # named explicitly: checked whatever its name
    code, out, _ = run("check", "a", "b.yaml", "--format", "json")
    assert code == 1
    assert sorted({f["file"] for f in json.loads(out)}) == ["a/threatmodel.yaml", "b.yaml"]


def test_json_format_is_spec_7(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", ERROR_MODEL)
    code, out, _ = run("check", ".", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data == [{
        "file": "threatmodel.yaml",
        "rule": "TM002",
        "severity": "error",
        "message": data[0]["message"],
        "range": {"start": {"line": 1, "character": 18}, "end": {"line": 1, "character": 24}},
    }]
    assert data[0]["message"].startswith("$.system.colour: unknown key 'colour'")


@pytest.mark.parametrize("fail_on, today, expected", [
    ("error", "2026-11-23", 0),    # info + warning only
    ("warning", "2026-11-23", 1),
    ("info", "2026-11-23", 1),
])
def test_fail_on(run, tmp_path, fail_on, today, expected):
    write(tmp_path / "threatmodel.yaml", INFO_AND_WARNING)
    code, out, _ = run("check", ".", "--fail-on", fail_on, "--today", today, "--format", "json")
    assert {f["severity"] for f in json.loads(out)} == {"info", "warning"}
    assert code == expected


def test_fail_on_info_with_only_info_findings(run, tmp_path):
    text = INFO_AND_WARNING.replace("validated: false", "validated: true")
    write(tmp_path / "threatmodel.yaml", text)
    for fail_on, expected in (("warning", 0), ("info", 1)):
        code, out, _ = run("check", ".", "--fail-on", fail_on, "--today", "2026-11-23", "--format", "json")
        assert [f["rule"] for f in json.loads(out)] == ["TM402"]
        assert code == expected


def test_today_option_and_environment(run, tmp_path, monkeypatch):
    write(tmp_path / "threatmodel.yaml", CLEAN)  # reviewed 2026-11-01 every 30 days: due 2026-12-01

    def rules(*args):
        code, out, _ = run("check", ".", "--format", "json", "--fail-on", "warning", *args)
        return code, [f["rule"] for f in json.loads(out)]

    assert rules("--today", "2026-12-01") == (0, [])
    assert rules("--today", "2026-12-02") == (1, ["TM401"])
    monkeypatch.setenv("THREATLINT_TODAY", "2026-12-02")
    assert rules() == (1, ["TM401"])
    assert rules("--today", "2026-11-30") == (0, [])  # the option wins over the environment


@pytest.mark.parametrize("args, words", [
    (("check", "missing.yaml"), "no such file"),
    (("check", "empty-dir"), "no threat model files found"),
    (("check", ".", "--today", "2026-13-01"), "invalid date"),
])
def test_usage_errors_exit_2(run, tmp_path, args, words):
    (tmp_path / "empty-dir").mkdir()
    write(tmp_path / "threatmodel.yaml", CLEAN)
    code, out, err = run(*args)
    assert code == 2 and words in err and out == ""


def test_bad_environment_date_exits_2(run, tmp_path, monkeypatch):
    write(tmp_path / "threatmodel.yaml", CLEAN)
    monkeypatch.setenv("THREATLINT_TODAY", "tomorrow")
    code, _, err = run("check", ".")
    assert code == 2 and "invalid date 'tomorrow'" in err


@pytest.mark.parametrize("args", [("check", "--format", "xml"), ("check", "--fail-on", "never"), ("nonsense",)])
def test_argument_errors_exit_2(run, args):
    with pytest.raises(SystemExit) as e:
        run(*args)
    assert e.value.code == 2


def test_output_file(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", ERROR_MODEL)
    code, out, _ = run("check", ".", "--format", "json", "-o", "report.json")
    assert code == 1 and out == ""
    assert json.loads((tmp_path / "report.json").read_text())[0]["rule"] == "TM002"


def test_non_utf8_file_reports_a_positioned_tm001(run, tmp_path):
    (tmp_path / "threatmodel.yaml").write_bytes(b"version: 1\nsystem: {name: caf\xe9}\n")
    code, out, _ = run("check", ".")
    assert code == 1
    assert out.splitlines()[0].startswith("threatmodel.yaml:2:19: error TM001 file is not valid UTF-8")


# --- SARIF ---------------------------------------------------------------------------------------

# The parts of SARIF 2.1.0 that GitHub code scanning reads, as a schema: required keys and 1-based regions.
SARIF_SHAPE = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "pattern": "sarif-2\\.1\\.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"name": {"type": "string"}, "rules": {"type": "array", "items": {
                        "type": "object", "required": ["id", "shortDescription", "help"],
                        "properties": {
                            "id": {"type": "string", "pattern": "^TM[0-9]{3}$"},
                            "shortDescription": {"type": "object", "required": ["text"]},
                            "fullDescription": {"type": "object", "required": ["text"]},
                            "help": {"type": "object", "required": ["text"]},
                            "defaultConfiguration": {"type": "object", "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]}}},
                        }}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "message", "locations", "level"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"], "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"], "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                    "region": {"type": "object",
                                               "required": ["startLine", "startColumn", "endLine", "endColumn"],
                                               "properties": {k: {"type": "integer", "minimum": 1} for k in
                                                              ("startLine", "startColumn", "endLine", "endColumn")}},
                                }}}}},
                    }}},
            }}},
    },
}


def test_sarif_is_2_1_0_with_rule_catalog_and_1_based_regions(run, tmp_path):
    model = write(tmp_path / "svc" / "my model" / "threatmodel.yaml",
                  (RULE_FIXTURES / "tm002_trigger.yaml").read_text(encoding="utf-8"))
    code, out, _ = run("check", "svc", "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    errors = sorted(Draft202012Validator(SARIF_SHAPE).iter_errors(doc), key=str)
    assert not errors, errors[0]
    run0 = doc["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(RULES)
    assert all(r["help"]["text"] == RULES[r["id"]].help for r in rules)
    for res in run0["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "svc/my%20model/threatmodel.yaml", "uriBaseId": "%SRCROOT%"}
    # The same findings as JSON, shifted to 1-based.
    code, out, _ = run("check", "svc", "--format", "json")
    as_json = json.loads(out)
    assert len(as_json) == len(run0["results"])
    for j, s in zip(as_json, run0["results"]):
        region = s["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (j["range"]["start"]["line"] + 1,
                                                                j["range"]["start"]["character"] + 1)
        assert s["ruleId"] == j["rule"] and s["message"]["text"] == j["message"]
        assert s["level"] == {"error": "error", "warning": "warning", "info": "note"}[j["severity"]]
    assert model.is_file()


def test_sarif_with_no_findings_still_lists_the_rules(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", CLEAN)
    code, out, _ = run("check", ".", "--format", "sarif", "--today", "2026-11-23")
    doc = json.loads(out)
    assert code == 0 and doc["runs"][0]["results"] == [] and len(doc["runs"][0]["tool"]["driver"]["rules"]) >= 24


# --- TM404 needs the repository: the CLI hands the engine git's file list -------------------------

def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


def test_scope_paths_are_judged_against_the_git_repository(run, tmp_path):
    git(tmp_path, "init", "-q")
    write(tmp_path / "services" / "login" / "app.py", "print('hi')\n")
    write(tmp_path / "services" / "login" / "tests" / "test_app.py", "")
    write(tmp_path / "build" / "generated.py", "")
    write(tmp_path / ".gitignore", "build/\n")
    model = CLEAN + 'scope:\n  paths: ["services/login/**", "!services/login/tests/**", "build/**", "services/logn/**"]\n'
    write(tmp_path / "services" / "login" / "threatmodel.yaml", model)
    code, out, _ = run("check", "services", "--format", "json", "--today", "2026-11-23", "--fail-on", "warning")
    found = [(f["rule"], f["message"].split("'")[1]) for f in json.loads(out)]
    # ignored files are not part of the repository; untracked, not-ignored ones are
    assert found == [("TM404", "build/**"), ("TM404", "services/logn/**")]
    assert code == 1


def test_outside_a_repository_scope_paths_are_not_judged(run, tmp_path):
    write(tmp_path / "threatmodel.yaml", CLEAN + 'scope:\n  paths: ["nothing/**"]\n')
    code, out, _ = run("check", ".", "--format", "json", "--today", "2026-11-23")
    if (tmp_path / ".git").exists() or subprocess.run(["git", "-C", str(tmp_path), "rev-parse"],
                                                       capture_output=True).returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    assert json.loads(out) == []


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "threatlint", "check", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "--fail-on" in out.stdout and "--today" in out.stdout


def test_version_matches_the_package_and_imports_no_subcommand():
    import threatlint

    code = ("import sys; from threatlint.cli import main; rc = main(['--version']); "
            "print(sorted(m for m in sys.modules if m.startswith('threatlint.cli.'))); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == f"threatlint {threatlint.__version__}"
    assert second == "[]"
    threatlint_bin = Path(sys.executable).parent / "threatlint"
    out = subprocess.run([str(threatlint_bin), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"threatlint {threatlint.__version__}"
