"""The plan of an export (``dataset.json``): build it, read it, compare it, resume from it.

The plan is written before any shard and rewritten with ``"complete": true``
once the shards are merged; a resumed export must plan the same thing (its
keys and values are what old exports are compared with, so they never change).
An export drawn by the batched augmented path records how (``"draw"``): an
unfinished export is only resumed by code that draws its images the same way.
"""

from __future__ import annotations

import json
import logging
import os
from array import array
from pathlib import Path
from typing import Any

import numpy as np

from .._util.files import prepare_output_dir, write_atomic
from .._version import __version__
from ..compose import RenderOptions
from ..errors import InvalidParameterError, InvalidTypeError
from ..templates import Template
from .formats import ShardFormat
from .options import ExportOptions
from .shards import AUGMENTED_DRAW, TEMP_PREFIX, DatasetRef, ExportJob, augmented_in_batches, remove

logger = logging.getLogger("number_generator")

#: The plan (and, once finished, the summary) of an export, at the top of its folder.
PLAN_FILE = "dataset.json"
_PLAN_VERSION = 1
#: Keys that may differ between a plan and the one it resumes.
_NOT_COMPARED = frozenset({"complete", "template", "files"})


# --------------------------------------------------------------------------- the output folder


def export_target(out: Any) -> Path:
    """``out`` as a path, refused early (before any data is loaded) if it is a file."""
    if not isinstance(out, (str, os.PathLike)):
        raise InvalidTypeError(f"out={out!r}: expected a folder path", param="out", value=out)
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(
            f"out={str(folder)!r}: exists and is not a folder", param="out", value=folder
        )
    return folder


def open_folder(target: Path, resume: bool) -> tuple[Path, dict[str, Any] | None]:
    """Create the output folder; return it with the plan of the export already in it, if any.

    A folder with content must hold an export, and only ``resume`` may continue it.
    """
    folder = prepare_output_dir(target, "out")
    old_plan = read_plan(folder)
    if resume and old_plan is None and any(folder.iterdir()):
        raise InvalidParameterError(
            f"out={str(folder)!r}: resume: the folder holds no {PLAN_FILE}, so there is no "
            "export to resume in it; choose an empty or new folder",
            param="out",
            value=folder,
        )
    if not resume and any(folder.iterdir()):
        raise InvalidParameterError(
            f"out={str(folder)!r}: the folder is not empty; choose a new or empty folder, "
            "or pass resume=True (--resume) to continue an interrupted export in it",
            param="out",
            value=folder,
        )
    return folder, old_plan


def clean_temporaries(folder: Path) -> None:
    """Delete what an interrupted run left half-written."""
    for entry in folder.iterdir():
        if entry.name.startswith(TEMP_PREFIX):
            remove(entry)


# --------------------------------------------------------------------------- the plan


def read_plan(folder: Path) -> dict[str, Any] | None:
    """The plan in ``folder``, ``None`` if there is none; refused if it is not one."""
    path = folder / PLAN_FILE
    if not path.is_file():
        return None
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(
            f"out={str(folder)!r}: {PLAN_FILE} cannot be read ({exc}); it is not an export "
            "this version can resume: choose a new folder",
            param="out",
            value=folder,
        ) from None
    if not isinstance(plan, dict) or plan.get("format_version") != _PLAN_VERSION:
        raise InvalidParameterError(
            f"out={str(folder)!r}: {PLAN_FILE} is not an export plan this version can resume",
            param="out",
            value=folder,
        )
    return plan


def resolve_seed(seed: int | None, old_plan: dict[str, Any] | None) -> int:
    """``seed`` if given, else the one the resumed export recorded, else a fresh one."""
    if seed is not None:
        return seed
    if old_plan:
        return int(old_plan["seed"])
    fresh: Any = np.random.SeedSequence().entropy  # an int when none is given
    return int(fresh)


