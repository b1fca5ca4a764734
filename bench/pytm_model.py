"""The same system as a threatlint model, built as an OWASP pytm threat model, for a side-by-side timing.

pytm has no file format to load ours from: a pytm model is Python code that
instantiates Actor/Process/Datastore/Dataflow objects. We build exactly the
elements, boundaries, flows and data of a generated model and then time what
pytm does to evaluate it: `tm.check()` plus `tm.resolve()`, which matches
every element against pytm's threat library (pytm/threatlib/threats.json).
"""
from __future__ import annotations

import time

_CLASSIFICATION = {"public": "PUBLIC", "internal": "RESTRICTED", "confidential": "SENSITIVE", "pii": "SENSITIVE",
                   "financial": "SECRET", "credentials": "SECRET", "secret": "SECRET"}


def build_tm(model: dict):
    """A pytm TM with one object per element, boundary, asset and flow of a threatlint model (as plain data)."""
    from pytm import TM, Actor, Boundary, Classification, Data, Dataflow, Datastore, Process, TLSVersion

    TM.reset()  # pytm keeps every object in class-level state
    tm = TM(model["system"]["name"], description=model["system"].get("description", ""))
    tm.isOrdered = False
    boundaries = {b["id"]: Boundary(b.get("name", b["id"])) for b in model.get("boundaries", [])}
    data = {}
    for a in model.get("assets", []):
        cls = a.get("classification", "internal")
        data[a["id"]] = Data(a.get("name", a["id"]), classification=getattr(Classification, _CLASSIFICATION.get(cls, "RESTRICTED")),
                             isPII=cls == "pii", isCredentials=cls == "credentials")
    elements = {}
    for el in model.get("elements", []):
        kind, name = el["kind"], el.get("name", el["id"])
        if kind == "external_entity":
            obj = Actor(name)
        elif kind == "process":
            obj = Process(name)
        else:
            obj = Datastore(name)
            obj.controls.isEncryptedAtRest = bool(el.get("encrypted_at_rest"))
        if el.get("boundary") in boundaries:
            obj.inBoundary = boundaries[el["boundary"]]
        elements[el["id"]] = obj
    for fl in model.get("flows", []):
        f = Dataflow(elements[fl["from"]], elements[fl["to"]], fl["id"])
        f.protocol = fl.get("protocol", "")
        f.data = [data[d] for d in fl.get("data", []) if d in data]
        f.controls.isEncrypted = bool(fl.get("encrypted"))
        f.controls.authenticatesSource = bool(fl.get("authenticated"))
        if fl.get("encrypted"):
            f.tlsVersion = TLSVersion.TLSv12
    return tm


def evaluate(tm) -> int:
    """pytm's own evaluation: consistency check, then threat resolution. Returns the number of findings."""
    tm.check()
    tm.resolve()
    return len(tm.findings)


def time_pytm(model: dict) -> dict:
    """Build and evaluate; times (seconds) of the build and of the evaluation, and the finding count."""
    w0, c0 = time.perf_counter(), time.process_time()
    tm = build_tm(model)
    w1, c1 = time.perf_counter(), time.process_time()
    findings = evaluate(tm)
    w2, c2 = time.perf_counter(), time.process_time()
    return {"build_wall": w1 - w0, "build_cpu": c1 - c0, "eval_wall": w2 - w1, "eval_cpu": c2 - c1,
            "findings": findings}
