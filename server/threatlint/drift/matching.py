"""Which element answers a name: its id, its name or one of its aliases, case-insensitively; a component
an exemption names (`exemptions: [{component: cache, rationale: ...}]`) is answered too."""
from __future__ import annotations

from ..engine.model import Model

EXEMPT = "(exempted)"  # what `answer` returns for a component an exemption answers


class Answers:
    def __init__(self, model: Model):
        self.model = model
        self._by_name: dict[str, str] = {}
        self._exempt: set[str] = set()
        for _, el in model.items("elements"):
            ident = model.id_of(el)
            if ident is None:
                continue
            aliases = el.get("aliases")
            names = [ident, el.get("name"), *(aliases if isinstance(aliases, list) else [])]
            for n in names:
                if isinstance(n, (str, int)) and not isinstance(n, bool) and str(n).strip():
                    self._by_name.setdefault(str(n).strip().casefold(), ident)
        for _, x in model.items("exemptions"):
            c = x.get("component")
            for n in c if isinstance(c, list) else [c]:
                if isinstance(n, str) and n.strip():
                    self._exempt.add(n.strip().casefold())

    def element(self, name: str) -> str | None:
        """The id of the element answering `name`, or None."""
        return self._by_name.get(name.strip().casefold())

    def exempted(self, name: str) -> bool:
        return name.strip().casefold() in self._exempt

    def answer(self, names) -> str | None:
        """The element id answering any of `names`, EXEMPT when an exemption does, else None."""
        for n in names:
            el = self.element(n)
            if el is not None:
                return el
        return EXEMPT if any(self.exempted(n) for n in names) else None

    def flow_exists(self, source: str, target: str) -> bool:
        """A flow from element `source` to `target` (`from` opens the connection)."""
        for _, f in self.model.items("flows"):
            if f.get("from") == source and f.get("to") == target:
                return True
        return False
