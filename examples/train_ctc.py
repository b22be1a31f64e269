"""Train a small CRNN digit-string recognizer with CTC on generated images only.

Does a model trained on ``number_generator`` images read handwriting it has
never seen? This example answers with numbers:

1. The glyph source is split into two disjoint parts with
   :meth:`DigitDataset.partition <number_generator.DigitDataset.partition>`
   (by default the 10,000-digit MNIST test split, about 5,000 + 5,000, the
   only split on offline machines), by default **by writer** (QMNIST's
   writer ids: no person's handwriting is in both parts; ``--split-by
   glyph`` splits each class instead, writers then shared). ``--full``
   trains on MNIST train and evaluates on MNIST test instead.
2. A convolutional-recurrent network (4 conv layers, a bidirectional GRU,
   CTC loss) trains for a fixed number of steps on batches streamed from
   :class:`number_generator.torch.DigitSequenceDataset` built on the first
   part only, cycling through the ``--templates`` by weight, with the recipe
   options ``--augment``, ``--writer``, ``--spacing-mode``, ``--digit-height``,
   ``--width-scale`` and the gaps. The defaults are the README's recommended
   recipe (:data:`RECOMMENDED_TEMPLATES`, the ``document`` preset, one writer
   per string, compact contour spacing, varied digit size and width), the one
   that read the document-style held-out strings best in the README's ablation.
3. It is evaluated on fixed seeded sets composed from the *other* part's
   glyphs only, the same whatever the recipe: clean phone numbers and clean
   4-12 digit strings (unaugmented), and a document-style set (one writer
   per string, punctuated amounts, phone numbers on a ruled line, numbers
   in comb boxes, on paper, some scanned; :func:`document_style`); and with
   ``--eval-folder DIR`` on any folder of images with a ``labels.csv`` (your
   own scans): per-digit accuracy (1 - character error rate, by edit
   distance) and whole-sequence accuracy (exact match).

Everything is seeded; results, the command line, the wall-clock time, the
machine and its load go to ``OUT/results.json``; misread examples to PNGs;
the model to ``OUT/model.pt`` (or ``--save-model PATH``) with the options
that rebuild it, so ``--eval-only MODEL`` evaluates without retraining.

Run (the recommended recipe, 3,000 steps, ~17 minutes on a 2-core CPU; the
ablation's commands are in ``examples/ablation.sh``)::

    python examples/train_ctc.py --out runs/ctc
    python examples/train_ctc.py --eval-only runs/ctc/model.pt --eval-folder my_scans

Needs the ``torch`` extra (``pip install "handwritten-digit-strings[torch]"``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from number_generator import DigitDataset, load_mnist
from number_generator.augment import (
    BaselineRule,
    Blur,
    CombBoxes,
    FieldFrame,
    Illumination,
    InkVariation,
    JpegCompression,
    Paper,
    Pipeline,
    ScanWarp,
    SecurityPattern,
    Transform,
)
from number_generator.batches import ALPHABET, BLANK, Batch, batches
from number_generator.errors import NumberGeneratorError
from number_generator.torch import DigitSequenceDataset

#: Templates trained on by default, with their weights: half the batches
#: phone numbers and 4-12 digit strings, half punctuated amounts and phone numbers.
RECOMMENDED_TEMPLATES: tuple[tuple[str, int], ...] = (
    ("phone", 2),
    ("random:4-12", 2),
    ("#,###.##", 1),
    ("##,###.-", 1),
    ("+81 ##-####-####", 1),
    ("(0#) ####-####", 1),
)
#: The clean held-out sets, drawn unaugmented with the library's defaults.
CLEAN_SETS = ("phone", "random:4-12")
#: The document-style held-out set: template -> its contour gaps (px). One writer
#: per string, as compact as people write (digits often touch); comb boxes keep
#: the digits apart, as their cells do on paper.
DOCUMENT_SET: dict[str, tuple[int, int]] = {
    "#,###.##": (0, 4),
    "#.###.-": (0, 4),
    "0##-####-####": (0, 4),
    "########": (2, 8),
}
#: Every held-out set's name, as in ``results.json``.
EVAL_SETS = (*CLEAN_SETS, "document")
#: Image height the model reads; images of ``--eval-folder`` are resized to it.
HEIGHT = 28
#: Ink height of a rendered digit in a 28-pixel image (MNIST: a 20-pixel box in 28).
INK_HEIGHT = 20
#: Separators a ``labels.csv`` label may hold; they are dropped (the model reads digits).
LABEL_SEPARATORS = "-/ .,+():"
#: A number type of :func:`parse_range`.
Number = TypeVar("Number", int, float)
#: Marks the format of the files ``--save-model`` writes.
MODEL_FORMAT = "train_ctc-crnn-1"


class UsageError(ValueError):
    """A bad option, model file or evaluation folder: one line, exit code 2."""


@dataclass
class Config:
    """Everything that decides a run; stored in ``results.json`` and in the model file."""

    steps: int = 3000
    batch_size: int = 32
    augment: str | None = "document"
    lr: float = 3e-3
    seed: int = 0
    split_seed: int = 0
    split_by: str = "writer"
    fraction: float = 0.5
    eval_size: int = 2000
    eval_seed: int = 2024
    full: bool = False
    data_dir: str | None = None
    max_minutes: float | None = None
    threads: int = 2
    log_every: int = 100
    channels: tuple[int, int, int, int] = (16, 32, 64, 64)
    hidden: int = 128
    templates: tuple[tuple[str, int], ...] = RECOMMENDED_TEMPLATES
    writer: str = "same"
    spacing_mode: str = "contour"
    digit_height: tuple[int, int] = (14, 26)
    width_scale: tuple[float, float] = (0.75, 1.1)
    spacing: tuple[int, int] = (0, 8)
    eval_folder: str | None = None
    eval_only: str | None = None
    save_model: str | None = None


@dataclass
class Metrics:
    """Accuracy on one evaluation set."""

    template: str
    count: int
    per_digit: float
    whole_sequence: float
    misread: list[tuple[int, str, str]] = field(default_factory=list)  # (index, truth, read)
    too_short: int = 0  # readings shorter than the truth
    too_long: int = 0


# --------------------------------------------------------------------------- model


def _conv(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class CRNN(nn.Module):
    """Conv features -> one vector per 4-pixel column -> BiGRU -> ``BLANK + 1`` class scores.

    Input ``[B, 1, 28, W]`` (1.0 = ink, 0.0 = paper); output ``[B, W // 4, BLANK + 1]``.
    """

    def __init__(self, channels: Sequence[int] = (16, 32, 64, 64), hidden: int = 128) -> None:
        super().__init__()
        c1, c2, c3, c4 = channels
        self.features = nn.Sequential(
            *_conv(1, c1),
            nn.MaxPool2d(2),  # 14 x W/2
            *_conv(c1, c2),
            nn.MaxPool2d(2),  # 7 x W/4
            *_conv(c2, c3),
            *_conv(c3, c4),
            nn.MaxPool2d((2, 1)),  # 3 x W/4
        )
        self.project = nn.Sequential(nn.Linear(c4 * 3, hidden), nn.ReLU(), nn.Dropout(0.1))
        self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.classify = nn.Linear(2 * hidden, BLANK + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        b, c, h, w = f.shape
        f = self.project(f.permute(0, 3, 1, 2).reshape(b, w, c * h))
        f, _ = self.rnn(f)
        out: torch.Tensor = self.classify(f)
        return out


def save_model(model: CRNN, config: Config, path: Path) -> None:
    """Write the weights with the options that rebuild the model (see :func:`load_model`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"format": MODEL_FORMAT, "config": asdict(config), "state_dict": model.state_dict()},
        path,
    )


