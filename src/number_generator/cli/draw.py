"""The commands that draw images directly: ``sequence``, ``phone`` and ``preview``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .._api import default_generator, generate_numbers_sequence, generate_phone_numbers
from .._util.files import prepare_output_dir, write_png
from .._util.params import DEFAULT_SPACING_RANGE
from .._util.text import digits_of
from ..datasets import DigitDataset
from ..errors import InvalidParameterError, NumberGeneratorError
from ..templates.phone import PHONE_FORMATS, check_capacity
from .options import (
    add_data_options,
    add_output_path,
    add_render_options,
    add_writer_option,
    check_data_flags,
    check_spacing_flags,
    int_range,
    set_handler,
)

__all__ = ["build_phone_parser", "build_preview_parser", "build_sequence_parser"]

#: The digits of ``sequence`` as an option: seed 000's ``--digits``, seed 004's ``-n/--number``.
DIGITS_FLAGS = ("--digits", "--number", "-n")


def build_sequence_parser(parser: argparse.ArgumentParser) -> None:
    """``sequence``: one PNG of a digit sequence."""
    parser.add_argument(
        "sequence",
        nargs="?",
        default=None,
        help="the digits to draw, e.g. 0901234567; separators - / and space are drawn too "
        "(090-1234-5678)",
    )
    parser.add_argument(
        *DIGITS_FLAGS,
        dest="digits_option",
        default=None,
        metavar="DIGITS",
        help="the digits to draw (alternative to SEQUENCE)",
    )
    add_output_path(parser, "folder for <digits>.png (separators left out), or a .png file")
    add_render_options(parser)
    set_handler(parser, _run_sequence)


def build_phone_parser(parser: argparse.ArgumentParser) -> None:
    """``phone``: a folder of distinct phone-number images and ``labels.csv``."""

    parser.add_argument(
        "--num-images",
        "--num_images",
        dest="num_images",
        type=int_range(1, 10**9),
        required=True,
        metavar="N",
        help="how many distinct phone numbers to draw",
    )
    add_output_path(parser, "folder for the PNGs and labels.csv")
    parser.add_argument(
        *DIGITS_FLAGS,
        action=_NoDigits,
        nargs=0,
        help=argparse.SUPPRESS,
    )
    parser.add_argument(
        "--format",
        choices=tuple(PHONE_FORMATS),
        default="mobile",
        help="phone number format (default mobile: 0[789]0 + 8 digits)",
    )
    add_render_options(parser)
    set_handler(parser, _run_phone)


class _NoDigits(argparse.Action):
    """``-n``/``--number``/``--digits`` on a command that draws its own numbers."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string} gives the digits of one image (generate-numbers-sequence, "
            "number-generator sequence); phone numbers are drawn at random: "
            "say how many with --num-images N"
        )


def build_preview_parser(parser: argparse.ArgumentParser) -> None:
    """``preview``: a labelled contact sheet of augmentation presets or transforms."""
    parser.add_argument(
        "--rows",
        default="presets",
        metavar="ROWS",
        help="'presets' (none, light, medium, heavy; default), 'document' (the document preset "
        "and each of its paper, print and scan transforms), 'transforms' (each transform alone), "
        "'all', or a comma-separated list of presets/transforms, e.g. light,elastic",
    )
    parser.add_argument("--digits", default="0123456789", help="digits drawn in every cell")
    parser.add_argument(
        "--samples",
        type=int_range(1, 16),
        default=4,
        metavar="N",
        help="samples per row (default 4); column j uses seed SEED+j",
    )
    _add_sheet_options(parser)
    add_writer_option(parser)
    add_data_options(parser)
    set_handler(parser, _run_preview)


