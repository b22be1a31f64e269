"""Punctuation and symbols: . , + ( ) : drawn beside the digits, in labels and boxes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from _helpers import run_cli
from number_generator import (
    ALPHABET,
    DigitDataset,
    InvalidParameterError,
    SequenceGenerator,
    batches,
    export_dataset,
    parse_template,
)
from number_generator._util.text import SEPARATORS
from number_generator.batches import BatchStream
from number_generator.compose.batch import compose_batch
from number_generator.compose.separators import BANK_SIZE, separator_bank
from number_generator.compose.symbols import SYMBOLS

TEMPLATES = ["#,###.##", "+81 ##-####-####", "(0#) ####-####", "##:##"]


def band(image: Any, text: str, at: int) -> tuple[int, int]:
    """Mean top and bottom (rounded down) of the digits nearest to character ``at``."""
    boxes = dict(zip([i for i, ch in enumerate(text) if ch != " "], image.glyph_boxes.tolist()))
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    beside = [
        max((i for i in digits if i < at), default=None),
        min((i for i in digits if i > at), default=None),
    ]
    tops = [boxes[i][1] for i in beside if i is not None]
    bottoms = [boxes[i][3] for i in beside if i is not None]
    return sum(tops) // len(tops), sum(bottoms) // len(bottoms)


def symbol_boxes(image: Any, text: str, char: str) -> list[tuple[int, list[int]]]:
    drawn = [i for i, ch in enumerate(text) if ch != " "]
    return [(i, box) for i, box in zip(drawn, image.glyph_boxes.tolist()) if text[i] == char]


def test_separators_list_is_the_one_list() -> None:
    assert set(SYMBOLS) <= set(SEPARATORS)
    assert ALPHABET == "0123456789" + SEPARATORS
    for char in SYMBOLS:
        bank = separator_bank(char, 28)
        assert len(bank) == BANK_SIZE
        assert len({glyph.tobytes() for glyph, _ in bank}) > BANK_SIZE // 2, "a bank of variants"


@pytest.mark.parametrize("char", [".", ","])
def test_dot_and_comma_sit_on_the_digits_baseline(generator: SequenceGenerator, char: str) -> None:
    text = f"1{char}234{char}56"
    for seed in range(40):
        image = generator.render(text, (1, 4), 300, seed=seed)
        for at, (x0, y0, x1, y1) in symbol_boxes(image, text, char):
            top, bottom = band(image, text, at)
            if char == ".":
                assert y1 == bottom, (seed, at)  # its bottom row is the digits' bottom row
                assert y0 > (top + bottom) / 2  # low, not a dash
                assert y1 - y0 <= 6 and x1 - x0 <= 7, "a pen dot, not a blob"
            else:  # head on the baseline, tail below it
                assert y0 < bottom < y1, (seed, at)
                assert y0 > (top + bottom) / 2
            assert image.ink[y0:y1, x0:x1].any()


def test_parentheses_span_the_digits(generator: SequenceGenerator) -> None:
    text = "(03) 1234-5678"
    for seed in range(40):
        image = generator.render(text, (1, 4), 400, seed=seed)
        for char in "()":
            ((at, (_, y0, _, y1)),) = symbol_boxes(image, text, char)
            top, bottom = band(image, text, at)
            assert y0 <= top and y1 >= bottom, (seed, char, (y0, y1), (top, bottom))
            assert y1 - y0 >= 20


@pytest.mark.parametrize("char", ["+", ":"])
def test_plus_and_colon_are_centred_on_the_digits(generator: SequenceGenerator, char: str) -> None:
    text = f"12{char}30"
    for seed in range(40):
        image = generator.render(text, (1, 4), 200, seed=seed)
        ((at, (_, y0, _, y1)),) = symbol_boxes(image, text, char)
        top, bottom = band(image, text, at)
        assert abs((y0 + y1) - (top + bottom)) <= 2, (seed, (y0, y1), (top, bottom))
        assert y1 - y0 < bottom - top


def test_symbols_look_like_their_character(generator: SequenceGenerator) -> None:
    """A colon is two blobs one above the other; a plus has ink across its middle row and column."""
    image = generator.render("12:30+4", (2, 2), 200, seed=1)
    ((_, (x0, y0, x1, y1)),) = symbol_boxes(image, "12:30+4", ":")
    colon_rows = (image.ink[y0:y1, x0:x1].max(axis=1) > 40).astype(int)
    assert np.count_nonzero(np.diff(colon_rows) == 1) + colon_rows[0] == 2, (
        "two dots, paper between"
    )
    ((_, (x0, y0, x1, y1)),) = symbol_boxes(image, "12:30+4", "+")
    plus = image.ink[y0:y1, x0:x1] > 40
    across, down = plus.sum(axis=1), plus.sum(axis=0)
    assert across.max() >= 0.7 * plus.shape[1], "a bar across"
    assert down.max() >= 0.6 * plus.shape[0], "a bar down"
    assert across[0] < 0.5 * plus.shape[1] and across[-1] < 0.5 * plus.shape[1], "not a box"


@pytest.mark.parametrize("template", TEMPLATES)
def test_templates_draw_and_label_their_strings(mnist_test: DigitDataset, template: str) -> None:
    parsed = parse_template(template)
    shape = re.compile("^" + re.escape(template).replace("\\#", "#").replace("#", "[0-9]") + "$")
    for keep in (False, True):
        batch = next(
            batches(16, template, seed=3, keep_separators=keep, image_width=400, dataset=mnist_test)
        )
        for i, label in enumerate(batch.labels):
            drawn = label if keep else None
            if keep:
                assert shape.match(label), label
                decoded = "".join(ALPHABET[c] for c in batch.targets[i, : batch.target_lengths[i]])
                assert decoded == label
                # One box per character but spaces, each on ink.
                for char, box in zip(label, batch.boxes[i].tolist()):
                    assert (box == [-1] * 4) == (char == " ")
            else:
                assert label.isdigit() and len(label) == parsed.max_label_length(False)
            assert drawn is None or len(drawn) == len(template)
            paper = batch.images[i]
            for x0, y0, x1, y1 in batch.boxes[i].tolist():
                if x0 >= 0:
                    assert (paper[y0:y1, x0:x1] < 0.9).any()


def test_batches_with_symbols_match_the_per_image_composer(mnist_test: DigitDataset) -> None:
    """Strings with symbols leave the vectorized path; what they draw is the composer's."""
    strings = ["12-34", "1,234.5", "(0) 12"]
    stream = BatchStream(32, strings, seed=2, image_width=200, dataset=mnist_test)
    batch = stream.next_batch()
    # The same draws by hand: plain strings composed at once, then the others one by one.
    rng = np.random.default_rng(2)
    texts = stream.template.sample(rng, 32)
    plain = [i for i, text in enumerate(texts) if text == "12-34"]
    assert 0 < len(plain) < 32
    composed = compose_batch(mnist_test, [texts[i] for i in plain], (2, 8), 200, rng)
    generator = SequenceGenerator(mnist_test)
    for k, i in enumerate(plain):
        np.testing.assert_array_equal(batch.images[i] * 255, composed.paper[k])
    for i in sorted(set(range(32)) - set(plain)):
        image = generator.draw(texts[i], stream.options, None, rng)
        np.testing.assert_array_equal(batch.images[i], image.image)
        np.testing.assert_array_equal(batch.boxes[i, : len(image.boxes)], image.boxes)
    assert batch.labels == [text.translate(str.maketrans("", "", "-,.() ")) for text in texts]


