"""The real `threatlint lsp` under 10,000 random incremental edits to one open model.

It must keep answering requests, end with diagnostics equal to a fresh check of the final text, and
not grow its memory without bound. Runs in CI (a minute or two on 2 cores); LSP_STRESS_EDITS changes
the number of edits.
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from threatlint.engine import check_text
from threatlint.engine.context import CheckContext

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "lsp"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from client import TODAY, config, start_session, wait_published  # noqa: E402
from layouts import LAYOUTS, layout  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml"
EDITS = int(os.environ.get("LSP_STRESS_EDITS", "10000"))
# The other layouts (bench/layouts.py) get a fifth as many each: they share all but the split of the lists.
LAYOUT_EDITS = {name: EDITS if name == "indented" else max(500, EDITS // 5) for name in LAYOUTS}
PROBE_EVERY = 500
RSS_AT = 2000
REPLY = 60  # seconds a request may take before the server counts as hung (a hang detector)
SEED = 20261123

# Inserted text: YAML structure, newlines of every LSP kind, indentation, and garbage.
PIECES = [
    "\n", "\r\n", "  ", "- ", ": ", "x", "id: ", "threats:", "  - id: T-9\n    title: t\n", "[", "]", "{", "}",
    ",", "'", '"', "#", "&a ", "*a", "<<: ", "!!python/name:os.system ", "\t", "é", "\U0001F600", "\u200b",
    "stride: spoofing", "affects: [api]", "---\n", "|\n  ", ">-\n  ", "\x7f", "%", "@", "`", "?", "0x" + "f" * 60,
    # Not line breaks to an LSP client, though YAML 1.1 or Python's str.splitlines treat some as one.
    "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r",
]
LSP_BREAK = re.compile(r"\r\n|\r|\n")


class Text:
    """The client's copy of the document, with LSP positions in the negotiated encoding."""

    def __init__(self, text: str, encoding: str):
        self.text = text
        self.width = {"utf-8": lambda c: len(c.encode("utf-8")), "utf-32": lambda c: 1}.get(
            encoding, lambda c: 2 if ord(c) > 0xFFFF else 1)

    def position(self, offset: int) -> lsp.Position:
        starts = [0] + [m.end() for m in LSP_BREAK.finditer(self.text, 0, offset)]
        return lsp.Position(line=len(starts) - 1, character=sum(map(self.width, self.text[starts[-1]:offset])))

    def boundaries_ok(self, offset: int) -> bool:
        """Not between the \\r and \\n of a CRLF: no LSP position names that spot."""
        return not (0 < offset < len(self.text) and self.text[offset - 1] == "\r" and self.text[offset] == "\n")

    def client_range(self, start: tuple[int, int], end: tuple[int, int]) -> tuple:
        """An engine range (code points) as (line, unit) pairs of the client's encoding."""
        lines = LSP_BREAK.split(self.text)

        def conv(line, ch):
            return (line, sum(map(self.width, lines[line][:ch])))
        return conv(*start), conv(*end)


def random_edit(rng: random.Random, doc: Text, target: int) -> tuple[int, int, str]:
    n = len(doc.text)
    while True:
        a = rng.randint(0, n)
        if doc.boundaries_ok(a):
            break
    grow = rng.random() < (0.65 if n < target else 0.35)
    if grow:
        new = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
        b = a
    else:
        b = min(n, a + rng.randint(1, 30))
        while not doc.boundaries_ok(b):
            b += 1
        new = rng.choice(["", "", "", rng.choice(PIECES)])
    return a, b, new


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    root = Path(tempfile.mkdtemp(prefix="threatlint-stress-"))
    result = await start_session(lsp_client, root)
    enc = result.capabilities.position_encoding
    lsp_client.encoding = enc.value if hasattr(enc, "value") else (enc or "utf-16")
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(root, ignore_errors=True)


def expected_diagnostics(doc: Text) -> list[tuple]:
    ctx = CheckContext(today=date.fromisoformat(TODAY))
    out = []
    for f in check_text(doc.text, ctx):
        start, end = doc.client_range((f.range.start.line, f.range.start.character),
                                      (f.range.end.line, f.range.end.character))
        out.append((f.rule, f.message, start, end))
    return sorted(out)


def published(diagnostics) -> list[tuple]:
    return sorted((d.code, d.message, (d.range.start.line, d.range.start.character),
                   (d.range.end.line, d.range.end.character)) for d in diagnostics)


async def probe(client, uri: str, doc: Text, rng: random.Random) -> None:
    """A hover and a documentSymbol request must both be answered (an error reply raises here)."""
    pos = doc.position(rng.randint(0, len(doc.text)))
    await asyncio.wait_for(client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=pos)), REPLY)
    symbols = await asyncio.wait_for(client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri))), REPLY)
    assert symbols is None or isinstance(symbols, list)


@pytest.mark.parametrize("name", LAYOUTS)
async def test_ten_thousand_random_edits(client: LanguageClient, name: str):
    rng = random.Random(SEED)
    edits_total = LAYOUT_EDITS[name]
    path = client.root / "payments.threatmodel.yaml"
    path.write_text(layout(FIXTURE.read_text(encoding="utf-8"), name), encoding="utf-8")
    uri = path.as_uri()
    doc = Text(path.read_text(encoding="utf-8"), client.encoding)
    target = len(doc.text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=doc.text)))
    await wait_published(client, uri, version=1, timeout=REPLY)
    pid = client._server.pid
    rss_early = None
    probes = 0
    for version in range(2, edits_total + 2):
        a, b, new = random_edit(rng, doc, target)
        rng_ = lsp.Range(start=doc.position(a), end=doc.position(b))
        doc.text = doc.text[:a] + new + doc.text[b:]
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=rng_, text=new)]))
        await asyncio.sleep(0)  # let the client read what the server sends (a full pipe would stall both)
        edits = version - 1
        if edits % PROBE_EVERY == 0:
            await probe(client, uri, doc, rng)
            probes += 1
        if edits == RSS_AT:
            await wait_published(client, uri, version=version, timeout=REPLY)
            rss_early = rss_kib(pid)
    final = edits_total + 1
    p = await wait_published(client, uri, version=final, timeout=REPLY)
    await probe(client, uri, doc, rng)
    assert probes == edits_total // PROBE_EVERY
    got, want = published(p.diagnostics), expected_diagnostics(doc)
    assert got == want, {"only from the server": [d for d in got if d not in want],
                         "only from check_text": [d for d in want if d not in got], "text": doc.text}
    assert client._server.returncode is None  # still running
    if rss_early is not None:
        rss_late = rss_kib(pid)
        # Generous: a leak of a few KB per edit would be 8,000 edits x KB = tens of MB more than this.
        assert rss_late <= rss_early * 1.5 + 20 * 1024, (rss_early, rss_late)
