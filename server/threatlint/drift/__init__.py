"""Drift: what the repository deploys and what runs, compared with a model's elements and flows.

Pure functions only (no I/O): each source module turns one file's text into `Component`s
(compose.py, kubernetes.py, terraform.py, openapi.py; detect.py says which reader a file needs),
traces.py turns OTLP JSON lines into `Call`s, matching.py says which element answers a name,
and findings.py words TM500-TM503. Finding and reading files is the front end's job
(cli/drift.py, the gate, lsp/drift.py). See docs/drift.md.

Nothing is imported here: the gate asks names.candidate() about every changed path and must not pay
for the readers unless one of them could be infrastructure.
"""
