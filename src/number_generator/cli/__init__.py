"""Command-line interfaces: argument parsing only; the work is done by the library.

Entry points: ``generate-numbers-sequence``, ``generate-phone-numbers`` and
``number-generator`` (subcommands), also reachable as ``python -m number_generator``.
Bad input exits with code 2 and a one-line message, never a traceback; a library
error's parameter is shown as the flag that set it (``--image-width=``).

Modules: :mod:`.options` (the parser class and shared options), :mod:`.draw`
(``sequence``, ``phone``, ``preview``), :mod:`.dataset` (``dataset``),
:mod:`.data` (``download``, ``datasets``, ``serve``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..errors import NumberGeneratorError
from .data import build_datasets_parser, build_download_parser, build_serve_parser
from .dataset import build_dataset_parser
from .draw import build_phone_parser, build_preview_parser, build_sequence_parser
from .options import EXIT_USAGE, CliParser, flag_message

__all__ = ["generate_numbers_sequence_main", "generate_phone_numbers_main", "main"]

EXIT_INTERRUPTED = 130

#: ``number-generator`` subcommands: name -> (help, parser builder).
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "sequence": ("write an image of a digit sequence", build_sequence_parser),
    "phone": ("write images of distinct phone numbers", build_phone_parser),
    "download": (
        "fetch and verify a split of a registered dataset ahead of time",
        build_download_parser,
    ),
    "datasets": (
        "list the registered datasets, their splits and which are cached",
        build_datasets_parser,
    ),
    "dataset": (
        "export a training set (png, webdataset, npz) in parallel, resumable shards",
        build_dataset_parser,
    ),
    "serve": ("run the web service and playground (uvicorn)", build_serve_parser),
    "preview": (
        "write a labelled contact sheet of augmentation presets or transforms",
        build_preview_parser,
    ),
}


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    command = args.command_parser  # the subcommand's own: "number-generator dataset"
    prog = command.prog
    try:
        result: int = args.handler(command, args)
    except NumberGeneratorError as exc:
        message = flag_message(exc, args.flags)
        print(f"{prog}: error: {message}".replace("\n", "\n  "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result


def generate_numbers_sequence_main(argv: Sequence[str] | None = None) -> int:
    """``generate-numbers-sequence``: one PNG of a digit sequence."""
    parser = CliParser(
        prog="generate-numbers-sequence",
        description="Write an image of a handwritten digit sequence as <sequence>.png.",
    )
    build_sequence_parser(parser)
    return _run(parser, argv)


def generate_phone_numbers_main(argv: Sequence[str] | None = None) -> int:
    """``generate-phone-numbers``: a folder of distinct phone-number images."""
    parser = CliParser(
        prog="generate-phone-numbers",
        description="Write images of distinct Japanese-style phone numbers and labels.csv.",
    )
    build_phone_parser(parser)
    return _run(parser, argv)


def build_parser() -> argparse.ArgumentParser:
    """The ``number-generator`` parser with every subcommand."""
    parser = CliParser(
        prog="number-generator",
        description="Synthesize images of handwritten digit sequences from MNIST.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CliParser
    )
    for name, (help_text, build) in SUBCOMMANDS.items():
        build(commands.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``number-generator``: every tool as a subcommand."""
    return _run(build_parser(), argv)
