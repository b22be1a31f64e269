"""The commands that take only the data options: ``download`` and ``serve``."""

from __future__ import annotations

import argparse

from ..errors import NumberGeneratorError
from .options import DEFAULT_SET, add_data_options, int_range, set_handler

__all__ = ["build_download_parser", "build_serve_parser"]


def build_download_parser(parser: argparse.ArgumentParser) -> None:
    """``download``: fetch and verify a split of :data:`~.options.DEFAULT_SET`."""
    add_data_options(parser)
    set_handler(parser, _run_download)


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
    split = DEFAULT_SET.resolve_split(args.split)
    for path in DEFAULT_SET.download(split, args.data_dir):
        print(f"{path}  (sha256 verified)")
    return 0


def _run_serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        from ..service import server
    except ImportError as exc:
        raise NumberGeneratorError(
            f"serve needs the 'service' extra ({exc.name} is not installed): "
            "pip install 'number-generator[service]'"
        ) from None
    dataset = server.prepare(split=args.split, data_dir=args.data_dir)
    print(
        f"serving {dataset!r} on http://{args.host}:{args.port} with {args.workers} worker(s): "
        "playground at /, API docs at /docs",
        flush=True,
    )
    server.serve(args.host, args.port, args.workers)
    return 0
