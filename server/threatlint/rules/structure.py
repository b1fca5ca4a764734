"""Structure: syntax, schema, ids and references (TM001-TM005)."""
from __future__ import annotations

from ..engine.model import ID_PARTS, REFERENCE_PARTS, Model, out_of_scope
from .registry import Hit, Reads, register, rule

register(
    "TM001",
    "error",
    "YAML syntax error",
    "The file is not valid YAML (or uses a YAML feature threatlint refuses: tags, aliases that expand too far, "
    "duplicate keys, several documents). Fix the file at the reported position; nothing else is checked until it parses.",
    "structure",
    why=("Nothing can be checked in a file that does not parse, and the refused features (tags that "
         "construct objects, alias bombs, duplicate keys that silently drop a value) are how a YAML file "
         "misleads its reader or its parser."),
    fix=("Correct the YAML at the reported position (an unclosed bracket or quote, a tab in the "
         "indentation, a key given twice). Write plain mappings and lists: no `!tags`, one document per "
         "file."),
    bad="""\
elements:
  - {id: api, kind: process
""",
    good="""\
elements:
  - {id: api, kind: process}
""",
)
register(
    "TM002",
    "error",
    "Schema violation",
    "The model does not match schemas/threatmodel.schema.json: an unknown key, a wrong type, a value outside an "
    "enum, or a missing required key. The message gives the JSON path.",
    "structure",
    why=("A misspelt key or an unknown value is silently ignored by every rule that looks for the right "
         "one: `encrypt: true` does not make a flow encrypted, and a threat without `status` is invisible "
         "to the register."),
    fix=("Follow the message's JSON path to the key; use a key and value documented in docs/format.md (the "
         "editor completes them from the schema)."),
    bad="""\
elements:
  - {id: api, kind: service}
""",
    good="""\
elements:
  - {id: api, kind: process}
""",
)

_NOUN = {"assets": "an asset", "boundaries": "a boundary", "elements": "an element", "flows": "a flow",
         "threats": "a threat", "mitigations": "a mitigation", "assumptions": "an assumption"}


@rule("TM003", "error", "Duplicate id",
      "Ids are unique across the whole file, whatever the section. Rename one of the items.",
      reads=Reads(parts=ID_PARTS, quotes_lines=True),
      why=("References are by id; with two items of the same id nobody can tell which one a flow or threat "
           "means, and the rules would judge the wrong one."),
      fix="Rename one of the items and update the references that meant it.",
      bad="""\
elements:
  - {id: api, kind: process}
  - {id: api, kind: data_store}
""",
      good="""\
elements:
  - {id: api, kind: process}
  - {id: orders-db, kind: data_store}
""")
def duplicate_ids(model: Model, ctx):
    for ident, defs in model.definitions.items():
        if len(defs) < 2:
            continue
        first_section, first_index, _ = defs[0]
        first_line = model.range((first_section, first_index, "id")).start.line + 1
        for section, index, _ in defs[1:]:
            yield Hit((section, index, "id"), f"duplicate id '{ident}': already defined on line {first_line} "
                      f"({_NOUN[first_section]}); ids must be unique across the file, rename this one")


@rule("TM004", "error", "Reference to an unknown id",
      "A flow's from/to/data, an element's boundary/stores, a threat's affects/mitigations/attack_path.target or an "
      "exemption's element names an id that is not defined in the right section.",
      reads=Reads(parts=ID_PARTS + REFERENCE_PARTS),
      why=("A reference to nothing is a typo or a leftover of a rename; the flow, threat or mitigation it "
           "belongs to then describes nothing, and the STRIDE rules cannot see it."),
      fix=("Point the reference at an id defined in the right section (an element for `from`/`to`, an asset "
           "for `data`, ...), or define the missing item."),
      bad="""\
elements:
  - {id: api, kind: process}
  - {id: db, kind: data_store}
flows:
  - {id: save-order, from: api, to: orders-db}
""",
      good="""\
elements:
  - {id: api, kind: process}
  - {id: db, kind: data_store}
flows:
  - {id: save-order, from: api, to: db}
""")
def unknown_references(model: Model, ctx):
    for ref in model.references:
        if model.lookup(ref.target, ref.expects):
            continue
        wanted = " or ".join(_NOUN[s] for s in ref.expects)
        other = model.lookup(ref.target)
        if other:
            why = f"'{ref.target}' is {_NOUN[other[0]]}, but {ref.site} expects {wanted}"
        else:
            why = f"{ref.site} refers to unknown id '{ref.target}'; define {wanted} with that id or fix the reference"
        yield Hit(ref.path, why)


