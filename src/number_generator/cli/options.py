"""What every command's parser shares: the parser class, value types, option groups, flag names.

The flags are the one list of what a command accepts: :func:`flag_names` reads
them back from the parser to spell a library error's parameter as the flag
that set it (``image_width=`` → ``--image-width=``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from .._util.params import (
    DEFAULT_SPACING_RANGE,
    FITS,
    MAX_IMAGE_HEIGHT,
    MAX_IMAGE_WIDTH,
    MIN_IMAGE_HEIGHT,
    SPACING_MODES,
)
from .._util.text import OFF_WORDS, ON_WORDS, switch_word
from ..datasets import DATA_DIR_ENV, DATASETS, DEFAULT_DATASET, SPLIT_ENV
from ..datasets.writers import WRITER_MODES
from ..errors import NumberGeneratorError, ParameterError

__all__ = [
    "EXIT_USAGE",
    "CliParser",
    "Handler",
    "PresetNames",
    "add_data_options",
    "add_output_path",
    "add_render_options",
    "add_writer_option",
    "augment_help",
    "check_data_flags",
    "check_spacing_flags",
    "flag_message",
    "flag_names",
    "int_range",
    "set_handler",
]

EXIT_USAGE = 2
#: Options whose value the CLI reshapes before the library sees it (a comma list becomes
#: a list): the command checks them itself, naming the flag.
_RESHAPED = frozenset({"rows"})

#: What a command runs: ``handler(parser, args)`` returns the exit code.
Handler = Callable[[argparse.ArgumentParser, argparse.Namespace], int]


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def int_range(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an int within ``low..high``."""

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


class PresetNames:
    """The augmentation presets, comma-separated, named when first shown: ``--augment``'s
    help names them as ``%(presets)s``, which argparse fills in only to show the help, so
    a command that draws without augmentation never loads :mod:`number_generator.augment`.
    """

    def __str__(self) -> str:
        from ..augment import PRESETS

        return ", ".join(PRESETS)


def augment_help() -> str:
    """``--augment``'s help: the presets (``%(presets)s``, a :class:`PresetNames`) and the
    one list of on and off words.

    Examples
    --------
    >>> print(augment_help() % {"presets": PresetNames()})  # doctest: +NORMALIZE_WHITESPACE
    augmentation: a preset (light, medium, heavy, document), a transform name (see preview
    --rows transforms), or a switch: 1, on, true or yes = medium; 0, false, no, none or off = no
    augmentation (the default); words are case-insensitive
    """
    on, off = (_spoken(sorted(word for word in words if word)) for words in (ON_WORDS, OFF_WORDS))
    return (
        "augmentation: a preset (%(presets)s), a transform name (see preview --rows "
        f"transforms), or a switch: {on} = medium; {off} = no augmentation (the default); "
        "words are case-insensitive"
    )


def _spoken(words: Iterable[str]) -> str:
    """``a, b or c``."""
    *head, last = words
    return f"{', '.join(head)} or {last}" if head else last