def test_glyph_boxes_cover_every_symbol(generator: SequenceGenerator) -> None:
    text = "+81 (90) 1,234.56:7"
    image = generator.render(text, (2, 6), 500, seed=9)
    assert image.text == text and image.label == "81901234567"
    assert image.glyph_boxes.shape == (len(text.replace(" ", "")), 4)
    assert image.boxes.shape == (11, 4)
    for x0, y0, x1, y1 in image.glyph_boxes.tolist():
        assert image.ink[y0:y1, x0:x1].any()


def test_export_keeps_symbols_in_labels(mnist_test: DigitDataset, tmp_path: Path) -> None:
    for keep in (False, True):
        out = tmp_path / str(keep)
        export_dataset(
            out, 6, "##:##", seed=1, workers=1, progress=False, dataset=mnist_test,
            keep_separators=keep, format="png", image_width=120,
        )  # fmt: skip
        labels = [line.split(",")[-1] for line in (out / "labels.csv").read_text().split()[1:]]
        assert len(labels) == 6
        assert all(re.fullmatch(r"\d\d:\d\d" if keep else r"\d{4}", label) for label in labels)
        assert json.loads((out / "dataset.json").read_text())["keep_separators"] is keep


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: g.render("12*30"), r"digits='12\*30': '\*' is neither a digit nor a separator"),
        (lambda g: g.render("$1,234"), r"'\$' is neither a digit nor a separator; allowed: 0-9"),
        (lambda g: parse_template("##*##"), r"template='##\*##': '\*' is not allowed in a pattern"),
        (lambda g: parse_template(["1,2", "1;2"]), r"template: item 2: '1;2' holds ';'"),
        (lambda g: next(batches(2, "#=#")), r"'=' is not allowed in a pattern"),
    ],
    ids=["render", "render-dollar", "pattern", "list", "batches"],
)
def test_symbols_not_allowed_are_clear_errors(
    generator: SequenceGenerator, call: Any, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message) as caught:
        call(generator)
    assert "'.', ',', '+', '(', ')', ':'" in str(caught.value)


