"""A minimal LSP client over a subprocess's stdio, for timing keystroke-to-diagnostics latency.

Hand-rolled rather than pygls's LanguageClient so that nothing but the pipe,
one reader thread and the server sits between "edit sent" and "diagnostics
received": each incoming message is time-stamped the moment its body is read.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


class LspError(Exception):
    pass


@dataclass
class Incoming:
    at: float  # time.perf_counter() when the body was read
    msg: dict


@dataclass
class Keystroke:
    version: int
    sent: float
    received: float
    diagnostics: int

    @property
    def latency_ms(self) -> float:
        return (self.received - self.sent) * 1000


@dataclass
class Session:
    """What one run against one document measured."""

    open_ms: float = 0.0
    keystrokes: list[Keystroke] = field(default_factory=list)
    final_diagnostics: list = field(default_factory=list)
    final_text: str = ""
    rss_kb: int | None = None
    hwm_kb: int | None = None


class LspClient:
    def __init__(self, cmd: list[str], cwd: str | None = None, env: dict | None = None):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd, env=env, bufsize=0)
        self.inbox: queue.Queue[Incoming | None] = queue.Queue()
        self._next_id = 0
        self._stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- transport ----------------------------------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = b""
                while len(body) < length:
                    chunk = out.read(length - len(body))
                    if not chunk:
                        return
                    body += chunk
                self.inbox.put(Incoming(time.perf_counter(), json.loads(body)))
        finally:
            self.inbox.put(None)

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line)
            del self._stderr[:-200]

    def stderr_tail(self) -> str:
        return b"".join(self._stderr[-20:]).decode("utf-8", "replace")

    def send(self, msg: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode("utf-8")
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        sent = time.perf_counter()
        self.proc.stdin.write(data)
        return sent

    def notify(self, method: str, params) -> float:
        return self.send({"method": method, "params": params})

    def request(self, method: str, params, timeout: float = 60) -> dict:
        self._next_id += 1
        rid = self._next_id
        self.send({"id": rid, "method": method, "params": params})
        msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout).msg
        if "error" in msg:
            raise LspError(f"{method}: {msg['error']}")
        return msg.get("result")

    def wait(self, match, timeout: float) -> Incoming:
        """The next incoming message for which match(msg) is true; server requests are answered on the way."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise LspError(f"timed out after {timeout:.0f} s waiting for the server; stderr:\n{self.stderr_tail()}")
            try:
                item = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if item is None:
                raise LspError(f"server exited (code {self.proc.poll()}); stderr:\n{self.stderr_tail()}")
            msg = item.msg
            if "method" in msg and "id" in msg:  # a request from the server (configuration, progress...)
                self.send({"id": msg["id"], "result": [None] * len(msg.get("params", {}).get("items", []))
                           if msg["method"] == "workspace/configuration" else None})
            if match(msg):
                return item

    # -- LSP ----------------------------------------------------------------------------------------------------
    def initialize(self, root: Path) -> dict:
        result = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True},
                                              "synchronization": {"didSave": True}}},
        })
        self.notify("initialized", {})
        return result

    def shutdown(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.proc.wait(timeout=10)
        except (LspError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def memory_kb(self) -> tuple[int | None, int | None]:
        """(VmRSS, VmHWM) of the server process in kB, from /proc."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None, None
        values = {}
        for line in status.splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values.get("VmRSS"), values.get("VmHWM")


    def cpu_ms(self) -> float | None:
        """CPU time the server process has used (user + system), from /proc: the work it did, whatever the load."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _diagnostics_for(uri: str, version: int | None):
    def match(msg: dict) -> bool:
        if msg.get("method") != "textDocument/publishDiagnostics":
            return False
        params = msg.get("params") or {}
        if params.get("uri") != uri:
            return False
        # Servers that report the version let us ignore a late publish for an older text.
        return version is None or params.get("version") in (None, version)
    return match


def insertion_points(text: str, fields=("description", "title"), count: int = 2) -> list[tuple[str, int, int]]:
    """(field, line, character) at the end of a threat's title line or description text, near the middle."""
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l == "threats:"), 0)
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    middle = (start + end) // 2
    points = []
    for name in fields:
        for i in range(middle, end):
            line = lines[i]
            if line.startswith(f"    {name}: "):
                if line.rstrip().endswith(">-"):  # folded text: type at the end of its first line
                    points.append((name, i + 1, len(lines[i + 1])))
                else:
                    points.append((name, i, len(line)))
                break
    return points[:count]