def add_render_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that draws digit sequences."""
    _add_layout_options(parser)
    parser.add_argument(
        "--fit",
        choices=FITS,
        default="pad",
        help="pad: centre on white, exact spacing (default); stretch: resize to the exact size",
    )
    parser.add_argument(
        "--spacing-mode",
        dest="spacing_mode",
        choices=SPACING_MODES,
        default="ink",
        help="how a gap is measured: ink: between the digits' ink bounding columns (default); "
        "contour: the smallest distance between the inks, row by row (digits tuck together, "
        "0 makes strokes touch)",
    )
    augment = parser.add_argument(
        "--augment",
        "-a",
        type=_augment_value,
        default=None,
        metavar="PRESET",
        help=augment_help(),
    )
    setattr(augment, "presets", PresetNames())  # noqa: B010 - argparse reads the action's attributes
    parser.add_argument(
        "--seed",
        type=int_range(0, 2**63 - 1),
        default=None,
        help="random seed: the same seed gives the same images",
    )
    add_writer_option(parser)
    add_data_options(parser)


def add_writer_option(parser: argparse.ArgumentParser) -> None:
    """``--writer any|same``: digits from any writer, or each string from one writer."""
    parser.add_argument(
        "--writer",
        choices=WRITER_MODES,
        default="any",
        help="any: each digit from any writer (default); same: every digit of a string from "
        "one writer's hand (needs the dataset's writers file, see download)",
    )


def _add_layout_options(parser: argparse.ArgumentParser) -> None:
    """The spacing between digits and the size of the image."""
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
        type=int_range(1, MAX_IMAGE_WIDTH),
        default=None,
        metavar="PX",
        help="width of each image in pixels (default: the digits' natural width)",
    )
    parser.add_argument(
        "--image-height",
        dest="image_height",
        type=int_range(MIN_IMAGE_HEIGHT, MAX_IMAGE_HEIGHT),
        default=28,
        metavar="PX",
        help="height of each image in pixels (default 28)",
    )


def add_data_options(parser: argparse.ArgumentParser, *, registered_only: bool = False) -> None:
    """``--dataset``, ``--data-dir`` and ``--split``: where the digits come from.

    ``registered_only``: ``--dataset`` names a registered set (``download``).
    """
    names = ", ".join(DATASETS)
    parser.add_argument(
        "--dataset",
        default=None,
        metavar="NAME" if registered_only else "NAME|PATH",
        help=f"registered dataset: {names} (default {DEFAULT_DATASET}; see "
        "'number-generator datasets')"
        + (
            ""
            if registered_only
            else "; or a .npz file, a folder of IDX files or a folder "
            "of per-class PNG folders 0/ .. 9/"
        ),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder with a registered dataset's files (default: ${DATA_DIR_ENV} or the "
        "user cache)",
    )
    parser.add_argument(
        "--split",
        default=None,
        help=f"split of a registered dataset, e.g. train, test or all (default: ${SPLIT_ENV} "
        "or the dataset's own default); of a .npz: its x_SPLIT / y_SPLIT arrays",
    )


def check_data_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse ``--data-dir`` with a ``--dataset`` that is a path (it would be ignored)."""
    dataset = args.dataset
    if dataset is not None and dataset.lower() not in DATASETS and args.data_dir is not None:
        parser.error(
            f"--data-dir is the folder of a registered dataset ({', '.join(DATASETS)}); "
            f"--dataset {dataset!r} is a path, read from where it is"
        )


def add_output_path(parser: argparse.ArgumentParser, what: str) -> None:
    """``--output-path`` (seed 000's ``--output_dir``), default the current folder."""
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


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Library parameter name → the flag of ``parser`` that sets it (``"--image-width"``).

    An option's ``dest`` is the name of the library parameter it is passed as;
    its first long spelling is the one shown.
    """
    names: dict[str, str] = {}
    for action in parser._actions:
        spellings = [o for o in action.option_strings if o.startswith("--")]
        if spellings and action.dest not in _RESHAPED:
            names[action.dest] = spellings[0]
    return names


def check_spacing_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse ``--min-spacing`` above ``--max-spacing`` as a usage error."""
    if args.min_spacing > args.max_spacing:
        parser.error(
            f"--min-spacing {args.min_spacing} is greater than --max-spacing {args.max_spacing}"
        )


def set_handler(parser: argparse.ArgumentParser, handler: Handler) -> None:
    """Make ``handler`` run the command; call after every option is added.

    ``handler`` is given this parser, so the command's errors are shown with its own
    name (``number-generator dataset: error: ...``) and its flags.
    """
    parser.set_defaults(handler=handler, flags=flag_names(parser), command_parser=parser)


def flag_message(exc: NumberGeneratorError, flags: Mapping[str, str]) -> str:
    """``exc``'s message, a leading ``param=`` spelled as the flag that set the parameter.

    Examples
    --------
    >>> from number_generator.errors import InvalidParameterError
    >>> error = InvalidParameterError("count=0: must be at least 1", param="count", value=0)
    >>> flag_message(error, {"count": "--count"})
    '--count=0: must be at least 1'
    """
    message = str(exc)
    param = exc.param if isinstance(exc, ParameterError) else None
    if param is not None and param in flags and message.startswith(f"{param}="):
        return flags[param] + message[len(param) :]
    return message
