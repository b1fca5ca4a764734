"""Threagile YAML -> threatlint model.

technical_assets become elements and their communication_links flows (the asset holding the link opens
it: data_assets_sent -> data, data_assets_received -> returns); trust_boundaries become boundaries
(technical_assets_inside -> elements' boundary, trust_boundaries_nested -> parent); data_assets become
assets. Threagile computes most risks when it runs, so the file holds only the risks a person wrote:
each risk of individual_risk_categories becomes a threat, its category's mitigation a mitigation, and
risk_tracking gives their status. Tracking entries for Threagile's computed risks are kept as they are
under `x-threagile-risk-tracking`.
"""
from __future__ import annotations

import re
from fnmatch import fnmatchcase

from .draft import Ids, Item, new_model, obj, one_line, seq, text, word
from .ledger import Ledger

KINDS = {"external-entity": "external_entity", "process": "process", "datastore": "data_store"}
# Threagile's five-step criticality on our four levels
CRITICALITY = {"archive": "low", "operational": "low", "important": "medium", "critical": "high",
               "mission-critical": "critical"}
CONFIDENTIALITY = {"public": "public", "internal": "internal", "restricted": "confidential",
                   "confidential": "confidential", "strictly-confidential": "secret"}
LIKELIHOOD = {"unlikely": "low", "likely": "medium", "very-likely": "high", "frequent": "critical"}
IMPACT = {"low": "low", "medium": "medium", "high": "high", "very-high": "critical"}
SEVERITY = {"low": "low", "medium": "medium", "elevated": "high", "high": "high", "critical": "critical"}
TRACKING = {"unchecked": "open", "in-discussion": "open", "accepted": "accepted", "in-progress": "mitigating",
            "mitigated": "mitigated"}
# Threagile's Protocol.IsEncrypted(), and the network protocols it counts as not encrypted
ENCRYPTED = {"https", "wss", "jdbc-encrypted", "odbc-encrypted", "nosql-access-protocol-encrypted",
             "sql-access-protocol-encrypted", "binary-encrypted", "text-encrypted", "ssh", "ssh-tunnel", "ftps",
             "sftp", "scp", "ldaps", "reverse-proxy-web-protocol-encrypted", "iiop-encrypted", "jrmp-encrypted",
             "smb-encrypted", "smtp-encrypted", "pop3-encrypted", "imap-encrypted"}
PLAIN = {"http", "ws", "reverse-proxy-web-protocol", "mqtt", "jdbc", "odbc", "sql-access-protocol",
         "nosql-access-protocol", "binary", "text", "smtp", "pop3", "imap", "ftp", "ldap", "jms", "nfs", "smb",
         "nrpe", "xmpp", "iiop", "jrmp"}
TOP_LEVEL_KEPT = ("management_summary_comment", "business_overview", "technical_overview", "questions",
                  "abuse_cases", "security_requirements", "tags_available", "shared_runtimes", "includes")
_TAGS = re.compile(r"<[^>]+>")
TRACKED = "risk_tracking (the authors' verdicts)"


def _x(key: str) -> str:
    return "x-threagile-" + key.replace("_", "-")


def _named(section) -> list[tuple[str, dict]]:
    """(title, body) of a Threagile mapping keyed by title, skipping what is not a mapping."""
    return [(str(k), v) for k, v in section.items() if isinstance(v, dict)] if isinstance(section, dict) else []


def _rest(item: Item, body: dict, handled: set, ledger: Ledger, where: str) -> None:
    for key, value in body.items():
        if key in handled or value in (None, "", [], {}, False):
            continue
        item.put(_x(key), value)
        ledger.extend(f"{where}.{key}", _x(key))


def _level(item: Item, key: str, table: dict, value, ledger: Ledger, where: str, ours: str) -> None:
    if isinstance(value, str) and value in table:
        item.put(key, table[value], None if table[value] == value else f"Threagile {value}")
        ledger.map(where, f"{ours}.{key}", "/".join(f"{a}->{b}" for a, b in table.items() if a != b))


