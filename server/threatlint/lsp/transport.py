"""The stdio transport: reading stdin on the event loop, and sending notifications built as plain dicts.

pygls reads stdin through a thread pool, one loop round trip per header line and body; messages then
trickle in one at a time and a burst of edits cannot be seen as a burst. A pipe reader on the loop hands
over everything already received at once, so the scheduled check runs only after the last buffered edit,
and each message costs no thread hop.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async

log = logging.getLogger("threatlint.lsp")


class Transport:
    def __init__(self, server):
        self.server = server
        self.writer = None
        self.stopped = threading.Event()

    def serve_stdio(self, stdin=None, stdout=None) -> None:
        server = self.server
        self.writer = StdoutWriter(stdout or sys.stdout.buffer)
        server.protocol.set_writer(self.writer)
        source = stdin or sys.stdin.buffer

        async def main():
            reader = await _pipe_reader(source)
            if reader is None:  # not a pipe (a file, or a platform without pipe support): pygls's reader
                reader = StdinAsyncReader(source, server.thread_pool)
            await run_async(stop_event=self.stopped, reader=reader, protocol=server.protocol, logger=log,
                            error_handler=server.report_server_error)

        try:
            asyncio.run(main())
        except BrokenPipeError:
            log.error("connection to the client lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.shutdown()

    def notify_raw(self, method: str, params: dict) -> bool:
        """Send a notification whose params are plain JSON values: json.dumps serializes them in C, cattrs
        never walks them (a 1,000-threat model's diagnostics). False when no stdio writer is set up."""
        if self.writer is None:
            return False
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params})
        data = body.encode("utf-8")
        self.writer.write(f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data)
        return True


class _PipeReader:
    """pygls's AsyncReader interface over an asyncio StreamReader."""

    def __init__(self, stream: asyncio.StreamReader):
        self.stream = stream

    async def readline(self) -> bytes:
        return await self.stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def _pipe_reader(source) -> _PipeReader | None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=2 ** 20, loop=loop)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), source)
    except (OSError, ValueError, NotImplementedError):
        return None
    return _PipeReader(stream)
