"""The command-line tools: outputs, the seeds' flag spellings, exit codes and messages."""

from __future__ import annotations

import csv
import errno
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from number_generator import __version__, generate_numbers_sequence
from number_generator.cli import generate_numbers_sequence_main, generate_phone_numbers_main, main
from number_generator.export.formats import png as png_format

BIN = Path(sys.executable).parent


def run(entry: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = entry(argv)  # type: ignore[operator]
    except SystemExit as exc:  # argparse's own exits (--help, --version, usage errors)
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sequence_writes_png_named_after_the_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        generate_numbers_sequence_main,
        [
            "0901234567",
            "--min-spacing",
            "2",
            "--max-spacing",
            "6",
            "--image-width",
            "300",
            "--output-path",
            str(tmp_path),
            "--seed",
            "1",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    target = tmp_path / "0901234567.png"
    assert out.strip() == str(target)
    image = cv2.imread(str(target), cv2.IMREAD_UNCHANGED)
    assert image.shape == (28, 300) and image.dtype == np.uint8


def test_sequence_defaults_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(generate_numbers_sequence_main, ["42"], capsys)
    assert code == 0 and (tmp_path / "42.png").is_file()


def test_same_seed_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        args = [
            "sequence",
            "31415",
            "--seed",
            "7",
            "--image-width",
            "150",
            "--output-path",
            str(tmp_path / name / "x.png"),
        ]
        assert run(main, args, capsys)[0] == 0
    assert (tmp_path / "a" / "x.png").read_bytes() == (tmp_path / "b" / "x.png").read_bytes()


def test_phone_writes_images_and_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        generate_phone_numbers_main,
        [
            "--num-images",
            "6",
            "--min-spacing",
            "1",
            "--max-spacing",
            "4",
            "--image-width",
            "220",
            "--output-path",
            str(tmp_path),
            "--format",
            "landline",
            "--image-height",
            "32",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert "wrote 6 images" in out
    with (tmp_path / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and all(len(r["label"]) == 10 for r in rows)
    first = cv2.imread(str(tmp_path / rows[0]["file_name"]), cv2.IMREAD_UNCHANGED)
    assert first.shape == (32, 220)


def test_seed_000_flag_spellings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = str(tmp_path / "outputs")
    assert (
        run(
            main,
            ["sequence", "--image_width", "150", "--output_dir", out_dir, "--digits", "78677"],
            capsys,
        )[0]
        == 0
    )
    assert (
        run(
            main,
            ["phone", "--num_images", "3", "--image_width", "150", "--output_dir", out_dir],
            capsys,
        )[0]
        == 0
    )
    names = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert "78677.png" in names and "labels.csv" in names and len(names) == 5


def test_seed_004_flag_spellings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "sequence",
        "-n",
        "42",
        "-a",
        "0",
        "-smin",
        "5",
        "-smax",
        "10",
        "-w",
        "56",
        "-o",
        str(tmp_path),
    ]
    assert run(main, args, capsys)[0] == 0
    assert cv2.imread(str(tmp_path / "42.png"), cv2.IMREAD_GRAYSCALE).shape == (28, 56)


@pytest.mark.parametrize("flag", ["-n", "--number", "--digits"])
@pytest.mark.parametrize(
    ("entry", "prefix"),
    [
        (generate_phone_numbers_main, ["generate-phone-numbers"]),
        (main, ["number-generator", "phone"]),
    ],
    ids=["generate-phone-numbers", "phone"],
)
def test_digits_flags_in_phone_commands_point_to_num_images(
    entry: object,
    prefix: list[str],
    flag: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``-n`` is seed 004's ``--number`` (the digits) everywhere; phone commands refuse it."""
    monkeypatch.chdir(tmp_path)
    argv = ([] if entry is generate_phone_numbers_main else ["phone"]) + ["--num-images", "3"]
    code, out, err = run(entry, [*argv, flag, "5"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"{' '.join(prefix)}: error: {flag} gives the digits of one image "
        "(generate-numbers-sequence, number-generator sequence); phone numbers are drawn at "
        "random: say how many with --num-images N (see --help)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["090-1234"], "0901234"),
        (["--digits", "09/12 34"], "091234"),
        (["-n", "12-34-5"], "12345"),
    ],
    ids=["dash", "slash-space", "seed-004-n"],
)
def test_sequence_with_separators_draws_them_and_names_the_file_by_digits(
    argv: list[str], name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI takes what the API takes: separators are drawn, the file is ``<digits>.png``."""
    options = ["--seed", "3", "--image-width", "200", "--output-path", str(tmp_path)]
    code, out, err = run(generate_numbers_sequence_main, [*argv, *options], capsys)
    assert (code, err) == (0, "")
    target = tmp_path / f"{name}.png"
    assert out == f"{target}\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    expected = generate_numbers_sequence(argv[-1], (2, 8), 200, seed=3, output_path=tmp_path / "x")
    assert (tmp_path / "x" / target.name).read_bytes() == target.read_bytes()
    assert not np.array_equal(expected, generate_numbers_sequence(name, (2, 8), 200, seed=3))


def test_download_verifies_present_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(main, ["download", "--split", "test"], capsys)
    assert code == 0
    assert "t10k-images-idx3-ubyte.gz" in out and "(verified)" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(main, ["--version"], capsys)
    assert code == 0 and out.strip() == f"number-generator {__version__}"


BAD = [
    (["sequence", "4a2"], "SEQUENCE='4a2': 'a' is neither a digit nor a separator"),
    (["sequence", "--digits", "4*2"], "--digits='4*2': '*' is neither a digit nor a separator"),
    (["sequence", ""], "SEQUENCE='': holds no digit"),
    (["sequence", "--", "- -"], "SEQUENCE='- -': holds no digit"),
    (["sequence"], "the following arguments are required: SEQUENCE"),
    (["sequence", "12", "--digits", "34"], "either as SEQUENCE or with --digits"),
    (
        ["sequence", "12", "--min-spacing", "5", "--max-spacing", "2"],
        "--min-spacing 5 is greater than --max-spacing 2",
    ),
    (["sequence", "12", "--min-spacing", "-20"], "would hide whole digits"),
    (["sequence", "12", "--image-width", "0"], "0 is not in the range 1..16384"),
    (["sequence", "12", "--image-width", "abc"], "'abc' is not an integer"),
    (["sequence", "12", "--image-width", "99999"], "99999 is not in the range"),
    (["sequence", "12", "--image-height", "2"], "2 is not in the range 8..1024"),
    (["sequence", "12", "--fit", "squash"], "invalid choice: 'squash'"),
    (["sequence", "12", "--split", "dev"], "--split='dev': unknown split of mnist"),
    (["sequence", "12", "--seed", "-4"], "-4 is not in the range"),
    (["sequence", "12", "--augment", "wobbly"], "--augment='wobbly': unknown preset"),
    (["phone"], "the following arguments are required: --num-images"),
    (["phone", "--num-images", "0"], "0 is not in the range"),
    (
        ["phone", "--num-images", "2000000", "--format", "toll_free"],
        "--num-images=2000000: the 'toll_free' format has only 1,000,000 distinct numbers",
    ),
    (["phone", "--num-images", "2", "--format", "cell"], "invalid choice: 'cell'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) or "none" for a, _ in BAD])
def test_bad_input_exits_2_with_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(main, argv, capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "nothing written on failure"


def test_output_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(main, ["phone", "--num-images", "2", "--output-path", str(blocker)], capsys)
    assert code == 2 and "--output-path=" in err and "is not a folder" in err
    code, _, err = run(main, ["sequence", "12", "--output-path", str(blocker / "x")], capsys)
    assert code == 2 and "cannot create the folder" in err


@pytest.mark.parametrize(
    "command",
    [
        ["generate-numbers-sequence", "2024", "--image-width", "120"],
        ["generate-phone-numbers", "--num-images", "2", "--image-width", "200"],
        ["number-generator", "sequence", "7", "--image-width", "40"],
        [sys.executable, "-m", "number_generator", "sequence", "8", "--image-width", "40"],
    ],
    ids=["generate-numbers-sequence", "generate-phone-numbers", "number-generator", "python-m"],
)
def test_installed_entry_points(command: list[str], tmp_path: Path) -> None:
    if not command[0].startswith(sys.executable):
        command = [str(BIN / command[0]), *command[1:]]
    env = dict(os.environ)
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_installed_entry_point_bad_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "generate-numbers-sequence"), "12x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "generate-numbers-sequence: error: SEQUENCE='12x': 'x' is neither a digit nor a "
        "separator; allowed: 0-9 and the separators '-', '/', ' ', '.', ',', '+', '(', ')', ':'\n"
    )


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sequence", "12", "--min-spacing", "5", "--max-spacing", "2"],
            "--min-spacing 5 is greater than --max-spacing 2 (see --help)",
        ),
        (["sequence", "12", "--augment", "wobbly"], "--augment='wobbly': unknown preset;"),
        (
            ["phone", "--num-images", "2000000", "--format", "toll_free"],
            "--num-images=2000000: the 'toll_free' format has only 1,000,000 distinct numbers",
        ),
        (
            ["dataset", "--out", "o", "--count", "101", "--template", "##", "--unique"],
            "--count=101:",
        ),
        (
            ["dataset", "--out", "o", "--count", "1", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler is only used with --executor dask (see --help)",
        ),
    ],
    ids=["sequence-usage", "sequence-library", "phone", "dataset-library", "dataset-usage"],
)
def test_subcommand_errors_name_the_subcommand(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(main, argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"number-generator {argv[0]}: error: {message}"), err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_dataset_summary_counts_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One image in one shard, and a resume that had nothing left to do used no worker."""
    out = tmp_path / "one"
    argv = ["dataset", "--count", "1", "--workers", "1", "--seed", "0", "--out", str(out)]
    code, printed, err = run(main, argv, capsys)
    assert (code, err) == (0, "")
    assert re.fullmatch(
        rf"wrote 1 image in 1 shard \(png\) to {re.escape(str(out))} in [\d.]+ s "
        r"\([\d,]+ images/s, 1 worker process\)\n",
        printed,
    ), printed
    code, printed, err = run(main, [*argv, "--resume"], capsys)
    assert (code, err) == (0, "")
    assert re.fullmatch(
        rf"wrote 0 images in 0 shards \(png\) to {re.escape(str(out))} in [\d.]+ s; "
        r"kept 1 complete shard from an earlier run\n",
        printed,
    ), printed


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A real 256 KiB tmpfs where the machine allows mounting one, else ``None``."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(mount)]
    try:
        mounted = subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:  # no mount(8)
        mounted = False
    yield mount if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_dataset_on_a_full_disk_says_so_in_one_line(
    tiny_disk: Path | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if tiny_disk is None:  # no tmpfs here: the disk fills up after 30 images
        written = iter(range(30))
        real_write = png_format._write_file

        def write_file(path: Path, data: bytes) -> None:
            if next(written, None) is None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real_write(path, data)

        monkeypatch.setattr(png_format, "_write_file", write_file)
    out = (tiny_disk or tmp_path) / "train"
    argv = ["dataset", "--out", str(out), "--count", "400", "--shard-size", "20"]
    argv += ["--workers", "1", "--seed", "0", "--template", "0##-####"]
    code, printed, err = run(main, argv, capsys)
    assert (code, printed) == (2, "")
    assert err == (
        f"number-generator dataset: error: --out={str(out)!r}: cannot write (No space left on "
        "device); complete shards are kept: make room, then run the same command with --resume\n"
    )
    names = sorted(p.name for p in out.iterdir())
    assert names[0] == "dataset.json" and len(names) < 21
    assert all(re.fullmatch(r"shard-\d{5}", name) for name in names[1:]), names


def test_serve_on_a_busy_port_exits_2_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(BIN / "number-generator"), "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"number-generator serve: error: --port={port}: 127.0.0.1:{port} is already in use "
        "(Address already in use); choose another port or stop the program listening there\n"
    )


def test_serve_on_an_address_of_another_machine_exits_2_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "number-generator"), "serve", "--host", "192.0.2.1", "--port", "8000"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "number-generator serve: error: --host='192.0.2.1': cannot listen on it (Cannot assign "
        "requested address); give an address of this machine, e.g. 127.0.0.1 or 0.0.0.0\n"
    )