def convert(data: dict, ledger: Ledger) -> dict:
    model = new_model(one_line(data.get("title")), "likelihood_severity")
    system = model["system"]
    overview = obj(data.get("business_overview"))
    system.put("description", text(overview.get("description")) if isinstance(overview, dict) else "")
    author = obj(data.get("author"))
    if isinstance(author, dict) and one_line(author.get("name")):
        system.put("owner", one_line(author["name"]), "author.name")
        ledger.map("author.name", "system.owner")
    _level(system, "criticality", CRITICALITY, data.get("business_criticality"), ledger, "business_criticality", "system")
    if data.get("date"):
        system.put("x-threagile-date", str(data["date"]))
    ids = Ids()
    ids.used.update(str(b.get("id")) for _, b in _named(data.get("data_assets")))

    for title, body in _named(data.get("data_assets")):
        item = Item(id=ids.make(body.get("id") or title, "asset", keep=True) if not body.get("id") else str(body["id"]))
        item.put("name", one_line(title))
        item.put("description", text(body.get("description")))
        conf = word(body.get("confidentiality"))
        if conf in CONFIDENTIALITY:
            item.put("classification", CONFIDENTIALITY[conf], None if CONFIDENTIALITY[conf] == conf else f"Threagile confidentiality {conf}")
            ledger.map("data_assets.confidentiality", "assets[].classification", "restricted->confidential, strictly-confidential->secret")
        _level(item, "integrity", CRITICALITY, body.get("integrity"), ledger, "data_assets.integrity", "assets[]")
        _level(item, "availability", CRITICALITY, body.get("availability"), ledger, "data_assets.availability", "assets[]")
        _rest(item, body, {"id", "description", "confidentiality", "integrity", "availability"}, ledger, "data_assets")
        model["assets"].append(item)
        ledger.keep("assets")

    assets_known = {a["id"] for a in model["assets"]}
    ids.used.update(str(b.get("id")) for _, b in _named(data.get("technical_assets")))
    ids.used.update(str(b.get("id")) for _, b in _named(data.get("trust_boundaries")))
    link_ids: dict[str, str] = {}  # Threagile link id (source>title-slug) -> our flow id
    for title, body in _named(data.get("technical_assets")):
        kind = KINDS.get(word(body.get("type")))
        item = Item(id=str(body.get("id") or ids.make(title, "element")))
        if kind:
            item["kind"] = kind
        else:
            ledger.lack("elements[].kind", f"Threagile type {body.get('type')!r} is not external-entity, process or datastore")
        item.put("name", one_line(title))
        item.put("description", text(body.get("description")))
        item.put("technology", text(body.get("technology")))
        stored = [a for a in seq(body.get("data_assets_stored")) if isinstance(a, str)]
        # a process or an external entity that keeps data (a cache, a local file) holds it as a store does:
        # TM005 and the threats' assets see it; only a data store's count for encryption at rest (TM105)
        item.put("stores", stored)
        if stored:
            ledger.map("technical_assets.data_assets_stored", "elements[].stores", "on every kind of asset")
        encryption = body.get("encryption")
        if kind == "data_store" and isinstance(encryption, str) and encryption:
            item.put("encrypted_at_rest", encryption != "none", f"Threagile encryption: {encryption}")
            ledger.map("technical_assets.encryption", "elements[].encrypted_at_rest", "none -> false, any other -> true")
        if body.get("out_of_scope") is True:
            item.put("out_of_scope", text(body.get("justification_out_of_scope")) or "out of scope in Threagile (no justification given)")
            ledger.map("technical_assets.out_of_scope + justification_out_of_scope", "elements[].out_of_scope")
        _rest(item, body, {"id", "type", "description", "technology", "data_assets_stored", "out_of_scope",
                           "justification_out_of_scope", "communication_links", "encryption" if kind == "data_store" else ""},
              ledger, "technical_assets")
        model["elements"].append(item)
        ledger.keep("elements")
        for link_title, link in _named(body.get("communication_links")):
            _flow(model, ids, item["id"], link_title, link, link_ids, ledger)
    ledger.map("technical_assets", "elements[] (type: external-entity/process/datastore -> kind)")

    inside: dict[str, list[str]] = {}
    for title, body in _named(data.get("trust_boundaries")):
        item = Item(id=str(body.get("id") or ids.make(title, "boundary")))
        item.put("name", one_line(title))
        item.put("description", text(body.get("description")))
        _rest(item, body, {"id", "description", "technical_assets_inside", "trust_boundaries_nested"}, ledger, "trust_boundaries")
        model["boundaries"].append(item)
        ledger.keep("boundaries")
        for asset in seq(body.get("technical_assets_inside")):
            inside.setdefault(str(asset), []).append(item["id"])
    by_id = {b["id"]: b for b in model["boundaries"]}
    for title, body in _named(data.get("trust_boundaries")):
        for nested in seq(body.get("trust_boundaries_nested")):
            if str(nested) in by_id:
                by_id[str(nested)].put("parent", str(body.get("id")))
    ledger.map("trust_boundaries.trust_boundaries_nested", "boundaries[].parent")
    for element in model["elements"]:
        holders = inside.get(element["id"], [])
        if holders:
            element.put("boundary", holders[0], None if len(holders) == 1 else f"also listed in {', '.join(holders[1:])}")
            ledger.map("trust_boundaries.technical_assets_inside", "elements[].boundary")

    tracking = {str(k): v for k, v in obj(data.get("risk_tracking")).items() if isinstance(v, dict)} \
        if isinstance(data.get("risk_tracking"), dict) else {}
    used_tracking: set[str] = set()
    for title, category in _named(data.get("individual_risk_categories")):
        _category(model, ids, title, category, tracking, used_tracking, link_ids, assets_known, ledger)
    unused = {k: v for k, v in tracking.items() if k not in used_tracking}
    if unused:
        model["x-threagile-risk-tracking"] = unused
        ledger.extend("risk_tracking (risks Threagile computes when it runs)", "x-threagile-risk-tracking")
        ledger.note(TRACKED, f"{len(unused)} of {len(tracking)} entries track risks Threagile computes when it runs "
                             "(no threat in this file to carry their status): kept under x-threagile-risk-tracking")
        for k, v in unused.items():
            ledger.note(TRACKED, f"  {k}: {word(obj(v).get('status', 'unchecked'))}")
    for key in TOP_LEVEL_KEPT:
        if data.get(key) not in (None, "", [], {}):
            model[_x(key)] = data[key]
            ledger.extend(key, _x(key))
    for key in data:
        if key not in TOP_LEVEL_KEPT and key not in {"threagile_version", "title", "author", "date", "business_criticality",
                                                   "data_assets", "technical_assets", "trust_boundaries",
                                                   "individual_risk_categories", "risk_tracking"} \
                and data[key] not in (None, "", [], {}, False):
            model[_x(key)] = data[key]
            ledger.extend(key, _x(key))
    return model


