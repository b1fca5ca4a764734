"""TM103 does not ask who reads public content (held-out round 3: the Argo CD maintainers' Threagile model pulls its
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
