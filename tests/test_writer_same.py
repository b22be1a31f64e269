"""writer="same": every digit of a string from one writer's hand, on every surface."""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from _helpers import require, tiny_glyphs
from number_generator import (
    DigitDataset,
    SequenceGenerator,
    batches,
    export_dataset,
    generate_numbers_sequence,
    generate_phone_numbers,
    load_mnist,
)
from number_generator.batches import BatchStream
from number_generator.cli import main
from number_generator.datasets import MNIST
from number_generator.errors import InvalidParameterError
from number_generator.preview import contact_sheet
from number_generator.service import Settings, create_app

WRITERS_FILE = MNIST.writers_resources["test"].file_name


def full_writers(dataset: DigitDataset) -> set[int]:
    """The writers who wrote all ten classes."""
    return {
        int(w)
        for w in np.unique(dataset.writers)
        if np.unique(dataset.labels[dataset.writers == w]).size == 10
    }


@pytest.fixture(scope="module")
def no_writers(mnist_test: DigitDataset) -> DigitDataset:
    """The MNIST test glyphs with every writer unknown."""
    return DigitDataset(mnist_test.images, mnist_test.labels, name="anon")


# --------------------------------------------------------------------------- render


def test_every_digit_of_a_same_writer_string_has_one_writer(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test, seed=0)
    seen = set()
    for _ in range(40):
        image = generator.render("0123456789", (2, 8), 300, writer="same")
        assert image.writers.dtype == np.int32
        assert image.writers.tolist() == mnist_test.writers[image.indices].tolist()
        assert len(set(image.writers.tolist())) == 1
        assert mnist_test.labels[image.indices].tolist() == list(range(10))
        seen.add(int(image.writers[0]))
    # Drawn among the writers who wrote all ten classes, and not always the same one.
    assert seen <= full_writers(mnist_test)
    assert len(seen) > 20


def test_any_writer_mixes_writers(mnist_test: DigitDataset) -> None:
    image = SequenceGenerator(mnist_test, seed=0).render("0123456789", (2, 8), 300)
    assert len(set(image.writers.tolist())) > 5
    assert image.writers.tolist() == mnist_test.writers[image.indices].tolist()


def test_strokes_have_no_writer(mnist_test: DigitDataset) -> None:
    image = SequenceGenerator(mnist_test, seed=3).render("090-12/34", (2, 8), None, writer="same")
    writers = image.writers.tolist()
    assert len(writers) == len(image.glyph_boxes) == 9  # 7 digits and 2 strokes
    assert writers[3] == writers[6] == -1
    digits = [w for w in writers if w != -1]
    assert len(set(digits)) == 1 and image.digit_writers.tolist() == digits


def test_same_seed_same_writer_and_pixels(mnist_test: DigitDataset) -> None:
    first = SequenceGenerator(mnist_test).render("5551234", seed=11, writer="same")
    second = SequenceGenerator(mnist_test).render("5551234", seed=11, writer="same")
    np.testing.assert_array_equal(first.ink, second.ink)
    assert first.writers.tolist() == second.writers.tolist()


def test_no_single_writer_covers_the_string_uses_the_fewest_writers() -> None:
    images, _ = tiny_glyphs(40)
    labels = np.arange(40) % 10
    # Writer 1 wrote 0-4, writer 2 wrote 5-9, writer 3 only 0, 4 and 9: nobody wrote all
    # of "0459"; two writers do, as {1, 2} or {3, 2}.
    writers = np.where(labels < 5, 1, 2)
    writers[30:40] = np.where(np.isin(labels[30:40], (0, 4, 9)), 3, writers[30:40])
    dataset = DigitDataset(images, labels, writers=writers)
    generator = SequenceGenerator(dataset, seed=0)
    used = set()
    for _ in range(40):
        image = generator.render("0459", (2, 8), writer="same")
        hands = image.writers.tolist()
        assert len(set(hands)) == 2, hands
        for digit, hand in zip((0, 4, 5, 9), hands):
            assert digit in labels[writers == hand]
        used.add(tuple(hands))
    assert len(used) > 1 and {hand for hands in used for hand in hands} == {1, 2, 3}
    batch = next(batches(16, "0459", seed=1, dataset=dataset, writer="same", n=1))  # vectorized
    assert all(len(set(row.tolist())) == 2 for row in batch.writers)