def load_model(path: Path) -> tuple[CRNN, Config]:
    """``(model, the config it was trained with)`` from a :func:`save_model` file."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UsageError(f"--eval-only {str(path)!r}: no such model file") from None
    except Exception as error:  # torch raises many kinds for a file that is not its own
        reason = type(error).__name__
        raise UsageError(
            f"--eval-only {str(path)!r}: not a model file (torch.load: {reason})"
        ) from None
    if not isinstance(saved, dict) or saved.get("format") != MODEL_FORMAT:
        raise UsageError(
            f"--eval-only {str(path)!r}: not a model saved by this example (expected "
            f"format {MODEL_FORMAT!r}, as --save-model and OUT/model.pt are written)"
        )
    recorded = dict(saved["config"])
    recorded["channels"] = tuple(recorded["channels"])
    recorded["templates"] = tuple((str(t), int(w)) for t, w in recorded["templates"])
    for pair in ("digit_height", "width_scale", "spacing"):  # JSON-like lists -> tuples
        if pair in recorded:
            recorded[pair] = tuple(recorded[pair])
    config = Config(**recorded)
    model = CRNN(config.channels, config.hidden)
    model.load_state_dict(saved["state_dict"])
    return model, config


def _ink(images: torch.Tensor) -> torch.Tensor:
    """Library images (1.0 = paper) as network input (1.0 = ink, paper = 0)."""
    return 1.0 - images


def ctc_loss(model: nn.Module, batch: dict[str, Any], ctc: nn.CTCLoss) -> torch.Tensor:
    """CTC loss of one batch from :class:`DigitSequenceDataset` (``batch_size=`` mode)."""
    logits = model(_ink(batch["image"]))
    log_probs = logits.log_softmax(-1).transpose(0, 1)  # [T, B, C]
    steps, size = log_probs.shape[:2]
    targets = batch["target"]
    flat = targets[targets >= 0]  # labels concatenated, padding dropped
    input_lengths = torch.full((size,), steps, dtype=torch.long)
    loss: torch.Tensor = ctc(log_probs, flat, input_lengths, batch["target_length"])
    return loss


def greedy_decode(logits: torch.Tensor) -> list[str]:
    """Best path: the top class per column, repeats merged, blanks dropped."""
    best = logits.argmax(-1).numpy()
    texts = []
    for row in best:
        keep = np.ones(row.size, np.bool_)
        keep[1:] = row[1:] != row[:-1]
        texts.append("".join(ALPHABET[c] for c in row[keep] if c != BLANK))
    return texts


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


# --------------------------------------------------------------------------- data


def glyph_halves(config: Config) -> tuple[DigitDataset, DigitDataset]:
    """``(train glyphs, held-out glyphs)``: disjoint by construction (by writer by default)."""
    if config.full:
        return load_mnist("train", config.data_dir), load_mnist("test", config.data_dir)
    glyphs = load_mnist("test", config.data_dir)
    return glyphs.partition(config.fraction, seed=config.split_seed, by=config.split_by)


def weighted_cycle(weights: Sequence[int]) -> Iterator[int]:
    """Endless indices, each ``weights[i]`` times per ``sum(weights)``, evenly interleaved.

    Smooth weighted round robin: equal weights alternate (0, 1, 0, 1 ...), and
    ``(3, 1)`` gives 0, 0, 1, 0, 0, 0, 1, 0 ... No randomness is involved.
    """
    total = sum(weights)
    credit = [0] * len(weights)
    while True:
        credit = [c + w for c, w in zip(credit, weights)]
        pick = credit.index(max(credit))
        credit[pick] -= total
        yield pick


def resize_batch(
    images: torch.Tensor,
    height: tuple[int, int],
    width_scale: tuple[float, float],
    rng: np.random.Generator,
) -> torch.Tensor:
    """Rescale a batch: digits ``height`` pixels tall, strings ``width_scale`` as wide.

    A rendered digit's ink is about :data:`INK_HEIGHT` (20) of the 28 rows. Per
    batch one height ``h`` is drawn from ``height`` (unless it is ``(20, 20)``)
    and one factor ``q`` from ``width_scale`` (unless it is ``(1, 1)``); the
    images are scaled by ``h / 20`` in both directions and by ``q`` more in
    width (narrower digits and gaps, as compact handwriting; the batch keeps
    one width). With a new height each image gets its own vertical position: a
    random 28-row window that keeps the digits' rows inside it. Shrunk images
    are padded with their own paper tone (the median pixel) above and below;
    enlarged ones lose their top and bottom margins, so the digits fill up to
    the whole height.
    """
    resized = height != (INK_HEIGHT, INK_HEIGHT)
    scale = float(rng.uniform(*height)) / INK_HEIGHT if resized else 1.0
    squeeze = float(rng.uniform(*width_scale)) if width_scale != (1.0, 1.0) else 1.0
    if not resized and squeeze == 1.0:
        return images
    size = images.shape[0]
    rows = round(HEIGHT * scale)
    width = max(4, round(images.shape[-1] * scale * squeeze))
    scaled = nn.functional.interpolate(
        images, size=(rows, width), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0.0, 1.0)
    if not resized:
        return scaled
    paper = scaled.reshape(size, -1).median(dim=1).values
    out = paper.reshape(size, 1, 1, 1).expand(size, 1, HEIGHT, width).clone()
    # The ink rows are [4 s, 24 s); a window [top, top + 28) keeps them when
    # 24 s - 28 <= top <= 4 s. A negative top means paper above the image.
    first = math.floor(24 * scale - HEIGHT)
    last = max(first, math.floor(4 * scale))
    for i, top in enumerate(rng.integers(first, last + 1, size=size)):
        source = slice(max(0, top), min(rows, top + HEIGHT))
        target = slice(source.start - top, source.stop - top)
        out[i, :, target] = scaled[i, :, source]
    return out


def training_stream(config: Config, glyphs: DigitDataset) -> Iterator[tuple[str, dict[str, Any]]]:
    """Endless ``(template, batch)`` pairs, the templates cycled by weight."""
    names = [template for template, _ in config.templates]
    seeds = np.random.SeedSequence(config.seed).generate_state(len(names))
    loaders = [
        iter(
            DataLoader(
                DigitSequenceDataset(
                    template,
                    batch_size=config.batch_size,
                    seed=int(seed),
                    augment=config.augment,
                    dataset=glyphs,
                    writer=config.writer,
                    spacing_mode=config.spacing_mode,
                    spacing_range=config.spacing,
                ),
                batch_size=None,
                num_workers=0,
            )
        )
        for template, seed in zip(names, seeds)
    ]
    sizes = np.random.default_rng([config.seed, 1])  # the height and width draws, own stream
    for pick in weighted_cycle([weight for _, weight in config.templates]):
        batch = next(loaders[pick])
        batch["image"] = resize_batch(
            batch["image"], config.digit_height, config.width_scale, sizes
        )
        yield names[pick], batch


def document_style(template: str) -> Pipeline:
    """The printed form, paper and scan of one kind of :data:`DOCUMENT_SET` string.

    Image stage only: the handwriting itself is left as the writer wrote it
    (no glyph-stage distortion), so no training preset draws these images.
    Amounts sit in a frame (``#,###.##``) or loose, sometimes over a security
    pattern; phone numbers on a ruled line; fixed-length numbers in comb
    boxes; then paper, and a scan (small warp, light, blur, JPEG) on some.
    """
    ink = InkVariation(intensity=(0.9, 1.0), pressure=(0.0, 0.1), p=0.5)
    form: dict[str, list[Transform]] = {
        "#,###.##": [ink, SecurityPattern(p=0.5), FieldFrame(p=1.0)],
        "#.###.-": [ink, SecurityPattern(p=0.5), FieldFrame(p=0.3)],
        "0##-####-####": [BaselineRule(p=1.0)],
        "########": [CombBoxes(p=1.0)],
    }
    scan: list[Transform] = [
        ScanWarp(p=0.5),
        Illumination((0.05, 0.2), p=0.3),
        Blur((0.3, 0.7), p=0.3),
        JpegCompression(p=0.5),
    ]
    return Pipeline([*form[template], Paper(p=1.0), *scan], name=f"document {template}")


def evaluation_sets(config: Config, glyphs: DigitDataset) -> dict[str, dict[str, Batch]]:
    """The fixed, seeded held-out sets every recipe is scored on (:data:`EVAL_SETS`).

    Whatever the training recipe: ``phone`` and ``random:4-12`` are clean
    (unaugmented, any writer, ink spacing, digits 20 px tall), ``config.eval_size``
    images each; ``document`` is :data:`DOCUMENT_SET` in equal parts, each
    string in one writer's hand with contour spacing (the set's gaps), in its
    :func:`document_style`.
    """
    *children, document = np.random.SeedSequence(config.eval_seed).spawn(len(CLEAN_SETS) + 1)
    clean = zip(CLEAN_SETS, children)

    def draw(size: int, template: str, seed: Any, augment: Any, **options: Any) -> Batch:
        return next(
            batches(size, template, n=1, seed=seed, augment=augment, dataset=glyphs, **options)
        )

    sets = {name: {name: draw(config.eval_size, name, seed, None)} for name, seed in clean}
    kinds = document.spawn(len(DOCUMENT_SET))
    one_hand = {"writer": "same", "spacing_mode": "contour"}
    part = max(1, config.eval_size // len(DOCUMENT_SET))
    sets["document"] = {
        kind: draw(part, kind, seed, document_style(kind), spacing_range=gaps, **one_hand)
        for (kind, gaps), seed in zip(DOCUMENT_SET.items(), kinds)
    }
    return sets


# --------------------------------------------------------------------------- train / evaluate


def score(name: str, truths: Sequence[str], reads: Sequence[str]) -> Metrics:
    """Per-digit and whole-sequence accuracy of ``reads`` against ``truths``."""
    errors = [edit_distance(truth, read) for truth, read in zip(truths, reads)]
    digits = sum(map(len, truths))
    misread = [(i, t, r) for i, (t, r) in enumerate(zip(truths, reads)) if t != r]
    return Metrics(
        template=name,
        count=len(reads),
        per_digit=1.0 - sum(errors) / digits,
        whole_sequence=1.0 - len(misread) / len(reads),
        misread=misread,
        too_short=sum(len(r) < len(t) for t, r in zip(truths, reads)),
        too_long=sum(len(r) > len(t) for t, r in zip(truths, reads)),
    )


@torch.no_grad()
def read(model: nn.Module, images: np.ndarray) -> list[str]:
    """Greedy readings of ``[N, 28, W]`` library-style images (1.0 = paper)."""
    model.eval()
    return greedy_decode(model(_ink(torch.from_numpy(images).unsqueeze(1))))


def read_batch(model: nn.Module, data: Batch, chunk: int = 250) -> list[str]:
    """The model's readings of every image of ``data``, ``chunk`` images at a time."""
    reads: list[str] = []
    for start in range(0, len(data.labels), chunk):
        reads.extend(read(model, data.images[start : start + chunk]))
    return reads


