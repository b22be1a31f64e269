"""Command-line interfaces: argument parsing only; the work is done by the library.

Entry points: ``generate-numbers-sequence``, ``generate-phone-numbers`` and
``number-generator`` (subcommands), also reachable as ``python -m number_generator``.
Bad input exits with code 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._util.params import (
    DEFAULT_SPACING_RANGE,
    FITS,
    MAX_IMAGE_HEIGHT,
    MAX_IMAGE_WIDTH,
    MIN_IMAGE_HEIGHT,
    parse_digits,
)
from ._util.text import switch_word
from ._version import __version__
from .errors import NumberGeneratorError

__all__ = ["generate_numbers_sequence_main", "generate_phone_numbers_main", "main"]

EXIT_USAGE = 2
#: Library parameter names in messages, shown as the CLI's flags (``--image-width=``).
_FLAG_NAMES = re.compile(
    r"\b(num_images|image_width|image_height|output_path|format|fit|seed"
    r"|count|template|shard_size|out|workers|executor|scheduler)="
)
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in the range {low}..{high}")
        return value

    return parse


def _augment_value(text: str) -> Any:
    """``--augment`` value: 0/1/true/false (seed 004's flag) or a preset name."""
    switch = switch_word(text)
    if switch is None:
        return text
    return True if switch else None


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that draws digit sequences."""
    low, high = DEFAULT_SPACING_RANGE
    parser.add_argument(
        "--min-spacing",
        "--spacing_min",
        "-smin",
        dest="min_spacing",
        type=int,
        default=low,
        metavar="PX",
        help=f"minimum gap between digits' ink in pixels (default {low}; negative overlaps digits)",
    )
    parser.add_argument(
        "--max-spacing",
        "--spacing_max",
        "-smax",
        dest="max_spacing",
        type=int,
        default=high,
        metavar="PX",
        help=f"maximum gap between digits' ink in pixels (default {high})",
    )
    parser.add_argument(
        "--image-width",
        "--image_width",
        "-w",
        dest="image_width",
        type=_int_range(1, MAX_IMAGE_WIDTH),
        default=None,
        metavar="PX",
        help="width of each image in pixels (default: the digits' natural width)",
    )
    parser.add_argument(
        "--image-height",
        dest="image_height",
        type=_int_range(MIN_IMAGE_HEIGHT, MAX_IMAGE_HEIGHT),
        default=28,
        metavar="PX",
        help="height of each image in pixels (default 28)",
    )
    parser.add_argument(
        "--fit",
        choices=FITS,
        default="pad",
        help="pad: centre on white, exact spacing (default); stretch: resize to the exact size",
    )
    parser.add_argument(
        "--augment",
        "-a",
        type=_augment_value,
        default=None,
        metavar="PRESET",
        help="augmentation preset, or 1/0 for on/off (default off)",
    )
    parser.add_argument(
        "--seed",
        type=_int_range(0, 2**63 - 1),
        default=None,
        help="random seed: the same seed gives the same images",
    )
    _add_data_options(parser)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with the MNIST files (default: $NUMBER_GENERATOR_DATA_DIR or the user cache)",
    )
    parser.add_argument(
        "--split",
        default=None,
        choices=("train", "test", "all"),
        help="MNIST split: train, test or all (default: $NUMBER_GENERATOR_SPLIT or train)",
    )


def _add_output_path(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--output-path",
        "--output_dir",
        "-o",
        dest="output_path",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help=f"{what} (default: current folder)",
    )


def _build_sequence_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sequence", nargs="?", default=None, help="the digits to draw, e.g. 0901234567"
    )
    parser.add_argument(
        "--digits",
        "--number",
        "-n",
        dest="digits_option",
        default=None,
        metavar="DIGITS",
        help="the digits to draw (alternative to SEQUENCE)",
    )
    _add_output_path(parser, "folder for <sequence>.png, or a .png file")
    _add_render_options(parser)
    parser.set_defaults(handler=_run_sequence)


def _build_phone_parser(parser: argparse.ArgumentParser) -> None:
    from .templates.phone import PHONE_FORMATS

    parser.add_argument(
        "--num-images",
        "--num_images",
        dest="num_images",
        type=_int_range(1, 10**9),
        required=True,
        metavar="N",
        help="how many distinct phone numbers to draw",
    )
    _add_output_path(parser, "folder for the PNGs and labels.csv")
    parser.add_argument(
        "--format",
        choices=tuple(PHONE_FORMATS),
        default="mobile",
        help="phone number format (default mobile: 0[789]0 + 8 digits)",
    )
    _add_render_options(parser)
    parser.set_defaults(handler=_run_phone)


def _build_download_parser(parser: argparse.ArgumentParser) -> None:
    _add_data_options(parser)
    parser.set_defaults(handler=_run_download)


def _build_serve_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_int_range(1, 65535), default=8000, help="TCP port (default 8000)"
    )
    parser.add_argument(
        "--workers",
        type=_int_range(1, 64),
        default=1,
        metavar="N",
        help="worker processes (default 1); they share the memory-mapped dataset",
    )
    _add_data_options(parser)
    parser.set_defaults(handler=_run_serve)


def _build_preview_parser(parser: argparse.ArgumentParser) -> None:
    low, high = DEFAULT_SPACING_RANGE
    parser.add_argument(
        "--rows",
        default="presets",
        metavar="ROWS",
        help="'presets' (none, light, medium, heavy; default), 'transforms' (each transform "
        "alone), 'all', or a comma-separated list of presets/transforms, e.g. light,elastic",
    )
    parser.add_argument("--digits", default="0123456789", help="digits drawn in every cell")
    parser.add_argument(
        "--samples",
        type=_int_range(1, 16),
        default=4,
        metavar="N",
        help="samples per row (default 4); column j uses seed SEED+j",
    )
    parser.add_argument(
        "--image-width",
        dest="image_width",
        type=_int_range(1, 2048),
        default=280,
        metavar="PX",
        help="width of each sample (default 280)",
    )
    parser.add_argument(
        "--min-spacing",
        dest="min_spacing",
        type=int,
        default=low,
        metavar="PX",
        help=f"minimum gap between digits' ink (default {low})",
    )
    parser.add_argument(
        "--max-spacing",
        dest="max_spacing",
        type=int,
        default=high,
        metavar="PX",
        help=f"maximum gap between digits' ink (default {high})",
    )
    parser.add_argument(
        "--zoom",
        type=_int_range(1, 8),
        default=2,
        help="pixel magnification of the sheet (default 2)",
    )
    parser.add_argument(
        "--seed",
        type=_int_range(0, 2**63 - 1),
        default=0,
        help="seed of the first column (default 0)",
    )
    parser.add_argument(
        "--output-path",
        "-o",
        dest="output_path",
        type=Path,
        default=Path("augment_preview.png"),
        metavar="PATH",
        help="PNG file, or a folder for augment_preview.png (default ./augment_preview.png)",
    )
    _add_data_options(parser)
    parser.set_defaults(handler=_run_preview)


def _build_dataset_parser(parser: argparse.ArgumentParser) -> None:
    from .export import EXECUTORS, FORMATS, MAX_SHARD_SIZE, MAX_WORKERS

    parser.add_argument(
        "--out",
        "--output-path",
        "-o",
        dest="out",
        type=Path,
        required=True,
        metavar="DIR",
        help="output folder (created; must be empty unless --resume)",
    )
    parser.add_argument(
        "--count",
        type=_int_range(1, 10**12),
        required=True,
        metavar="N",
        help="number of images",
    )
    parser.add_argument(
        "--template",
        "-t",
        default="phone",
        metavar="TEMPLATE",
        help="what to draw: phone, phone:FORMAT, random:MIN-MAX, a pattern such as "
        "'0##-####-####' (# = random digit; - / and space are drawn), or file:PATH "
        "(one string per line); default phone",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="png",
        help="png: images + labels.csv + metadata.jsonl (default); webdataset: tar shards "
        "of KEY.png + KEY.json; npz: one dataset.npz for small sets",
    )
    parser.add_argument(
        "--workers",
        "-j",
        type=_int_range(1, MAX_WORKERS),
        default=None,
        metavar="N",
        help="local worker processes (default: all cores); the output does not depend on it",
    )
    parser.add_argument(
        "--shard-size",
        type=_int_range(1, MAX_SHARD_SIZE),
        default=1000,
        metavar="N",
        help="images per shard, the unit of work and of --resume (default 1000)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted export in --out: keep complete shards, redo the rest",
    )
    parser.add_argument(
        "--unique", action="store_true", help="every label distinct (checked up front)"
    )
    parser.add_argument(
        "--keep-separators",
        action="store_true",
        help="keep the template's - / and spaces in the labels (they are drawn either way)",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="processes",
        help="processes (default) or dask (needs --scheduler and the 'distributed' extra)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address for --executor dask, e.g. tcp://10.0.0.5:8786",
    )
    _add_render_options(parser)
    parser.set_defaults(handler=_run_dataset)


def _run_dataset(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .export import export_dataset

    _check_spacing(parser, args)
    if args.scheduler is not None and args.executor != "dask":
        parser.error("--scheduler is only used with --executor dask")
    try:
        summary = export_dataset(
            args.out,
            args.count,
            args.template,
            format=args.format,
            workers=args.workers,
            seed=args.seed,
            shard_size=args.shard_size,
            resume=args.resume,
            unique=args.unique,
            keep_separators=args.keep_separators,
            spacing_range=(args.min_spacing, args.max_spacing),
            image_width=args.image_width,
            image_height=args.image_height,
            fit=args.fit,
            augment=args.augment,
            split=args.split,
            data_dir=args.data_dir,
            executor=args.executor,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:
        print(f"{parser.prog}: run the same command with --resume to continue", file=sys.stderr)
        raise
    except OSError as exc:  # e.g. the disk filled up
        raise NumberGeneratorError(f"--out={str(args.out)!r}: cannot write ({exc})") from None
    print(summary)
    return 0


def _check_spacing(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.min_spacing > args.max_spacing:
        parser.error(
            f"--min-spacing {args.min_spacing} is greater than --max-spacing {args.max_spacing}"
        )


def _run_sequence(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ._api import default_generator, generate_numbers_sequence

    if args.sequence is not None and args.digits_option is not None:
        parser.error("give the digits either as SEQUENCE or with --digits, not both")
    sequence = args.sequence if args.sequence is not None else args.digits_option
    if sequence is None:
        parser.error("the following arguments are required: SEQUENCE")
    _check_spacing(parser, args)
    parse_digits(sequence, "SEQUENCE")  # fail fast, before any data is loaded
    generate_numbers_sequence(
        sequence,
        (args.min_spacing, args.max_spacing),
        args.image_width,
        seed=args.seed,
        augment=args.augment,
        image_height=args.image_height,
        fit=args.fit,
        dataset=default_generator(split=args.split, data_dir=args.data_dir).dataset,
        output_path=args.output_path,
    )
    target = args.output_path
    print(target if target.suffix.lower() == ".png" else target / f"{sequence}.png")
    return 0


def _run_phone(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ._api import default_generator, generate_phone_numbers
    from ._util.files import prepare_output_dir
    from .templates.phone import check_capacity

    _check_spacing(parser, args)
    check_capacity(args.num_images, args.format)  # fail fast, before any data is loaded
    prepare_output_dir(args.output_path, "--output-path")
    written = generate_phone_numbers(
        args.num_images,
        args.image_width,
        args.output_path,
        (args.min_spacing, args.max_spacing),
        seed=args.seed,
        format=args.format,
        augment=args.augment,
        image_height=args.image_height,
        fit=args.fit,
        dataset=default_generator(split=args.split, data_dir=args.data_dir).dataset,
    )
    print(f"wrote {len(written)} images and labels.csv to {args.output_path}")
    return 0


def _run_preview(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ._api import default_generator
    from ._util.files import prepare_output_dir, write_png
    from .preview import ROW_SETS, contact_sheet

    _check_spacing(parser, args)
    parse_digits(args.digits, "--digits")
    rows = args.rows if args.rows in ROW_SETS else [r for r in args.rows.split(",") if r.strip()]
    target = args.output_path
    if target.suffix.lower() != ".png":
        target = prepare_output_dir(target, "--output-path") / "augment_preview.png"
    else:
        prepare_output_dir(target.parent, "--output-path")
    sheet = contact_sheet(
        rows,
        digits=args.digits,
        samples=args.samples,
        seed=args.seed,
        image_width=args.image_width,
        spacing_range=(args.min_spacing, args.max_spacing),
        zoom=args.zoom,
        dataset=default_generator(split=args.split, data_dir=args.data_dir).dataset,
    )
    print(write_png(target, sheet))
    return 0


def _run_download(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .datasets import MNIST

    for path in MNIST.download(MNIST.resolve_split(args.split), args.data_dir):
        print(f"{path}  (sha256 verified)")
    return 0


def _run_serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        from .service import server
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


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        result: int = args.handler(parser, args)
    except NumberGeneratorError as exc:
        message = _FLAG_NAMES.sub(lambda m: f"--{m.group(1).replace('_', '-')}=", str(exc))
        print(f"{parser.prog}: error: {message}".replace("\n", "\n  "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result


def generate_numbers_sequence_main(argv: Sequence[str] | None = None) -> int:
    """``generate-numbers-sequence``: one PNG of a digit sequence."""
    parser = _Parser(
        prog="generate-numbers-sequence",
        description="Write an image of a handwritten digit sequence as <sequence>.png.",
    )
    _build_sequence_parser(parser)
    return _run(parser, argv)


def generate_phone_numbers_main(argv: Sequence[str] | None = None) -> int:
    """``generate-phone-numbers``: a folder of distinct phone-number images."""
    parser = _Parser(
        prog="generate-phone-numbers",
        description="Write images of distinct Japanese-style phone numbers and labels.csv.",
    )
    _build_phone_parser(parser)
    return _run(parser, argv)


#: ``number-generator`` subcommands: name -> (help, parser builder).
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "sequence": ("write an image of a digit sequence", _build_sequence_parser),
    "phone": ("write images of distinct phone numbers", _build_phone_parser),
    "download": ("fetch and verify an MNIST split ahead of time", _build_download_parser),
    "dataset": (
        "export a training set (png, webdataset, npz) in parallel, resumable shards",
        _build_dataset_parser,
    ),
    "serve": ("run the web service and playground (uvicorn)", _build_serve_parser),
    "preview": (
        "write a labelled contact sheet of augmentation presets or transforms",
        _build_preview_parser,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The ``number-generator`` parser with every subcommand."""
    parser = _Parser(
        prog="number-generator",
        description="Synthesize images of handwritten digit sequences from MNIST.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for name, (help_text, build) in SUBCOMMANDS.items():
        build(commands.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``number-generator``: every tool as a subcommand."""
    return _run(build_parser(), argv)
