"""Rule families; importing this package registers every rule in RULES."""
from .registry import RULES, Hit, Rule, register, rule  # noqa: F401
from . import structure, stride, specificity, business, governance, catalog, suppression, drift  # noqa: F401,E402
