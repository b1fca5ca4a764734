"""Drift (TM500-TM503): the model against what the repository deploys and what runs (docs/drift.md).

These rules read infrastructure files and traces, not the model alone, so they have no `check`:
threatlint.drift produces their findings for `threatlint drift`, the gate and the language server.
They are configured (select, ignore, severity) and suppressed like every other rule.
"""
from __future__ import annotations

from .registry import register

register("TM500", "warning", "Infrastructure file cannot be read",
         "A compose file, Kubernetes manifest, Terraform file or OpenAPI document inside a model's scope does not "
         "parse, so drift cannot tell what it deploys. The finding sits where the parser stopped; fix the file "
         "(templated files, such as Helm charts, are skipped).", "drift")
register("TM501", "warning", "Component not in the model",
         "A component the repository deploys inside the model's scope (compose service, Kubernetes workload, "
         "Service or Ingress, Terraform data store, queue, bucket, load balancer, function or API gateway, OpenAPI "
         "server) or a service seen in traces, that no element answers: no element has its name as id, name or "
         "alias. Add an element with `aliases: [name]`, or an exemption `{component: name, rationale: ...}` when it "
         "deliberately stays out of the model.", "drift")
register("TM502", "warning", "Call with no flow",
         "Traces show service A calling B, both answered by elements, but no flow goes from A's element to B's. "
         "Add the flow (with the data it carries), or remove the call.", "drift")
register("TM503", "warning", "Element whose component was removed",
         "A change removes a component (compose service, Kubernetes workload, Terraform resource, OpenAPI server) "
         "that an element answers, and nothing left in the model's scope is answered by that element. Reported by "
         "the gate, which sees the removal, on the element: remove it (with its flows and threats) or mark it "
         "out_of_scope with the reason.", "drift")
