"""Threat Dragon JSON (v2, and v1 read as v2 by threat_dragon_v1.py) -> threatlint model.

Cells become elements (actor, process, store) and flows; trust-boundary boxes become boundaries holding
the elements drawn inside them (a box inside a box is its `parent`); trust-boundary curves split the
diagram into zones (zones.py), which become boundaries holding the elements, and the boxes, drawn on
their side of every curve. Threats come from each cell's `data.threats`, their mitigation text becomes a
mitigation.
"""
from __future__ import annotations

import re

from ..engine.schema import load_schema
from .draft import Ids, Item, new_model, obj, one_line, readable, seq, text, word
from .geometry import Box, smallest_holder
from .ledger import Ledger
from .zones import Curve, check_flows, usable, zone
from . import threat_dragon_v1, vocab

KINDS = {"tm.Actor": "external_entity", "tm.Process": "process", "tm.Store": "data_store"}
STATUS = {"open": "open", "mitigated": "mitigated", "accepted": "accepted", "transferred": "transferred",
          "avoided": "mitigated", "eliminated": "mitigated"}
# a drawn flow end left unattached is joined to the nearest element within this many pixels
ATTACH_DISTANCE = 60
# flags with no threatlint key: kept as x-threat-dragon-<name> when set
FLAGS = ("isBidirectional", "isPublicNetwork", "providesAuthentication", "storesCredentials", "isALog",
         "isSigned", "isWebApplication", "handlesCardPayment", "handlesGoodsOrServices", "storesInventory")
HANDLED = {"type", "name", "description", "outOfScope", "reasonOutOfScope", "threats", "hasOpenThreats",
           "isTrustBoundary", "isEncrypted", "protocol", "privilegeLevel", *FLAGS}


def _kebab(name: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in name)


def _box(cell) -> Box | None:
    pos, size = obj(cell.get("position")), obj(cell.get("size"))
    values = (pos.get("x"), pos.get("y"), size.get("width"), size.get("height"))
    if not all(_number(v) for v in values) or values[2] < 0 or values[3] < 0:
        return None
    return Box(*(float(v) for v in values))


def _number(value) -> bool:
    # JSON as Python reads it may hold NaN or Infinity, and a flag is no coordinate
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e12


def _point(end) -> tuple | None:
    if isinstance(end, dict) and _number(end.get("x")) and _number(end.get("y")):
        return (end["x"], end["y"])
    return None


def _cells(data):
    diagrams = seq(obj(data.get("detail")).get("diagrams"))
    for d in diagrams:
        for cell in seq(obj(d).get("cells")):
            if isinstance(cell, dict):
                yield d, cell


