"""Patterns of held-out round 3 (docs/precision.md). TM103 does not ask who reads public content (held-out round 3: the Argo CD maintainers' Threagile model pulls its
public image anonymously from Quay, and the web UI fetches its public bundle before anyone signs in). A write of
public data, or a request that sends data and gets an answer, still needs an authenticated sender."""
from __future__ import annotations

from datetime import date

from threatlint.engine import CheckContext, check_text

MODEL = """version: 1
system: {name: GitOps}
assets:
  - {id: image-tag, name: Container image tag, classification: public}
  - {id: ui-bundle, name: Bundled UI code, classification: public}
  - {id: comment, name: Comment, classification: public}
boundaries: [{id: cluster, name: Cluster}, {id: registry-zone, name: Registry}, {id: office, name: Office network}]
elements:
  - {id: controller, kind: process, name: Controller, boundary: cluster}
  - {id: api, kind: process, name: API server, boundary: cluster}
  - {id: ui, kind: process, name: Web UI, boundary: office}
  - {id: quay, kind: data_store, name: Image registry, boundary: registry-zone}
flows:
  - {id: pull, name: Pull image, from: controller, to: quay, data: [image-tag], protocol: HTTPS}
  - {id: get-code, name: Get app code, from: ui, to: api, returns: [ui-bundle], protocol: HTTPS}
  - {id: push, name: Push image, from: controller, to: quay, data: [image-tag], protocol: HTTPS}
  - {id: insert, name: Insert comment, from: ui, to: api, data: [comment], returns: [comment], protocol: HTTPS}
"""


def _tm103() -> set[str]:
    found = check_text(MODEL, CheckContext(today=date(2026, 12, 3)))
    return {f.data["flow"] for f in found if f.rule == "TM103"}


def test_reading_public_content_needs_no_sender_authentication():
    assert not _tm103() & {"pull", "get-code"}


def test_writing_public_content_still_does():
    assert {"push", "insert"} <= _tm103()


# -- TM402: a ticket written in the mitigation's text (Threat Dragon has no ticket field; odo links GitHub issues) ---

TRACKED = """version: 1
system: {name: CLI}
elements: [{id: cli, kind: process, name: CLI}]
threats:
  - {id: T-1, title: Telemetry of cli leaks secrets into logs, stride: information_disclosure, affects: [cli],
     priority: high, status: open, owner: team, mitigations: [M-1]}
  - {id: T-2, title: Devfile registry answers cli over plain HTTP, stride: tampering, affects: [cli],
     priority: high, status: open, owner: team, mitigations: [M-2]}
mitigations:
  - id: M-1
    title: Sanitise telemetry of cli before sending
    description: Ensure secrets do not get stored in logs. https://github.com/redhat-developer/odo/issues/5890
  - {id: M-2, title: Pin the registry of cli to HTTPS, description: See the docs at https://odo.dev/docs/registry}
"""


def test_an_issue_linked_in_the_text_is_the_mitigations_ticket():
    for stage in ("design", "operational"):
        found = check_text(TRACKED.replace("version: 1", f"version: 1\nreview: {{stage: {stage}}}"),
                           CheckContext(today=date(2026, 12, 3)))
        tm402 = [f for f in found if f.rule == "TM402"]
        assert [f.data.get("threat") or f.data.get("mitigation") for f in tm402] == (
            ["T-2"] if stage == "design" else ["M-2"]), stage


# -- a command-line tool is the person's own client: typing into it is no network request ----------------------

LOCAL_CLI = """version: 1
system: {name: odo}
boundaries: [{id: developer-side, name: Developer}, {id: local-side, name: Workstation}, {id: cluster, name: Cluster}]
elements:
  - {id: developer, kind: external_entity, name: Developer, boundary: developer-side}
  - {id: odo-cli, kind: process, name: odo CLI, boundary: local-side}
  - {id: k8s, kind: process, name: Kubernetes API, boundary: cluster}
flows:
  - {id: invoke, name: Run odo dev, from: developer, to: odo-cli}
  - {id: deploy, name: Create deployment, from: odo-cli, to: k8s, protocol: HTTP}
"""


