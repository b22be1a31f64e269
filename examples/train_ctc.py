"""Train a small CRNN digit-string recognizer with CTC on generated images only.

Does a model trained on ``number_generator`` images read handwriting it has
never seen? This example answers with numbers:

1. The glyph source is split into two disjoint halves with
   :meth:`DigitDataset.partition <number_generator.DigitDataset.partition>`
   (by default the 10,000-digit MNIST test split, 5,000 + 5,000, the only
   split on offline machines; ``--full`` trains on MNIST train and evaluates
   on MNIST test instead).
2. A convolutional-recurrent network (4 conv layers, a bidirectional GRU,
   CTC loss) trains for a fixed number of steps on batches streamed from
   :class:`number_generator.torch.DigitSequenceDataset` built on the first
   half only, alternating 11-digit phone numbers (``"phone"``) and random
   strings of 4-12 digits (``"random:4-12"``), with or without augmentation.
3. It is evaluated, without augmentation, on a fixed seeded set of phone
   numbers and of random 4-12 digit strings composed from the *other*
   half's glyphs only: per-digit accuracy (1 - character error rate, by
   edit distance) and whole-sequence accuracy (exact match).

Everything is seeded; results, the command line, the wall-clock time, the
machine and its load go to ``OUT/results.json``; misread examples to a PNG.

Run (the README's figures; 4,000 steps, ~13 minutes each on an idle 2-core CPU)::

    python examples/train_ctc.py --steps 4000 --augment medium --out runs/ctc-medium
    python examples/train_ctc.py --steps 4000 --augment none --out runs/ctc-none

Needs the ``torch`` extra (``pip install "handwritten-digit-strings[torch]"``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from number_generator import DigitDataset, load_mnist
from number_generator.batches import ALPHABET, BLANK, Batch, batches
from number_generator.torch import DigitSequenceDataset

#: Templates trained on (alternating batches) and evaluated on.
TEMPLATES = ("phone", "random:4-12")
#: One image width per template, as :func:`number_generator.batches.default_width` gives.
WIDTHS = {"phone": 304, "random:4-12": 332}


@dataclass
class Config:
    """Everything that decides a run; stored in ``results.json``."""

    steps: int = 4000
    batch_size: int = 32
    augment: str | None = "medium"
    lr: float = 3e-3
    seed: int = 0
    split_seed: int = 0
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


@dataclass
class Metrics:
    """Accuracy on one evaluation set."""

    template: str
    count: int
    per_digit: float
    whole_sequence: float
    misread: list[tuple[int, str, str]] = field(default_factory=list)  # (index, truth, read)


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
    """``(train glyphs, held-out glyphs)``: disjoint by construction."""
    if config.full:
        return load_mnist("train", config.data_dir), load_mnist("test", config.data_dir)
    glyphs = load_mnist("test", config.data_dir)
    return glyphs.partition(config.fraction, seed=config.split_seed)


def training_stream(config: Config, glyphs: DigitDataset) -> Iterator[tuple[str, dict[str, Any]]]:
    """Endless ``(template, batch)`` pairs, alternating :data:`TEMPLATES`."""
    seeds = np.random.SeedSequence(config.seed).generate_state(len(TEMPLATES))
    loaders = [
        iter(
            DataLoader(
                DigitSequenceDataset(
                    template,
                    batch_size=config.batch_size,
                    seed=int(seed),
                    image_width=WIDTHS[template],
                    augment=config.augment,
                    dataset=glyphs,
                ),
                batch_size=None,
                num_workers=0,
            )
        )
        for template, seed in zip(TEMPLATES, seeds)
    ]
    while True:
        for template, loader in zip(TEMPLATES, loaders):
            yield template, next(loader)


def evaluation_sets(config: Config, glyphs: DigitDataset) -> dict[str, Batch]:
    """The fixed, seeded, unaugmented evaluation images of each template."""
    children = np.random.SeedSequence(config.eval_seed).spawn(len(TEMPLATES))
    return {
        template: next(
            batches(
                config.eval_size,
                template,
                n=1,
                seed=child,
                image_width=WIDTHS[template],
                augment=None,
                dataset=glyphs,
            )
        )
        for template, child in zip(TEMPLATES, children)
    }


# --------------------------------------------------------------------------- train / evaluate


@torch.no_grad()
def evaluate(model: nn.Module, template: str, data: Batch, chunk: int = 250) -> Metrics:
    """Per-digit and whole-sequence accuracy of ``model`` on one evaluation set."""
    model.eval()
    reads: list[str] = []
    for start in range(0, len(data.labels), chunk):
        images = torch.from_numpy(data.images[start : start + chunk]).unsqueeze(1)
        reads.extend(greedy_decode(model(_ink(images))))
    errors = [edit_distance(truth, read) for truth, read in zip(data.labels, reads)]
    digits = sum(map(len, data.labels))
    misread = [(i, t, r) for i, (t, r) in enumerate(zip(data.labels, reads)) if t != r]
    return Metrics(
        template=template,
        count=len(reads),
        per_digit=1.0 - sum(errors) / digits,
        whole_sequence=1.0 - len(misread) / len(reads),
        misread=misread,
    )


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


# --------------------------------------------------------------------------- report


def misread_sheet(
    sets: dict[str, Batch], metrics: Sequence[Metrics], path: Path, per_set: int = 4
) -> int:
    """Write a PNG of misread images with their truth and reading; return how many."""
    rows = []
    width = 2 * max(WIDTHS.values()) + 16
    for m in metrics:
        for index, truth, read in m.misread[:per_set]:
            image = (sets[m.template].images[index] * 255).astype(np.uint8)
            image = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
            row = np.full((image.shape[0] + 30, width), 255, np.uint8)
            row[4 : 4 + image.shape[0], 8 : 8 + image.shape[1]] = image
            text = f"truth {truth}   read {read or '(nothing)'}"
            font = cv2.FONT_HERSHEY_SIMPLEX
            cv2.putText(row, text, (8, row.shape[0] - 8), font, 0.55, 0, 1, cv2.LINE_AA)
            rows.append(row)
            rows.append(np.full((2, width), 200, np.uint8))
    if rows:
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.vstack(rows[:-1]))
    return len(rows) // 2


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


def run(config: Config, out: Path, figure: Path | None = None, log: Any = print) -> dict[str, Any]:
    """Train, evaluate and write ``out/results.json`` (and the misread picture); return results."""
    torch.set_num_threads(config.threads)
    train_glyphs, held_out = glyph_halves(config)
    log(f"glyphs: {len(train_glyphs)} to train on, {len(held_out)} held out")
    sets = evaluation_sets(config, held_out)
    load_before = _load()
    result = train(config, train_glyphs, log)
    load_after = _load()
    log(f"trained {result.steps} steps in {result.seconds:.0f} s")
    start = time.perf_counter()
    metrics = [evaluate(result.model, t, sets[t]) for t in TEMPLATES]
    eval_seconds = time.perf_counter() - start
    for m in metrics:
        log(
            f"{m.template:12s} per-digit {100 * m.per_digit:.2f}%  "
            f"whole-sequence {100 * m.whole_sequence:.2f}%  ({m.count} held-out images)"
        )
    out.mkdir(parents=True, exist_ok=True)
    figure = out / "misread.png" if figure is None else figure
    shown = misread_sheet(sets, metrics, figure)
    window = max(1, min(100, result.steps // 10))
    results = {
        "command": " ".join(["python", *sys.argv]) if sys.argv else "",
        "config": asdict(config),
        "train_glyphs": len(train_glyphs),
        "held_out_glyphs": len(held_out),
        "steps": result.steps,
        "images_seen": result.steps * config.batch_size,
        "train_seconds": round(result.seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "loss_first": float(np.mean(result.losses[:window])),
        "loss_last": float(np.mean(result.losses[-window:])),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "load_during": {
            "mean": round(float(np.mean(result.loads)), 2) if result.loads else None,
            "max": max(result.loads, default=None),
        },
        "machine": machine(),
        "metrics": {
            m.template: {
                "count": m.count,
                "per_digit": m.per_digit,
                "whole_sequence": m.whole_sequence,
                "misread_examples": m.misread[:10],
            }
            for m in metrics
        },
        "misread_figure": str(figure) if shown else None,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    torch.save(result.model.state_dict(), out / "model.pt")
    return results


def parse_args(argv: Sequence[str] | None = None) -> tuple[Config, Path, Path | None]:
    """Command line -> ``(config, out folder, misread figure path)``."""
    d = Config()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--steps", type=int, default=d.steps, help="training steps (%(default)s)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="(%(default)s)")
    p.add_argument(
        "--augment",
        default="medium",
        help="preset for the training images: none, light, medium (default), heavy",
    )
    p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (%(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="model and stream seed")
    p.add_argument("--split-seed", type=int, default=d.split_seed, help="glyph split seed")
    p.add_argument("--eval-size", type=int, default=d.eval_size, help="images per eval set")
    p.add_argument("--eval-seed", type=int, default=d.eval_seed, help="eval set seed")
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
        eval_size=args.eval_size,
        eval_seed=args.eval_seed,
        full=args.full,
        data_dir=args.data_dir,
        max_minutes=args.max_minutes,
        threads=args.threads,
        log_every=args.log_every,
    )
    return config, args.out, args.figure


def main(argv: Sequence[str] | None = None) -> int:
    config, out, figure = parse_args(argv)
    run(config, out, figure, log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
