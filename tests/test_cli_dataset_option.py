"""``--dataset NAME|PATH`` on every command that draws digits, and ``number-generator datasets``.

The fake set's glyphs are solid bars of pure white ink on black: an image drawn
from it (no augmentation, stored height) holds only the values 0 and 255, which
no image drawn from MNIST (anti-aliased grey edges) does.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from number_generator import load_npz
from number_generator.cli import generate_numbers_sequence_main, generate_phone_numbers_main, main
from number_generator.preview import contact_sheet
from test_cli import run
from test_service_deploy import free_port, request, running

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def bars_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``.npz`` of 50 glyphs per class, each a solid 255 bar (8 px wide, 12 px tall)."""
    images = np.zeros((500, 28, 28), np.uint8)
    images[:, 8:20, 10:18] = 255
    path = tmp_path_factory.mktemp("bars") / "bars.npz"
    np.savez(path, x_train=images, y_train=np.arange(500) % 10)
    return path


def read_gray(path: Path) -> npt.NDArray[np.uint8]:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    return np.asarray(image)


def only_bars(image: npt.NDArray[np.uint8]) -> bool:
    """Every pixel is pure paper or pure ink, and there is ink."""
    values = set(np.unique(image).tolist())
    return values == {0, 255}


def test_sequence_commands_draw_from_the_named_file(
    bars_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for entry, argv in (
        (main, ["sequence", "0123"]),
        (generate_numbers_sequence_main, ["0123"]),
    ):
        out_dir = tmp_path / entry.__name__
        argv = [*argv, "--dataset", str(bars_npz), "-o", str(out_dir), "--seed", "1"]
        code, _, err = run(entry, argv, capsys)
        assert (code, err) == (0, "")
        image = read_gray(out_dir / "0123.png")
        assert only_bars(image)
        # Four 8-px bars and the gaps between them.
        assert (image == 0).any(axis=0).sum() == 4 * 8
    # The default (MNIST) draws grey edges: the option really switched the source.
    argv = ["sequence", "0123", "-o", str(tmp_path / "mnist"), "--seed", "1"]
    code, _, _ = run(main, argv, capsys)
    assert code == 0 and not only_bars(read_gray(tmp_path / "mnist" / "0123.png"))


def test_phone_commands_draw_from_the_named_file(
    bars_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for entry, argv in ((main, ["phone"]), (generate_phone_numbers_main, [])):
        out_dir = tmp_path / entry.__name__
        code, _, err = run(
            entry,
            [*argv, "--num-images", "3", "--dataset", str(bars_npz), "-o", str(out_dir)],
            capsys,
        )
        assert (code, err) == (0, "")
        with (out_dir / "labels.csv").open() as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 3
        for png in out_dir.glob("*.png"):
            assert only_bars(read_gray(png))


def test_dataset_export_records_and_draws_the_named_file(
    bars_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    argv = ["dataset", "--dataset", str(bars_npz), "--count", "6", "--workers", "2",
            "--shard-size", "3", "--out", str(out), "--seed", "0"]  # fmt: skip
    code, _, err = run(main, argv, capsys)
    assert (code, err) == (0, "")
    manifest = json.loads((out / "dataset.json").read_text())
    assert (manifest["dataset"]["name"], manifest["dataset"]["glyphs"]) == ("bars", 500)
    pngs = sorted(out.glob("shard-*/*.png"))
    assert len(pngs) == 6
    assert all(only_bars(read_gray(png)) for png in pngs)


def test_preview_draws_the_named_file(
    bars_npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sheet.png"
    argv = ["preview", "--rows", "light", "--samples", "2", "--dataset", str(bars_npz),
            "-o", str(target)]  # fmt: skip
    code, _, err = run(main, argv, capsys)
    assert (code, err) == (0, "")
    expected = contact_sheet(["light"], samples=2, seed=0, dataset=load_npz(bars_npz))
    np.testing.assert_array_equal(read_gray(target), expected)
    mnist_sheet = contact_sheet(["light"], samples=2, seed=0)
    assert not np.array_equal(expected, mnist_sheet)


@pytest.mark.slow
def test_serve_serves_the_named_file(bars_npz: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [str(BIN / "number-generator"), "serve", "--port", str(port),
               "--dataset", str(bars_npz)]  # fmt: skip
    with running(command, port, tmp_path / "serve.log") as url:
        health = json.loads(request(url + "/health")[2])
        assert (health["dataset"]["name"], health["dataset"]["size"]) == ("bars", 500)
        status, _, body = request(url + "/generate.png?digits=0123")
        assert status == 200
        png = np.frombuffer(body, np.uint8)
        assert only_bars(cv2.imdecode(png, cv2.IMREAD_UNCHANGED))


def test_download_takes_a_registered_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(main, ["download", "--dataset", "MNIST", "--split", "test"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith("t10k-images-idx3-ubyte.gz  (verified)")


def test_datasets_lists_registered_sets_and_what_is_cached(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(main, ["datasets"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("mnist: ")))
    assert lines[start + 1 : start + 4] == [
        "  splits: train (default), test, all",
        f"  folder: {data_dir}",
        "  cached: test",
    ]
    code, out, _ = run(main, ["datasets", "--data-dir", str(tmp_path)], capsys)
    assert code == 0
    assert out.count("  cached: nothing yet") == out.count("  splits: ") >= 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sequence", "12", "--dataset", "nosuch"],
         "number-generator sequence: error: --dataset='nosuch': not a registered dataset"),
        (["sequence", "12", "--split", "dev"],
         "number-generator sequence: error: --split='dev': unknown split of mnist; "
         "expected one of 'train', 'test', 'all'"),
        (["download", "--dataset", "digits.npz"],
         "number-generator download: error: --dataset='digits.npz': not a registered dataset; "
         "expected one of 'mnist', 'emnist-digits', 'qmnist'"),
        (["phone", "--num-images", "2", "--dataset", "digits.npz", "--data-dir", "."],
         "number-generator phone: error: --data-dir is the folder of a registered dataset"),
    ],
)  # fmt: skip
def test_bad_data_flags_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = [] if argv[0] == "download" else ["-o", str(tmp_path / "out")]
    code, out, err = run(main, [*argv, *output], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_installed_spec_cli_takes_dataset(bars_npz: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "generate-numbers-sequence"), "42", "--dataset", str(bars_npz), "-o",
         str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert only_bars(read_gray(tmp_path / "42.png"))
