"""The Dask backend of the dataset export: same shard plan, byte-identical output.

Clusters run inside this process (``processes=False``); the one reached by
address listens on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from _helpers import require
from number_generator import DigitDataset, InvalidParameterError, export_dataset

distributed = require("distributed")

OPTIONS: dict[str, Any] = {"seed": 5, "shard_size": 30, "progress": False}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A LocalCluster of one worker with two threads, on 127.0.0.1."""
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


@pytest.mark.parametrize("format", ["png", "webdataset", "npz"])
def test_client_gives_the_local_output(tmp_path: Path, cluster: Any, format: str) -> None:
    options = {**OPTIONS, "format": format, "image_width": 240}
    local = export_dataset(tmp_path / "local", 100, "0##-####-####", workers=1, **options)
    with distributed.Client(cluster) as client:
        remote = export_dataset(tmp_path / "dask", 100, "0##-####-####", client=client, **options)
    assert remote.executor == "dask" and remote.workers == 2
    assert remote.shards_written == local.shards_written == 4
    assert "Dask worker threads" in str(remote)
    assert tree(tmp_path / "dask") == tree(tmp_path / "local")


def test_scheduler_address_and_a_dataset_object(
    tmp_path: Path, cluster: Any, mnist_test: DigitDataset
) -> None:
    digits = mnist_test.subset(np.arange(5000))
    options = {**OPTIONS, "dataset": digits, "unique": True}
    export_dataset(tmp_path / "local", 90, "random:2-4", workers=1, **options)
    summary = export_dataset(
        tmp_path / "dask",
        90,
        "random:2-4",
        executor="dask",
        scheduler=cluster.scheduler_address,
        **options,
    )
    assert summary.images_written == 90
    assert tree(tmp_path / "dask") == tree(tmp_path / "local")


def test_dask_resumes_what_processes_started(tmp_path: Path, cluster: Any) -> None:
    export_dataset(tmp_path / "clean", 90, "phone", workers=1, **OPTIONS)
    folder = tmp_path / "mixed"
    export_dataset(folder, 90, "phone", workers=1, **OPTIONS)
    (folder / "dataset.json").write_text(
        (folder / "dataset.json").read_text().replace('"complete": true', '"complete": false')
    )
    for name in ("shard-00001", "shard-00002"):
        for file in (folder / name).iterdir():
            file.unlink()
        (folder / name).rmdir()
    with distributed.Client(cluster) as client:
        summary = export_dataset(folder, 90, "phone", client=client, resume=True, **OPTIONS)
    assert (summary.shards_skipped, summary.shards_written) == (1, 2)
    assert tree(folder) == tree(tmp_path / "clean")


def test_dask_needs_a_scheduler(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"scheduler=None: executor='dask' needs"):
        export_dataset(tmp_path, 5, executor="dask")