@rule("TM005", "warning", "Defined but never used",
      "An asset, boundary or mitigation that nothing refers to is either dead weight or a sign that a flow, element "
      "or threat forgot to reference it. A boundary that only holds other boundaries (their parent) is used. In a "
      "model that draws flows, a process no flow reaches that threats affect stands for the whole system (imports "
      "from tools without a diagram make one): it is told to hand its threats to the elements they concern.",
      reads=Reads(parts=ID_PARTS + REFERENCE_PARTS + ("flows[].from", "flows[].to", "threats[].affects",
                                                      "elements[].out_of_scope")),
      why=("An asset no flow carries and no element holds is not protected by any rule (TM104 and TM105 look "
           "at where assets go); an unused mitigation counters nothing."),
      fix=("Reference the item where it belongs (an asset from a flow's `data` or the `stores` of the element that holds it, a "
           "boundary from an element's `boundary`, a mitigation from a threat's `mitigations`), or delete "
           "it."),
      bad="""\
assets:
  - {id: cards, classification: financial}
elements:
  - {id: db, kind: data_store, encrypted_at_rest: true}
""",
      good="""\
assets:
  - {id: cards, classification: financial}
elements:
  - {id: db, kind: data_store, encrypted_at_rest: true, stores: [cards]}
""")
def unused(model: Model, ctx):
    used = model.referenced
    hints = {
        "assets": "reference it from a flow's data or returns, an element's stores, a threat's assets or an "
                  "attack_path.target, or remove it",
        "boundaries": "place elements in it with boundary (or boundaries inside it with parent), or remove it",
        "mitigations": "list it in a threat's mitigations, or remove it",
    }
    for section, hint in hints.items():
        for i, item in model.items(section):
            ident = model.id_of(item)
            if ident and ident not in used:
                yield Hit((section, i, "id"), f"{model.label(section, item, i)} is never used: {hint}")
    yield from _unconnected_elements(model)


def _unconnected_elements(model: Model):
    """A process no flow reaches that threats affect, in a model that draws flows: an element standing for the whole
    system (an import from a tool without a diagram puts every threat on one), whose threats then say nothing about
    the elements they concern."""
    ends = {e for _, f in model.items("flows") for e in (f.get("from"), f.get("to")) if isinstance(e, str)}
    if not ends:
        return
    for i, el in model.items("elements"):
        ident = model.id_of(el)
        if not ident or ident in ends or el.get("kind") != "process" or out_of_scope(el) is not None:
            continue
        n = len(model.threats_on(ident))
        if n:
            yield Hit(("elements", i, "id"), f"{model.label('elements', el, i)} has no flows but {n} "
                      f"threat{'s' if n != 1 else ''} affect it, so they say nothing about the elements that have "
                      "flows: move each to the elements or flows it concerns, then remove this element",
                      data={"element": ident, "index": i})


@rule("TM006", "error", "Boundaries nested in a cycle",
      "Boundaries nest through `parent`; a boundary cannot sit inside itself, directly or through others. Break the "
      "cycle by removing one parent.",
      reads=Reads(parts=("boundaries[].id", "boundaries[].parent")),
      why=("A boundary inside itself has no outside: nobody can say which zone its elements sit in or which "
           "flows cross into them, so every check that reads trust boundaries (TM101, TM103, TM104) judges a "
           "zone that cannot exist."),
      fix=("Decide which boundary holds the other and remove the `parent` that points the wrong way (the "
           "outermost boundary has none)."),
      bad="""\
boundaries:
  - {id: vpc, parent: cluster}
  - {id: cluster, parent: vpc}
""",
      good="""\
boundaries:
  - {id: vpc}
  - {id: cluster, parent: vpc}
""")
def boundary_cycle(model: Model, ctx):
    index: dict = {}
    for i, b in model.items("boundaries"):
        index.setdefault(model.id_of(b), i)
    for cycle in model.boundary_cycles:
        first = cycle[0]
        ring = " -> ".join((*cycle, first))
        yield Hit(("boundaries", index[first], "parent"), f"boundary '{first}' sits inside itself through parent: "
                  f"{ring}; remove one parent to break the cycle", data={"cycle": list(cycle)})