def test_a_person_running_a_cli_is_local_input_not_a_crossing_request():
    found = check_text(LOCAL_CLI, CheckContext(today=date(2026, 12, 3)))
    flows = lambda rule: {f.data.get("flow") or f.data.get("element") for f in found if f.rule == rule}  # noqa: E731
    assert "invoke" not in flows("TM103") | flows("TM107") | flows("TM101")
    assert "deploy" in flows("TM103")  # the CLI's own call to the cluster still crosses unauthenticated


# -- a process that only calls out still holds the credentials it sends (Argo CD's application controller) -------

CONTROLLER = """version: 1
system: {name: GitOps}
assets:
  - {id: cluster-creds, name: Cluster credentials, classification: credentials}
  - {id: manifests, name: Rendered manifests, classification: internal}
boundaries: [{id: argo, name: Argo CD namespace}, {id: clusters, name: Managed clusters}]
elements:
  - {id: controller, kind: process, name: Application controller, boundary: argo}
  - {id: renderer, kind: process, name: Manifest renderer, boundary: argo}
  - {id: k8s, kind: process, name: Cluster API, boundary: clusters}
flows:
  - {id: apply, from: controller, to: k8s, data: [cluster-creds, manifests], protocol: HTTPS}
  - {id: publish, from: renderer, to: k8s, data: [manifests], protocol: HTTPS}
"""


def test_a_process_sending_credentials_across_a_boundary_is_asked_about_their_theft():
    found = check_text(CONTROLLER, CheckContext(today=date(2026, 12, 3)))
    asked = {f.data["element"]: f.data["categories"] for f in found if f.rule == "TM101" and "element" in f.data}
    assert asked.get("controller") == ["information_disclosure"]
    assert "renderer" not in asked  # it calls out with nothing secret: nothing of its own to answer


# -- integration-partner entries are not asked of a person, whatever the model calls them (odo's 'developer') ------

PARTNER = """version: 1
system: {name: odo}
boundaries: [{id: outside, name: Outside}, {id: inside, name: Inside}]
elements:
  - {id: developer, kind: external_entity, name: Developer, boundary: outside}
  - {id: erp, kind: external_entity, name: ERP system, boundary: outside}
  - {id: api, kind: process, name: API, boundary: inside}
flows:
  - {id: dev-call, from: developer, to: api, protocol: HTTPS, authenticated: true}
  - {id: erp-call, from: erp, to: api, protocol: HTTPS, authenticated: true}
"""


def test_partner_entries_are_not_asked_of_a_person():
    from threatlint.catalog import default_catalog
    from threatlint.catalog.matching import matches
    from threatlint.engine.model import Model
    from threatlint.engine.parse import parse_yaml

    model = Model(parse_yaml(PARTNER))
    found = {(m.subject.id, m.threat.id) for m in matches(model, default_catalog())}
    assert not {("developer", "CT-S-010"), ("developer", "CT-R-004")} & found
    assert ("erp", "CT-S-010") in found  # an outside system with a key is the partner the entry is about


# -- an out-of-scope sender does not take the receiver's attack surface out of scope (the Jeep's cellular port) ---

CARRIER = """version: 1
system: {name: Vehicle}
boundaries: [{id: car, name: Vehicle}]
elements:
  - {id: carrier, kind: external_entity, name: Cellular carrier network, out_of_scope: run by the carrier}
  - {id: head-unit, kind: process, name: Head unit, boundary: car}
  - {id: backend, kind: process, name: Telematics backend, out_of_scope: another team's model}
flows:
  - {id: inbound, name: Open service port, from: carrier, to: head-unit, protocol: D-Bus over TCP, authenticated: false}
  - {id: upload, name: Telemetry upload, from: head-unit, to: backend, protocol: MQTT, authenticated: false}
"""


