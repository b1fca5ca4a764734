"""Drift: the model against what the repository deploys and what runs (TM500-TM503).

These rules read infrastructure files and traces, not the model alone, so they have no `check`:
threatlint.drift produces their findings for `threatlint drift`, the gate and the language server
(docs/drift.md). They are configured (select, ignore, severity) and suppressed like every other rule.
Their examples are a model and the file it is judged against (`infra`; rules/examples.py checks them).
"""
from __future__ import annotations

from .registry import Infra, register

_TRACE = ('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"storefront"}}]},'
          '"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",'
          '"name":"GET /cart","kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"cartservice"}}]}]}]}]}'
          '\n')

register("TM500", "warning", "Infrastructure file cannot be read",
         "A compose file, Kubernetes manifest, Terraform file or OpenAPI document inside a model's scope does not "
         "parse, or is not UTF-8, so drift cannot tell (for sure) what it deploys. The finding sits where the "
         "parser stopped or at the first bad byte; fix the file (templated files, such as Helm charts, are "
         "skipped).", "drift",
         why=("Drift can only compare what it can read. A file that does not parse hides every component it "
              "declares, so a database or a public ingress added to it reaches production without anyone being "
              "asked whether the model covers it: `threatlint drift`, the gate and the editor all go blind on "
              "that file. The deploy tool usually rejects the file as well, so this is a real mistake, not noise."),
         fix=("Fix the file where the finding points (indentation and unclosed quotes are the usual causes); "
              "`docker compose config`, `kubectl apply --dry-run=client` or `terraform validate` show the same "
              "error."),
         bad="""\
elements:
  - {id: storefront, kind: process}
  - {id: session-store, kind: data_store, aliases: [sessions]}
""",
         good="""\
elements:
  - {id: storefront, kind: process}
  - {id: session-store, kind: data_store, aliases: [sessions]}
""",
         infra=Infra("compose.yaml", bad="""\
services:
  storefront:
    image: shop/storefront:2.3
    environment:
      SESSION_STORE: redis://sessions:6379
   sessions:  # one space too deep: no longer a service of its own
    image: redis:7.2
""", good="""\
services:
  storefront:
    image: shop/storefront:2.3
    environment:
      SESSION_STORE: redis://sessions:6379
  sessions:
    image: redis:7.2
"""))

register("TM501", "warning", "Component not in the model",
         "A component the repository deploys inside the model's scope (compose service, Kubernetes workload, "
         "Service or Ingress, Terraform data store, queue, bucket, load balancer, function or API gateway, OpenAPI "
         "server) or a service seen in traces, that no element answers: no element has its name as id, name or "
         "alias. Add an element with `aliases: [name]`, or an exemption `{component: name, rationale: ...}` when it "
         "deliberately stays out of the model.", "drift",
         why=("Nobody has asked what can go wrong with a component the model does not have: a Redis holding "
              "session tokens, a queue carrying payment events, a bucket of exports each bring their own tampering "
              "and disclosure questions. Every commit passes and the model quietly describes last year's system, "
              "so a review signs off a diagram that lacks the part an attacker would go for."),
         fix=("Add an element for it with the component's name in `aliases`, then its flows and threats (the "
              "editor's quick fix inserts the element, with a kind and the flows its `depends_on` and URLs imply). "
              "When it deliberately stays out of the model, such as a tool used only in local development, add an "
              "exemption `{component: name, rationale: why}` so the decision is written down where a reviewer "
              "sees it."),
         bad="""\
elements:
  - {id: storefront, kind: process}
""",
         good="""\
elements:
  - {id: storefront, kind: process}
  - {id: session-store, kind: data_store, aliases: [sessions]}
flows:
  - {id: storefront-sessions, from: storefront, to: session-store, protocol: RESP}
exemptions:
  - {component: mailpit, rationale: catches outgoing mail in local development; never deployed}
""",
         infra=Infra("compose.yaml", bad="""\
services:
  storefront:
    image: shop/storefront:2.3
    environment:
      SESSION_STORE: redis://sessions:6379
  sessions:
    image: redis:7.2
  mailpit:
    image: axllent/mailpit:v1.20
"""))

register("TM502", "warning", "Call with no flow",
         "Traces show service A calling B, both answered by elements, but no flow goes from A's element to B's. "
         "Add the flow (with the data it carries), or remove the call.", "drift",
         why=("A flow is where the model asks who authenticates whom, whether the data is encrypted and what "
              "crosses a trust boundary (TM103, TM104). A call that runs but is not in the model has had none of "
              "those questions asked; it is often a shortcut added under deadline, one service reaching straight "
              "into another's data."),
         fix=("Add the flow from the caller's element to the callee's (`from` opens the connection), with the "
              "data it sends and returns and whether it is authenticated and encrypted, then consider its threats "
              "like any other flow's. If the call should not exist, remove it from the code: the model describes "
              "what is meant to run."),
         bad="""\
elements:
  - {id: storefront, kind: process}
  - {id: cart, kind: process, aliases: [cartservice]}
""",
         good="""\
elements:
  - {id: storefront, kind: process}
  - {id: cart, kind: process, aliases: [cartservice]}
flows:
  - {id: storefront-cart, from: storefront, to: cart, protocol: gRPC, authenticated: true, encrypted: true}
""",
         infra=Infra("traces.jsonl", bad=_TRACE))

register("TM503", "warning", "Element whose component was removed",
         "A change removes a component (compose service, Kubernetes workload, Terraform resource, OpenAPI server) "
         "that an element answers, and nothing left in the model's scope is answered by that element. Reported by "
         "the gate, which sees the removal, on the element: remove it (with its flows and threats) or mark it "
         "out_of_scope with the reason.", "drift",
         why=("An element for something that no longer runs keeps its threats and mitigations counted as "
              "coverage, and reviews reason about a system that is not there: the model still shows the old "
              "store as protected while whatever replaced it has no threats at all yet. Only a change shows the "
              "removal, so the gate reports it on the commit that makes it."),
         fix=("Remove the element with its flows, threats and exemptions, and model whatever replaced it. When "
              "the component moved where this model's scope does not see it (a managed service, another "
              "repository), keep the element and mark it `out_of_scope` with the reason; when it was only "
              "renamed, add the new name to the element's `aliases`."),
         bad="""\
elements:
  - {id: storefront, kind: process}
  - {id: session-store, kind: data_store, aliases: [sessions]}
flows:
  - {id: storefront-sessions, from: storefront, to: session-store, protocol: RESP}
""",
         good="""\
elements:
  - {id: storefront, kind: process}
""",
         infra=Infra("compose.yaml", before="""\
services:
  storefront:
    image: shop/storefront:2.3
    environment:
      SESSION_STORE: redis://sessions:6379
  sessions:
    image: redis:7.2
""", bad="""\
services:
  storefront:
    image: shop/storefront:2.4
    environment:
      SESSION_STORE: signed-cookie
"""))
