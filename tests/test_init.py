"""`threatlint init`: a schema-valid starter model with the right scope, refusing to overwrite."""
import subprocess
from pathlib import Path

import pytest

from threatlint.cli import main
from threatlint.engine import check_text, parse_yaml
from threatlint.scaffold.entrypoints import detect, ports_in, routes_in


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def check(path: Path, capsys, today="2026-03-01"):
    """`threatlint check` as JSON on the written file; the findings' rule ids."""
    import json
    main(["check", str(path), "--format", "json", "--today", today])
    return [f["rule"] for f in json.loads(capsys.readouterr().out)]


@pytest.fixture
def repo(tmp_path):
    git_init(tmp_path)
    svc = tmp_path / "services" / "shop ü"
    (svc / "app").mkdir(parents=True)
    (svc / "app" / "main.py").write_text('from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/items/{id}")\ndef item(id): ...\n\n'
                                         "@router.post('/checkout')\ndef checkout(): ...\n")
    (svc / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 8080 9090/udp\n")
    (svc / "node_modules" / "x").mkdir(parents=True)
    (svc / "node_modules" / "x" / "index.js").write_text('app.get("/vendored", h)\n')
    return tmp_path, svc


def test_starter_model_for_a_subdirectory(repo, capsys):
    root, svc = repo
    assert main(["init", str(svc), "--today", "2026-03-01"]) == 0
    assert "wrote" in capsys.readouterr().err
    text = (svc / "threatmodel.yaml").read_text(encoding="utf-8")
    data = parse_yaml(text).data
    assert data["system"]["name"] == "shop ü"
    assert data["scope"]["paths"] == ["services/shop ü/**"]
    # a new model starts as a draft: the guards of real risk, not yet the design and bookkeeping checks
    assert data["review"] == {"last_reviewed": "2026-03-01", "cadence_days": 90, "stage": "draft"}
    assert [(e["id"], e["kind"]) for e in data["elements"]] == [("port-dockerfile", "process"), ("api-app-main-py", "process")]
    assert "GET /items/{id}, POST /checkout" in data["elements"][1]["description"]
    assert "vendored" not in text  # node_modules is not the project's code
    assert text.count("# TODO") >= 8
    rules = check(svc / "threatmodel.yaml", capsys)
    assert not {"TM001", "TM002", "TM003", "TM004", "TM404"} & set(rules), rules
    # schema-valid by the engine alone as well (no repository context)
    assert not [f for f in check_text(text) if f.rule in ("TM001", "TM002")]


def test_repository_root_and_default_path(repo, capsys, monkeypatch):
    root, _ = repo
    monkeypatch.chdir(root)
    assert main(["init", "--no-detect"]) == 0
    data = parse_yaml((root / "threatmodel.yaml").read_text(encoding="utf-8")).data
    assert data["scope"]["paths"] == ["**"] and data["elements"] == [] and data["system"]["name"] == root.name
    capsys.readouterr()
    assert "TM002" not in check(root / "threatmodel.yaml", capsys)


def test_refuses_to_overwrite_without_force(repo, capsys):
    _, svc = repo
    existing = svc / "threatmodel.yaml"
    existing.write_text("mine\n")
    assert main(["init", str(svc)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert existing.read_text() == "mine\n"
    assert main(["init", str(svc), "--force"]) == 0
    assert existing.read_text().startswith("# Threat model")


def test_outside_a_repository_and_bad_paths(tmp_path, capsys):
    d = tmp_path / "lonely"
    d.mkdir()
    assert main(["init", str(d)]) == 0
    text = (d / "threatmodel.yaml").read_text()
    assert 'paths: ["**"]' in text and "not inside a git repository" in text
    assert main(["init", str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_entry_point_detection():
    assert routes_in('@app.route("/a")\n@bp.get("/b")\n  @api.websocket("/ws")\n', "py") == ["ANY /a", "GET /b", "WEBSOCKET /ws"]
    assert routes_in("router.post(`/x`, h); app.get('/y', h)", "js") == ["POST /x", "GET /y"]
    assert routes_in('http.HandleFunc("/h", f)\nr.GET("/g", f)', "go") == ["ANY /h", "GET /g"]
    assert routes_in('@GetMapping("/s")\n@RequestMapping(path = "/r")', "java") == ["GET /s", "ANY /r"]
    assert ports_in("FROM x\nexpose 80\nEXPOSE 443/tcp 8443\n") == ["80", "443/tcp", "8443"]
    assert routes_in("def get(): pass  # app.get('/not-js')", "py") == []


def test_detect_skips_vendored_and_hidden_dirs(tmp_path):
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "a.py").write_text('@app.get("/x")\n')
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "b.js").write_text('app.get("/y")\n')
    (tmp_path / "srv.js").write_text('app.get("/z", h)\n')
    assert [(p.kind, p.file, p.details) for p in detect(tmp_path)] == [("http", "srv.js", ["GET /z"])]
