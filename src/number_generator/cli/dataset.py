"""``dataset``: export a training set in parallel, resumable shards."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InvalidParameterError, NumberGeneratorError
from ..export import EXECUTORS, FORMATS, MAX_SHARD_SIZE, MAX_WORKERS, export_dataset
from .options import (
    add_render_options,
    check_data_flags,
    check_spacing_flags,
    int_range,
    set_handler,
)

__all__ = ["build_dataset_parser"]


def build_dataset_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``dataset`` command's options to ``parser``."""
    _add_output_options(parser)
    _add_run_options(parser)
    add_render_options(parser)
    set_handler(parser, _run_dataset)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """What to write: where, how many, of which template, in which format."""

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
        type=int_range(1, 10**12),
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


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """How to run the export: workers, shards, resuming, labels, the Dask executor."""

    parser.add_argument(
        "--workers",
        "-j",
        type=int_range(1, MAX_WORKERS),
        default=None,
        metavar="N",
        help="local worker processes (default: all cores); the output does not depend on it",
    )
    parser.add_argument(
        "--shard-size",
        type=int_range(1, MAX_SHARD_SIZE),
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


def _check_executor(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``--scheduler`` goes with ``--executor dask``, and dask needs it."""
    if args.scheduler is not None and args.executor != "dask":
        parser.error("--scheduler is only used with --executor dask")
    if args.executor == "dask" and not args.scheduler:
        raise InvalidParameterError(
            "--scheduler=None: --executor='dask' needs a scheduler address "
            "(e.g. 'tcp://10.0.0.5:8786') or a distributed.Client as client=",
            param="scheduler",
            value=args.scheduler,
        )


def _run_dataset(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:

    check_spacing_flags(parser, args)
    check_data_flags(parser, args)
    _check_executor(parser, args)
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
            writer=args.writer,
            spacing_range=(args.min_spacing, args.max_spacing),
            image_width=args.image_width,
            image_height=args.image_height,
            fit=args.fit,
            augment=args.augment,
            spacing_mode=args.spacing_mode,
            dataset=args.dataset,
            split=args.split,
            data_dir=args.data_dir,
            executor=args.executor,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:
        print(f"{parser.prog}: run the same command with --resume to continue", file=sys.stderr)
        raise
    except NumberGeneratorError:  # a DownloadError is an OSError too: it speaks for itself
        raise
    except OSError as exc:  # e.g. the disk filled up
        raise NumberGeneratorError(
            f"--out={str(args.out)!r}: cannot write ({exc.strerror or exc}); complete shards "
            "are kept: make room, then run the same command with --resume"
        ) from None
    print(summary)
    return 0