def measure(cmd: list[str], path: Path, keystrokes: int = 20, root: Path | None = None, timeout: float = 120,
            pause: float = 0.03, env: dict | None = None) -> Session:
    """Open `path` in a fresh server, type `keystrokes` characters into a threat's description and as many into
    its title, one didChange (incremental) each, waiting for the published diagnostics of each version."""
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    session = Session()
    client = LspClient(cmd, cwd=str(root or path.parent), env=env)
    try:
        client.initialize(root or path.parent)
        sent = client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        got = client.wait(_diagnostics_for(uri, 1), timeout)
        session.open_ms = (got.at - sent) * 1000
        version = 1
        word = " and then replays it"
        lines = text.split("\n")
        for field_name, line, char in insertion_points(text):
            for k in range(keystrokes):
                ch = word[k % len(word)]
                version += 1
                time.sleep(pause)  # a fast typist, and lets the previous round settle
                sent = client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": {"line": line, "character": char + k},
                                                  "end": {"line": line, "character": char + k}}, "text": ch}]})
                got = client.wait(_diagnostics_for(uri, version), timeout)
                lines[line] = lines[line][: char + k] + ch + lines[line][char + k:]
                session.keystrokes.append(Keystroke(version, sent, got.at, len(got.msg["params"]["diagnostics"])))
                session.final_diagnostics = got.msg["params"]["diagnostics"]
        session.rss_kb, session.hwm_kb = client.memory_kb()
        session.final_text = "\n".join(lines)
    finally:
        client.shutdown()
    return session


@dataclass
class Typing:
    """What typing at one place measured."""

    keystrokes: list[Keystroke] = field(default_factory=list)
    cpu_ms: float | None = None  # the server's CPU time over the keystrokes
    final_diagnostics: list = field(default_factory=list)
    final_text: str = ""
    open_ms: float = 0.0


def type_at(cmd: list[str], path: Path, line: int, char: int, keystrokes: int = 15, root: Path | None = None,
            timeout: float = 120, pause: float = 0.03, env: dict | None = None, word: str = " and then replays it",
            warmup: int = 3) -> Typing:
    """Open `path` in a fresh server and type `word` (cycled) at (line, char) one didChange per character,
    waiting for each version's diagnostics. The first `warmup` keystrokes (the server's caches filling for
    this place) are typed but not reported."""
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    out = Typing()
    client = LspClient(cmd, cwd=str(root or path.parent), env=env)
    try:
        client.initialize(root or path.parent)
        sent = client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        out.open_ms = (client.wait(_diagnostics_for(uri, 1), timeout).at - sent) * 1000
        lines = text.split("\n")
        cpu_start = None
        for k in range(warmup + keystrokes):
            if k == warmup:
                cpu_start = client.cpu_ms()
            ch = word[k % len(word)]
            version = k + 2
            time.sleep(pause)
            sent = client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": line, "character": char + k},
                                              "end": {"line": line, "character": char + k}}, "text": ch}]})
            got = client.wait(_diagnostics_for(uri, version), timeout)
            lines[line] = lines[line][:char + k] + ch + lines[line][char + k:]
            if k >= warmup:
                out.keystrokes.append(Keystroke(version, sent, got.at, len(got.msg["params"]["diagnostics"])))
            out.final_diagnostics = got.msg["params"]["diagnostics"]
        cpu_end = client.cpu_ms()
        if cpu_start is not None and cpu_end is not None:
            out.cpu_ms = cpu_end - cpu_start
        out.final_text = "\n".join(lines)
    finally:
        client.shutdown()
    return out