def build_plan(
    options: ExportOptions,
    template: Template,
    render: RenderOptions,
    ref: DatasetRef,
    seed: int,
) -> dict[str, Any]:
    """The plan of an export, as written to ``dataset.json`` (``"complete": false``)."""
    keep = render.keep_separators
    low, high = render.spacing_range
    return {
        "format_version": _PLAN_VERSION,
        "generator": f"number_generator {__version__}",
        "format": options.format,
        "count": options.count,
        "shard_size": options.shard_size,
        "shards": options.shards,
        "template": template.spec,
        "template_fingerprint": template.fingerprint,
        "unique": options.unique,
        "keep_separators": keep,
        "seed": seed,
        "spacing_range": [low, high],
        "image_width": render.image_width,
        "image_height": render.image_height,
        "fit": render.fit,
        "spacing_mode": render.spacing_mode,
        "augment": _describe_augment(render.augment),
        **({"draw": AUGMENTED_DRAW} if augmented_in_batches(render) else {}),
        **({"writer": render.writer} if render.writer != "any" else {}),
        "dataset": ref.describe(),
        "complete": False,
        "files": options.writer.files(options.names),
    }


def _describe_augment(augment: Any) -> Any:
    if augment is None or isinstance(augment, (bool, str)):
        return augment
    return {"repr": repr(augment)}


def compare_plans(folder: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse to resume an export planned with other options."""
    old = {"spacing_mode": "ink", **old}  # planned before spacing modes existed
    ignored = {*_NOT_COMPARED, "draw"}
    if isinstance(old.get("augment"), dict) or isinstance(new.get("augment"), dict):
        ignored.add("augment")  # a custom callable: its repr is no identity
    changed = [
        f"{key}={new.get(key)!r} (was {old.get(key)!r})"
        for key in sorted(set(old) | set(new))
        if key not in ignored and old.get(key) != new.get(key)
    ]
    if changed:
        raise InvalidParameterError(
            f"resume: the export in {str(folder)!r} was planned with other options; "
            f"changed: {'; '.join(changed)}. Resume with the same options, or choose a new folder",
            param="resume",
            value=True,
        )
    if old.get("draw") != new.get("draw") and not old.get("complete"):
        _refuse_other_draw(folder, old.get("draw"), new.get("draw"))


def _refuse_other_draw(folder: Path, old: Any, new: Any) -> None:
    """Refuse to finish an export whose images were drawn another way: the same seed
    gives other images now, and one dataset would mix the two."""
    drew = {None: "one by one", AUGMENTED_DRAW: "a batch at once"}
    raise InvalidParameterError(
        f"resume: the export in {str(folder)!r} drew its augmented images "
        f"{drew.get(old, repr(old))} (draw={old!r}); with these options this version draws them "
        f"{drew.get(new, repr(new))} (draw={new!r}), which gives other images for the same "
        "seed, so its remaining shards would not match the written ones. Finish it with the "
        "version and options that began it (see dataset.json), or start a new folder",
        param="resume",
        value=True,
    )


def write_plan(folder: Path, plan: dict[str, Any]) -> None:
    """Write ``dataset.json`` atomically."""
    write_atomic(folder / PLAN_FILE, (json.dumps(plan, indent=2) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- resuming


def shards_to_write(job: ExportJob, writer: ShardFormat, resume: bool) -> tuple[array[int], int]:
    """The indices of the shards still to write, and the images of those kept.

    With ``resume`` a complete shard is kept; a damaged one is deleted and redone.
    """
    todo = array("q")  # 8 bytes a shard, whatever the count
    kept_images = 0
    for index in range(job.shards):
        task = job.task(index)
        path = writer.final_path(job.out, task.name)
        if resume and writer.is_complete(path, task.size):
            kept_images += task.size
            continue
        if path.exists():
            logger.warning("%s is incomplete or damaged; writing it again", path)
            remove(path)
        todo.append(index)
    return todo, kept_images
