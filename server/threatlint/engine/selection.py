"""Repository configuration and inline suppressions applied to findings (pure: no I/O).

`threatlint.settings` reads the files; this module only decides, given a
`Config` and the model text, which findings survive and at what severity.
Every front end gets the same answer because `check_document` calls `apply`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .filenames import MODEL_PATTERNS as DEFAULT_MODEL_PATTERNS
from .finding import Finding, Range, Severity

# A file that does not parse cannot be checked at all, so its error is never filtered.
UNFILTERED = frozenset({"TM001"})
SUPPRESSION_RULE = "TM007"

# `# threatlint: ignore[TM201, TM3] reason`; the comment must start at a line start or after blank space.
_SUPPRESSION = re.compile(r"(?:^|(?<=\s))#\s*threatlint:\s*ignore\[(?P<codes>[^\]\n]*)\](?P<reason>[^\n]*)", re.MULTILINE)
_CODE = re.compile(r"^TM[0-9]{1,3}$")


@dataclass(frozen=True)
class Config:
    """What `[tool.threatlint]` or `.threatlint.yaml` says (defaults: every rule, built-in severities)."""

    select: tuple[str, ...] = ()  # rule ids or prefixes ("TM1", "ALL"); empty means all
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()  # (rule id or prefix, severity)
    model_patterns: tuple[str, ...] = DEFAULT_MODEL_PATTERNS
    extra_catalogs: tuple[str, ...] = ()  # paths as written, relative to the config file
    stage: str | None = None  # stage of models that declare no review.stage (engine/model.py STAGES)
    rating: str | None = None  # rating scheme of models that declare no review.rating (engine/model.py RATINGS)
    release_tags: tuple[str, ...] = ()  # tag globs that mark a release (status, portfolio); empty: the default
    # Gitignore patterns of paths model discovery skips, relative to the config file: `exclude` replaces the
    # default list (None keeps it, see threatlint.workspace.DEFAULT_EXCLUDE), `extend-exclude` adds to it.
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True  # skip models git ignores when searching folders, as ruff does
    source: str | None = None  # the file this came from, for messages
    # What the gate counts as updating a model: "content" (the parsed document differs; comments, whitespace,
    # key order and quoting do not count) or "any" (any byte change).
    gate_model_update: str = "content"

    def enabled(self, rule: str) -> bool:
        """ruff's rule: the most specific matching selector wins; on a tie ignore wins."""
        if rule in UNFILTERED:
            return True
        best_select = max((_specificity(s) for s in self.select if _matches(s, rule)), default=-1)
        best_ignore = max((_specificity(s) for s in self.ignore if _matches(s, rule)), default=-1)
        if best_ignore >= 0 and best_ignore >= best_select:
            return False
        return best_select >= 0 or not self.select

    def names(self, rule: str) -> bool:
        """Whether `select` names this rule by its full id: such a rule runs whatever the model's stage."""
        return rule in self.select and rule not in self.ignore

    def severity_of(self, rule: str, default: Severity) -> Severity:
        best = max(((_specificity(k), sev) for k, sev in self.severity if _matches(k, rule)), default=None,
                   key=lambda x: x[0])
        return best[1] if best else default


def _matches(selector: str, rule: str) -> bool:
    return selector == "ALL" or rule.startswith(selector)


def _specificity(selector: str) -> int:
    return 0 if selector == "ALL" else len(selector)


@dataclass(frozen=True)
class Suppression:
    line: int  # 0-based line the comment is on
    codes: tuple[str, ...]
    reason: str
    range: Range  # the comment, for TM007
    applies_to: tuple[int, ...] = field(default=())  # lines whose findings it suppresses


