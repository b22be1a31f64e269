"""Verified downloads against a real HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import number_generator.datasets.download as download_module
from _http_server import Behaviour, MirrorServer
from number_generator import (
    MNIST,
    DatasetNotFoundError,
    DownloadError,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    load_mnist,
)
from number_generator.datasets.download import fetch_file, mirrors_from_env

pytestmark = pytest.mark.network

IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
WRITERS = MNIST.writers_resources["test"].file_name
TRAIN_IMAGES, TRAIN_LABELS = (resource.file_name for resource in MNIST.resources["train"])
SRC = Path(__file__).resolve().parents[1] / "src"
SHA256 = {
    resource.file_name: resource.known_hash
    for resource in (*MNIST.resources["test"], MNIST.writers_resources["test"])
}
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
BUILTIN_MIRRORS = MNIST.mirrors  # read before the fixtures below replace them
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(scope="module")
def mnist_bytes(mnist_dir: Path) -> dict[str, bytes]:
    return {name: (mnist_dir / name).read_bytes() for name in (IMAGES, LABELS)}


@pytest.fixture(scope="module")
def writers_bytes(qmnist_dir: Path) -> bytes:
    return (qmnist_dir / WRITERS).read_bytes()


@pytest.fixture
def server(mnist_bytes: dict[str, bytes], writers_bytes: bytes) -> Iterator[MirrorServer]:
    """The real MNIST test files and their writers file on every mirror prefix of one server."""
    with MirrorServer({**mnist_bytes, WRITERS: writers_bytes}) as mirror_server:
        yield mirror_server


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A mirror URL on a port that is bound but never listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/mnist/"


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch, dead_url: str, tmp_path: Path) -> list[float]:
    """Keep every test local and fast: no proxies, no built-in (internet) mirrors, no waiting.

    Returns the back-off delays the downloader asked for.
    """
    for variable in PROXY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(MNIST, "mirrors", (dead_url,))
    monkeypatch.setattr(MNIST, "writers_mirrors", (dead_url,))
    monkeypatch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(tmp_path / "decoded-cache"))
    delays: list[float] = []
    monkeypatch.setattr(download_module.time, "sleep", delays.append)
    return delays


def listing(folder: Path) -> list[str]:
    """Every entry of ``folder``, hidden ones included."""
    return sorted(os.listdir(folder)) if folder.exists() else []


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def child_env(**variables: str) -> dict[str, str]:
    """The environment of a child Python: this checkout first on the path, no proxies."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.update(variables)
    return env