def _flow(model, ids, source, title, link, link_ids, ledger) -> None:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title.lower()).strip("- ")
    item = Item(id=ids.make(f"{source}-{slug}", "flow"))
    item.notes["id"] = f"Threagile link id {source}>{slug}"
    link_ids[f"{source}>{slug}"] = item["id"]
    item.put("name", one_line(title))
    item.put("description", text(link.get("description")))
    item["from"] = source
    if link.get("target"):
        item["to"] = str(link["target"])
    else:
        ledger.lack("flows[].to", "communication link without a target")
    item.put("data", [a for a in seq(link.get("data_assets_sent")) if isinstance(a, str)])
    item.put("returns", [a for a in seq(link.get("data_assets_received")) if isinstance(a, str)])
    protocol = word(link.get("protocol"))
    item.put("protocol", text(protocol))
    if protocol in ENCRYPTED or protocol in PLAIN:
        item.put("encrypted", protocol in ENCRYPTED, f"Threagile protocol {protocol}")
        ledger.map("communication_links.protocol", "flows[].encrypted", "as Threagile's Protocol.IsEncrypted()")
    auth = word(link.get("authentication"))
    if isinstance(auth, str) and auth:
        item.put("authenticated", auth != "none", f"Threagile authentication: {auth}")
        ledger.map("communication_links.authentication", "flows[].authenticated", "none -> false, any other -> true")
    _rest(item, link, {"target", "description", "data_assets_sent", "data_assets_received", "protocol", "authentication"}, ledger,
          "communication_links")
    model["flows"].append(item)
    ledger.keep("flows")
    ledger.map("communication_links (data_assets_sent, data_assets_received)", "flows[] (data, returns)")


