"""A local HTTP mirror on 127.0.0.1 with switchable misbehaviour per path, for download tests.

Every mirror is a path prefix on one server: ``server.url("a")`` is
``http://127.0.0.1:<port>/a/``. Files are served from memory; what happens to a
request is chosen per ``(mirror, file name)`` with :meth:`MirrorServer.behave`:

* ``"stall"`` sends the headers and the first :attr:`MirrorServer.stall_bytes` bytes (more
  than a client reads at once), then nothing until the server stops (at most 10 s);
* ``"trickle"`` sends the headers (the whole length), then one byte every
  :attr:`MirrorServer.trickle_interval` seconds, :attr:`MirrorServer.trickle_bytes` bytes
  in all, then hangs up (sooner if the client does, or the server stops): each read the
  client makes succeeds quickly, so only an overall deadline ends the download early.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Behaviour = Literal["ok", "wrong-hash", "truncate", "404", "500", "stall", "trickle"]


class MirrorServer:
    """Serve ``files`` (name -> bytes) from every mirror prefix, counting requests."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = dict(files)
        self.requests: list[str] = []
        #: Bytes a ``"stall"`` answer sends before it stops sending.
        self.stall_bytes = 1 << 17
        #: Seconds between two bytes of a ``"trickle"`` answer.
        self.trickle_interval = 0.05
        #: Bytes a ``"trickle"`` answer sends before it hangs up (20 s at the default pace).
        self.trickle_bytes = 400
        self._behaviour: dict[tuple[str, str], Behaviour] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> MirrorServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()  # let stalled handlers finish
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, mirror: str = "a") -> str:
        """Base URL of one mirror (with a trailing slash, as users write them)."""
        return f"http://127.0.0.1:{self.port}/{mirror}/"

    def behave(self, mirror: str, file_name: str, behaviour: Behaviour) -> None:
        """Choose what ``mirror`` does when ``file_name`` is requested (default ``"ok"``)."""
        self._behaviour[(mirror, file_name)] = behaviour

    def count(self, mirror: str | None = None, file_name: str | None = None) -> int:
        """Number of requests received, optionally for one mirror and/or file."""
        with self._lock:
            paths = list(self.requests)
        return sum(
            1
            for path in paths
            if (mirror is None or path.split("/")[1] == mirror)
            and (file_name is None or path.rsplit("/", 1)[-1] == file_name)
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(self.path)
                parts = self.path.split("/")
                mirror, name = (parts[1], parts[-1]) if len(parts) == 3 else ("", "")
                behaviour = server._behaviour.get((mirror, name), "ok")
                body = server.files.get(name)
                if body is None or behaviour == "404":
                    self.send_error(404)
                    return
                if behaviour == "500":
                    self.send_error(500)
                    return
                if behaviour == "wrong-hash":
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if behaviour == "truncate":
                    # Announce the whole file, send half of it, hang up.
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if behaviour == "trickle":
                    self._trickle(body)
                    return
                if behaviour == "stall":
                    self.wfile.write(body[: server.stall_bytes])
                    self.wfile.flush()
                    server._release.wait(timeout=10)
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def _trickle(self, body: bytes) -> None:
                """One byte at a time until the client hangs up or the server stops."""
                try:
                    for index in range(min(len(body), server.trickle_bytes)):
                        self.wfile.write(body[index : index + 1])
                        self.wfile.flush()
                        if server._release.wait(server.trickle_interval):
                            break
                except OSError:  # the client hung up
                    pass
                finally:
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: pytest shows failures, the request log is in ``requests``."""

        return Handler