def convert(data: dict, ledger: Ledger) -> dict:
    if threat_dragon_v1.is_v1(data):
        ledger.version = "Threat Dragon v1"
        data = threat_dragon_v1.upgrade(data, ledger)
    else:
        ledger.version = "Threat Dragon v2"
    summary = obj(data.get("summary"))
    detail = obj(data.get("detail"))
    model = new_model(one_line(summary.get("title")), "severity")
    system = model["system"]
    system.put("description", text(summary.get("description")))
    system.put("owner", text(summary.get("owner")))
    contributors = [one_line(c.get("name")) for c in seq(detail.get("contributors")) if isinstance(c, dict) and one_line(c.get("name"))]
    system.put("x-threat-dragon-contributors", contributors)
    if contributors:
        ledger.extend("detail.contributors", "system.x-threat-dragon-contributors")
    if text(detail.get("reviewer")):
        model["review"].put("reviewers", [text(detail["reviewer"])])
        ledger.map("detail.reviewer", "review.reviewers")
    ledger.map("summary.title/description/owner", "system.name/description/owner")
    ledger.map("cells[].data.threats[].severity", "threats[].impact.severity", "review.rating: severity")

    ids = Ids()
    diagrams = seq(detail.get("diagrams"))
    several = len(diagrams) > 1
    cell_id: dict[str, str] = {}  # Threat Dragon cell id -> our id
    boxes: dict[str, Box] = {}  # our element/boundary id -> its box on the canvas
    boundary_boxes: dict[str, Box] = {}
    curves: list[tuple[dict, dict]] = []  # (diagram, cell) of each trust-boundary curve
    texts: list[str] = []
    flow_cells = []
    cell_of: dict[str, dict] = {}  # our id -> its cell
    line_of: dict[str, list] = {}  # flow id -> the points it is drawn through
    drawn_on: dict[str, int] = {}  # our id -> id() of the diagram it is drawn on: geometry compares within one

    for diagram, cell in _cells(data):
        drawn = id(diagram)
        d = obj(cell.get("data"))
        kind = word(d.get("type"))
        name = one_line(d.get("name"))
        if kind in KINDS:
            item = Item(id=_cell_id(ids, cell, name, KINDS[kind]), kind=KINDS[kind])
            _common(item, d, ledger, "element")
            _keep_id(item, cell)
            if kind == "tm.Store" and d.get("isEncrypted") is True:  # an unticked box is no statement
                item.put("encrypted_at_rest", True)
                ledger.map("cells[].data.isEncrypted (store)", "elements[].encrypted_at_rest")
            if several:
                item.put("x-threat-dragon-diagram", one_line(diagram.get("title")))
            model["elements"].append(item)
            ledger.keep("elements")
            cell_id[str(cell.get("id"))] = item["id"]
            box = _box(cell)
            if box:
                boxes[item["id"]] = box
            cell_of[item["id"]] = cell
            drawn_on[item["id"]] = drawn
        elif kind == "tm.Flow":
            flow_cells.append((diagram, cell))
        elif kind == "tm.Boundary":
            curves.append((diagram, cell))
        elif kind == "tm.BoundaryBox":
            item = Item(id=_cell_id(ids, cell, name or f"boundary-{len(model['boundaries']) + 1}", "boundary"))
            item.put("name", name or f"Trust boundary {len(model['boundaries']) + 1}",
                     None if name else "unnamed in Threat Dragon")
            item.put("description", text(d.get("description")))
            _keep_id(item, cell)
            model["boundaries"].append(item)
            ledger.keep("boundaries")
            drawn_on[item["id"]] = drawn
            box = _box(cell)
            if box:
                boundary_boxes[item["id"]] = box
                ledger.map("trust-boundary-box geometry", "elements[].boundary, boundaries[].parent", "what is drawn inside")
            else:
                ledger.drop("trust-boundary-box without position and size", "holds nothing")
        elif kind == "tm.Text":
            if name:
                texts.append(text(d.get("name")))
        else:
            ledger.drop(f"cell of type {kind!r}", "not a Threat Dragon v2 diagram element")

    for diagram, cell in flow_cells:
        drawn = id(diagram)
        d = obj(cell.get("data"))
        name = one_line(d.get("name"))
        item = Item(id=_cell_id(ids, cell, name or "flow", "flow"))
        _keep_id(item, cell)
        ends = []
        for end_key, our_key in (("source", "from"), ("target", "to")):
            end = obj(cell.get(end_key))
            target = cell_id.get(str(end.get("cell")))
            point = _point(end)
            if target is None and point is not None:
                near = sorted((b.distance(point), k) for k, b in boxes.items() if drawn_on[k] == drawn)
                if near and near[0][0] <= ATTACH_DISTANCE:
                    target = near[0][1]
                    item.notes[our_key] = f"{end_key} drawn unattached at ({point[0]:.0f}, {point[1]:.0f}); nearest element"
                    ledger.map(f"cells[].{end_key} (unattached point)", f"flows[].{our_key}", "nearest element")
            if target is None:
                ledger.lack(f"flows[].{our_key}", "flow end attached to no element")
            else:
                item[our_key] = target
            ends.append(boxes[target].center if target in boxes else point)
        _common(item, d, ledger, "flow")
        if d.get("isEncrypted") is True:  # an unticked box is no statement
            item.put("encrypted", True)
        if d.get("protocol"):
            item.put("protocol", text(d["protocol"]))
        if several:
            item.put("x-threat-dragon-diagram", one_line(diagram.get("title")))
        model["flows"].append(item)
        ledger.keep("flows")
        cell_id[str(cell.get("id"))] = item["id"]
        cell_of[item["id"]] = cell
        drawn_on[item["id"]] = drawn
        if all(ends):
            line_of[item["id"]] = [ends[0], *[_point(v) for v in seq(cell.get("vertices")) if _point(v)], ends[1]]
    ledger.map("cells[].data (tm.Flow) name/protocol/isEncrypted", "flows[].name/protocol/encrypted")
    ledger.map("cells[].source.cell/target.cell", "flows[].from/to")

    def same_diagram(key):
        return {k: b for k, b in boundary_boxes.items() if drawn_on[k] == drawn_on[key]}

    for bid, box in boundary_boxes.items():
        parent = smallest_holder(box, same_diagram(bid), whole=True)
        if parent:
            next(b for b in model["boundaries"] if b["id"] == bid).put("parent", parent, "box drawn inside that box")
    for element in model["elements"]:
        if element["id"] in boxes:
            holder = smallest_holder(boxes[element["id"]], same_diagram(element["id"]), whole=False)
            if holder:
                element.put("boundary", holder, "drawn inside that boundary box")
    _zones(model, ids, ledger, curves, boxes, boundary_boxes, drawn_on, line_of, several)

    seen: dict[str, Item] = {}  # Threat Dragon threat id -> ours: one threat drawn on several cells
    for item in model["elements"] + model["flows"]:
        for threat in seq(obj(cell_of[item["id"]].get("data")).get("threats")):
            if not isinstance(threat, dict):
                continue
            source_id = text(threat.get("threatId") or threat.get("id"))
            if source_id and source_id in seen:
                seen[source_id]["affects"].append(item["id"])
                ledger.map("the same threat id on several cells", "one threat affecting each of them")
                continue
            made = _threat(model, ids, item["id"], threat, ledger)
            if source_id:
                seen[source_id] = made
    if texts:
        model["x-threat-dragon-text"] = texts
        ledger.extend("text blocks (tm.Text)", "x-threat-dragon-text")
    ledger.drop("cell positions, sizes, ports, styles", "diagram layout (threatlint export draws its own)")
    return model