def suppressions(text: str) -> list[Suppression]:
    """Every `# threatlint: ignore[...]` comment.

    A comment after YAML on the same line covers findings starting on that
    line; a comment alone on its line also covers the next line (for a long
    flow mapping whose own line has no room).
    """
    out: list[Suppression] = []
    counted, line = 0, 0  # newlines counted so far, so many comments cost one pass over the text
    pos = text.find("threatlint:")
    while pos != -1:  # only lines that mention threatlint are looked at (a large model has none or a few)
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end == -1 else line_end
        m = _SUPPRESSION.search(text, line_start, line_end)
        if m and not _inside_quotes(text[line_start:m.start()]):
            line += text.count("\n", counted, line_start)
            counted = line_start
            before = text[line_start:m.start()]
            col = m.start() - line_start
            end_col = col + len(m.group(0).rstrip("\r"))
            codes = tuple(c.strip() for c in m.group("codes").split(","))
            applies = (line,) if before.strip() else (line, _next_content_line(text, line_end, line))
            out.append(Suppression(line, codes, m.group("reason").strip(), Range.of(line, col, line, end_col), applies))
        pos = text.find("threatlint:", line_end)
    return out


def _inside_quotes(prefix: str) -> bool:
    """Whether a `#` after `prefix` sits inside a quoted scalar started on the same line."""
    quote = None
    i = 0
    while i < len(prefix):
        ch = prefix[i]
        if quote is None and ch in "\"'":
            quote = ch
        elif quote == '"' and ch == "\\":
            i += 1
        elif ch == quote:
            if quote == "'" and prefix[i + 1:i + 2] == "'":
                i += 1  # '' is an escaped quote inside single quotes
            else:
                quote = None
        i += 1
    return quote is not None


def _next_content_line(text: str, pos: int, line: int) -> int:
    """The first line after the one ending at `pos` that holds YAML, not blank or a comment (or `line`)."""
    n = line
    while pos < len(text):
        n += 1
        end = text.find("\n", pos + 1)
        end = len(text) if end == -1 else end
        stripped = text[pos + 1:end].strip()
        if stripped and not stripped.startswith("#"):
            return n
        pos = end
    return line


def apply(findings: list[Finding], text: str, config: Config | None, known_rules) -> list[Finding]:
    """Drop suppressed and deselected findings, apply severity overrides, report bad suppressions (TM007)."""
    config = config or Config()
    sups = suppressions(text)
    by_line: dict[int, list[str]] = {}
    for s in sups:
        for line in s.applies_to:
            by_line.setdefault(line, []).extend(c for c in s.codes if c)
    out = [f for f in findings if not _suppressed(f, by_line)]
    out += _suppression_findings(sups, known_rules)
    result = []
    for f in out:
        if not config.enabled(f.rule):
            continue
        sev = config.severity_of(f.rule, f.severity)
        result.append(f if sev == f.severity else Finding(f.rule, sev, f.message, f.range, f.path, f.data))
    return result


def silenced_lines(text: str, rule: str) -> frozenset[int]:
    """The lines whose findings of `rule` an inline `ignore[...]` comment suppresses (what `apply` drops): a rule
    that groups items into one finding elsewhere leaves out the items silenced where they are."""
    return frozenset(line for s in suppressions(text) if any(c and rule.startswith(c) for c in s.codes)
                     for line in s.applies_to)


def _suppressed(f: Finding, by_line: dict[int, list[str]]) -> bool:
    if f.rule in UNFILTERED or f.rule == SUPPRESSION_RULE:
        return False
    return any(f.rule.startswith(code) for code in by_line.get(f.range.start.line, ()))


def _suppression_findings(sups: list[Suppression], known_rules) -> list[Finding]:
    out = []
    for s in sups:
        problems = []
        bad = [c for c in s.codes if not _CODE.match(c) or not any(r.startswith(c) for r in known_rules)]
        if not any(s.codes) or s.codes == ("",):
            problems.append("names no rule id (write e.g. ignore[TM201])")
        elif bad:
            problems.append(f"names unknown rule id{'s' if len(bad) > 1 else ''} {', '.join(repr(b) for b in bad)}")
        if not s.reason:
            problems.append("gives no reason: add why the finding does not apply after the brackets")
        for p in problems:
            out.append(Finding(SUPPRESSION_RULE, Severity.WARNING, f"suppression comment {p}", s.range,
                               data={"codes": list(s.codes), "line": s.line}))
    return out
