"""The risk register and diagram as data: ranking, business summary, backlog, acceptances, escaping."""
import re
from datetime import date
from pathlib import Path

from threatlint.engine.model import Model
from threatlint.engine.parse import parse_yaml
from threatlint.report import mermaid, register

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "shop.threatmodel.yaml"


def model(text: str) -> Model:
    doc = parse_yaml(text)
    assert doc.ok
    return Model(doc)


def shop() -> Model:
    return model(FIXTURE.read_text(encoding="utf-8"))


def test_ranked_by_priority_then_score():
    reg = register.build(shop(), date(2026, 5, 1))
    assert [r.id for r in reg.threats] == ["T-001", "T-002", "T-003", "T-004", "T-005"]
    # T-002 (high, 8) ranks above T-003 (high, 6): same priority, higher score first
    assert [(r.priority, r.score) for r in reg.threats][:3] == [("critical", 12), ("high", 8), ("high", 6)]


def test_priority_ranking_beats_score_and_rubric_fills_missing_priority():
    m = model("""
version: 1
system: {name: S}
threats:
  - {id: A, title: a, stride: spoofing, affects: [], likelihood: critical, impact: {severity: critical}, priority: low, status: open}
  - {id: B, title: b, stride: spoofing, affects: [], likelihood: low, impact: {severity: low}, priority: high, status: open}
  - {id: C, title: c, stride: spoofing, affects: [], likelihood: high, impact: {severity: high}, status: open}
""")
    reg = register.build(m, date(2026, 1, 1))
    # C has no priority: the rubric gives high (3 x 3 = 9), and its score puts it above B
    assert [(r.id, r.priority) for r in reg.threats] == [("C", "high"), ("B", "high"), ("A", "low")]
    assert reg.threats[0].rubric == "high" and reg.threats[0].score == 9


def test_threat_in_specific_shape():
    reg = register.build(shop(), date(2026, 5, 1))
    t = next(r for r in reg.threats if r.id == "T-002")
    assert t.where == ("Checkout API (ünïcödé) <script>alert(1)</script> → Payments DB; orders|cards #1 (sql q)",)
    assert t.entry == "GET /orders?q=" and t.steps == ("attacker injects UNION SELECT",) and t.target == "Cardholder data"
    assert t.records_exposed == 2_000_000 and t.regulatory == ("PCI-DSS",)
    assert [(m.id, m.status, m.ticket, m.effort) for m in t.mitigations] == [("M-003", "implemented", "PAY-99", "3d")]
    assert t.effort == "3d" and t.owner == "sam@example.com" and t.residual_risk == "low"


def test_business_summary():
    s = register.build(shop(), date(2026, 5, 1)).summary
    assert s.open_by_priority == {"critical": 1, "high": 1, "medium": 0, "low": 0}  # T-002 mitigated, T-004/5 accepted
    assert sorted(s.assets_at_risk) == ["Cardholder data", "Session tokens"]  # not the public catalog
    assert s.records_at_risk == 2_400_000 and s.max_records_exposed == 400_000
    assert set(s.regulations_at_risk) == {"PCI-DSS", "GDPR"}
    assert (s.review_due, s.review_overdue) == ("2026-04-10", True)
    assert register.build(shop(), date(2026, 4, 10)).summary.review_overdue is False


def test_backlog_and_accepted_risks():
    reg = register.build(shop(), date(2026, 5, 1))
    assert [(m.id, m.top_priority, m.ticket) for m in reg.backlog] == [("M-001", "critical", "PAY-123"), ("M-002", "high", "")]
    assert [m.id for m in reg.implemented] == ["M-003"]
    assert [(a.threat.id, a.expires, a.expired) for a in reg.accepted] == [("T-004", "2026-03-01", True), ("T-005", "2027-01-01", False)]
    later = register.build(shop(), date(2027, 1, 2))
    assert [a.expired for a in later.accepted] == [True, True]
    assert register.build(shop(), date(2026, 2, 1)).summary.expired_acceptances == 0


def test_schema_invalid_model_yields_what_it_can():
    m = model("""
version: 1
system: [not, a, mapping]
elements: {oops: 1}
flows: [{id: f, from: x, to: y}, 7]
threats:
  - just a string
  - {id: T-1, title: [1, 2], stride: 5, affects: nope, likelihood: huge, impact: 3, status: open, mitigations: [M-9, 4]}
mitigations: [{id: M-1, title: t, status: planned}]
""")
    reg = register.build(m, date(2026, 1, 1))
    t = reg.threats[0]
    assert (t.id, t.title, t.priority, t.score, t.where) == ("T-1", "", "", None, ("nope",))
    assert [m.title for m in t.mitigations] == ["(undefined mitigation)"]
    assert reg.summary.system == "(unnamed system)"
    assert reg.summary.open_by_priority["unrated"] == 1
    assert "skipped" in mermaid.diagram(m)


def test_mermaid_shapes_boundaries_and_flow_labels():
    text = mermaid.diagram(shop())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph b0["Internet #91;untrusted#93;"]' in lines
    assert '    n0["Shopper #quot;browser#quot;"]' in lines  # external entity: box
    assert any(l.startswith('    n1(["Checkout API') for l in lines)  # process: stadium
    assert any(l.startswith('    n2[("Payments DB#59; orders#124;cards #35;1")]') for l in lines)  # store: cylinder
    assert '  n0 -->|"HTTPS · encrypted · authenticated"| n1' in lines
    assert '  n3 -->|"HTTP · NOT encrypted · NOT authenticated"| n1' in lines
    assert "  linkStyle 2 stroke:#dc2626,stroke-width:2px,color:#dc2626" in lines  # crossing, unprotected


def test_mermaid_labels_cannot_break_out():
    for hostile in ['a"]; click n0 call alert(1) %%', "x|y", "`**md**`", "<img src=x onerror=alert(1)>", "#quot;", "line\nbreak", "end"]:
        inner = re.sub(r"#\w+;", "", mermaid.label(hostile))  # what is left once the entity codes are out
        assert not set(inner) & set('"<>`|[](){};#\n'), (hostile, inner)
    assert mermaid.label("#quot;") == "#35;quot#59;"
    assert mermaid.label("x" * 200).endswith("…") and len(mermaid.label("x" * 200)) == mermaid.MAX_LABEL


def test_mermaid_ids_never_come_from_the_model():
    m = model("""
version: 1
system: {name: S}
boundaries: [{id: end}, {id: "subgraph"}]
elements:
  - {id: end, kind: process, boundary: end}
  - {id: "graph", kind: data_store, boundary: "subgraph"}
  - {id: "ü-x:1", kind: weird}
flows: [{id: "click", from: end, to: graph}, {id: g2, from: "ü-x:1", to: end}]
""")
    text = mermaid.diagram(m)
    assert 'subgraph b0["end"]' in text and 'subgraph b1["subgraph"]' in text
    assert 'n0(["end"])' in text and 'n1[("graph")]' in text and 'n2{{"ü-x:1"}}' in text
    assert "n0 -->|\"click\"| n1" in text and "n2 -->|\"g2\"| n0" in text
