"""`threatlint gate [FILE...]`: the pre-commit freshness gate (and, with --base, its CI form)."""
from __future__ import annotations

import os
import sys

from ..engine import resolve_today
from ..engine.finding import Severity
from . import UsageError

HELP = ("block a commit that changes code in a threat model's scope without updating the model's content, "
        "that stages a model with error findings, or that adds infrastructure the model does not describe")


def add_arguments(p) -> None:
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="staged files to consider (pre-commit passes them; default: everything staged)")
    p.add_argument("--base", metavar="REF",
                   help="CI mode: check the commits between the merge base of REF and HEAD instead of the "
                        "index (FILE arguments are then ignored); `pre-commit run --from-ref A --to-ref B` "
                        "does the same for A and B")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                   help="block when a changed model has a finding at or above this severity (default: error)")
    p.add_argument("--no-cache", action="store_true",
                   help="read every model afresh instead of reusing the scopes remembered (by blob id) in "
                        "the git folder")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="date rules compare against (default: $THREATLINT_TODAY or the system date)")


def run(args) -> int:
    from threatlint.gate import GateUsageError, Options, run_gate

    try:
        today = resolve_today(args.today)
    except ValueError as e:
        raise UsageError(str(e)) from None
    base, head = args.base, "HEAD"
    if base is None and os.environ.get("PRE_COMMIT_FROM_REF") and os.environ.get("PRE_COMMIT_TO_REF"):
        # `pre-commit run --from-ref A --to-ref B` (and pre-push) ask about that range, not the index.
        base, head = os.environ["PRE_COMMIT_FROM_REF"], os.environ["PRE_COMMIT_TO_REF"]
    # Under pre-commit (PRE_COMMIT=1) the file list is authoritative even when empty: the hook's
    # files/exclude filters left nothing for us (deletions, which it never passes, still count).
    files = tuple(args.files) if args.files or os.environ.get("PRE_COMMIT") == "1" else None
    opts = Options(files=files, base=base, head=head, today=today,
                   fail_on=Severity(args.fail_on), cache=not args.no_cache)
    try:
        outcome = run_gate(opts)
    except GateUsageError as e:
        raise UsageError(str(e)) from None
    except Exception as e:  # fail closed: a crash must block the commit, and say why
        print(f"threatlint gate: blocked: internal error ({type(e).__name__}: {e}); "
              "the gate fails closed, please report this", file=sys.stderr)
        return 1
    if hasattr(sys.stdout, "reconfigure"):
        # A file name that is not valid UTF-8 is printed as its original bytes, not a traceback.
        sys.stdout.reconfigure(errors="surrogateescape")
    for line in outcome.lines:
        print(line)
    return outcome.code