@contextlib.contextmanager
def downloading_in_a_subprocess(
    file_name: str, dest: Path, url: str
) -> Iterator[subprocess.Popen[str]]:
    """A child process running ``fetch_file``; killed on the way out if still running."""
    code = (
        "import sys; from pathlib import Path; "
        "from number_generator.datasets.download import fetch_file; "
        "fetch_file(sys.argv[1], sys.argv[2], Path(sys.argv[3]), [sys.argv[4]], retries=0)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, file_name, SHA256[file_name], str(dest), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


def wait_for_a_file_in(folder: Path, process: subprocess.Popen[str]) -> None:
    """Wait (bounded) until the child has written something into ``folder``."""
    pause = threading.Event()  # not time.sleep: the fixture below records those
    for _ in range(1200):
        if listing(folder):
            return
        assert process.poll() is None, process.communicate()
        pause.wait(0.05)
    pytest.fail(f"nothing appeared in {folder}")


# --------------------------------------------------------------------------- fetch_file


def test_fetch_file_places_a_verified_file(tmp_path: Path, server: MirrorServer) -> None:
    dest = tmp_path / "new" / "folder"

    path = fetch_file(LABELS, SHA256[LABELS], dest, [server.url()])

    assert path == dest / LABELS
    assert sha256_of(path) == SHA256[LABELS]
    assert listing(dest) == [LABELS]  # no temporary file left beside it
    assert server.requests == [f"/a/{LABELS}"]


def test_mirror_without_trailing_slash(tmp_path: Path, server: MirrorServer) -> None:
    fetch_file(LABELS, SHA256[LABELS], tmp_path, [server.url().rstrip("/")])
    assert server.requests == [f"/a/{LABELS}"]


def test_wrong_hash_moves_on_to_the_next_mirror(
    tmp_path: Path, server: MirrorServer, sleeps: list[float]
) -> None:
    server.behave("a", IMAGES, "wrong-hash")

    path = fetch_file(IMAGES, SHA256[IMAGES], tmp_path, [server.url("a"), server.url("b")])

    assert sha256_of(path) == SHA256[IMAGES]
    assert (server.count("a"), server.count("b")) == (1, 1)  # a bad file is not retried
    assert sleeps == []
    assert listing(tmp_path) == [IMAGES]


def test_dead_first_mirror_then_a_good_one(
    tmp_path: Path, server: MirrorServer, dead_url: str, sleeps: list[float]
) -> None:
    path = fetch_file(IMAGES, SHA256[IMAGES], tmp_path, [dead_url, server.url()])

    assert sha256_of(path) == SHA256[IMAGES]
    assert sleeps == [0.5, 1.0]  # the dead mirror was retried twice, with back-off
    assert server.requests == [f"/a/{IMAGES}"]


def test_truncated_body_is_retried_then_next_mirror(
    tmp_path: Path, server: MirrorServer, sleeps: list[float]
) -> None:
    server.behave("a", IMAGES, "truncate")

    path = fetch_file(IMAGES, SHA256[IMAGES], tmp_path, [server.url("a"), server.url("b")])

    assert sha256_of(path) == SHA256[IMAGES]
    assert (server.count("a"), server.count("b")) == (3, 1)
    assert sleeps == [0.5, 1.0]
    assert listing(tmp_path) == [IMAGES]


FAILURES: dict[str, tuple[Behaviour, int, str]] = {
    # behaviour: (requests per mirror with retries=2, reason shown for each attempt)
    "wrong-hash": ("wrong-hash", 1, "does not match the known hash"),
    "truncated-body": ("truncate", 3, "IncompleteRead"),
    "not-found": ("404", 1, "HTTP 404 Not Found"),
    "server-error": ("500", 3, "HTTP 500 Internal Server Error"),
}


@pytest.mark.parametrize(
    ("behaviour", "per_mirror", "reason"), FAILURES.values(), ids=FAILURES.keys()
)
def test_every_mirror_failing_raises_and_leaves_nothing(
    tmp_path: Path,
    server: MirrorServer,
    sleeps: list[float],
    behaviour: Behaviour,
    per_mirror: int,
    reason: str,
) -> None:
    dest = tmp_path / "data"
    for mirror in ("a", "b"):
        server.behave(mirror, IMAGES, behaviour)
    urls = [server.url("a"), server.url("b")]

    with pytest.raises(DownloadError) as info:
        fetch_file(IMAGES, SHA256[IMAGES], dest, urls)

    message = str(info.value)
    assert message.startswith(f"could not download {IMAGES} into {dest}; every mirror failed:")
    for url in urls:
        assert message.count(f"{url}{IMAGES}") == per_mirror
    assert message.count(reason) == 2 * per_mirror
    assert (server.count("a"), server.count("b")) == (per_mirror, per_mirror)
    assert len(sleeps) == 2 * (per_mirror - 1)
    assert listing(dest) == []  # not the file, not a temporary file


def test_all_mirrors_dead_explains_what_failed_and_how_to_fix_it(
    tmp_path: Path, dead_url: str, sleeps: list[float]
) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        second = f"http://127.0.0.1:{other.getsockname()[1]}/mirror/"
        with pytest.raises(DownloadError) as info:
            fetch_file(LABELS, SHA256[LABELS], tmp_path / "data", [dead_url, second])

    message = str(info.value)
    assert LABELS in message
    assert str(tmp_path / "data") in message
    for url in (dead_url, second):
        for attempt in (1, 2, 3):
            assert f"{url}{LABELS} (attempt {attempt}): " in message
    assert message.count("Connection refused") == 6
    assert "<urllib3" not in message  # the cause, not an object repr
    assert "NUMBER_GENERATOR_MIRRORS" in message
    assert "NUMBER_GENERATOR_DATA_DIR" in message
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, NumberGeneratorError)
    assert sleeps == [0.5, 1.0, 0.5, 1.0]
    assert listing(tmp_path / "data") == []