def _add_sheet_options(parser: argparse.ArgumentParser) -> None:
    """How each cell of the preview is drawn, and where the sheet goes."""
    low, high = DEFAULT_SPACING_RANGE
    parser.add_argument(
        "--image-width",
        dest="image_width",
        type=int_range(1, 2048),
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
        type=int_range(1, 8),
        default=2,
        help="pixel magnification of the sheet (default 2)",
    )
    parser.add_argument(
        "--seed",
        type=int_range(0, 2**63 - 1),
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


def _dataset(args: argparse.Namespace) -> DigitDataset:
    """The digits of ``--dataset``/``--split``/``--data-dir``, loaded once per process."""
    generator = default_generator(args.dataset, split=args.split, data_dir=args.data_dir)
    return generator.dataset


@contextmanager
def _output_folder(path: Path) -> Iterator[Path]:
    """``path`` ready as the output folder; if this run made it, a failure that leaves it
    empty removes it again, so a failed command leaves no empty folder behind."""
    made = not path.exists()
    folder = prepare_output_dir(path, "--output-path")
    try:
        yield folder
    except BaseException:
        if made:
            with suppress(OSError):
                folder.rmdir()  # refuses a folder that holds anything
        raise


@contextmanager
def _writing(flag: str, value: Path, target: Path) -> Iterator[None]:
    """An OS error while writing ``target`` (a full disk, a folder in /proc …) is one line.

    The writers leave nothing half-written: files are renamed into place once complete.
    """
    try:
        yield
    except NumberGeneratorError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NumberGeneratorError(
            f"{flag}={str(value)!r}: cannot write {target} ({reason})"
        ) from None


def _run_sequence(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:

    if args.sequence is not None and args.digits_option is not None:
        parser.error("give the digits either as SEQUENCE or with --digits, not both")
    sequence, name = args.sequence, "SEQUENCE"
    if sequence is None:
        sequence, name = args.digits_option, "--digits"
    if sequence is None:
        parser.error("the following arguments are required: SEQUENCE")
    check_spacing_flags(parser, args)
    check_data_flags(parser, args)
    digits = digits_of(sequence, name)  # fail fast, before any data is loaded
    dataset = _dataset(args)
    path = args.output_path
    target = path if path.suffix.lower() == ".png" else path / f"{digits}.png"
    with _writing("--output-path", path, target):
        generate_numbers_sequence(
            sequence,
            (args.min_spacing, args.max_spacing),
            args.image_width,
            seed=args.seed,
            augment=args.augment,
            image_height=args.image_height,
            fit=args.fit,
            dataset=dataset,
            output_path=path,
            writer=args.writer,
            spacing_mode=args.spacing_mode,
        )
    print(target)
    return 0


def _run_phone(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:

    check_spacing_flags(parser, args)
    check_data_flags(parser, args)
    check_capacity(args.num_images, args.format)  # fail fast, before any data is loaded
    with _output_folder(args.output_path) as folder:
        dataset = _dataset(args)
        with _writing("--output-path", args.output_path, folder):
            written = generate_phone_numbers(
                args.num_images,
                args.image_width,
                folder,
                (args.min_spacing, args.max_spacing),
                seed=args.seed,
                format=args.format,
                augment=args.augment,
                image_height=args.image_height,
                fit=args.fit,
                dataset=dataset,
                writer=args.writer,
                spacing_mode=args.spacing_mode,
            )
    print(f"wrote {len(written)} images and labels.csv to {args.output_path}")
    return 0


def _preview_rows(text: str) -> str | list[str]:
    """``--rows``: a row-set name, or a comma-separated list of augment names, each checked."""
    from ..augment import resolve_augment
    from ..preview import ROW_SETS

    if text in ROW_SETS:
        return text
    rows = [row.strip() for row in text.split(",") if row.strip()]
    for row in rows:
        try:
            resolve_augment(row)
        except InvalidParameterError:
            raise _bad_rows(text, row) from None
    if not rows:
        raise _bad_rows(text, text)
    return rows


def _bad_rows(text: str, row: str) -> InvalidParameterError:
    """``--rows=TEXT`` names something that is no row set nor augmentation."""
    from ..preview import ROW_SETS

    return InvalidParameterError(
        f"--rows={text!r}: {row!r} is neither a row set ({', '.join(ROW_SETS)}) nor a preset "
        f"or transform name ({', '.join(ROW_SETS['all'])}); give a row set or a "
        "comma-separated list of names",
        param="rows",
        value=text,
    )


def _run_preview(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ..preview import contact_sheet  # loads augmentation: only this command draws with it

    check_spacing_flags(parser, args)
    check_data_flags(parser, args)
    digits_of(args.digits, "--digits")
    rows = _preview_rows(args.rows)
    path = args.output_path
    is_file = path.suffix.lower() == ".png"
    with _output_folder(path.parent if is_file else path) as folder:
        target = path if is_file else folder / "augment_preview.png"
        sheet = contact_sheet(
            rows,
            digits=args.digits,
            samples=args.samples,
            seed=args.seed,
            image_width=args.image_width,
            spacing_range=(args.min_spacing, args.max_spacing),
            zoom=args.zoom,
            dataset=_dataset(args),
            writer=args.writer,
        )
        with _writing("--output-path", path, target):
            write_png(target, sheet)
    print(target)
    return 0
