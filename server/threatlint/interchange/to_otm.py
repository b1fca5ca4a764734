"""threatlint model -> Open Threat Model 0.2 JSON.

OTM requires a few numbers threatlint does not keep: a trust zone's trustRating, a mitigation's
riskReduction, an asset's confidentiality/integrity/availability and a threat's impact. Each is taken
from the x-otm- key an import kept, else from our level (low 25, medium 50, high 75, critical 100),
else the scale's midpoint 50 with an attribute `threatlint: not rated` saying so. A component must sit
in a trust zone: elements with no boundary go into one zone named for that.
"""
from __future__ import annotations

from ..engine.model import rating_of
from .draft import Ids, word
from .reading import STRIDE_LABEL, items, name_of, rating, severity, stride_of, strings
from .vocab import PERCENT_OF_LEVEL, UNZONED

OTM_VERSION = "0.2.0"
KIND_TYPE = {"external_entity": "external-entity", "process": "process", "data_store": "data-store"}
THREAT_STATE = {"open": "exposed", "mitigating": "partly-mitigated", "mitigated": "mitigated",
                "accepted": "accepted", "transferred": "transferred"}
MITIGATION_STATE = {"planned": "required", "in_progress": "in-progress", "implemented": "implemented",
                    "rejected": "rejected"}
# OTM's confidentiality for our classifications (the most sensitive one counts)
CONFIDENTIALITY = {"public": 0, "internal": 25, "confidential": 50, "pii": 75, "financial": 75,
                   "credentials": 100, "secret": 100}
MIDPOINT = 50


def _number(item: dict, kept: str, lvl) -> tuple[float, bool]:
    """(value, rated): the kept OTM number, else our level's percent, else the midpoint, unrated."""
    value = item.get(kept)
    if _is_number(value):
        return value, True
    if isinstance(lvl, str) and lvl in PERCENT_OF_LEVEL:
        return PERCENT_OF_LEVEL[lvl], True
    return MIDPOINT, False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value):
    return value if isinstance(value, str) and value.strip() else None