@pytest.mark.parametrize("retries", [0, 1, 2, 5], ids=lambda n: f"retries={n}")
def test_retries_are_bounded(
    tmp_path: Path, server: MirrorServer, sleeps: list[float], retries: int
) -> None:
    server.behave("a", LABELS, "truncate")

    with pytest.raises(DownloadError):
        fetch_file(LABELS, SHA256[LABELS], tmp_path, [server.url("a")], retries=retries)

    assert server.count("a") == retries + 1
    assert len(sleeps) == retries
    assert all(0 < delay <= 4.0 for delay in sleeps)


def test_stalled_server_times_out(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "TIMEOUT", 0.2)
    server.behave("a", IMAGES, "stall")

    path = fetch_file(
        IMAGES, SHA256[IMAGES], tmp_path, [server.url("a"), server.url("b")], retries=0
    )

    assert sha256_of(path) == SHA256[IMAGES]
    assert (server.count("a"), server.count("b")) == (1, 1)
    assert listing(tmp_path) == [IMAGES]


def test_malformed_mirror_is_skipped_without_retrying(
    tmp_path: Path, server: MirrorServer, sleeps: list[float]
) -> None:
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1:1/mirror/" + re.escape(LABELS)):
        fetch_file(LABELS, SHA256[LABELS], tmp_path, ["127.0.0.1:1/mirror/"])
    assert sleeps == []

    fetch_file(LABELS, SHA256[LABELS], tmp_path, ["127.0.0.1:1/mirror/", server.url()])
    assert listing(tmp_path) == [LABELS]


def test_no_mirrors_at_all(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"\(no mirrors configured\)"):
        fetch_file(LABELS, SHA256[LABELS], tmp_path, [])


def test_ctrl_c_during_a_download_leaves_nothing(tmp_path: Path, server: MirrorServer) -> None:
    """A real SIGINT while the bytes arrive: the temporary file goes, the folder stays empty."""
    server.behave("a", IMAGES, "stall")
    dest = tmp_path / "data"

    with downloading_in_a_subprocess(IMAGES, dest, server.url("a")) as process:
        wait_for_a_file_in(dest, process)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)

    assert process.returncode != 0
    assert "KeyboardInterrupt" in err
    assert listing(dest) == []


def test_progress_bar_on_request(
    tmp_path: Path, server: MirrorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fetch_file(LABELS, SHA256[LABELS], tmp_path, [server.url()], progress=True)
    assert "100%" in capsys.readouterr().err


def test_quiet_by_default_when_not_on_a_terminal(
    tmp_path: Path, server: MirrorServer, capfd: pytest.CaptureFixture[str]
) -> None:
    chatter: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = chatter.append  # type: ignore[method-assign]
    logging.getLogger("number_generator").addHandler(handler)
    try:
        fetch_file(LABELS, SHA256[LABELS], tmp_path, [server.url()])
    finally:
        logging.getLogger("number_generator").removeHandler(handler)

    assert [record.getMessage() for record in chatter] == []  # no "Downloading data from …"
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")  # no progress bar


# --------------------------------------------------------------------------- mirrors


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (None, ["https://builtin/"]),
        ("", ["https://builtin/"]),
        (" , ", ["https://builtin/"]),
        ("http://127.0.0.1:1/x/", ["http://127.0.0.1:1/x/"]),
        (" http://a/ ,http://b/,, ", ["http://a/", "http://b/"]),
    ],
    ids=["unset", "empty", "only-commas", "one", "two-with-spaces"],
)
def test_mirrors_from_env(
    monkeypatch: pytest.MonkeyPatch, env: str | None, expected: list[str]
) -> None:
    if env is None:
        monkeypatch.delenv("NUMBER_GENERATOR_MIRRORS", raising=False)
    else:
        monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", env)
    assert mirrors_from_env(("https://builtin/",)) == expected