ZONES = "zones from trust-boundary curves"
KIND_RANK = {"process": 0, "data_store": 1, "external_entity": 2}


def _zones(model: dict, ids: Ids, ledger: Ledger, curves: list, boxes: dict, boundary_boxes: dict,
           drawn_on: dict, line_of: dict, several: bool) -> None:
    """Turn each diagram's trust-boundary curves into zones (zones.py): boundaries holding the elements
    not in a box and the outermost boxes that lie on the same side of every curve."""
    by_diagram: dict[int, tuple[dict, list]] = {}
    for diagram, cell in curves:
        by_diagram.setdefault(id(diagram), (diagram, []))[1].append(cell)
    boundaries = {b["id"]: b for b in model["boundaries"]}
    flow_ends = {}
    for f in model["flows"]:
        for end in ("from", "to"):
            if f.get(end):
                flow_ends[f[end]] = flow_ends.get(f[end], 0) + 1
    made: list[Item] = []
    for drawn, (diagram, cells) in by_diagram.items():
        lines, labels = [], set()
        for n, cell in enumerate(cells, start=1):
            name = one_line(obj(cell.get("data")).get("name"))
            label = f"{name!r}" if name else f"curve {n}"
            if label in labels:
                label = f"{label} (curve {n})"
            labels.add(label)
            where = f"trust-boundary-curve {label}" + (f" on diagram {one_line(diagram.get('title'))!r}" if several else "")
            points = usable([p for p in [_point(cell.get("source")), *[_point(v) for v in seq(cell.get("vertices"))],
                                         _point(cell.get("target"))] if p])
            if points is None:
                ledger.drop(where, "drawn without a length, it separates nothing")
            else:
                lines.append((Curve(label, points), where))
        elements = [e for e in model["elements"] if drawn_on.get(e["id"]) == drawn and e["id"] in boxes]
        for e in model["elements"]:
            if drawn_on.get(e["id"]) == drawn and e["id"] not in boxes:
                ledger.note(ZONES, f"element {e['id']} has no position on the diagram: in no zone")
        outer = {k: b for k, b in boundary_boxes.items() if drawn_on[k] == drawn and "parent" not in boundaries[k]}
        if not lines or not elements:
            for _, where in lines:
                ledger.drop(where, "separates no elements")
            continue
        zoning = zone([c for c, _ in lines], {e["id"]: boxes[e["id"]].center for e in elements}, outer)
        for c, where in lines:
            if c in zoning.idle:
                ledger.drop(where, "separates no elements")
        if not zoning.curves:
            continue
        ledger.map("trust-boundary-curve geometry", "boundaries (zones), elements[].boundary, boundaries[].parent",
                   "elements on the same side of every curve, prolonged past its ends, share a zone")
        free = [e for e in elements if "boundary" not in e]
        members: dict[tuple, tuple[list, list]] = {}
        for e in free:
            members.setdefault(zoning.sides[e["id"]], ([], []))[0].append(e)
        for k, sides in zoning.box_sides.items():
            members.setdefault(sides, ([], []))[1].append(boundaries[k])
        for k, through in zoning.cut.items():
            ledger.note(ZONES, f"trust-boundary-box {k} is cut by {' and '.join(through)}: it lies in no zone, "
                               "its elements stay in the box")
        for sides, (inside, held) in members.items():
            item = _zone_item(ids, inside, held, flow_ends)
            where = zoning.describe(sides)
            item.put("description", "Threat Dragon draws these trust boundaries as curves; this zone holds "
                                    "what is drawn on the same side of each: " + ", ".join(where) + ".")
            item.put("x-threat-dragon-sides", where)
            if several:
                item.put("x-threat-dragon-diagram", one_line(diagram.get("title")))
            for e in inside:
                e.put("boundary", item["id"], "drawn in that zone of the trust-boundary curves")
            for b in held:
                b.put("parent", item["id"], "box drawn in that zone of the trust-boundary curves")
            made.append(item)
            count = [f"{len(inside)} element{'s' if len(inside) != 1 else ''}"] + \
                [f"{len(held)} box{'es' if len(held) != 1 else ''}"] * bool(held)
            ledger.note(ZONES, f"{item['id']}: {', '.join(where)} ({', '.join(count)})")
        checked = {}
        for f in model["flows"]:
            src, dst = f.get("from"), f.get("to")
            if drawn_on.get(f["id"]) == drawn and f["id"] in line_of and src in zoning.sides and dst in zoning.sides:
                checked[f["id"]] = (line_of[f["id"]], zoning.sides[src], zoning.sides[dst])
        for note in check_flows(zoning, checked):
            ledger.note(ZONES, note)
    model["boundaries"][:0] = made
    ledger.keep("boundaries", len(made))


