"""uvicorn's HTTP protocol with a request timeout: half-sent requests are closed.

uvicorn times out idle keep-alive connections, but not a client that opens a
connection and sends a request slowly or not at all (a partial request line,
headers without their blank line, a body shorter than its
``Content-Length``): such a connection stays open for as long as the client
likes, and enough of them exhaust the server. :class:`GuardedHttpToolsProtocol`
arms a timer when a connection opens and when each request begins, and
disarms it once the whole request is read; if it fires first, the client gets
``408 Request Timeout`` (when no response was started) and the connection is
closed.

The timeout is ``Settings.request_timeout`` (``NUMBER_GENERATOR_REQUEST_TIMEOUT``
seconds, default 10). ``number-generator serve`` selects this protocol, and
so does the gunicorn worker of ``number_generator.service.gunicorn_conf``
(:class:`number_generator.service.worker.UvicornWorker`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .settings import get_settings

__all__ = ["PROTOCOL", "GuardedHttpToolsProtocol"]

#: The ``http=`` value that selects this protocol in a uvicorn ``Config``.
PROTOCOL = "number_generator.service.protocol:GuardedHttpToolsProtocol"

_TIMEOUT_BODY = b"request timeout: the request was not received in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that closes connections whose request stalls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_timeout = float(get_settings().request_timeout)
        self._request_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._request_timer is None:
            self._request_timer = self.loop.call_later(self.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _timed_out(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            # Nothing of an answer was sent yet: say why the connection closes.
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
