"""Seeded output, byte for byte: the SHA-256 of what each entry point produces.

These digests pin the exact bytes of every public way of drawing (``generate``,
``render`` and its boxes, batches, the torch dataset, phone-number files, every
export format, each augmentation preset and transform, the preview sheet). A
change that alters seeded output fails here and must say so in its notes; a
change that should not (a restructure, a speed-up) must leave them all passing.

If a change is *meant* to alter output, print the new table with
``python tests/test_fingerprints.py`` (run from the repository root, with the
real MNIST test split where the tests find it) and paste it below.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import number_generator as ng
from _helpers import require


def _digest(*parts: Any) -> str:
    sha = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            sha.update(f"{part.dtype.str}{part.shape}".encode())
            sha.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, bytes):
            sha.update(part)
        else:
            sha.update(json.dumps(part, sort_keys=True, default=str).encode())
    return sha.hexdigest()


def _render(
    digits: str, spacing: tuple[int, int], width: int | None, **kw: Any
) -> Callable[[ng.DigitDataset, Path], str]:
    def case(dataset: ng.DigitDataset, _: Path) -> str:
        generator = ng.SequenceGenerator(dataset, seed=5)
        result = generator.render(digits, spacing, width, **kw)
        again = ng.SequenceGenerator(dataset).generate(digits, spacing, width, seed=9, **kw)
        return _digest(
            result.image, result.paper, result.ink, result.label, result.text,
            result.indices, result.boxes, result.glyph_boxes, again,
        )  # fmt: skip

    return case


def _module_function(dataset: ng.DigitDataset, _: Path) -> str:
    image = ng.generate_numbers_sequence([3, 1, 4, 1, 5], (0, 6), 140, seed=3, dataset=dataset)
    return _digest(image)


def _batches(template: str, **kw: Any) -> Callable[[ng.DigitDataset, Path], str]:
    def case(dataset: ng.DigitDataset, _: Path) -> str:
        parts: list[Any] = []
        for batch in ng.batches(16, template, n=2, seed=4, dataset=dataset, **kw):
            parts += [batch.images, batch.labels, batch.targets, batch.target_lengths]
            parts += [batch.boxes]
        return _digest(*parts)

    return case


def _phone_files(dataset: ng.DigitDataset, folder: Path) -> str:
    written = ng.generate_phone_numbers(6, 200, folder, seed=2, dataset=dataset, format="ip")
    return _digest([label for label, _ in written], *_folder_bytes(folder))


def _export(format: str, **kw: Any) -> Callable[[ng.DigitDataset, Path], str]:
    def case(dataset: ng.DigitDataset, folder: Path) -> str:
        ng.export_dataset(
            folder / "out", 30, "0##-####", format=format, seed=8, shard_size=12,
            workers=1, progress=False, dataset=dataset, **kw,
        )  # fmt: skip
        return _digest(*_folder_bytes(folder / "out", skip={"dataset.json"}))

    return case


def _folder_bytes(folder: Path, skip: frozenset[str] | set[str] = frozenset()) -> list[Any]:
    """Relative names and contents of every file below ``folder``, in name order."""
    parts: list[Any] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in skip):
        parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return parts


def _transform(name: str) -> Callable[[ng.DigitDataset, Path], str]:
    def case(dataset: ng.DigitDataset, _: Path) -> str:
        generator = ng.SequenceGenerator(dataset, seed=6, augment=name)
        result = generator.render("7041", (1, 5), 120)
        return _digest(result.ink, result.boxes)

    return case


def _torch(dataset: ng.DigitDataset, _: Path) -> str:
    from number_generator.torch import DigitSequenceDataset

    stream = DigitSequenceDataset("random:3-6", length=5, seed=1, dataset=dataset)
    items = list(stream)
    return _digest(*[item["image"].numpy() for item in items], [i["label"] for i in items])


def _preview(dataset: ng.DigitDataset, _: Path) -> str:
    return _digest(ng.contact_sheet("presets", samples=2, seed=1, dataset=dataset))


CASES: dict[str, Callable[[ng.DigitDataset, Path], str]] = {
    "pad": _render("0901234567", (2, 8), 280),
    "pad-wider-than-width": _render("0901234567", (2, 8), 90),
    "natural-width": _render("31415926", (0, 4), None),
    "stretch": _render("2718", (3, 9), 200, fit="stretch"),
    "shrink-stretch": _render("123456789012", (5, 9), 60, fit="stretch"),
    "height-56": _render("4242", (2, 8), 300, image_height=56),
    "height-20-natural": _render("8675309", (1, 3), None, image_height=20),
    "negative-spacing": _render("888000", (-6, -1), 150),
    "separators": _render("090-1234 5678/9", (1, 6), 320),
    "separators-height-40": _render("12/34-56", (-3, 4), None, image_height=40),
    "preset-light": _render("55501", (2, 8), 160, augment="light"),
    "preset-medium": _render("55501", (2, 8), 160, augment="medium"),
    "preset-heavy": _render("55501", (2, 8), 160, augment="heavy"),
    "preset-medium-h48": _render("9-17", (2, 8), None, augment=True, image_height=48),
    "preset-document": _render("1500", (3, 9), 160, augment="document"),
    **{f"tf-{name}": _transform(name) for name in ng.TRANSFORM_NAMES},
    "module-function": _module_function,
    "batches-phone": _batches("phone"),
    "batches-pattern-sep": _batches("0##-####/##", keep_separators=True, image_width=220),
    "batches-random-aug": _batches("random:2-9", augment="light", image_height=32),
    "batches-stretch": _batches("random:4-6", fit="stretch", image_width=90),
    "phone-files": _phone_files,
    "export-png": _export("png"),
    "export-webdataset": _export("webdataset", augment="light"),
    "export-npz": _export("npz", image_width=150, keep_separators=True),
    "export-png-augmented": _export("png", augment="medium", image_width=150),
    "torch": _torch,
    "preview": _preview,
}

EXPECTED: dict[str, str] = {
    "pad": "96a59a1cfb0ebb936a79740be57741f4f22b3d803bdd7b34830746cc86ab2b15",
    "pad-wider-than-width": "5bad15b5a786bb16b189de79fcfd8b1aee6020135b9a5b36aa68f9d82f6f8696",
    "natural-width": "f9dfbb9a6810a264035576a26983c9d815b4ed475836061aad755cea4c152cf0",
    "stretch": "6f5449aaa66dea18fe2c74706ead8384b5a012e5856e14aa6ed79ed7407cce05",
    "shrink-stretch": "f59e8a055f2da705f0adede5850f29bc3ef46529ec1967a7a8c6a3531b2fb2b0",
    "height-56": "451f2de401dcc45cc75083d73ee244f87ecd8316cc9169d7b807eba53e112c89",
    "height-20-natural": "06d569d3ffa7a0b364792e627c8927771c73462d3677970a098476769c09da27",
    "negative-spacing": "73d0ed96f37c5144e2e4b8d1672d1dfb02b986560daef313d445646446c83e3a",
    "separators": "625e600941a82f8cd8b3195c3ab200ee0c47f4ad175558060d0b13c9a2b5fcda",
    "separators-height-40": "308534afe812bf21f2299835001db721161d1d0b013c2d08b002a1a11def1fe8",
    "preset-light": "c219530fe4dfd8b653139a060bbaa0e867f4637e45acff1acf80da8e44a71d3f",
    "preset-medium": "79489bd7fce7a0da33866312197d24e5a08ae45cfcb587dd0220622e01c9b8ec",
    "preset-heavy": "a9ab421ca1eccad64b745512ca33abcac50b68828eaa4a20bafe4fff69613bc2",
    "preset-medium-h48": "f5e840e0ad6e17563b3ba742079c13400e8787acf0bb4b5034c18c5b40f817ea",
    "preset-document": "b06eae8ab1543c2e9bdbb86369c89fa8bc1cef188b8c5ec7cb20282f5fedf0b2",
    "tf-shift": "df4335e824399a7d95c6d0945d7082bdb242877b9266b9cd301e8b5bad0dd047",
    "tf-scale": "e4175bc57ae3fa73949d83377c0a74e35e764d4bec12a595d33c6e28a1b21d71",
    "tf-rotate": "cdf92f084a72aff934c12decd1632c5ea3440977301cc840120d6871571ee743",
    "tf-shear": "6aa0a1c1feabf5fc24dfcbfc5620e62db6d65d58c90341c61b51009648b1100a",
    "tf-size_variation": "b0d0db1cc53dee9a056b15ca76063cb70ab0b08e48dab4ebad06479221d7414b",
    "tf-baseline_jitter": "c99063234f267b0eb2381f5503ac8ed54652abfd1c15343fd876a3c33a3630bc",
    "tf-elastic": "d43e50914543ff18ec8e072be11ff59f4391c1890e249e2e5da5c90dc88ff031",
    "tf-grid_distortion": "dbf35de7c4167326ff816af68872e1c37ce8ad59edfe401be03cec7152956af8",
    "tf-optical_distortion": "97a080458c7f66f0a1d24283f0d579ac1ef7973902938f48259247592efc5b05",
    "tf-stroke_thickness": "5dd1a2b776e10c286ed73122050209c157f8428260ca076a013f092719ffb011",
    "tf-blur": "275b8ad850c227c8f07e928f8445d6cbb5a7708b3d2a4abbc89e21d5cb68c749",
    "tf-median_blur": "7982089d539a0c62afdfb1758d759606e2f76c9c9f1800e321c0b05f4ef03db7",
    "tf-gaussian_noise": "e16906e9b93e187ab7fa7835e1d8c9eeabc27edb008881b2ba53ba9d02c58e45",
    "tf-salt_and_pepper": "5934cc1685b46a6f8089015cb770bb95495acb1a2f047e70c2a4e51e781ff049",
    "tf-brightness_contrast": "6372e398e27c8487574fbf60e66b185219659ab90b1dcc8fa7a5a6cfbe6695e7",
    "tf-emboss": "101c2dc23c2a6af9c109e787a7eb60002899f975980c5e4bb008111afd06b167",
    "tf-paper_tone": "d8fa8d1fa2465c7571943c49f5b1da82c2a7fe403c35dc897c8b2387fe52035f",
    "tf-paper": "fbc5dad7a0aaae5677c725602ba1ea65427eb9b01a01aa8e87335ef337239c78",
    "tf-security_pattern": "9dc89c1791b062ebc7fbb5c129624655fa4a319c7394de527b3842b481beb5f1",
    "tf-ink_variation": "f69de7bca50c1d84fafe75c2665307216dffbde3c87b72826d2ca4eb5fa2e9fb",
    "tf-baseline_rule": "1f3c1c3b408840056c6f808c8d112e0cfbe96cc4813fde9e7eb484d5ea9cf664",
    "tf-comb_boxes": "4f619abbd0deab6e186cc1c095149fb02d8f48918b0e95f1fa71e96bbde31625",
    "tf-field_frame": "92e20953513fadc4de8d584d83fc320ee37345befa7dfd8f8c8564e521d61401",
    "tf-stray_strokes": "f15e75b89a4df39a0f9050ee5c438d23a3fb2b84bcbb585ed28d02e61abd04f7",
    "tf-downscale": "41f0474c288670f0122c6e6a7d8ac9ea7800d29efebe542419624031460a4d69",
    "tf-jpeg": "dd4dfe83b52a0355291b20f024d517a3796ad0660f3381958966d46c0cfb3895",
    "tf-scan_warp": "b69e1a69ad9cb6a25549eb8dd31dc216fb9089c74c851b0845af787774003d59",
    "tf-illumination": "35784a3c13e771731ed80eddec0de427cdfe8c3d1d26ae6e39eb889e11ffd138",
    "tf-binarize": "48d7e62a3fd3c3b882ff06fe738e2fe529c7908e1bff86700616c155bf18ddbd",
    "module-function": "47f0398ccd9af7039ff80c0e724d2025e90c99ca173654447cf39a7ab4138f45",
    "batches-phone": "e553b155facaba056ae34c68b067f0cd37eaea40bc4806ed8a49da1ca75503ec",
    "batches-pattern-sep": "aa06de746970427d1cc17afbfd6606e07b0a19ff50bc5e88c40da214a02e643f",
    "batches-random-aug": "2f77458a731907d4397760dd0bb1eeb52b0988c6221bb09e602d4691b274da91",
    "batches-stretch": "3e0de02b11f91b97b2b1ed5a2e61bd8315ff1f1868b645ccab4c378bcf93550d",
    "phone-files": "5dc06e7271c4b5a003b058d7dd486a1f4bd35287482ca4b0aa9460221a10dd1a",
    "export-png": "562442df8b0085a9372e28b282ddf6bb17f1f054f3b0e253e91e38a37b815d92",
    "export-webdataset": "e8ae83cd555ef625cb87f1341b5eadc7b74705aeae21f4e64f2a1a445db401d2",
    "export-npz": "7665501b8c8988b946f425985a50d9dbc3846cf79b38ffcf3ea315623ce9b811",
    "export-png-augmented": "0cba85715589be1a867ca00dbb3e563613221c36d147e330c76d8978cc8f0355",
    "torch": "3adc7f2b8c78c841e0bdc33db1c5a2bf3578ee1438785554348d4819833e0d6e",
    "preview": "0bde9d56b50b45042593cbf35beaadb570a8e601255813747d7e87b4d90973ad",
}


@pytest.mark.parametrize("name", list(CASES))
def test_seeded_output_is_unchanged(name: str, mnist_test: ng.DigitDataset, tmp_path: Path) -> None:
    if name == "torch":
        require("torch")
    assert CASES[name](mnist_test, tmp_path) == EXPECTED[name], f"seeded output of {name} changed"


if __name__ == "__main__":  # print the table of current digests
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import MNIST_DIR

    os.environ.setdefault("NUMBER_GENERATOR_CACHE_DIR", tempfile.mkdtemp())
    data = ng.load_mnist("test", MNIST_DIR)
    print("EXPECTED: dict[str, str] = {")
    for case_name, case_fn in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            print(f'    "{case_name}": "{case_fn(data, Path(tmp))}",')
    print("}")
