"""Web service under load: GET /generate.png on gunicorn with 2 uvicorn workers.

Starts the production configuration (``number_generator.service.gunicorn_conf``) on a free
port of 127.0.0.1, then drives ``GET /generate.png`` (10 digits, width 280)
from a separate process over keep-alive connections for a bounded time, and
reports requests/s, p50/p99 latency and errors. Target (issue 4, this 2-core
machine, load generator included): >= 500 requests/s, p99 <= 50 ms, no errors.

All traffic goes to 127.0.0.1 only. Run alone with
``python benchmarks/bench_service.py [--quick]``, or through ``run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = "python:number_generator.service.gunicorn_conf"
HOST = "127.0.0.1"
PATH = "/generate.png?digits=0123456789&image_width=280&spacing_min=2&spacing_max=8"
WORKERS = 2
TARGET_RPS = 500
TARGET_P99_MS = 50.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}/health did not answer 200 within {timeout:.0f} s")


# --- the load generator (runs in its own process) -------------------------------------


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response with a Content-Length; returns (status, body)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:head_end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        buffer += chunk
    body = bytes(buffer[head_end : head_end + length])
    del buffer[: head_end + length]
    return status, body


def _client(
    port: int, deadline: float, latencies: list[float], errors: list[str], lock: threading.Lock
) -> None:
    request = f"GET {PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: image/png\r\n\r\n".encode()
    mine: list[float] = []
    sock: socket.socket | None = None
    buffer = bytearray()
    while time.perf_counter() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((HOST, port), timeout=10)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buffer.clear()
            start = time.perf_counter()
            sock.sendall(request)
            status, body = _read_response(sock, buffer)
            elapsed = time.perf_counter() - start
            if status != 200 or not body.startswith(PNG_SIGNATURE):
                with lock:
                    errors.append(f"status {status}")
            else:
                mine.append(elapsed)
        except OSError as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()
    with lock:
        latencies.extend(mine)


def drive(port: int, seconds: float, connections: int) -> dict[str, Any]:
    """Keep ``connections`` keep-alive connections busy for ``seconds``; summarize."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds
    threads = [
        threading.Thread(target=_client, args=(port, deadline, latencies, errors, lock))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def percentile(q: float) -> float:
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "requests": len(ordered),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(percentile(0.50), 2),
        "p99_ms": round(percentile(0.99), 2),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }


# --- the benchmark ---------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    """Start gunicorn (2 workers), load it from a separate process, report the figures."""
    seconds = 5.0 if quick else 20.0
    connections = 8
    port = _free_port()
    url = f"http://{HOST}:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(GUNICORN_CONF),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))
    try:
        _wait_healthy(url, server, timeout=60)
        # Warm-up: every worker imports OpenCV's PNG path and touches the glyph pages.
        drive(port, 1.0, connections)
        load = subprocess.run(
            [
                sys.executable,
                __file__,
                "--drive",
                str(port),
                "--seconds",
                str(seconds),
                "--connections",
                str(connections),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
        result: dict[str, Any] = json.loads(load.stdout)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result.update(
        workers=WORKERS,
        connections=connections,
        request=f"GET {PATH}",
        target={"requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS, "errors": 0},
        meets_target=(
            result["requests_per_s"] >= TARGET_RPS
            and result["p99_ms"] <= TARGET_P99_MS
            and result["errors"] == 0
        ),
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s of load instead of 20 s")
    parser.add_argument("--drive", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=8, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive is not None:  # the load-generator process
        print(json.dumps(drive(args.drive, args.seconds, args.connections)))
        return 0
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
