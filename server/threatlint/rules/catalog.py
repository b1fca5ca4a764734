"""Catalog suggestions (TM106): known attacks that fit an element's properties and the model does not answer."""
from __future__ import annotations

from ..engine.model import COVERAGE_PARTS, Model
from .registry import FROM_DESIGN, Hit, Reads, rule

_NAMED = 3  # entries spelled out with their titles; the rest by id (all are in the finding's data)


@rule("TM106", "info", "Catalog threat not considered",
      "Threats from the catalog (built-in, or a team's extra-catalogs) match this element or flow by its "
      "properties, and the model answers none of their STRIDE categories there: no threat with catalog: <id>, no "
      "threat of the same category on it, no exemption. Baseline hygiene entries (true of nearly every element) are "
      "left to `suggest`, except where their reported_when holds, and so is an element or flow that a threat without a STRIDE category affects (what it "
      "answers is open until the threat has one). One finding per element or flow names the entries; "
      "`threatlint suggest` lists each with its filled-in attack path and mitigations.", stages=FROM_DESIGN,
      # The catalog's conditions may read any key of an element, flow or asset and the boundaries (which zone is
      # the internet); of the threats only what answers a match (catalog links, categories, what they affect).
      reads=Reads(parts=("elements", "flows", "assets", "boundaries", "system.criticality", "threats[].catalog")
                  + COVERAGE_PARTS),
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
    by_subject: dict[tuple, list] = {}
    for m in matches(model, catalog):
        if not m.reported:
            continue  # baseline hygiene fits nearly everything: an idea for `suggest`, not a finding
        if m.subject.id in model.uncategorized:
            continue  # a threat on it has no category yet, so what it answers is open (as for TM101)
        by_subject.setdefault((m.subject.section, m.subject.index), []).append(m)
    for (section, index), found in by_subject.items():
        s = found[0].subject
        entries = [{"catalog": m.threat.id, "title": m.threat.title, "category": m.threat.stride,
                    "mitigations": list(m.threat.mitigations)} for m in found]
        categories = list(dict.fromkeys(e["category"] for e in entries))
        shown = "; ".join(f"{e['catalog']} {e['title']}" for e in entries[:_NAMED])
        more = f"; also {', '.join(e['catalog'] for e in entries[_NAMED:])}" if len(entries) > _NAMED else ""
        count = "1 catalog threat applies" if len(entries) == 1 else f"{len(entries)} catalog threats apply"
        yield Hit((section, index, "id"),
                  f"{count} to {found[0].noun} '{s.id}' where {', '.join(categories)} is unanswered: {shown}{more}. "
                  f"Add threats with catalog: <id> affecting '{s.id}', or exemptions with the reason they do not "
                  "apply; `threatlint suggest` spells each out",
                  data={"element": s.id, "kind": s.kind, "section": section, "index": index, "entries": entries,
                        "categories": categories})