@dataclass
class Run:
    """What :func:`train` returns."""

    model: CRNN
    losses: list[float]  # every step's loss
    steps: int
    seconds: float
    loads: list[float]  # 1-minute load average at each log line (this run counts ~2)


def train(config: Config, glyphs: DigitDataset, log: Any = None) -> Run:
    """Train a fresh :class:`CRNN` for ``config.steps`` steps (or until ``max_minutes``)."""
    torch.manual_seed(config.seed)
    model = CRNN(config.channels, config.hidden)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.steps, pct_start=0.1
    )
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    losses: list[float] = []
    loads: list[float] = []
    stream = training_stream(config, glyphs)
    start = time.perf_counter()
    deadline = None if config.max_minutes is None else start + 60 * config.max_minutes
    model.train()
    for step in range(1, config.steps + 1):
        _, batch = next(stream)
        loss = ctc_loss(model, batch, ctc)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call, unused-ignore]  # typed only with torch
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if step % config.log_every == 0 or step == config.steps:
            loads.extend(_load()[:1])
            if log is not None:
                recent = np.mean(losses[-config.log_every :])
                elapsed = time.perf_counter() - start
                log(f"step {step:5d}  loss {recent:.4f}  {elapsed:6.0f} s  load {_load()[:1]}")
        if deadline is not None and time.perf_counter() > deadline:
            break
    return Run(model, losses, len(losses), time.perf_counter() - start, loads)