def convert(data: dict, file_path: str, threat_lines: dict) -> dict:
    scheme = rating_of(data)  # review.rating: how the model rates its threats
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    name = _text(system.get("name")) or "threatlint model"
    project = {"name": name, "id": word(system.get("x-otm-id")) or Ids().make(name, "project")}
    if _text(system.get("description")):
        project["description"] = system["description"]
    if _text(system.get("owner")):
        project["owner"] = system["owner"]
    out = {"otmVersion": OTM_VERSION, "project": project}

    assets = []
    for a in items(data, "assets"):
        classes = strings(a.get("classification")) or ([a["classification"]] if isinstance(a.get("classification"), str) else [])
        conf = max((CONFIDENTIALITY[c] for c in classes if c in CONFIDENTIALITY), default=None)
        risk, unrated = {}, []
        if _is_number(a.get("x-otm-confidentiality")):
            conf = a["x-otm-confidentiality"]
        risk["confidentiality"] = conf if conf is not None else MIDPOINT
        if conf is None:
            unrated.append("confidentiality")
        for key in ("integrity", "availability"):
            risk[key], rated = _number({}, "", a.get(key))
            if not rated:
                unrated.append(key)
        if unrated:
            risk["comment"] = f"threatlint: not rated ({', '.join(unrated)})"
        asset = {"id": a["id"], "name": name_of(a), "risk": risk}
        if _text(a.get("description")):
            asset["description"] = a["description"]
        assets.append(asset)
    out["assets"] = assets

    zones = []
    for b in items(data, "boundaries"):
        trust, rated = _number(b, "x-otm-trust-rating", None)
        zone = {"id": b["id"], "name": name_of(b), "risk": {"trustRating": trust}}
        if _text(b.get("description")):
            zone["description"] = b["description"]
        if word(b.get("parent")):
            zone["parent"] = {"trustZone": b["parent"]}
        if not rated:
            zone["attributes"] = {"threatlint": "trustRating not rated"}
        zones.append(zone)
    zone_ids = {z["id"] for z in zones}
    elements = items(data, "elements")
    if any(word(e.get("boundary")) not in zone_ids for e in elements):
        zones.append({"id": UNZONED, "name": "Outside every trust boundary of the threatlint model",
                      "risk": {"trustRating": MIDPOINT}, "attributes": {"threatlint": "trustRating not rated"}})
    out["trustZones"] = zones

    threats = items(data, "threats")
    mitigations = {m["id"]: m for m in items(data, "mitigations")}
    placed: dict[str, list] = {}
    for t in threats:
        state = THREAT_STATE.get(word(t.get("status")), "exposed")
        inst = {"threat": t["id"], "state": state,
                "mitigations": [{"mitigation": m, "state": MITIGATION_STATE.get(word(mitigations[m].get("status")), "required")}
                                for m in strings(t.get("mitigations")) if m in mitigations]}
        for target in strings(t.get("affects")):
            placed.setdefault(target, []).append(inst)

    components = []
    for e in elements:
        comp = {"id": e["id"], "name": name_of(e), "type": word(e.get("x-otm-type")) or KIND_TYPE.get(word(e.get("kind")), "process"),
                "parent": {"trustZone": word(e.get("boundary")) if word(e.get("boundary")) in zone_ids else UNZONED}}
        if _text(e.get("description")):
            comp["description"] = e["description"]
        stored = strings(e.get("stores"))
        if stored:
            comp["assets"] = {"stored": stored}
        if placed.get(e["id"]):
            comp["threats"] = placed[e["id"]]
        attrs = {k: e[k] for k in ("technology", "out_of_scope") if _text(e.get(k))}
        if attrs:
            comp["attributes"] = attrs
        components.append(comp)
    out["components"] = components

    flows = []
    for f in items(data, "flows"):
        flow = {"id": f["id"], "name": name_of(f), "source": str(f.get("from")), "destination": str(f.get("to"))}
        if _text(f.get("description")):
            flow["description"] = f["description"]
        if strings(f.get("data")):
            flow["assets"] = strings(f["data"])
        if f.get("x-otm-bidirectional") is True or strings(f.get("returns")):
            flow["bidirectional"] = True
        if placed.get(f["id"]):
            flow["threats"] = placed[f["id"]]
        attrs = {k: f[k] for k in ("protocol", "authenticated", "encrypted", "out_of_scope") if f.get(k) not in (None, "")}
        if strings(f.get("returns")):
            attrs["returns"] = strings(f["returns"])
        if attrs:
            flow["attributes"] = attrs
        flows.append(flow)
    out["dataflows"] = flows

    out_threats = []
    for t in threats:
        sev = severity(t)
        lvl, why = rating(t, scheme)
        impact = sev or lvl
        risk = {"likelihood": PERCENT_OF_LEVEL.get(word(t.get("likelihood"))),
                "impact": PERCENT_OF_LEVEL.get(impact, MIDPOINT)}
        if not sev:  # say where a number not taken from the impact severity came from
            risk["impactComment"] = f"threatlint {why}" if lvl else "threatlint: not rated"
        threat = {"id": t["id"], "name": name_of(t), "risk": risk,
                  "categories": [STRIDE_LABEL[s] for s in stride_of(t)]}
        if _text(t.get("description")):
            threat["description"] = t["description"]
        cwes = strings(t.get("x-otm-cwes"))
        if cwes:
            threat["cwes"] = cwes
        out_threats.append(threat)
    out["threats"] = out_threats

    out_mitigations = []
    for m in mitigations.values():
        reduction, rated = _number(m, "x-otm-risk-reduction", None)
        mit = {"id": m["id"], "name": name_of(m), "riskReduction": reduction}
        if _text(m.get("description")):
            mit["description"] = m["description"]
        if not rated:
            mit["attributes"] = {"threatlint": "riskReduction not rated"}
        out_mitigations.append(mit)
    out["mitigations"] = out_mitigations
    return out