def test_builtin_mirrors_are_not_the_lecun_host() -> None:
    assert BUILTIN_MIRRORS
    assert all(url.startswith("https://") for url in BUILTIN_MIRRORS)
    assert not any("yann.lecun.com" in url for url in BUILTIN_MIRRORS)  # answers 403


def test_env_mirrors_replace_the_builtin_list(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MNIST, "mirrors", (server.url("builtin"),))
    monkeypatch.setattr(MNIST, "writers_mirrors", (server.url("qmnist"),))
    MNIST.download("test", tmp_path / "one")
    assert (server.count("builtin"), server.count("qmnist")) == (2, 1)

    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", f"{server.url('env1')},{server.url('env2')}")
    server.behave("env1", IMAGES, "404")
    MNIST.download("test", tmp_path / "two")
    assert (server.count("builtin"), server.count("qmnist")) == (2, 1)  # not asked again
    assert (server.count("env1"), server.count("env2", IMAGES), server.count("env2", LABELS)) == (
        3,
        1,
        0,
    )


# --------------------------------------------------------------------------- load_mnist


def test_load_mnist_downloads_into_an_empty_folder_then_stays_offline(
    tmp_path: Path, server: MirrorServer, dead_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", f"{dead_url},{server.url()}")
    data_dir = tmp_path / "data"

    dataset = load_mnist("test", data_dir)

    assert len(dataset) == 10000
    assert np.bincount(dataset.labels).tolist() == MNIST_TEST_COUNTS
    assert np.unique(dataset.writers).size == 297  # the writers file came with the glyphs
    assert listing(data_dir) == sorted([IMAGES, LABELS, WRITERS])
    for name in (IMAGES, LABELS, WRITERS):
        assert sha256_of(data_dir / name) == SHA256[name]
    assert server.count() == 3

    again = load_mnist("test", data_dir)  # files present: no request at all
    assert server.count() == 3
    np.testing.assert_array_equal(again.images, dataset.images)
    np.testing.assert_array_equal(again.writers, dataset.writers)
    assert MNIST.download("test", data_dir) == [
        data_dir / IMAGES,
        data_dir / LABELS,
        data_dir / WRITERS,
    ]
    assert server.count() == 3


def test_load_mnist_downloads_into_the_env_folder(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", str(tmp_path / "from-env"))

    assert len(load_mnist()) == 10000  # split "test" from NUMBER_GENERATOR_SPLIT

    assert listing(tmp_path / "from-env") == sorted([IMAGES, LABELS, WRITERS])


def test_load_mnist_fetches_only_what_is_missing(
    tmp_path: Path,
    server: MirrorServer,
    mnist_bytes: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    (tmp_path / IMAGES).write_bytes(mnist_bytes[IMAGES])

    load_mnist("test", tmp_path)

    assert server.requests == [f"/a/{LABELS}", f"/a/{WRITERS}"]


def test_failed_load_leaves_no_file_and_a_later_run_recovers(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url("a"))
    server.behave("a", IMAGES, "truncate")

    with pytest.raises(
        DownloadError, match=re.escape(f"could not download {IMAGES} into {data_dir}")
    ):
        load_mnist("test", data_dir)
    assert listing(data_dir) == []

    server.behave("a", IMAGES, "wrong-hash")
    with pytest.raises(DownloadError, match="does not match the known hash"):
        load_mnist("test", data_dir)
    assert listing(data_dir) == []

    server.behave("a", IMAGES, "ok")
    assert len(load_mnist("test", data_dir)) == 10000


def test_unwritable_data_folder_is_reported_before_any_request(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")

    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test", blocker / "mnist")

    message = str(info.value)
    assert message.startswith(
        f"{IMAGES} is missing from {blocker / 'mnist'} and that folder is not writable"
    )
    assert "set NUMBER_GENERATOR_DATA_DIR or pass data_dir= to a writable folder" in message
    assert server.count() == 0


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions"
)
def test_read_only_data_folder_is_reported_before_any_request(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(DatasetNotFoundError, match="that folder is not writable"):
            load_mnist("test", folder)
    finally:
        folder.chmod(0o755)
    assert server.count() == 0


def test_folder_that_cannot_be_made_is_not_blamed_on_the_mirrors(
    server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root may write anywhere, but not make a folder in /proc: a local error, not retried."""
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    folder = Path("/proc/number-generator-test/mnist")

    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test", folder)

    assert str(info.value).startswith(
        f"{IMAGES} is missing from {folder} and that folder is not writable ("
    )
    assert "NUMBER_GENERATOR_DATA_DIR" in str(info.value)
    assert server.count() <= 1  # not retried, no other mirror asked
    assert not folder.parent.exists()


# --------------------------------------------------------------------------- offline first run


@pytest.fixture
def test_split_only(tmp_path: Path, mnist_bytes: dict[str, bytes]) -> Path:
    """A data folder holding the test split's files and nothing else."""
    folder = tmp_path / "mnist-test-only"
    folder.mkdir()
    for name, body in mnist_bytes.items():
        (folder / name).write_bytes(body)
    return folder


def test_folder_with_another_split_names_the_split_to_use(
    test_split_only: Path, dead_url: str
) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("train", test_split_only)

    message = str(info.value)
    assert "\n" not in message
    assert re.fullmatch(
        re.escape(
            f"{test_split_only} holds the test split of mnist, not the train split: "
            f"{TRAIN_IMAGES} is missing there and could not be downloaded (3 attempt(s) failed, "
            f"the last: {dead_url}{TRAIN_IMAGES} (attempt 3): "
        )
        + r".*Connection refused\). "
        + re.escape(
            "Fix: use the test split (--split test, NUMBER_GENERATOR_SPLIT=test or "
            f"split='test'), or put {TRAIN_IMAGES}, {TRAIN_LABELS} into {test_split_only}"
        ),
        message,
    )
    assert isinstance(info.value.__cause__, DownloadError)
    assert listing(test_split_only) == sorted([IMAGES, LABELS])


def test_all_split_with_only_the_test_files_names_the_test_split(
    test_split_only: Path,
) -> None:
    with pytest.raises(DatasetNotFoundError, match=r"use the test split \(--split test"):
        MNIST.download("all", test_split_only)


def test_cli_offline_with_the_test_split_only_explains_in_one_line(
    test_split_only: Path, dead_url: str
) -> None:
    """The first run a user makes: NUMBER_GENERATOR_DATA_DIR set, no split chosen, no network."""
    env = child_env(
        NUMBER_GENERATOR_DATA_DIR=str(test_split_only), NUMBER_GENERATOR_MIRRORS=dead_url
    )
    env.pop("NUMBER_GENERATOR_SPLIT", None)

    result = subprocess.run(
        [sys.executable, "-m", "number_generator", "download"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"number-generator download: error: {test_split_only} holds the test split of mnist, "
        "not the train split: "
    )
    assert "Fix: use the test split (--split test, NUMBER_GENERATOR_SPLIT=test" in lines[0]
    assert "check your network" not in lines[0]
    assert listing(test_split_only) == sorted([IMAGES, LABELS])


def test_cli_shows_each_mirror_failure_once(tmp_path: Path, server: MirrorServer) -> None:
    server.behave("a", IMAGES, "500")
    url = f"{server.url('a')}{IMAGES}"

    result = subprocess.run(
        [sys.executable, "-m", "number_generator", "download", "--split", "test"],
        capture_output=True,
        text=True,
        env=child_env(
            NUMBER_GENERATOR_DATA_DIR=str(tmp_path / "data"),
            NUMBER_GENERATOR_MIRRORS=server.url("a"),
        ),
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"number-generator download: error: could not download {IMAGES} into {tmp_path / 'data'}; "
        "every mirror failed:\n"
    )
    for attempt in (1, 2, 3):
        assert result.stderr.count(f"{url} (attempt {attempt}): HTTP 500") == 1
    assert "WARNING" not in result.stderr


def test_failures_before_a_success_are_logged_once(
    tmp_path: Path,
    server: MirrorServer,
    dead_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="number_generator"):
        fetch_file(IMAGES, SHA256[IMAGES], tmp_path, [dead_url, server.url()])

    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{IMAGES} came from {server.url()}{IMAGES} after 3 failed")
    for attempt in (1, 2, 3):
        assert warnings[0].count(f"{dead_url}{IMAGES} (attempt {attempt}): ") == 1


def test_failed_download_does_not_create_a_mistyped_folder(tmp_path: Path) -> None:
    mistyped = tmp_path / "mnsit" / "data"

    with pytest.raises(DownloadError, match=re.escape(f"into {mistyped}; every mirror failed")):
        load_mnist("test", mistyped)

    assert listing(tmp_path) == []


def test_the_folder_is_created_when_the_first_bytes_arrive(
    tmp_path: Path, server: MirrorServer
) -> None:
    dest = tmp_path / "new" / "folder"
    fetch_file(LABELS, SHA256[LABELS], dest, [server.url()])
    assert listing(dest) == [LABELS]


# --------------------------------------------------------------------------- deadlines, leftovers


def test_trickling_mirror_is_abandoned_at_the_deadline(
    tmp_path: Path,
    server: MirrorServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One byte every 50 ms: every read succeeds, so only the overall deadline ends it."""
    monkeypatch.setenv("NUMBER_GENERATOR_DOWNLOAD_TIMEOUT", "0.5")
    server.behave("a", LABELS, "trickle")

    with caplog.at_level(logging.WARNING, logger="number_generator"):
        path = fetch_file(LABELS, SHA256[LABELS], tmp_path, [server.url("a"), server.url("b")])

    assert sha256_of(path) == SHA256[LABELS]
    assert (server.count("a"), server.count("b")) == (1, 1)  # no retry once the time is spent
    assert [record.getMessage() for record in caplog.records] == [
        f"{LABELS} came from {server.url('b')}{LABELS} after 1 failed attempt(s): "
        f"{server.url('a')}{LABELS} (attempt 1): no complete file within 0.5 s "
        "(the limit per file and mirror, NUMBER_GENERATOR_DOWNLOAD_TIMEOUT)"
    ]
    assert listing(tmp_path) == [LABELS]


def test_every_mirror_trickling_fails_with_the_deadline_named(
    tmp_path: Path, server: MirrorServer, sleeps: list[float]
) -> None:
    for mirror in ("a", "b"):
        server.behave(mirror, LABELS, "trickle")

    with pytest.raises(DownloadError) as info:
        fetch_file(
            LABELS,
            SHA256[LABELS],
            tmp_path / "data",
            [server.url("a"), server.url("b")],
            deadline=0.3,
        )

    assert (
        str(info.value).count(
            "(attempt 1): no complete file within 0.3 s "
            "(the limit per file and mirror, NUMBER_GENERATOR_DOWNLOAD_TIMEOUT)"
        )
        == 2
    )
    assert (server.count("a"), server.count("b"), sleeps) == (1, 1, [])
    assert listing(tmp_path) == []


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_bad_download_timeout_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_DOWNLOAD_TIMEOUT", value)
    with pytest.raises(InvalidParameterError) as info:
        fetch_file(LABELS, SHA256[LABELS], tmp_path, [])
    assert str(info.value) == (
        f"NUMBER_GENERATOR_DOWNLOAD_TIMEOUT={value!r}: expected a positive number of seconds"
    )
    assert info.value.param == "deadline"


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (0, InvalidParameterError, "deadline=0: expected a positive number of seconds"),
        (-2.5, InvalidParameterError, "deadline=-2.5: expected a positive number of seconds"),
        (True, InvalidTypeError, "deadline=True: expected a number of seconds"),
        ("10", InvalidTypeError, "deadline='10': expected a number of seconds"),
    ],
)
def test_bad_deadline_argument(tmp_path: Path, value: object, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        fetch_file(LABELS, SHA256[LABELS], tmp_path, [], deadline=value)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_killed_download_leftovers_are_removed_by_the_next_download(
    tmp_path: Path, server: MirrorServer
) -> None:
    server.behave("a", IMAGES, "stall")
    dest = tmp_path / "data"
    with downloading_in_a_subprocess(IMAGES, dest, server.url("a")) as process:
        wait_for_a_file_in(dest, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert len(listing(dest)) == 1  # the killed process's temporary file

    fetch_file(LABELS, SHA256[LABELS], dest, [server.url("b")])

    assert listing(dest) == [LABELS]


def test_only_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    host = socket.gethostname()
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(finished.stdout)
    names = {
        "dead": f"tmp-download-{dead_pid}@{host}-0123abcd.part",
        "alive": f"tmp-download-{os.getpid()}@{host}-0123abcd.part",
        "other-host": f"tmp-download-{dead_pid}@elsewhere.example-0123abcd.part",
        "other-host-idle": f"tmp-download-{dead_pid}@elsewhere.example-4567abcd.part",
        "not-ours": "tmpx7z2k_9q",
        "data": IMAGES,
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    idle = time.time() - download_module.STALE_AFTER - 60
    os.utime(tmp_path / names["other-host-idle"], (idle, idle))

    removed = download_module.remove_stale_downloads(tmp_path)

    assert sorted(path.name for path in removed) == sorted(
        [names["dead"], names["other-host-idle"]]
    )
    assert listing(tmp_path) == sorted(
        names[key] for key in ("alive", "other-host", "not-ours", "data")
    )


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_downloaded_files_have_the_usual_mode(
    tmp_path: Path, server: MirrorServer, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        path = fetch_file(LABELS, SHA256[LABELS], tmp_path / "data", [server.url()])
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs: MNIST's test images (1.6 MB) do not fit. Needs root and mount."""
    folder = tmp_path / "tiny-disk"
    folder.mkdir()
    mount = shutil.which("mount")
    if mount is None or not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs Linux and root")
    result = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_full_disk_is_reported_as_a_full_disk(full_disk: Path, server: MirrorServer) -> None:
    with pytest.raises(OSError) as info:
        fetch_file(IMAGES, SHA256[IMAGES], full_disk, [server.url("a"), server.url("b")])

    assert info.value.errno == errno.ENOSPC
    assert not isinstance(info.value, DownloadError)
    assert (server.count("a"), server.count("b")) == (1, 0)  # not retried, no other mirror
    assert listing(full_disk) == []  # the partial temporary file is gone


def test_cli_download_onto_a_full_disk(
    full_disk: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())

    result = subprocess.run(
        [sys.executable, "-m", "number_generator", "download", "--split", "test"],
        capture_output=True,
        text=True,
        env=child_env(NUMBER_GENERATOR_DATA_DIR=str(full_disk)),
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr == (
        f"number-generator download: error: {IMAGES} could not be written to {full_disk}: "
        "the disk is full (No space left on device); free some space there, or set "
        "NUMBER_GENERATOR_DATA_DIR or pass data_dir= to a folder on a disk with room\n"
    )
    assert listing(full_disk) == []
    assert server.count() == 1


def test_full_disk_found_when_syncing(
    tmp_path: Path, server: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Network file systems may report ENOSPC only at fsync or close: the same answer."""

    def no_room(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(download_module.os, "fsync", no_room)
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
    dest = tmp_path / "data"

    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test", dest)

    assert str(info.value) == (
        f"{IMAGES} could not be written to {dest}: the disk is full (No space left on device); "
        "free some space there, or set NUMBER_GENERATOR_DATA_DIR or pass data_dir= to a folder "
        "on a disk with room"
    )
    assert listing(dest) == []
    assert server.count() == 1