# --------------------------------------------------------------------------- your own images


def prepare_image(image: np.ndarray, height: int = HEIGHT) -> np.ndarray:
    """Any scanned image as the model reads it: ``[height, W]`` float32, 1.0 = paper.

    1. **Greyscale**: 8- or 16-bit, grey or colour (BGR as OpenCV reads it); an
       alpha channel is composited onto white paper.
    2. **Polarity**: an image whose median is darker than mid-grey (light
       ink on dark ground) is inverted, so the ink is dark on light paper.
    3. **Resize** to ``height`` rows keeping the aspect ratio (area
       interpolation when shrinking, cubic when enlarging).
    4. **Contrast normalization**: the 1st percentile becomes ink (0.0) and
       the 90th percentile paper (1.0), clipped; a blank image is left as is.
    5. **Padding**: 8 columns of paper on each side, then on the right up to
       a multiple of 4 columns (the model reads one frame per 4 columns).
    """
    if image.dtype not in (np.uint8, np.uint16):
        raise UsageError(f"image type {image.dtype} is not 8- or 16-bit")
    grey: np.ndarray = image.astype(np.float32) / np.iinfo(image.dtype).max
    if grey.ndim == 3 and grey.shape[2] == 4:
        alpha = grey[:, :, 3:]
        grey = grey[:, :, :3] * alpha + (1.0 - alpha)
    if grey.ndim == 3:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY) if grey.shape[2] == 3 else grey[:, :, 0]
    if np.median(grey) < 0.5:
        grey = 1.0 - grey
    rows, cols = grey.shape
    width = max(1, round(cols * height / rows))
    interpolation = cv2.INTER_AREA if rows > height else cv2.INTER_CUBIC
    grey = np.clip(cv2.resize(grey, (width, height), interpolation=interpolation), 0.0, 1.0)
    ink, paper = np.percentile(grey, [1, 90])
    if paper - ink > 0.05:
        grey = np.clip((grey - ink) / (paper - ink), 0.0, 1.0)
    right = 8 + (-(width + 16)) % 4
    padded = np.pad(grey, ((0, 0), (8, right)), constant_values=1.0)
    return padded.astype(np.float32)