def _synthetic_id(category_id: str, risk: dict) -> str:
    parts = [category_id] + [str(risk[k]) for k in ("most_relevant_technical_asset", "most_relevant_communication_link",
                                                  "most_relevant_trust_boundary", "most_relevant_shared_runtime",
                                                  "most_relevant_data_asset") if risk.get(k)]
    return "@".join(parts)


def _tracked(synthetic: str, tracking: dict) -> str | None:
    """The risk_tracking key for a risk id: exact, else one whose @-parts match with * as a wildcard."""
    if synthetic in tracking:
        return synthetic
    parts = synthetic.split("@")
    for key in tracking:
        pattern = key.split("@")
        if len(pattern) == len(parts) and all(fnmatchcase(p, q) for p, q in zip(parts, pattern)):
            return key
    return None


def _category(model, ids, title, category, tracking, used_tracking, link_ids, assets_known, ledger) -> None:
    cat_id = str(category.get("id") or ids.make(title, "risk"))
    mitigation_id = None
    if text(category.get("mitigation")) or text(category.get("action")):
        m = Item(id=ids.make(f"{cat_id}-mitigation", "mitigation", keep=True))
        m["title"] = one_line(category.get("action")) or one_line(category.get("mitigation"))
        m.notes["title"] = "individual_risk_categories.action"
        m.put("description", text(category.get("mitigation")))
        m.put(_x("check"), text(category.get("check")))
        model["mitigations"].append(m)
        ledger.keep("mitigations")
        ledger.map("individual_risk_categories.action/mitigation", "mitigations[].title/description")
        mitigation_id = m["id"]
    details = {k: v for k, v in category.items() if k not in {"id", "description", "impact", "action", "mitigation",
                                                             "check", "stride", "risks_identified"} and v not in (None, "", [], {})}
    for risk_title, risk in _named(category.get("risks_identified")):
        synthetic = _synthetic_id(cat_id, risk)
        item = Item(id=ids.make(synthetic.replace("@", "."), "threat", keep=True))
        item.notes["id"] = f"Threagile risk id {synthetic}"
        item["title"] = one_line(_TAGS.sub("", risk_title))
        stride = category.get("stride")
        if isinstance(stride, str) and stride:
            item["stride"] = stride.replace("-", "_")
        affects = []
        if risk.get("most_relevant_technical_asset"):
            affects.append(str(risk["most_relevant_technical_asset"]))
        if risk.get("most_relevant_communication_link"):
            link = str(risk["most_relevant_communication_link"])
            affects.append(link_ids.get(link, link))
        if affects:
            item["affects"] = affects
            ledger.map("risks_identified.most_relevant_technical_asset/communication_link", "threats[].affects")
        else:
            ledger.lack("threats[].affects", "risk names no technical asset or communication link")
        description = text(category.get("description"))
        impact_text = text(category.get("impact"))
        item.put("description", "\n\n".join(p for p in (description, impact_text and f"Impact: {impact_text}") if p))
        _level(item, "likelihood", LIKELIHOOD, risk.get("exploitation_likelihood"), ledger, "risks_identified.exploitation_likelihood", "threats[]")
        impact = word(risk.get("exploitation_impact"))
        if impact in IMPACT:
            item["impact"] = Item(severity=IMPACT[impact])
            if IMPACT[impact] != impact:
                item["impact"].notes["severity"] = f"Threagile exploitation_impact {impact}"
            ledger.map("risks_identified.exploitation_impact", "threats[].impact.severity", "very-high -> critical")
        _level(item, "priority", SEVERITY, risk.get("severity"), ledger, "risks_identified.severity", "threats[]")
        key = _tracked(synthetic, tracking)
        entry = tracking.get(key) if key else None
        status = word(obj(entry).get("status", "unchecked"))
        false_positive = status == "false-positive"
        if status in TRACKING:
            note = None if TRACKING[status] == status else (f"Threagile risk_tracking {key}: {status}" if entry else
                                                             "no risk_tracking entry: Threagile's unchecked")
            item.put("status", TRACKING[status], note)
            ledger.map("risk_tracking.status", "threats[].status", "unchecked/in-discussion -> open, in-progress -> mitigating")
        elif false_positive:
            # The authors found the risk does not apply. Kept (dropped, the catalog would suggest it again) and
            # closed as a decision with who and why: `accepted` is the status that carries those; `mitigated`
            # would claim a mitigation nobody put in place (TM205).
            item.put("status", "accepted", f"Threagile risk_tracking {key}: false-positive")
            item.put(_x("status"), "false-positive")
            ledger.map("risk_tracking.status false-positive", "threats[].status: accepted",
                       "acceptance rationale 'False positive: <justification>', no mitigation listed, "
                       "x-threagile-status: false-positive")
        else:
            item.put(_x("status"), str(status))
            ledger.lack("threats[].status", f"Threagile status {status} has no threatlint equivalent")
        if mitigation_id and not false_positive:
            item["mitigations"] = [mitigation_id]
        if entry:
            used_tracking.add(key)
            ledger.note(TRACKED, f"{key}: {status} -> threat {item['id']}")
            if status in ("accepted", "false-positive"):
                acc = Item()
                acc.put("by", one_line(entry.get("checked_by")))
                why = text(entry.get("justification"))
                acc.put("rationale", f"False positive: {why}" if false_positive and why else why)
                acc.put("date", str(entry["date"]) if entry.get("date") else "")
                acc.put("ticket", text(str(entry.get("ticket") or "")))
                item.put("acceptance", acc)
                ledger.map("risk_tracking (accepted)", "threats[].acceptance (by, rationale, date, ticket)")
            else:
                item.put(_x("risk_tracking"), {k: (str(v) if k == "date" else v) for k, v in entry.items() if k != "status"})
                ledger.extend("risk_tracking (justification, ticket, date, checked_by)", _x("risk_tracking"))
        data_asset = risk.get("most_relevant_data_asset")
        if data_asset and str(data_asset) in assets_known:
            item.put("assets", [str(data_asset)])
        rest = {k: v for k, v in risk.items() if k not in {"severity", "exploitation_likelihood", "exploitation_impact",
                                                          "most_relevant_technical_asset", "most_relevant_communication_link",
                                                          "most_relevant_data_asset"} and v not in (None, "", [], {})}
        for k, v in rest.items():
            item.put(_x(k), v)
            ledger.extend(f"risks_identified.{k}", _x(k))
        if details:
            item.put(_x("category"), {"id": cat_id, **details})
            ledger.extend("individual_risk_categories (asvs, cheat_sheet, cwe, ...)", _x("category"))
        model["threats"].append(item)
        ledger.keep("threats")