def test_same_writer_without_writer_ids_is_a_clear_error(no_writers: DigitDataset) -> None:
    with pytest.raises(
        InvalidParameterError,
        match=re.escape(
            "writer='same': the dataset 'anon' has no writer ids, so digits cannot be drawn "
            "from one writer (writer='any' can). Give the writer of each glyph as "
            "DigitDataset(..., writers=...)."
        ),
    ) as info:
        SequenceGenerator(no_writers).render("12", writer="same")
    assert (info.value.param, info.value.value) == ("writer", "same")


def test_mnist_without_its_writers_file_says_how_to_get_it(
    tmp_path: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).symlink_to(mnist_dir / name)
    dataset = load_mnist("test", tmp_path)
    with pytest.raises(InvalidParameterError) as info:
        generate_numbers_sequence("42", dataset=dataset, writer="same")
    message = str(info.value)
    assert message.startswith("writer='same': the dataset 'mnist' (test split) has no writer ids")
    assert f"come from {WRITERS_FILE} in {tmp_path}, and it is not there" in message
    assert f"run `number-generator download --split test --data-dir {tmp_path}`" in message


@pytest.mark.parametrize("writer", ["one", "", None, 1, "SAME"], ids=repr)
def test_bad_writer_value_is_refused_naming_it(mnist_test: DigitDataset, writer: Any) -> None:
    expected = f"writer={writer!r}: expected one of 'any', 'same'"
    with pytest.raises(InvalidParameterError, match=re.escape(expected)) as info:
        SequenceGenerator(mnist_test).render("12", writer=writer)
    assert info.value.param == "writer"
    with pytest.raises(InvalidParameterError, match=re.escape(expected)):
        generate_numbers_sequence("12", dataset=mnist_test, writer=writer)
    with pytest.raises(InvalidParameterError, match=re.escape(expected)):
        next(batches(2, "12", dataset=mnist_test, writer=writer))


# --------------------------------------------------------------------------- module functions


def test_module_function_and_phone_numbers(mnist_test: DigitDataset, tmp_path: Path) -> None:
    any_image = generate_numbers_sequence("4242", seed=1, dataset=mnist_test)
    default = generate_numbers_sequence("4242", seed=1, dataset=mnist_test, writer="any")
    np.testing.assert_array_equal(any_image, default)
    same = generate_numbers_sequence("4242", seed=1, dataset=mnist_test, writer="same")
    expected = SequenceGenerator(mnist_test).render("4242", seed=1, writer="same")
    np.testing.assert_array_equal(same, expected.image)

    written = generate_phone_numbers(3, 200, tmp_path, seed=2, dataset=mnist_test, writer="same")
    assert len(written) == 3 and all(path.is_file() for _, path in written)
    with pytest.raises(InvalidParameterError, match="writer='x'"):
        generate_phone_numbers(1, 200, tmp_path / "x", dataset=mnist_test, writer="x")


# --------------------------------------------------------------------------- batches, torch


@pytest.mark.parametrize(
    ("options", "vectorized"),
    [({}, True), ({"augment": "light"}, False), ({"image_width": 60}, True)],
    ids=["vectorized", "one-by-one", "too-wide-drawn-scaled"],
)
def test_batches_draw_each_string_from_one_writer(
    mnist_test: DigitDataset, options: dict[str, Any], vectorized: bool
) -> None:
    stream = BatchStream(
        32, "0##-####", seed=5, dataset=mnist_test, writer="same", keep_separators=True, **options
    )
    assert stream._vectorized is vectorized
    batch = stream.next_batch()
    assert batch.writers.shape == (32, 8) and batch.writers.dtype == np.int32
    for row, label in zip(batch.writers, batch.labels):
        digits = [int(w) for w, char in zip(row, label) if char.isdigit()]
        assert len(set(digits)) == 1 and digits[0] >= 0
        assert row[3] == -1  # the "-"
    assert len({int(row[0]) for row in batch.writers}) > 10