def read_labels(folder: Path) -> list[tuple[str, str]]:
    """``(file name, digits)`` rows of ``folder/labels.csv``; separators in labels are dropped."""
    where = f"--eval-folder {str(folder)!r}"
    if not folder.is_dir():
        raise UsageError(f"{where}: no such folder")
    path = folder / "labels.csv"
    if not path.is_file():
        raise UsageError(f"{where}: no labels.csv (expected a header 'file_name,label')")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or [cell.strip() for cell in rows[0]] != ["file_name", "label"]:
        found = ",".join(rows[0]) if rows else ""
        raise UsageError(f"{where}: labels.csv starts with {found!r}; expected 'file_name,label'")
    entries = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise UsageError(f"{where}: labels.csv line {number} has {len(row)} fields; expected 2")
        name, label = row[0].strip(), row[1].strip()
        digits = "".join(c for c in label if c not in LABEL_SEPARATORS)
        if not digits or not digits.isdigit() or not digits.isascii():
            raise UsageError(
                f"{where}: labels.csv line {number}: label {label!r} is not a digit string "
                f"(allowed: digits 0-9 and the separators {LABEL_SEPARATORS!r}, dropped)"
            )
        entries.append((name, digits))
    if not entries:
        raise UsageError(f"{where}: labels.csv lists no images")
    return entries


