"""Catalog suggestions (TM106): known attacks that fit an element's properties and the model does not answer."""
from __future__ import annotations

from ..engine.model import COVERAGE_PARTS, Model
from .registry import Hit, Reads, rule


@rule("TM106", "info", "Catalog threat not considered",
      "A threat from the catalog (built-in, or a team's extra-catalogs) matches this element or flow by its "
      "properties, and the model neither has a threat for it (catalog: <id>, or any threat of the same STRIDE "
      "category on that element) nor an exemption. `threatlint suggest` lists each with its filled-in attack path "
      "and mitigations.",
      # The catalog's conditions may read any key of an element, flow or asset; of the threats only what
      # answers a match (catalog links, categories, what they affect).
      reads=Reads(parts=("elements", "flows", "assets", "system.criticality", "threats[].catalog") + COVERAGE_PARTS),
      why=("The catalog holds attacks known to hit elements like this one; one that is neither modelled nor "
           "exempted is most often one nobody thought of."),
      fix=("Run `threatlint suggest` for the entry's attack path and mitigations, then add a threat with "
           "`catalog: <id>` affecting the element (or any threat of that STRIDE category there), or an "
           "exemption with the reason it does not apply."),
      bad="""\
elements:
  - {id: sms, kind: external_entity, name: SMS gateway}
""",
      good="""\
elements:
  - {id: sms, kind: external_entity, name: SMS gateway}
threats:
  - id: T-1
    title: Attacker ports the shopper's phone number and receives the SMS sign-in codes
    stride: spoofing
    affects: [sms]
    likelihood: medium
    impact: {severity: high}
    priority: high
    status: open
    catalog: CT-S-021
""")
def catalog_threats(model: Model, ctx):
    # Imported here: the catalog package reads engine modules, and the engine imports the rules.
    from ..catalog import default_catalog
    from ..catalog.matching import has_gaps, matches

    if not has_gaps(model):
        return  # every applicable category is answered, so no catalog entry can be missing
    catalog = ctx.catalog if ctx.catalog is not None else default_catalog()
    for m in matches(model, catalog):
        s, t = m.subject, m.threat
        yield Hit((s.section, s.index, "id"),
                  f"catalog threat {t.id} \"{t.title}\" ({t.stride}) applies to {m.noun} '{s.id}': add a threat with "
                  f"catalog: {t.id} affecting '{s.id}', or an exemption for {t.stride} with the reason it does not apply",
                  data={"catalog": t.id, "element": s.id, "kind": s.kind, "category": t.stride, "section": s.section,
                        "index": s.index, "mitigations": list(t.mitigations)})