def test_batches_any_writer_reports_writers_without_changing_images(
    mnist_test: DigitDataset,
) -> None:
    batch = next(batches(16, "random:3-6", seed=4, dataset=mnist_test, n=1))
    lengths = batch.target_lengths.tolist()
    for row, length in zip(batch.writers, lengths):
        assert (row[:length] >= 0).all() and (row[length:] == -1).all()


def test_torch_items_carry_writers(mnist_test: DigitDataset) -> None:
    require("torch")
    from number_generator.torch import DigitSequenceDataset

    data = DigitSequenceDataset("#####", length=4, seed=0, dataset=mnist_test, writer="same")
    for item in data:
        writers = item["writers"].tolist()
        assert len(set(writers)) == 1 and writers[0] >= 0
    with pytest.raises(InvalidParameterError, match="writer='all'"):
        DigitSequenceDataset("#####", dataset=mnist_test, writer="all")


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("format", ["png", "webdataset", "npz"])
def test_export_records_each_characters_writer(
    mnist_test: DigitDataset, tmp_path: Path, format: str
) -> None:
    out = tmp_path / format
    export_dataset(
        out, 12, "0##-###", format=format, seed=3, shard_size=6, workers=1, progress=False,
        dataset=mnist_test, writer="same", keep_separators=True, image_width=160,
    )  # fmt: skip
    records = _records(out, format)
    assert len(records) == 12
    for label, writers in records:
        assert len(writers) == len(label) == 7
        assert writers[3] == -1
        digits = {w for w, char in zip(writers, label) if char.isdigit()}
        assert len(digits) == 1 and digits.pop() in set(mnist_test.writers.tolist())
    assert json.loads((out / "dataset.json").read_text())["writer"] == "same"


def _records(out: Path, format: str) -> list[tuple[str, list[int]]]:
    if format == "png":
        lines = (out / "metadata.jsonl").read_text().splitlines()
        return [(r["label"], r["writers"]) for r in map(json.loads, lines)]
    if format == "npz":
        with np.load(out / "dataset.npz") as data:
            return [
                (str(label), row.tolist()) for label, row in zip(data["labels"], data["writers"])
            ]
    records = []
    for tar_path in sorted(out.glob("*.tar")):
        with tarfile.open(tar_path) as tar:
            for member in sorted(tar.getnames()):
                if member.endswith(".json"):
                    meta = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
                    records.append((meta["label"], meta["writers"]))
    return records


def test_export_with_any_writer_has_no_writers_field(
    mnist_test: DigitDataset, tmp_path: Path
) -> None:
    export_dataset(tmp_path / "o", 4, "###", seed=1, workers=1, progress=False, dataset=mnist_test)
    record = json.loads((tmp_path / "o" / "metadata.jsonl").read_text().splitlines()[0])
    assert set(record) == {"file_name", "label", "boxes"}
    assert "writer" not in json.loads((tmp_path / "o" / "dataset.json").read_text())


def test_export_same_writer_without_writers_fails_before_writing(
    no_writers: DigitDataset, tmp_path: Path
) -> None:
    with pytest.raises(InvalidParameterError, match="writer='same': the dataset 'anon'"):
        export_dataset(tmp_path / "o", 4, "###", workers=1, dataset=no_writers, writer="same")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_contact_sheet_same_writer(mnist_test: DigitDataset) -> None:
    sheet = contact_sheet(["none"], digits="42", samples=2, dataset=mnist_test, writer="same")
    assert sheet.dtype == np.uint8
    with pytest.raises(InvalidParameterError, match="writer='no'"):
        contact_sheet(["none"], digits="42", dataset=mnist_test, writer="no")