def test_requests_from_an_out_of_scope_sender_are_still_judged_at_the_receiver():
    found = check_text(CARRIER, CheckContext(today=date(2026, 12, 3)))
    assert {f.data["flow"] for f in found if f.rule == "TM103"} == {"inbound"}  # the receiver out of scope: not ours


# -- catalog entries chosen by what an element is, not by a word of its text (the Argo CD model) -------------------

ARGO = """version: 1
system: {name: Argo CD}
assets:
  - {id: image, name: Argo CD container image, classification: public}
  - {id: sources, name: Manifest sources, classification: confidential}
boundaries: [{id: cluster, name: Cluster}, {id: internet, name: Internet}]
elements:
  - {id: ui, kind: process, name: Web UI, description: Argo CD web UI, boundary: cluster}
  - {id: ci, kind: process, name: Build pipeline, technology: GitHub Actions, boundary: internet}
  - {id: renderer, kind: process, name: Renderer, description: Renders and caches manifests, technology: gRPC, boundary: cluster}
  - {id: cdn, kind: process, name: CDN, technology: CloudFront, boundary: internet}
  - {id: scratch, kind: data_store, name: Scratch, technology: local-file-system, boundary: cluster, stores: [sources]}
  - {id: db, kind: data_store, name: Application database, technology: PostgreSQL, boundary: cluster, stores: [sources]}
  - {id: registry, kind: data_store, name: Public registry, boundary: internet, stores: [image]}
  - {id: private-registry, kind: data_store, name: Private registry, boundary: internet, stores: [image, sources]}
flows:
  - {id: pull, from: renderer, to: registry, protocol: HTTPS}
  - {id: pull-private, from: renderer, to: private-registry, protocol: HTTPS}
  - {id: edge, from: cdn, to: ui, protocol: HTTPS}
  - {id: mount, from: renderer, to: scratch}
  - {id: query, from: renderer, to: db, protocol: SQL}
"""


def test_catalog_entries_follow_what_an_element_is():
    from threatlint.catalog import default_catalog
    from threatlint.catalog.matching import matches
    from threatlint.engine.model import Model
    from threatlint.engine.parse import parse_yaml

    found = {(m.subject.id, m.threat.id) for m in matches(Model(parse_yaml(ARGO)), default_catalog())}
    ci_entries = {"CT-S-012", "CT-E-010"}
    assert not {("ui", e) for e in ci_entries} & found  # names the product, is no pipeline
    assert {("ci", e) for e in ci_entries} <= found
    assert ("renderer", "CT-T-016") not in found and ("cdn", "CT-T-016") in found  # its own cache is no web cache
    assert ("scratch", "CT-T-009") not in found and ("db", "CT-T-009") in found  # a local disk has no accounts
    assert ("registry", "CT-I-011") not in found and ("private-registry", "CT-I-011") in found


# -- one finding per cause: a vague threat is asked what it is (TM202), which names the missing path too -----------

PLACEHOLDER = """version: 1
system: {name: Shop}
elements: [{id: api, kind: process, name: API}]
threats:
  - {id: T-1, title: New STRIDE threat, stride: spoofing, affects: [api], status: open}
"""


def test_a_vague_threat_without_a_path_gets_one_finding_that_names_both_gaps():
    from threatlint.engine.selection import Config

    found = check_text(PLACEHOLDER, CheckContext(today=date(2026, 12, 3)))
    assert "TM201" not in {f.rule for f in found}
    tm202 = [f for f in found if f.rule == "TM202"]
    assert len(tm202) == 1 and "attack_path" in tm202[0].message and tm202[0].data["also"] == ["TM201"]
    quiet = check_text(PLACEHOLDER, CheckContext(today=date(2026, 12, 3), config=Config(ignore=["TM202"])))
    assert "TM201" in {f.rule for f in quiet}  # nothing else asks for the path then


# -- a store of public content only: its integrity is asked, not its confidentiality ---------------------------------

