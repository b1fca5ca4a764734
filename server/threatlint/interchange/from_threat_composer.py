"""threat-composer workspace JSON (.tc.json) -> threatlint model.

threat-composer writes threats in its grammar (source, prerequisites, action, impact, goal, assets)
and draws no structured diagram, so every threat affects one process element standing for the whole
application (named after `applicationInfo.name`); each impacted-asset phrase becomes an asset the threat
lists under `assets`. The architecture and dataflow descriptions are kept as system extension keys.
"""
from __future__ import annotations

from .draft import Ids, Item, new_model, obj, one_line, seq, text, word
from .ledger import Ledger
from . import vocab

THREAT_STATUS = {"threatIdentified": "open", "threatResolved": "mitigated"}
# "Identified" lists a candidate mitigation, not committed work: it gets no status (kept in x-threat-composer-status),
# so that nothing counts it as planned.
MITIGATION_STATUS = {"mitigationInProgress": "in_progress", "mitigationResolved": "implemented",
                     "mitigationResolvedWillNotAction": "rejected"}


def _metadata(item: dict) -> dict:
    out = {}
    for entry in seq(item.get("metadata")):
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            out[entry["key"]] = entry.get("value")
    return out


def _number(item: dict, prefix: str, title: str, ids: Ids, fallback: str) -> str:
    n = item.get("numericId")
    if isinstance(n, int) and not isinstance(n, bool):
        return ids.make(f"{prefix}-{n}", fallback, keep=True)
    return ids.make(title, fallback)


def _extras(target: Item, meta: dict, tags, ledger: Ledger, where: str, skip=()) -> None:
    for key, value in meta.items():
        if key in skip or key == "Comments" or value in (None, "", []):
            continue
        name = "x-threat-composer-" + "-".join(key.lower().split())
        target.put(name, value)
        ledger.extend(f"{where}.metadata[{key}]", name)
    if isinstance(tags, list) and tags:
        target.put("x-threat-composer-tags", [t for t in tags if isinstance(t, str)])
        ledger.extend(f"{where}.tags", "x-threat-composer-tags")


def convert(data: dict, ledger: Ledger) -> dict:
    info = obj(data.get("applicationInfo"))
    name = one_line(info.get("name")) or "Application"
    model = new_model(name, "priority")
    system = model["system"]
    system.put("description", text(info.get("description")))
    ledger.map("applicationInfo.name/description", "system.name/description")
    for part in ("architecture", "dataflow"):
        block = obj(data.get(part))
        if text(block.get("description")):
            system.put(f"x-threat-composer-{part}", text(block["description"]))
            ledger.extend(f"{part}.description", f"system.x-threat-composer-{part}")
        if block.get("image"):
            ledger.drop(f"{part}.image", "an embedded picture; keep it beside the model if you need it")
    ids = Ids()
    whole = Item(id=ids.make(name, "application"), kind="process", name=name)
    whole.notes["id"] = "stands for the whole application: threat-composer has no diagram"
    model["elements"].append(whole)
    ledger.keep("elements")

    source_id: dict[str, str] = {}  # threat-composer id -> ours
    for a in seq(data.get("assumptions")):
        if not isinstance(a, dict):
            continue
        item = Item(id=_number(a, "A", text(a.get("content")), ids, "assumption"))
        item.put("text", text(a.get("content")) or "(empty assumption)")
        meta = _metadata(a)
        item.put("x-threat-composer-comments", text(meta.get("Comments")))
        _extras(item, meta, a.get("tags"), ledger, "assumptions[]")
        model["assumptions"].append(item)
        ledger.keep("assumptions")
        source_id[str(a.get("id"))] = item["id"]
    if model["assumptions"]:
        ledger.map("assumptions[].content", "assumptions[].text")
        ledger.extend("assumptions[].metadata[Comments]", "x-threat-composer-comments")

    for m in seq(data.get("mitigations")):
        if not isinstance(m, dict):
            continue
        content = text(m.get("content"))
        item = Item(id=_number(m, "M", content, ids, "mitigation"))
        first = one_line(content)
        item.put("title", first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "...")
        meta = _metadata(m)
        # threat-composer keeps the "how" of a mitigation in its Comments: it is the description.
        how = [part for part in (content if item.get("title") != content else "", text(meta.get("Comments"))) if part]
        if how:
            item.put("description", "\n\n".join(how))
        status = word(m.get("status"))
        if status in MITIGATION_STATUS:
            item.put("status", MITIGATION_STATUS[status], f"threat-composer status {status}")
        elif status:
            item.put("x-threat-composer-status", status)
        _extras(item, meta, m.get("tags"), ledger, "mitigations[]")
        model["mitigations"].append(item)
        ledger.keep("mitigations")
        source_id[str(m.get("id"))] = item["id"]
    if model["mitigations"]:
        ledger.map("mitigations[].content", "mitigations[].title")
        ledger.map("mitigations[].metadata[Comments]", "mitigations[].description")
        ledger.map("mitigations[].status", "mitigations[].status",
                   "InProgress/Resolved/WillNotAction; Identified (a candidate) -> no status, x-threat-composer-status")

    asset_ids: dict[str, str] = {}
    threats = [t for t in seq(data.get("threats")) if isinstance(t, dict)]
    for t in threats:
        for phrase in seq(t.get("impactedAssets")):
            key = one_line(phrase)
            if key and key.lower() not in asset_ids:
                asset = Item(id=ids.make(key, "asset"), name=key)
                model["assets"].append(asset)
                ledger.keep("assets")
                asset_ids[key.lower()] = asset["id"]
    if asset_ids:
        ledger.map("threats[].impactedAssets", "assets[] (one per phrase), threats[].assets")

    for t in threats:
        _threat(model, ids, whole["id"], t, asset_ids, source_id, ledger)

    links: dict[str, dict[str, list]] = {}
    for link in seq(data.get("mitigationLinks")):
        if isinstance(link, dict):
            links.setdefault(str(link.get("linkedId")), {}).setdefault("mitigations", []).append(str(link.get("mitigationId")))
    for link in seq(data.get("assumptionLinks")):
        if isinstance(link, dict):
            links.setdefault(str(link.get("linkedId")), {}).setdefault("assumptions", []).append(str(link.get("assumptionId")))
    by_ours = {i["id"]: i for i in model["threats"] + model["mitigations"]}
    for linked, kinds in links.items():
        target = by_ours.get(source_id.get(linked, ""))
        if target is None:
            for kind, refs in kinds.items():
                ledger.drop(f"{kind[:-1]}Links[].linkedId", "a threat or mitigation that is not in the file", len(refs))
            continue
        for kind, refs in kinds.items():
            ours = [source_id[r] for r in refs if r in source_id]
            if len(ours) < len(refs):
                ledger.drop(f"{kind[:-1]}Links[].{kind[:-1]}Id", "an item that is not in the file", len(refs) - len(ours))
            if kind == "mitigations" and "affects" in target:
                target.put("mitigations", ours)
            elif kind == "assumptions":
                target.put("x-threat-composer-assumptions", ours)
            else:
                ledger.drop("mitigationLinks[] to a mitigation", "threatlint links mitigations to threats only")
    if seq(data.get("mitigationLinks")):
        ledger.map("mitigationLinks[]", "threats[].mitigations")
    if seq(data.get("assumptionLinks")):
        ledger.extend("assumptionLinks[]", "threats[]/mitigations[].x-threat-composer-assumptions")
    return model


