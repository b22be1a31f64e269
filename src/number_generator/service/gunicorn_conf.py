"""Gunicorn configuration for the number_generator web service (uvicorn workers).

Shipped in the package: run from anywhere with the ``service`` extra installed::

    gunicorn -c python:number_generator.service.gunicorn_conf

Environment variables:

* ``NUMBER_GENERATOR_BIND`` - address to listen on (default ``127.0.0.1:8000``;
  the Dockerfile sets ``0.0.0.0:8000``).
* ``WEB_CONCURRENCY`` - worker processes (default: one per CPU core; drawing
  is CPU work, so more workers than cores only add queueing).
* ``NUMBER_GENERATOR_REQUEST_TIMEOUT`` - seconds a client may take to send a
  whole request (default 10); slower ones get 408 and are closed.
* every ``NUMBER_GENERATOR_*`` setting of the service and the library
  (dataset, data folder, split, limits, save folder; see the README).

Command-line flags override these values (``--bind``, ``--workers`` ...).
To change more, write a configuration file that starts with
``from number_generator.service.gunicorn_conf import *`` and overrides names.
Tested by ``tests/test_service_deploy.py``, which starts it on 127.0.0.1,
calls ``/health`` and ``/generate``, and stops it.
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "number_generator.service:create_app()"
# uvicorn's worker with a request timeout: a request not fully received within
# NUMBER_GENERATOR_REQUEST_TIMEOUT seconds (default 10) is answered 408 and closed.
worker_class = "number_generator.service.worker.UvicornWorker"
bind = os.environ.get("NUMBER_GENERATOR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))

# A request takes milliseconds; anything near these limits is a stuck worker.
timeout = 30
graceful_timeout = 10
# Idle keep-alive connections are closed after this many seconds.
keepalive = 5
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = 50_000
max_requests_jitter = 5_000

accesslog = None  # one line per request costs throughput; a proxy in front can log
errorlog = "-"
loglevel = "info"
proc_name = "number-generator"
# gunicorn >= 24 opens a control socket in $HOME by default; the service does not use it.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Load the dataset once in the master, before any worker is forked.

    A missing or corrupt dataset stops gunicorn at once with the library's
    message (instead of every worker answering 503), and the decoded-array
    cache is filled so that each worker memory-maps it in milliseconds and
    the pages are shared between workers.
    """
    from number_generator.service.server import prepare

    dataset = prepare()
    server.log.info("dataset ready: %r", dataset)