def load_folder(folder: Path) -> tuple[list[str], list[np.ndarray], list[str]]:
    """``(file names, prepared images, digit labels)`` of an evaluation folder."""
    names, images, labels = [], [], []
    for name, digits in read_labels(folder):
        path = folder / name
        if not path.is_file():
            raise UsageError(f"--eval-folder {str(folder)!r}: {name!r} (in labels.csv) not found")
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None or image.size == 0:
            raise UsageError(f"--eval-folder {str(folder)!r}: {name!r} is not a readable image")
        try:
            images.append(prepare_image(image))
        except UsageError as error:
            raise UsageError(f"--eval-folder {str(folder)!r}: {name!r}: {error}") from None
        names.append(name)
        labels.append(digits)
    return names, images, labels


def evaluate_folder(
    model: nn.Module, name: str, images: Sequence[np.ndarray], labels: Sequence[str]
) -> Metrics:
    """Accuracy of ``model`` on the prepared images of a folder (:func:`load_folder`)."""
    return score(name, labels, [read(model, image[None])[0] for image in images])


# --------------------------------------------------------------------------- report


def misread_sheet(
    examples: Sequence[tuple[np.ndarray, str, str]], path: Path, max_width: int = 1200
) -> int:
    """Write a PNG of misread images ``(image, truth, read)``, shown 2x; return how many."""
    if not examples:
        return 0
    shown = [(image[:, : max_width // 2], truth, text) for image, truth, text in examples]
    width = max(2 * image.shape[1] for image, _, _ in shown) + 16
    width = max(width, 420)
    rows = []
    for image, truth, text in shown:
        pixels = (np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
        pixels = cv2.resize(pixels, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        row = np.full((pixels.shape[0] + 30, width), 255, np.uint8)
        row[4 : 4 + pixels.shape[0], 8 : 8 + pixels.shape[1]] = pixels
        caption = f"truth {truth}   read {text or '(nothing)'}"
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(row, caption, (8, row.shape[0] - 8), font, 0.55, 0, 1, cv2.LINE_AA)
        rows += [row, np.full((2, width), 200, np.uint8)]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows[:-1]))
    return len(examples)


def machine() -> dict[str, Any]:
    """Hardware and software the run used."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def _summary(m: Metrics) -> dict[str, Any]:
    return {
        "count": m.count,
        "per_digit": m.per_digit,
        "whole_sequence": m.whole_sequence,
        "read_too_short": m.too_short,
        "read_too_long": m.too_long,
        "misread_examples": m.misread[:10],
    }


def _log_metrics(log: Any, m: Metrics, what: str) -> None:
    log(
        f"{m.template:12s} per-digit {100 * m.per_digit:.2f}%  "
        f"whole-sequence {100 * m.whole_sequence:.2f}%  ({m.count} {what})"
    )


def _evaluate_held_out(
    model: nn.Module, config: Config, held_out: DigitDataset, figure: Path, log: Any
) -> tuple[dict[str, Any], str | None]:
    """Score every held-out set (and each part of a set drawn in parts); draw the misread sheet."""
    summaries: dict[str, Any] = {}
    examples = []
    for name, parts in evaluation_sets(config, held_out).items():
        reads = [read_batch(model, part) for part in parts.values()]
        truths = [truth for part in parts.values() for truth in part.labels]
        whole = score(name, truths, [text for texts in reads for text in texts])
        _log_metrics(log, whole, "held-out images")
        summaries[name] = _summary(whole)
        shown = 4 if len(parts) == 1 else 2  # misread examples per part
        for (kind, part), kind_reads in zip(parts.items(), reads):
            m = whole if len(parts) == 1 else score(kind, part.labels, kind_reads)
            examples += [(part.images[i], truth, text) for i, truth, text in m.misread[:shown]]
            if len(parts) > 1:
                summaries[name].setdefault("parts", {})[kind] = _summary(m)
    drawn = misread_sheet(examples, figure)
    return summaries, str(figure) if drawn else None


def _train_and_save(
    config: Config, glyphs: DigitDataset, out: Path, log: Any
) -> tuple[CRNN, dict[str, Any]]:
    """Train, save the model; return it and what ``results.json`` records of the training."""
    load_before = _load()
    result = train(config, glyphs, log)
    log(f"trained {result.steps} steps in {result.seconds:.0f} s")
    window = max(1, min(100, result.steps // 10))
    model_path = Path(config.save_model) if config.save_model else out / "model.pt"
    save_model(result.model, config, model_path)
    return result.model, {
        "model": str(model_path),
        "steps": result.steps,
        "images_seen": result.steps * config.batch_size,
        "train_seconds": round(result.seconds, 1),
        "loss_first": float(np.mean(result.losses[:window])),
        "loss_last": float(np.mean(result.losses[-window:])),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "load_during": {
            "mean": round(float(np.mean(result.loads)), 2) if result.loads else None,
            "max": max(result.loads, default=None),
        },
    }


def run(config: Config, out: Path, figure: Path | None = None, log: Any = print) -> dict[str, Any]:
    """Train (unless ``config.eval_only``), evaluate, write ``out/results.json``; return results.

    With ``config.eval_only`` the model and its training options come from
    that file; the held-out sets are rebuilt from its recorded split (skipped
    when only ``config.eval_folder`` is asked for).
    """
    torch.set_num_threads(config.threads)
    figure = out / "misread.png" if figure is None else figure
    results: dict[str, Any] = {"command": " ".join(["python", *sys.argv]) if sys.argv else ""}
    if config.eval_only is not None:
        model, trained = load_model(Path(config.eval_only))
        log(f"model {config.eval_only}: trained {trained.steps} steps, split by {trained.split_by}")
        results["model"] = config.eval_only
        results["trained_with"] = asdict(trained)
        config = replace(
            trained,
            eval_size=config.eval_size,
            eval_seed=config.eval_seed,
            data_dir=config.data_dir,
            threads=config.threads,
            eval_folder=config.eval_folder,
            eval_only=config.eval_only,
            save_model=None,
        )
    results["config"] = asdict(config)
    # A bad folder stops the run before training, not after.
    scans = None if config.eval_folder is None else load_folder(Path(config.eval_folder))
    out.mkdir(parents=True, exist_ok=True)
    if config.eval_only is None or scans is None:
        train_glyphs, held_out = glyph_halves(config)
        log(f"glyphs: {len(train_glyphs)} to train on, {len(held_out)} held out")
        results["train_glyphs"], results["held_out_glyphs"] = len(train_glyphs), len(held_out)
    if config.eval_only is None:
        model, record = _train_and_save(config, train_glyphs, out, log)
        results.update(record)
    start = time.perf_counter()
    if "held_out_glyphs" in results:
        results["metrics"], results["misread_figure"] = _evaluate_held_out(
            model, config, held_out, figure, log
        )
    if scans is not None:
        _, images, labels = scans
        folder = evaluate_folder(model, str(config.eval_folder), images, labels)
        _log_metrics(log, folder, "images of the folder")
        sheet = out / "misread-folder.png"
        examples = [(images[i], truth, text) for i, truth, text in folder.misread[:12]]
        results["eval_folder"] = {
            "folder": config.eval_folder,
            **_summary(folder),
            "misread_figure": str(sheet) if misread_sheet(examples, sheet) else None,
        }
    results["eval_seconds"] = round(time.perf_counter() - start, 1)
    results["machine"] = machine()
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


# --------------------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    """Errors as one line (``PROG: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_template_weights(items: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """``["phone@3", "#,###.##"]`` -> ``(("phone", 3), ("#,###.##", 1))``.

    Each template is its own argument, so commas, colons and spaces inside a
    template need no escaping; ``@N`` at the end gives its weight (default 1).
    ``@`` is not a template character, so it cannot clash.
    """
    weighted = []
    for item in items:
        template, at, weight = item.rpartition("@")
        if not at:
            template, weight = item, "1"
        if not template or not weight.isdigit() or not weight.isascii() or int(weight) < 1:
            raise UsageError(
                f"--templates {item!r}: expected TEMPLATE or TEMPLATE@WEIGHT with a whole "
                "weight >= 1, e.g. phone@3"
            )
        weighted.append((template, int(weight)))
    return tuple(weighted)


def parse_range(
    text: str, option: str, kind: Callable[[str], Number], bounds: tuple[Number, Number], what: str
) -> tuple[Number, Number]:
    """``"20"`` -> ``(20, 20)``; ``"12-28"`` -> ``(12, 28)``: values of ``kind`` within ``bounds``.

    ``what`` names the expected form in the error, e.g. ``"H or LOW-HIGH pixels"``.
    """
    low, _, high = text.partition("-")
    try:
        pair = kind(low), kind(high or low)
    except ValueError:
        pair = None
    if pair is None or not bounds[0] <= pair[0] <= pair[1] <= bounds[1]:
        raise UsageError(
            f"{option} {text!r}: expected {what}, {bounds[0]} <= LOW <= HIGH <= {bounds[1]}"
        )
    return pair


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, Path, Path | None]:
    """Command line -> ``(config, out folder, misread figure path)``."""
    d = Config()
    p = _Parser(prog="train_ctc.py", description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--steps", type=int, default=d.steps, help="training steps (%(default)s)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="(%(default)s)")
    p.add_argument(
        "--augment",
        default=d.augment,
        help="preset for the training images: none, light, medium, heavy, document (default)",
    )
    p.add_argument(
        "--templates",
        nargs="+",
        default=[f"{t}@{w}" for t, w in d.templates],
        metavar="TEMPLATE[@WEIGHT]",
        help="templates to train on, one argument each, cycled by weight "
        f"(default: {' '.join(repr(f'{t}@{w}') for t, w in d.templates)}), "
        "e.g. --templates phone@3 '#,###.##@1'",
    )
    p.add_argument("--writer", default=d.writer, help="same (default): one hand per string, or any")
    p.add_argument("--spacing-mode", default=d.spacing_mode, help="contour (default) or ink")
    p.add_argument(
        "--digit-height",
        default="-".join(map(str, d.digit_height)),
        metavar="H|LOW-HIGH",
        help="digits' height in the 28-px training images, drawn per batch "
        "(default %(default)s; 20 = as rendered)",
    )
    p.add_argument(
        "--width-scale",
        default="-".join(map(str, d.width_scale)),
        metavar="F|LOW-HIGH",
        help="width factor of the training images, drawn per batch "
        "(default %(default)s; 1 = as rendered)",
    )
    p.add_argument("--min-spacing", type=int, default=d.spacing[0],
                   help="smallest gap between digits in pixels (%(default)s)")  # fmt: skip
    p.add_argument("--max-spacing", type=int, default=d.spacing[1],
                   help="largest gap between digits in pixels (%(default)s)")  # fmt: skip
    p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (%(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="model and stream seed")
    p.add_argument("--split-by", choices=("writer", "glyph"), default=d.split_by,
                   help="held-out part: other writers (default) or other glyphs")  # fmt: skip
    p.add_argument("--split-seed", type=int, default=d.split_seed, help="glyph split seed")
    p.add_argument("--eval-size", type=int, default=d.eval_size, help="images per eval set")
    p.add_argument("--eval-seed", type=int, default=d.eval_seed, help="eval set seed")
    p.add_argument("--eval-folder", default=None, metavar="DIR",
                   help="also evaluate on DIR's images listed in DIR/labels.csv")  # fmt: skip
    p.add_argument("--eval-only", default=None, metavar="MODEL",
                   help="evaluate a saved model, no training")  # fmt: skip
    p.add_argument("--save-model", default=None, metavar="PATH",
                   help="where to save the model (OUT/model.pt)")  # fmt: skip
    p.add_argument("--full", action="store_true", help="train on MNIST train, eval on test")
    p.add_argument("--data-dir", default=None, help="folder with the MNIST files")
    p.add_argument("--max-minutes", type=float, default=None, help="stop training early")
    p.add_argument("--threads", type=int, default=d.threads, help="torch threads (%(default)s)")
    p.add_argument("--log-every", type=int, default=d.log_every, help="(%(default)s)")
    p.add_argument("--out", type=Path, default=Path("runs/ctc"), help="output folder")
    p.add_argument("--figure", type=Path, default=None, help="misread PNG (OUT/misread.png)")
    args = p.parse_args(argv)
    augment = None if args.augment.lower() in {"none", "off", "false", "0"} else args.augment
    config = Config(
        steps=args.steps,
        batch_size=args.batch_size,
        augment=augment,
        lr=args.lr,
        seed=args.seed,
        split_seed=args.split_seed,
        split_by=args.split_by,
        eval_size=args.eval_size,
        eval_seed=args.eval_seed,
        full=args.full,
        data_dir=args.data_dir,
        max_minutes=args.max_minutes,
        threads=args.threads,
        log_every=args.log_every,
        templates=parse_template_weights(args.templates),
        writer=args.writer,
        spacing_mode=args.spacing_mode,
        digit_height=parse_range(
            args.digit_height, "--digit-height", int, (8, 28), "H or LOW-HIGH pixels"
        ),
        width_scale=parse_range(
            args.width_scale, "--width-scale", float, (0.5, 1.5), "F or LOW-HIGH factors"
        ),
        spacing=(args.min_spacing, args.max_spacing),
        eval_folder=args.eval_folder,
        eval_only=args.eval_only,
        save_model=args.save_model,
    )
    return config, args.out, args.figure


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example; a bad option, file or folder prints one line and returns 2."""
    try:
        config, out, figure = parse_args(argv)
        run(config, out, figure, log=lambda line: print(line, flush=True))
    except (UsageError, NumberGeneratorError) as error:
        print(f"train_ctc.py: error: {error}", file=sys.stderr)
        return 2
    except SystemExit as stop:  # argparse: --help, or a bad option already reported
        return stop.code if isinstance(stop.code, int) else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