def _threat(model, ids, affected, t, asset_ids, source_id, ledger) -> None:
    source, action = one_line(t.get("threatSource")), one_line(t.get("threatAction"))
    statement = text(t.get("statement"))
    title = (f"{source[:1].upper()}{source[1:]} can {action}" if source and action else one_line(statement)) or "Untitled threat"
    item = Item(id=_number(t, "T", title, ids, "threat"))
    item["title"] = title
    item.notes["title"] = "threatSource + threatAction"
    meta = _metadata(t)
    s = vocab.strides(seq(meta.get("STRIDE")))
    if s:
        item["stride"] = s[0] if len(s) == 1 else s
        ledger.map("threats[].metadata[STRIDE]", "threats[].stride")
    else:
        ledger.lack("threats[].stride", "no STRIDE metadata in threat-composer")
    item["affects"] = [affected]
    item.put("description", statement)
    ledger.map("threats[].statement", "threats[].description")
    path = Item()
    path.put("entry", text(t.get("prerequisites")))
    path.put("steps", [s for s in (text(t.get("threatAction")), text(t.get("threatImpact"))) if s])
    assets = [asset_ids[one_line(p).lower()] for p in seq(t.get("impactedAssets")) if one_line(p).lower() in asset_ids]
    if len(assets) == 1:
        path.put("target", assets[0])
    if path:
        path.notes = {k: v for k, v in (("entry", "prerequisites"), ("steps", "threatAction, threatImpact")) if k in path}
        item["attack_path"] = path
        ledger.map("threats[].prerequisites/threatAction/threatImpact", "threats[].attack_path.entry/steps")
    priority = vocab.level(meta.get("Priority"))
    if priority:
        item.put("priority", priority, None)
        ledger.map("threats[].metadata[Priority]", "threats[].priority", "review.rating: priority")
    else:
        ledger.lack("threats[].priority", "no Priority metadata in threat-composer")
    status = word(t.get("status"))
    if status in THREAT_STATUS:
        item.put("status", THREAT_STATUS[status], f"threat-composer status {status}")
        ledger.map("threats[].status", "threats[].status", "threatIdentified -> open, threatResolved -> mitigated")
    else:
        item.put("x-threat-composer-status", status if isinstance(status, str) else "")
        ledger.lack("threats[].status", f"threat-composer status {status or '(none)'} has no threatlint equivalent")
    item.put("assets", assets)
    goals = [g for g in seq(t.get("impactedGoal")) if isinstance(g, str)]
    item.put("x-threat-composer-impacted-goal", goals)
    if goals:
        ledger.extend("threats[].impactedGoal", "x-threat-composer-impacted-goal")
    item.put("x-threat-composer-comments", text(meta.get("Comments")))
    _extras(item, meta, t.get("tags"), ledger, "threats[]", skip=("STRIDE", "Priority"))
    model["threats"].append(item)
    ledger.keep("threats")
    source_id[str(t.get("id"))] = item["id"]
