"""Running the service for real: gunicorn with uvicorn workers, and `number-generator serve`.

Each test starts a server on a free port of 127.0.0.1, waits for /health, calls
/generate, and stops it. Timeouts are generous: CI machines are small and busy.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

#: The configuration the package ships, as an installed user names it (no clone needed).
GUNICORN_CONF = "python:number_generator.service.gunicorn_conf"
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 90.0

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(url: str, data: dict[str, Any] | None = None, **headers: str) -> tuple[int, Any, bytes]:
    body = None if data is None else json.dumps(data).encode()
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@contextmanager
def running(
    command: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start ``command``, wait until /health answers 200, stop it (SIGTERM) afterwards."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(  # outside the clone: the installed package is enough
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=log.parent,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
                try:
                    if request(url + "/health")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"/health never answered 200:\n{log.read_text()}")
                time.sleep(0.25)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    # gunicorn exits 0; uvicorn re-raises the SIGTERM it handled, after a clean shutdown.
    assert process.returncode in (0, -signal.SIGTERM), log.read_text()


def ready(url: str, data: dict[str, Any] | None = None, **headers: str) -> tuple[int, Any, bytes]:
    """:func:`request`, retried while a worker that is still loading its data answers 503
    with ``Retry-After`` (each worker loads on its own; /health may have reached another)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        status, answer_headers, body = request(url, data, **headers)
        if status != 503 or "Retry-After" not in answer_headers or time.monotonic() > deadline:
            return status, answer_headers, body
        time.sleep(0.25)


def check_service(url: str) -> None:
    status, _, body = ready(url + "/health")
    health = json.loads(body)
    assert (status, health["status"], health["dataset"]["size"]) == (200, "ok", 10_000)
    payload = {"augment": "false", "number": 42, "spacing_min": 5, "spacing_max": 10,
               "image_width": 56}  # fmt: skip
    status, headers, body = ready(url + "/generate", payload)
    assert status == 200
    answer = json.loads(body)
    assert len(answer["generatedImage"]) == 28
    assert {len(row) for row in answer["generatedImage"]} == {56}
    status, headers, body = ready(url + "/generate", payload, Accept="image/png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert body.startswith(b"\x89PNG")
    status, headers, body = ready(url + "/generate.png?digits=0901234567&image_width=280")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    status, _, body = ready(url + "/generate", {"number": "4a2"})
    assert status == 422
    assert json.loads(body)["detail"][0]["loc"] == ["body", "number"]


def test_gunicorn_with_uvicorn_workers(tmp_path: Path) -> None:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(GUNICORN_CONF),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
    ]
    log = tmp_path / "gunicorn.log"
    with running(command, port, log) as url:
        check_service(url)
    text = log.read_text()
    assert "number_generator.service.worker.UvicornWorker" in text
    assert text.count("Booting worker") >= 2
    assert "dataset ready" in text  # loaded once in the master, before the workers


def test_number_generator_serve(tmp_path: Path) -> None:
    port = free_port()
    command = [
        str(BIN / "number-generator"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    log = tmp_path / "serve.log"
    with running(command, port, log) as url:
        check_service(url)
    text = log.read_text()
    assert f"on http://127.0.0.1:{port} with 2 worker(s)" in text
    assert "Application shutdown complete" in text


def test_serve_help_and_bad_arguments() -> None:
    help_text = subprocess.run(
        [str(BIN / "number-generator"), "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in ("--host", "--port", "--workers", "--dataset", "--data-dir", "--split"):
        assert option in help_text
    bad = subprocess.run(
        [str(BIN / "number-generator"), "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "--workers: 0 is not in the range 1..64" in bad.stderr


def test_serve_refuses_bad_settings_before_starting() -> None:
    env = {**os.environ, "NUMBER_GENERATOR_MAX_IMAGE_WIDTH": "wide"}
    result = subprocess.run(
        [str(BIN / "number-generator"), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "number-generator serve: error: "
        "NUMBER_GENERATOR_MAX_IMAGE_WIDTH='wide': expected an integer"
    )


#: Sockets left half-sent at once (a slowloris client); each must be closed by the server.
HALF_SENT = 40
#: How long a test waits for the server to close a socket before calling it left open.
CLOSE_WAIT = 30.0


def assert_half_sent_requests_are_closed(url: str) -> None:
    """Open sockets that send part of a request line and stall: the server must close each.

    The server runs with ``NUMBER_GENERATOR_REQUEST_TIMEOUT=1``; without a
    request timeout the sockets stay open and ``recv`` times out here.
    """
    port = int(url.rsplit(":", 1)[1])
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(HALF_SENT)]
    try:
        for index, sock in enumerate(sockets):
            # Half a request line, half a header block, half a body: all stall.
            partial = [
                b"GET /heal",
                b"GET /health HTTP/1.1\r\nHost: x",
                b'POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{"num',
            ]
            sock.sendall(partial[index % len(partial)])  # fmt: skip
        for sock in sockets:
            sock.settimeout(CLOSE_WAIT)
            answer = b""
            try:
                while chunk := sock.recv(4096):
                    answer += chunk
            except TimeoutError:
                pytest.fail(f"a half-sent request was still open after {CLOSE_WAIT} s")
            except ConnectionResetError:
                pass  # closed too
            assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
            assert answer.endswith(
                b"\r\n\r\nrequest timeout: the request was not received in time\n"
            )
    finally:
        for sock in sockets:
            sock.close()
    # The server still answers whole requests.
    assert request(url + "/health")[0] == 200


def test_serve_closes_half_sent_requests(tmp_path: Path) -> None:
    port = free_port()
    command = [str(BIN / "number-generator"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {"NUMBER_GENERATOR_REQUEST_TIMEOUT": "1"}
    log = tmp_path / "serve.log"
    with running(command, port, log, env) as url:
        assert_half_sent_requests_are_closed(url)
    assert "Traceback" not in log.read_text(), log.read_text()


def test_gunicorn_closes_half_sent_requests(tmp_path: Path) -> None:
    port = free_port()
    command = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
               "--workers", "1"]  # fmt: skip
    env = {"NUMBER_GENERATOR_REQUEST_TIMEOUT": "1"}
    log = tmp_path / "gunicorn.log"
    with running(command, port, log, env) as url:
        assert_half_sent_requests_are_closed(url)
    assert "Traceback" not in log.read_text(), log.read_text()
