"""The pre-commit gate (`threatlint gate`): code changed in a model's scope needs the model updated too.

git.py runs git (batched, -z), changes.py reads diffs, models.py finds, reads
and parses models and asks the engine for findings, verdict.py decides,
report.py renders, runner.py ties one run together.
"""
from .runner import GateUsageError, Options, Outcome, run_gate  # noqa: F401
