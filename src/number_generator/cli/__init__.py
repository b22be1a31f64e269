"""Command-line interfaces: argument parsing only; the work is done by the library.

Entry points: ``generate-numbers-sequence``, ``generate-phone-numbers`` and
``number-generator`` (subcommands), also reachable as ``python -m number_generator``.
Bad input exits with code 2 and a one-line message, never a traceback; a library
error's parameter is shown as the flag that set it (``--image-width=``).

Modules: :mod:`.options` (the parser class and shared options), :mod:`.draw`
(``sequence``, ``phone``, ``preview``), :mod:`.dataset` (``dataset``),
:mod:`.data` (``download``, ``datasets``, ``serve``). A command loads only its
own module (``generate-phone-numbers`` never loads export or augmentation code).

Run as a program (the entry points called without ``argv``), a command first
limits OpenBLAS to one thread unless the environment already says how many
(:func:`single_threaded_blas`): nothing here multiplies matrices large enough
for threads to help, and starting them (NumPy's and OpenCV's) costs a command
0.04 to 0.08 s of CPU time.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

# Nothing imported at module level loads NumPy, so an entry point can still set the
# thread variables OpenBLAS reads when NumPy loads it (the commands' modules load later).
from .._util.threads import blas_threads_chosen
from .._version import __version__
from ..errors import NumberGeneratorError

__all__ = [
    "generate_numbers_sequence_main",
    "generate_phone_numbers_main",
    "main",
    "single_threaded_blas",
]

EXIT_INTERRUPTED = 130

#: ``number-generator`` subcommands: name -> (help, ``module:function`` building its parser).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "sequence": ("write an image of a digit sequence", "draw:build_sequence_parser"),
    "phone": ("write images of distinct phone numbers", "draw:build_phone_parser"),
    "download": (
        "fetch and verify a split of a registered dataset ahead of time",
        "data:build_download_parser",
    ),
    "datasets": (
        "list the registered datasets, their splits and which are cached",
        "data:build_datasets_parser",
    ),
    "dataset": (
        "export a training set (png, webdataset, npz) in parallel, resumable shards",
        "dataset:build_dataset_parser",
    ),
    "serve": ("run the web service and playground (uvicorn)", "data:build_serve_parser"),
    "preview": (
        "write a labelled contact sheet of augmentation presets or transforms",
        "draw:build_preview_parser",
    ),
}


def single_threaded_blas() -> None:
    """Set ``OPENBLAS_NUM_THREADS=1`` for this process and its workers, unless one of
    :data:`~.._util.threads.BLAS_THREAD_VARIABLES` is set already or NumPy is loaded
    (too late to matter).

    OpenBLAS (NumPy's, and OpenCV's own copy) starts its threads when loaded. The
    package's matrix products are 2x2 to 8x8, which OpenBLAS runs on one thread
    whatever the setting, so the threads only cost start-up time.
    """
    if "numpy" in sys.modules or blas_threads_chosen():
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _builder(name: str) -> Callable[[argparse.ArgumentParser], None]:
    """The parser builder ``SUBCOMMANDS`` names, its module loaded now."""
    module, function = SUBCOMMANDS[name][1].split(":")
    build: Callable[[argparse.ArgumentParser], None] = getattr(
        importlib.import_module(f".{module}", __name__), function
    )
    return build


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A :class:`~.options.CliParser` (its module loads NumPy: imported once threads are set)."""
    from .options import CliParser

    return CliParser(prog=prog, description=description)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    import logging

    from .options import EXIT_USAGE, flag_message

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
    if argv is None:
        single_threaded_blas()
    parser = _parser(
        "generate-numbers-sequence",
        "Write an image of a handwritten digit sequence as <sequence>.png.",
    )
    _builder("sequence")(parser)
    return _run(parser, argv)


def generate_phone_numbers_main(argv: Sequence[str] | None = None) -> int:
    """``generate-phone-numbers``: a folder of distinct phone-number images."""
    if argv is None:
        single_threaded_blas()
    parser = _parser(
        "generate-phone-numbers",
        "Write images of distinct Japanese-style phone numbers and labels.csv.",
    )
    _builder("phone")(parser)
    return _run(parser, argv)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``number-generator`` parser: every subcommand, each one's options built (and
    its module loaded) only for ``command`` if given."""
    parser = _parser(
        "number-generator", "Synthesize images of handwritten digit sequences from MNIST."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=type(parser)
    )
    for name, (help_text, _) in SUBCOMMANDS.items():
        subparser = commands.add_parser(name, help=help_text, description=help_text)
        if command in (None, name):
            _builder(name)(subparser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``number-generator``: every tool as a subcommand."""
    if argv is None:
        single_threaded_blas()
    words = sys.argv[1:] if argv is None else argv
    # The first word that is no option names the command (the top level has no valued option).
    command = next((word for word in words if not word.startswith("-")), None)
    return _run(build_parser(command if command in SUBCOMMANDS else None), argv)