# --------------------------------------------------------------------------- CLI


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "command",
    [
        ["sequence", "4242", "--image-width", "120"],
        ["phone", "--num-images", "2", "--image-width", "200"],
        ["preview", "--digits", "42", "--samples", "1"],
        ["dataset", "--count", "3", "--template", "###", "--workers", "1"],
    ],
    ids=lambda c: c[0],
)
def test_cli_writer_flag(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_flag = ["--out", str(tmp_path / "out")] if command[0] == "dataset" else []
    out_flag = out_flag or ["--output-path", str(tmp_path / "out")]
    code, out, err = _run([*command, *out_flag, "--seed", "1", "--writer", "same"], capsys)
    assert (code, err) == (0, ""), err
    assert any((tmp_path / "out").iterdir())

    code, out, err = _run([*command, *out_flag, "--writer", "each"], capsys)
    assert code == 2 and out == ""
    assert "argument --writer: invalid choice: 'each'" in err
    assert err.count("\n") == 1


def test_cli_same_writer_without_the_writers_file_is_one_line(
    tmp_path: Path, mnist_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (data / name).symlink_to(mnist_dir / name)
    argv = ["sequence", "42", "--data-dir", str(data), "--output-path", str(tmp_path / "o")]
    code, out, err = _run([*argv, "--writer", "same"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("number-generator sequence: error: --writer='same': the dataset")
    assert "number-generator download --split test" in err
    assert err.count("\n") == 1


def test_download_cli_names_the_writers_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["download", "--split", "test", "--data-dir", str(data_dir)], capsys)
    assert (code, err) == (0, "")
    assert f"{data_dir / WRITERS_FILE}  (verified)" in out.splitlines()


# --------------------------------------------------------------------------- service


@pytest.fixture(scope="module")
def client(mnist_test: DigitDataset) -> Iterator[TestClient]:
    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    with TestClient(app) as test_client:
        yield test_client


def test_service_same_writer(client: TestClient, mnist_test: DigitDataset) -> None:
    body = {"digits": "090-1234", "image_width": 200, "seed": 4, "writer": "same"}
    answer = client.post("/generate", json=body).json()
    assert answer["writer"] == "same"
    writers = answer["writers"]
    assert len(writers) == 8 and writers[3] == -1
    assert len({w for w in writers if w != -1}) == 1
    expected = SequenceGenerator(mnist_test).render("090-1234", (2, 8), 200, seed=4, writer="same")
    np.testing.assert_array_equal(np.asarray(answer["generatedImage"], np.float32), expected.image)

    default = client.post("/generate", json={"digits": "12", "seed": 4}).json()
    assert default["writer"] == "any" and len(default["writers"]) == 2

    png = client.get("/generate.png", params={"digits": "1234", "seed": 4, "writer": "same"})
    assert png.status_code == 200
    ids = png.headers["X-Writers"].split(",")
    assert len(ids) == 4 and len(set(ids)) == 1


@pytest.mark.parametrize("value", ["one", 1, None, ["same"]], ids=repr)
def test_service_bad_writer_is_422(client: TestClient, value: Any) -> None:
    response = client.post("/generate", json={"digits": "12", "writer": value})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [item["loc"] for item in detail] == [["body", "writer"]]
    assert detail[0]["msg"].startswith("writer=")
    assert detail[0]["msg"].endswith("expected one of 'any', 'same'")
    query = client.get("/generate.png", params={"digits": "12", "writer": "one"})
    assert query.status_code == 422
    assert query.json()["detail"][0]["loc"] == ["query", "writer"]


def test_service_same_writer_without_writer_ids_is_422(no_writers: DigitDataset) -> None:
    app = create_app(Settings(), generator=SequenceGenerator(no_writers))
    with TestClient(app) as client:
        response = client.post("/generate", json={"digits": "12", "writer": "same"})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert detail[0]["loc"] == ["body", "writer"]
        assert "has no writer ids" in detail[0]["msg"]
        assert client.post("/generate", json={"digits": "12"}).status_code == 200


def test_spec_clis_take_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from number_generator.cli import generate_numbers_sequence_main, generate_phone_numbers_main

    code = generate_numbers_sequence_main(
        ["4242", "--output-path", str(tmp_path), "--writer", "same", "--seed", "1"]
    )
    assert code == 0 and (tmp_path / "4242.png").is_file()
    argv = ["--num-images", "2", "--image-width", "200", "--output-path", str(tmp_path / "p")]
    assert generate_phone_numbers_main([*argv, "--writer", "same"]) == 0
    assert len(list((tmp_path / "p").glob("*.png"))) == 2
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        generate_phone_numbers_main([*argv, "--writer", "nobody"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --writer: invalid choice: 'nobody'" in err and err.count("\n") == 1