def _zone_item(ids: Ids, inside: list, held: list, flow_ends: dict) -> Item:
    """A zone named after what it holds, its id after its busiest element (the most flow ends; a process
    before a store before an actor), or its first box."""
    ranked = [e for _, e in sorted(enumerate(inside), key=lambda ie: (
        -flow_ends.get(ie[1]["id"], 0), KIND_RANK.get(ie[1]["kind"], 3), ie[0]))]
    names = [e.get("name") or e["id"] for e in ranked] + [b.get("name") or b["id"] for b in held]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if 1 < len(names) <= 4 \
        else ", ".join(names[:3]) + f" and {len(names) - 3} more" if len(names) > 4 else names[0]
    busiest = ranked[0]["id"] if ranked else held[0]["id"]
    return Item(id=ids.make(f"{busiest}-zone", "zone"), name=f"Zone of {listed}")


def _cell_id(ids: Ids, cell: dict, name: str, fallback: str) -> str:
    """The cell's own id when a person could read it (a model threatlint exported), else one from its name."""
    source = cell.get("id")
    return ids.make(source, fallback, keep=True) if readable(source) else ids.make(name, fallback)


def _keep_id(item: Item, cell: dict) -> None:
    if cell.get("id") is not None and str(cell["id"]) != item["id"]:
        item.put("x-threat-dragon-id", str(cell["id"]))


def _common(item: Item, d: dict, ledger: Ledger, what: str) -> None:
    name = one_line(d.get("name"))
    if name:
        item.put("name", name)
    item.put("description", text(d.get("description")))
    if d.get("outOfScope") is True:
        reason = text(d.get("reasonOutOfScope"))
        item.put("out_of_scope", reason or "out of scope in Threat Dragon (no reason given)",
                 None if reason else "data.outOfScope without data.reasonOutOfScope")
        ledger.map("cells[].data.outOfScope + reasonOutOfScope", f"{what}s[].out_of_scope")
    if text(d.get("privilegeLevel")):
        item.put("x-threat-dragon-privilege-level", text(d["privilegeLevel"]))
        ledger.extend("cells[].data.privilegeLevel", "x-threat-dragon-privilege-level")
    for flag in FLAGS:
        if d.get(flag) is True:
            key = f"x-threat-dragon-{_kebab(flag)}"
            item.put(key, True)
            ledger.extend(f"cells[].data.{flag}", key)
    for key in d:
        if key not in HANDLED and d[key] not in (None, "", False, [], {}):
            ledger.drop(f"cells[].data.{key}", "not part of the Threat Dragon v2 schema")


