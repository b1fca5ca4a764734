"""What a source declares: components (with where) and the problems met reading it."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.finding import Range


@dataclass(frozen=True)
class Component:
    """Something the repository deploys: a compose service, a Kubernetes workload, a Terraform resource..."""

    name: str  # what an element's id, name or alias must match (the first of `names` shown to users)
    source: str  # compose | kubernetes | terraform | openapi
    what: str  # how a user recognises it: "compose service 'cache' (image redis:7)"
    range: Range  # where it is declared in its file
    names: tuple[str, ...] = ()  # every name that identifies it (name first)
    image: str | None = None  # container image, engine or resource type: what the kind is inferred from
    depends_on: tuple[str, ...] = ()  # components it connects to (compose depends_on, links, URLs)
    entry_point: bool = False  # an API server or ingress: something outside calls it

    def all_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, *self.names)))


@dataclass(frozen=True)
class Problem:
    """A file that cannot be read as what it looks like (TM500), with where."""

    message: str
    range: Range


@dataclass
class Read:
    """One file's components and problems."""

    components: list[Component] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    """A call seen at run time: service `caller` called `callee` (named as the span names it)."""

    caller: str
    callee: str
    also: tuple[str, ...] = ()  # other names the span gives the callee (host, database, destination)

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.callee, *self.also)))