PUBLIC_STORE = """version: 1
system: {name: Registry}
assets:
  - {id: image, name: Release image, classification: public}
  - {id: keys, name: Signing keys, classification: secret}
boundaries: [{id: a, name: Build}, {id: b, name: Registry}]
elements:
  - {id: ci, kind: process, name: CI, boundary: a}
  - {id: registry, kind: data_store, name: Public registry, boundary: b, stores: [image]}
  - {id: vault, kind: data_store, name: Key vault, boundary: b, stores: [keys]}
flows:
  - {id: push, from: ci, to: registry, data: [image], protocol: HTTPS, authenticated: true}
  - {id: sign, from: ci, to: vault, data: [keys], protocol: HTTPS, authenticated: true}
"""


def test_a_store_of_public_content_is_asked_about_tampering_only():
    found = check_text(PUBLIC_STORE, CheckContext(today=date(2026, 12, 3)))
    asked = {f.data["element"]: f.data["categories"] for f in found if f.rule == "TM101"}
    assert asked["registry"] == ["tampering"]
    assert asked["vault"] == ["tampering", "information_disclosure"]


def test_threat_dragons_seed_texts_are_placeholders():
    model = """version: 1
system: {name: Airspace}
elements: [{id: api, kind: process, name: Flights API}]
threats:
  - {id: T-1, title: Flights API floods under unauthenticated bulk queries, stride: denial_of_service, affects: [api],
     description: Provide a description for this threat, status: open, mitigations: [M-1, M-2]}
mitigations:
  - {id: M-1, title: Mitigation or prevention for the threat}
  - {id: M-2, title: Provide remediation for this threat or a reason if status is N/A}
"""
    found = check_text(model, CheckContext(today=date(2026, 12, 3)))
    assert {f.data["mitigation"] for f in found if f.rule == "TM203" and f.data.get("placeholder")} == {"M-1", "M-2"}
    assert [f.rule for f in found if f.rule == "TM202"] == ["TM202"]  # the threat's seeded description


# -- a process's own local disk or embedded database is no network hop (OWASP Juice Shop's Threat Dragon model) ----

LOCAL_STORE = """version: 1
system: {name: Shop}
assets:
  - {id: orders, name: Orders, classification: pii}
boundaries: [{id: app, name: Application server}, {id: disk, name: Local file system}]
elements:
  - {id: server, kind: process, name: Application server, boundary: app}
  - {id: files, kind: data_store, name: Local File System, boundary: disk}
  - {id: sqlite, kind: data_store, name: SQLite Database, boundary: disk}
  - {id: db, kind: data_store, name: Orders database, technology: PostgreSQL, boundary: disk}
flows:
  - {id: logging, name: Logging, from: server, to: files}
  - {id: all-other-data, from: server, to: sqlite, data: [orders]}
  - {id: orders, from: server, to: db, data: [orders]}
"""


def test_local_storage_is_no_network_request():
    found = check_text(LOCAL_STORE, CheckContext(today=date(2026, 12, 3)))
    flagged = {f.data.get("flow") or f.data.get("element") for f in found if f.rule in ("TM103", "TM104", "TM107")}
    assert not flagged & {"logging", "all-other-data"}
    assert "orders" in flagged  # a database server across the boundary is a network hop


def test_what_a_server_sends_to_a_browser_is_not_asked_to_authenticate_its_sender():
    model = """version: 1
system: {name: Shop}
assets: [{id: invoice, name: Invoice, classification: pii}]
boundaries: [{id: internet, name: Internet}, {id: dc, name: Data centre}]
elements:
  - {id: browser, kind: external_entity, name: Customer Browser, boundary: internet}
  - {id: server, kind: process, name: Application server, boundary: dc}
  - {id: partner, kind: external_entity, name: Shipping partner API, boundary: internet}
flows:
  - {id: invoices, name: Invoices, from: server, to: browser, data: [invoice]}
  - {id: shipment, name: Shipment order, from: partner, to: server, data: [invoice]}
"""
    found = check_text(model, CheckContext(today=date(2026, 12, 3)))
    assert {f.data["flow"] for f in found if f.rule == "TM103"} == {"shipment"}
    assert "invoices" in {f.data.get("flow") for f in found if f.rule == "TM104"}  # still sent in clear