TITLE_LENGTH = 120
_MARKER = re.compile(r"^(?:[-*\u2022]|\d+[.)])\s+")  # a list item's bullet or number


def _mitigation_title(mitigation: str) -> str:
    """A title from a mitigation's text: its first line without a list bullet; a line ending in ':' joined
    with the next (a link or the item it introduces); a line too long cut at its first sentence, else at a
    word."""
    lines = [line.strip() for line in mitigation.split("\n") if line.strip()]
    title = _MARKER.sub("", lines[0])
    if title.endswith(":") and len(lines) > 1 and len(title) + 1 + len(lines[1]) <= TITLE_LENGTH:
        title = f"{title} {_MARKER.sub('', lines[1])}"
    if len(title) > TITLE_LENGTH:
        sentence = re.match(r"(.{20,%d}?[^.])\.\s" % (TITLE_LENGTH - 1), title)
        title = sentence.group(1) if sentence else title[:TITLE_LENGTH - 3].rsplit(" ", 1)[0] + "..."
    return title


def _threat(model: dict, ids: Ids, affected: str, t: dict, ledger: Ledger) -> Item:
    title = one_line(t.get("title")) or "Untitled threat"
    number = t.get("number")
    numbered = isinstance(number, int) and not isinstance(number, bool)
    source_id = text(t.get("threatId") or t.get("id"))
    if readable(source_id):
        item = Item(id=ids.make(source_id, "threat", keep=True))
    else:
        item = Item(id=ids.make(f"T-{number}", "threat", keep=True) if numbered else ids.make(title, "threat"))
    item["title"] = title
    model_type = text(t.get("modelType"))
    kind = text(t.get("type"))
    extra = obj(t.get("threatlint"))  # written by threatlint's export: what Threat Dragon's fields cannot hold
    s = vocab.strides(extra.get("stride") or kind) if model_type in ("", "STRIDE") else []
    if s:
        item["stride"] = s[0] if len(s) == 1 else s
        ledger.map("threats[].type (STRIDE)", "threats[].stride")
    else:
        ledger.lack("threats[].stride", f"Threat Dragon threat type {kind!r} ({model_type or 'no model type'}) is not a STRIDE category")
        item.put("x-threat-dragon-type", f"{model_type}: {kind}" if model_type else kind)
    item["affects"] = [affected]
    item.put("description", text(t.get("description")))
    severity = vocab.level(t.get("severity"))
    if severity:
        item["impact"] = Item(severity=severity)
        item["impact"].notes["severity"] = f"Threat Dragon severity {text(t.get('severity'))}"
    else:
        ledger.lack("threats[].impact.severity", "no severity in Threat Dragon")
        item.put("x-threat-dragon-severity", text(t.get("severity")))
    ledger.lack("threats[].likelihood, priority", "Threat Dragon rates by severity only")
    status = text(t.get("status"))
    if word(extra.get("status")) in load_schema()["properties"]["threats"]["items"]["properties"]["status"]["enum"]:
        item.put("status", extra["status"])
    elif status.lower() in STATUS:
        item.put("status", STATUS[status.lower()], None if status.lower() == STATUS[status.lower()] else f"Threat Dragon status {status}")
        ledger.map("threats[].status", "threats[].status", "Avoided/Eliminated -> mitigated")
    else:
        item.put("x-threat-dragon-status", status)
        ledger.lack("threats[].status", f"Threat Dragon status {status or '(none)'} has no threatlint equivalent")
    mitigation = text(t.get("mitigation"))
    if mitigation:
        m = Item(id=ids.make(f"M-{number}", "mitigation", keep=True) if numbered else ids.make("mitigate " + item["id"], "mitigation"))
        m["title"] = _mitigation_title(mitigation)
        if m["title"] != mitigation:
            m.put("description", mitigation)
        m.notes["title"] = "from the threat's mitigation text"
        model["mitigations"].append(m)
        ledger.keep("mitigations")
        item["mitigations"] = [m["id"]]
        ledger.map("threats[].mitigation (text)", "mitigations[] (one per threat)")
    item.put("x-threat-dragon-score", text(t.get("score")))
    if text(t.get("score")):
        ledger.extend("threats[].score", "x-threat-dragon-score")
    if source_id != item["id"]:
        item.put("x-threat-dragon-id", source_id)
    model["threats"].append(item)
    ledger.keep("threats")
    return item