# --------------------------------------------------------------------------- CLI and service


def test_cli_draws_and_exports_symbols(
    mnist_test: DigitDataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cv2

    code, out, err = run_cli(
        ["sequence", "(03) 1,234.5", "-w", "200", "--seed", "4", "--output-path", str(tmp_path)],
        capsys,
    )
    assert (code, err) == (0, "")
    assert out.strip() == str(tmp_path / "0312345.png")
    expected = SequenceGenerator(mnist_test).render("(03) 1,234.5", (2, 8), 200, seed=4)
    written = cv2.imread(str(tmp_path / "0312345.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, expected.paper)
    folder = tmp_path / "set"
    code, _, err = run_cli(
        ["dataset", "--out", str(folder), "--count", "4", "--template", "+81 ##-####-####",
         "--keep-separators", "--workers", "1", "--seed", "1"],
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    labels = [row.rsplit(",", 1)[-1] for row in (folder / "labels.csv").read_text().splitlines()]
    assert all(re.fullmatch(r"\+81 \d\d-\d{4}-\d{4}", label) for label in labels[1:]), labels


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sequence", "12*30"], "SEQUENCE='12*30': '*' is neither a digit nor a separator"),
        (["dataset", "--out", "o", "--count", "1", "--template", "##=##"], "'=' is not allowed"),
    ],
    ids=["sequence", "dataset-template"],
)
def test_cli_refuses_other_symbols_with_one_line(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(argv, capsys)
    assert (code, out) == (2, "")
    assert message in err and "'.', ',', '+', '(', ')', ':'" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_service_draws_symbols_as_the_library(mnist_test: DigitDataset) -> None:
    from fastapi.testclient import TestClient

    from number_generator.service import Settings, create_app

    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    text = "+81 (90) 1,234.5:6"
    expected = SequenceGenerator(mnist_test).render(text, (2, 8), 400, seed=6)
    with TestClient(app) as client:
        body = client.post("/generate", json={"digits": text, "image_width": 400, "seed": 6}).json()
        assert (body["number"], body["digits"]) == (text, expected.label)
        np.testing.assert_array_equal(
            np.asarray(body["generatedImage"], np.float32), expected.image
        )
        answer = client.post("/generate", json={"digits": "1,234$", "image_width": 100})
        assert answer.status_code == 422
        (item,) = answer.json()["detail"]
        assert item["loc"] == ["body", "digits"]
        assert item["msg"].startswith("digits='1,234$': '$' is neither a digit nor a separator")
        assert "'.', ',', '+', '(', ')', ':'" in item["msg"]
