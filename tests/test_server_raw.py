"""`aiolint server` over stdio with hand-written JSON-RPC (issue 17): a request
whose params do not match the LSP's types gets a JSON-RPC error, and the
server goes on answering. (A typed client cannot send such params.)"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from lsp_client import SERVER_COMMAND

INVALID_PARAMS = -32602
TIMEOUT = 30.0


class RawServer:
    """The real server, spoken to in framed JSON."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            SERVER_COMMAND,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def answer(self, msg_id: int) -> dict[str, Any]:
        """The response to request `msg_id` (notifications meanwhile are skipped)."""
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if message.get("id") == msg_id and "method" not in message:
                return message

    def published(self, uri: str) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and message["params"]["uri"] == uri
            ):
                return message["params"]

    def close(self) -> None:
        self.send({"id": 999, "method": "shutdown"})
        self.send({"method": "exit"})
        try:
            self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def test_malformed_params_get_a_json_rpc_error(tmp_path: Path) -> None:
    server = RawServer(tmp_path)
    try:
        root = tmp_path.as_uri()
        server.send(
            {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": root}}
        )
        assert "capabilities" in server.answer(1)["result"]
        server.send({"method": "initialized", "params": {}})
        server.send(
            {
                "id": 2,
                "method": "textDocument/hover",
                "params": {"textDocument": 5, "position": "x"},
            }
        )
        assert server.answer(2)["error"]["code"] == INVALID_PARAMS
        server.send(
            {"id": "three", "method": "textDocument/codeAction", "params": {"textDocument": {}}}
        )
        assert server.answer("three")["error"]["code"] == INVALID_PARAMS
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": 3}}})
        uri = (tmp_path / "after.py").as_uri()
        text = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        (found,) = server.published(uri)["diagnostics"]
        assert found["code"] == "AIO201"
        position = {"line": 4, "character": 6}
        server.send(
            {
                "id": 4,
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": position},
            }
        )
        assert "AIO201" in json.dumps(server.answer(4)["result"])
    finally:
        server.close()
