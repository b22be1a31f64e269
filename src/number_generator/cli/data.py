"""The commands about the data alone: ``download``, ``datasets`` and ``serve``."""

from __future__ import annotations

import argparse
import errno
import socket
from pathlib import Path

from .._version import DISTRIBUTION
from ..datasets import DATA_DIR_ENV, DATASETS, DEFAULT_DATASET, data_dir_for, get_registered
from ..errors import InvalidParameterError, NumberGeneratorError
from .options import add_data_options, check_data_flags, int_range, set_handler

__all__ = ["build_datasets_parser", "build_download_parser", "build_serve_parser"]


def build_download_parser(parser: argparse.ArgumentParser) -> None:
    """``download``: fetch and verify a split of a registered dataset."""
    add_data_options(parser, registered_only=True)
    set_handler(parser, _run_download)


def build_datasets_parser(parser: argparse.ArgumentParser) -> None:
    """``datasets``: the registered datasets, their splits, folders and cached splits."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"look for the files there (default: ${DATA_DIR_ENV} or the user cache)",
    )
    set_handler(parser, _run_datasets)


def build_serve_parser(parser: argparse.ArgumentParser) -> None:
    """``serve``: the web service and playground under uvicorn."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int_range(1, 65535), default=8000, help="TCP port (default 8000)"
    )
    parser.add_argument(
        "--workers",
        type=int_range(1, 64),
        default=1,
        metavar="N",
        help="worker processes (default 1); they share the memory-mapped dataset",
    )
    add_data_options(parser)
    set_handler(parser, _run_serve)


def _run_download(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    registered = get_registered(args.dataset or DEFAULT_DATASET)
    split = registered.resolve_split(args.split)
    for path in registered.download(split, args.data_dir):
        print(f"{path}  (verified)")
    return 0


def _run_datasets(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    for name, registered in DATASETS.items():
        splits = [
            f"{split} (default)" if split == registered.default_split else split
            for split in registered.splits()
        ]
        cached = registered.cached_splits(args.data_dir)
        print(f"{name}: {registered.description()}")
        print(f"  splits: {', '.join(splits)}")
        print(f"  folder: {data_dir_for(name, args.data_dir)}")
        print(f"  cached: {', '.join(cached) if cached else 'nothing yet'}")
    return 0


def _run_serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        from ..service import server
    except ImportError as exc:
        raise NumberGeneratorError(
            f"serve needs the 'service' extra ({exc.name} is not installed): "
            f"pip install '{DISTRIBUTION}[service]'"
        ) from None
    check_data_flags(parser, args)
    _check_listen(args.host, args.port)  # a busy port: one line, before any work
    dataset = server.prepare(args.dataset, split=args.split, data_dir=args.data_dir)
    print(
        f"serving {dataset!r} on http://{args.host}:{args.port} with {args.workers} worker(s): "
        "playground at /, API docs at /docs",
        flush=True,
    )
    server.serve(args.host, args.port, args.workers)
    return 0


def _check_listen(host: str, port: int) -> None:
    """Bind ``host:port`` once, as uvicorn will, and let go: a port in use or an address
    this machine does not have is then a one-line error instead of uvicorn's log lines.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InvalidParameterError(
            f"host={host!r}: cannot resolve it ({reason}); give an address of this machine, "
            "e.g. 127.0.0.1 or 0.0.0.0",
            param="host",
            value=host,
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.EADDRINUSE:
                raise InvalidParameterError(
                    f"port={port}: {host}:{port} is already in use ({reason}); choose another "
                    "port or stop the program listening there",
                    param="port",
                    value=port,
                ) from None
            if exc.errno == errno.EACCES:
                raise InvalidParameterError(
                    f"port={port}: not allowed to listen on it ({reason}); ports below 1024 "
                    "need privileges: choose a port of 1024 or more",
                    param="port",
                    value=port,
                ) from None
            raise InvalidParameterError(
                f"host={host!r}: cannot listen on it ({reason}); give an address of this "
                "machine, e.g. 127.0.0.1 or 0.0.0.0",
                param="host",
                value=host,
            ) from None
