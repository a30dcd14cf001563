"""The JSON-RPC protocol of `aiolint server`: a request whose params do not
match the LSP's types gets a JSON-RPC error back (InvalidParams), instead of
no answer at all (pygls logs such a message and drops it, leaving the client
waiting); a malformed notification is logged and dropped, as before."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol


class MalformedRequest:
    """A request whose params did not deserialize, kept to be answered."""

    __slots__ = ("error", "msg_id")

    def __init__(self, msg_id: int | str, error: JsonRpcException) -> None:
        self.msg_id = msg_id
        self.error = error


class AiolintProtocol(LanguageServerProtocol):
    """pygls's LSP protocol, answering malformed requests with an error."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            if "method" in data and isinstance(msg_id, int | str):
                return MalformedRequest(msg_id, error)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, MalformedRequest):
            self._send_response(message.msg_id, None, message.error.to_response_error())
            return
        super().handle_message(message)
