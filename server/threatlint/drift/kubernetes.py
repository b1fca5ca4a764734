"""Kubernetes manifests: workloads, Services and Ingresses are components (one per name and kind)."""
from __future__ import annotations

from ..engine.finding import Range
from .component import Component, Read
from .yamldocs import documents, problems_of, text, where

KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Service", "Ingress")


def looks_like(source: str) -> bool:
    """Cheap test before parsing: a manifest names its apiVersion and kind at the top level."""
    return "apiVersion" in source and "kind" in source


def read(source: str) -> Read:
    out = Read()
    for doc in documents(source):
        out.problems += problems_of(doc, "Kubernetes manifest")
        if not doc.ok:
            continue
        for path, item in _objects(doc.data):
            comp = _component(doc, path, item)
            if comp is not None:
                out.components.append(comp)
    return out


def _objects(data, path=()):
    """Top-level objects, and the items of a `kind: List` (kubectl get -o yaml writes those)."""
    if not isinstance(data, dict):
        return
    if data.get("kind") == "List" and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            yield from _objects(item, (*path, "items", i))
        return
    yield path, data


def _component(doc, path: tuple, obj: dict) -> Component | None:
    kind = obj.get("kind")
    if kind not in KINDS:
        return None
    meta = obj.get("metadata")
    name = text(meta.get("name")) if isinstance(meta, dict) else None
    if name is None:
        return None
    images = _images(obj)
    shown = f"Kubernetes {kind} '{name}'" + (f" (image {images[0]})" if images else "")
    rng = where(doc, (*path, "metadata", "name"), "value") if doc.pos is not None else Range.of(0, 0, 0, 0)
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    also = tuple(v for k in ("app", "app.kubernetes.io/name") if (v := text(labels.get(k))) and v != name)
    return Component(name, "kubernetes", shown, rng, also, images[0] if images else None,
                     _backends(obj) if kind == "Ingress" else (), entry_point=kind == "Ingress")


def _images(obj: dict) -> list[str]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    if obj.get("kind") == "CronJob":
        spec = _get(spec, "jobTemplate", "spec")
    pod = _get(spec, "template", "spec")
    containers = pod.get("containers") if isinstance(pod, dict) else None
    return [img for c in containers if isinstance(c, dict) and (img := text(c.get("image")))] \
        if isinstance(containers, list) else []


def _backends(obj: dict) -> tuple[str, ...]:
    """The Services an Ingress routes to (networking.k8s.io/v1 and the old serviceName form)."""
    out = []
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    backends = [spec.get("defaultBackend"), spec.get("backend")]
    for rule in spec.get("rules") or () if isinstance(spec.get("rules"), list) else ():
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        backends += [p.get("backend") for p in paths if isinstance(p, dict)] if isinstance(paths, list) else []
    for b in backends:
        if isinstance(b, dict):
            svc = b.get("service")
            name = text(svc.get("name")) if isinstance(svc, dict) else text(b.get("serviceName"))
            if name:
                out.append(name)
    return tuple(dict.fromkeys(out))


def _get(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d if isinstance(d, dict) else {}
