"""The web service through FastAPI's TestClient: seed 004's API, PNG answers, limits, errors."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import jsonschema_rs  # schemathesis's validator
import numpy as np
import pytest
from fastapi.testclient import TestClient

from number_generator import (
    DatasetNotFoundError,
    DigitDataset,
    InvalidParameterError,
    NumberGeneratorError,
    SequenceGenerator,
    __version__,
)
from number_generator._util.text import OFF_WORDS, ON_WORDS
from number_generator.augment import PRESETS, TRANSFORM_NAMES, resolve_augment
from number_generator.service import Settings, create_app, get_settings
from number_generator.service.generate import wants_png
from number_generator.service.jobs import augment_value

SEED_004_PAYLOAD = {
    "augment": "false",
    "number": 42,
    "spacing_min": 5,
    "spacing_max": 10,
    "image_width": 56,
}
SEED_004_KEYS = {
    "augment",
    "generatedImage",
    "number",
    "spacing_min",
    "spacing_max",
    "image_width",
    "taskId",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def client(mnist_test: DigitDataset) -> Iterator[TestClient]:
    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    with TestClient(app) as test_client:
        yield test_client


def decode_png(data: bytes) -> np.ndarray[Any, np.dtype[np.uint8]]:
    assert data.startswith(PNG_SIGNATURE)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.dtype == np.uint8
    return np.asarray(image)


def library_image(mnist_test: DigitDataset, digits: str, **options: Any) -> Any:
    """What the library draws for the same request (the service must match it exactly)."""
    spacing = (options.pop("spacing_min", 2), options.pop("spacing_max", 8))
    width = options.pop("image_width", None)
    return SequenceGenerator(mnist_test).render(digits, spacing, width, **options)


def augmentation_available(value: Any) -> bool:
    """Whether the library (in its current state) accepts this ``augment`` value."""
    try:
        resolve_augment(augment_value(value))
    except NumberGeneratorError:
        return False
    return True


# --- seed 004's API ----------------------------------------------------------------------


def test_seed_004_payload_answers_seed_004_keys(
    client: TestClient, mnist_test: DigitDataset
) -> None:
    response = client.post("/generate", json=SEED_004_PAYLOAD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body.keys() >= SEED_004_KEYS
    assert {key: body[key] for key in SEED_004_PAYLOAD} == SEED_004_PAYLOAD
    image = np.asarray(body["generatedImage"], dtype=np.float32)
    assert image.shape == (28, 56)
    assert 0.0 <= image.min() < 0.5 and image.max() == 1.0
    assert isinstance(body["taskId"], str) and body["taskId"].isalnum()
    # The floats are the library's float32 values, exactly.
    expected = library_image(
        mnist_test, "42", spacing_min=5, spacing_max=10, image_width=56, seed=body["seed"]
    )
    np.testing.assert_array_equal(image, expected.image)


def test_same_seed_same_image_and_task_ids_differ(client: TestClient) -> None:
    payload = {**SEED_004_PAYLOAD, "seed": 123}
    first, second = (client.post("/generate", json=payload).json() for _ in range(2))
    assert first["generatedImage"] == second["generatedImage"]
    assert first["seed"] == second["seed"] == 123
    assert first["taskId"] != second["taskId"]


@pytest.mark.parametrize(
    ("sent", "number", "digits"),
    [
        ({"digits": "0901234567"}, "0901234567", "0901234567"),
        ({"digits": [0, 4, 2]}, "042", "042"),
        ({"number": "0042"}, "0042", "0042"),
        ({"number": 1234560}, 1234560, "1234560"),
    ],
    ids=["digits-string-keeps-leading-zero", "digits-list", "number-string", "number-int"],
)
def test_digits_forms(client: TestClient, sent: dict[str, Any], number: Any, digits: str) -> None:
    response = client.post("/generate", json={**sent, "image_width": 280, "seed": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["number"], body["digits"]) == (number, digits)
    assert np.asarray(body["generatedImage"]).shape == (28, 280)


@pytest.mark.parametrize(
    ("sent", "text", "digits"),
    [
        ({"digits": "090-1234"}, "090-1234", "0901234"),
        ({"number": "090 1234/56"}, "090 1234/56", "090123456"),
        ({"digits": "12//34"}, "12//34", "1234"),
    ],
    ids=["digits-dash", "number-space-slash", "doubled"],
)
def test_separators_are_drawn_as_the_library_draws_them(
    client: TestClient, mnist_test: DigitDataset, sent: dict[str, Any], text: str, digits: str
) -> None:
    response = client.post("/generate", json={**sent, "image_width": 200, "seed": 4})
    assert response.status_code == 200, response.text
    body = response.json()
    # seed 004's `number` echoes what was sent; `digits` holds the digits only.
    assert (body["number"], body["digits"]) == (text, digits)
    expected = library_image(mnist_test, text, image_width=200, seed=4)
    np.testing.assert_array_equal(np.asarray(body["generatedImage"], np.float32), expected.image)
    png = client.get("/generate.png", params={"digits": text, "image_width": 200, "seed": 4})
    assert png.status_code == 200, png.text
    np.testing.assert_array_equal(decode_png(png.content), expected.paper)
    assert png.headers["x-digits"] == digits
    assert png.headers["content-disposition"] == f'inline; filename="{digits}.png"'


def test_options_fit_height_and_natural_width(client: TestClient, mnist_test: DigitDataset) -> None:
    options = {"image_height": 40, "fit": "stretch", "seed": 5}
    body = client.post("/generate", json={"digits": "314", "image_width": 90, **options}).json()
    image = np.asarray(body["generatedImage"], dtype=np.float32)
    assert image.shape == (40, 90)
    np.testing.assert_array_equal(
        image, library_image(mnist_test, "314", image_width=90, **options).image
    )
    natural = client.post("/generate", json={"digits": "314", "seed": 5}).json()
    expected = library_image(mnist_test, "314", seed=5).image
    assert natural["image_width"] == expected.shape[1]
    assert np.asarray(natural["generatedImage"]).shape == expected.shape


@pytest.mark.parametrize(
    "augment",
    ["true", "TRUE", True, 1, "light", "medium", "heavy"],
    ids=["string-true", "string-TRUE", "bool-true", "int-1", "light", "medium", "heavy"],
)
def test_augmentation_follows_the_library(client: TestClient, augment: Any) -> None:
    """Accepted exactly when the library accepts it: 200 once augmentation exists, else 422."""
    payload = {**SEED_004_PAYLOAD, "augment": augment, "seed": 3}
    response = client.post("/generate", json=payload)
    if augmentation_available(augment):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["augment"] == augment
        image = np.asarray(body["generatedImage"], dtype=np.float32)
        assert image.shape == (28, 56) and image.min() >= 0.0 and image.max() <= 1.0
        again = client.post("/generate", json=payload).json()
        assert again["generatedImage"] == body["generatedImage"]
    else:
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "augment"]


@pytest.mark.parametrize(
    "augment",
    ["false", "FALSE", False, 0, "0", "none"],
    ids=["str", "upper", "bool", "int", "zero", "none"],
)
def test_augmentation_off(client: TestClient, augment: Any) -> None:
    plain = client.post("/generate", json={**SEED_004_PAYLOAD, "seed": 9}).json()
    response = client.post("/generate", json={**SEED_004_PAYLOAD, "augment": augment, "seed": 9})
    assert response.status_code == 200
    assert response.json()["generatedImage"] == plain["generatedImage"]


#: Every word `augment` takes as a string: on/off words, presets, transform names.
AUGMENT_WORDS = [*sorted(ON_WORDS | OFF_WORDS), *PRESETS, *TRANSFORM_NAMES]
AUGMENT_CANDIDATES = [
    *AUGMENT_WORDS,
    *(word.upper() for word in AUGMENT_WORDS),
    " Light ",
    "\ttrue\n",
    "no-such-preset",
    "light,heavy",
    "true1",
    "lightx",
    "0.5",
    "yes please",
]


def test_schema_names_exactly_the_augment_words_the_server_accepts(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    request = schema["components"]["schemas"]["GenerateRequest"]["properties"]
    (body_branch,) = [b for b in request["augment"]["anyOf"] if b.get("type") == "string"]
    get_png = schema["paths"]["/generate.png"]["get"]
    (query,) = [p["schema"] for p in get_png["parameters"] if p["name"] == "augment"]
    assert body_branch["pattern"] == query["pattern"]
    pattern = re.compile(body_branch["pattern"])
    for word in ("true", "false", "light", "medium", "heavy", "elastic", "paper_tone"):
        assert f"`{word}`" in body_branch["description"]
    for candidate in AUGMENT_CANDIDATES:
        documented = pattern.fullmatch(candidate) is not None
        answer = client.post("/generate", json={"number": 42, "augment": candidate, "seed": 1})
        assert (answer.status_code == 200) == documented, (candidate, answer.text)
        png = client.get("/generate.png", params={"digits": "42", "augment": candidate})
        assert (png.status_code == 200) == documented, (candidate, png.text)


def test_readme_lists_the_augment_words() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Web service") :]
    section = section[: section.index("\n## ", 1)]
    for word in AUGMENT_WORDS:
        assert f"`{word}`" in section if word else '`""`' in section, word


# --- PNG answers ---------------------------------------------------------------------------


def test_accept_png_answers_png(client: TestClient, mnist_test: DigitDataset) -> None:
    payload = {"digits": "0901234567", "image_width": 280, "seed": 11}
    response = client.post("/generate", json=payload, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-seed"] == "11"
    assert response.headers["x-digits"] == "0901234567"
    image = decode_png(response.content)
    assert image.shape == (28, 280)
    expected = library_image(mnist_test, "0901234567", image_width=280, seed=11)
    np.testing.assert_array_equal(image, expected.paper)


def test_get_generate_png(client: TestClient, mnist_test: DigitDataset) -> None:
    params = {"digits": "0123456789", "image_width": 280, "spacing_min": 1, "spacing_max": 4}
    response = client.get("/generate.png", params={**params, "seed": 4})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert 'filename="0123456789.png"' in response.headers["content-disposition"]
    image = decode_png(response.content)
    expected = library_image(
        mnist_test, "0123456789", image_width=280, spacing_min=1, spacing_max=4, seed=4
    )
    np.testing.assert_array_equal(image, expected.paper)
    unseeded = client.get("/generate.png", params=params)
    assert int(unseeded.headers["x-seed"]) >= 0


@pytest.mark.parametrize(
    ("accept", "png"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("image/png", True),
        ("image/*", True),
        ("image/png, application/json", False),
        ("application/json;q=0.5, image/png", True),
        ("image/png;q=0", False),
        ("text/html", False),
        ("image/png;q=bad", False),
    ],
    ids=lambda value: str(value),
)
def test_accept_negotiation(accept: str | None, png: bool) -> None:
    assert wants_png(accept) is png


# --- validation: 422 naming the field ------------------------------------------------------

BAD_BODIES = [
    ({"number": "4a2"}, "number", "number='4a2': 'a' is neither a digit nor a separator"),
    ({"number": -42}, "number", "number=-42: must be a non-negative integer"),
    ({"number": 4.2}, "number", "number=4.2: expected a non-negative integer or a string"),
    ({"number": True}, "number", "number=True: expected a non-negative integer or a string"),
    ({"number": None}, "number", "number (or digits) is required"),
    ({"digits": "12*3"}, "digits", "digits='12*3': '*' is neither a digit nor a separator"),
    ({"digits": [1, 12]}, "digits", "digits[1]: 12 is not a digit"),
    ({"digits": [1, "a"]}, "digits", "digits=[1, 'a']: expected the digits as a string or"),
    ({"digits": ""}, "digits", "digits='': holds no digit"),
    ({"number": 42, "digits": "42"}, "digits", "digits='42': give either number or digits"),
    (
        {"number": 42, "image_width": -5},
        "image_width",
        "image_width=-5: must be in the range 1..4096",
    ),
    (
        {"number": 42, "image_width": 0},
        "image_width",
        "image_width=0: must be in the range 1..4096",
    ),
    (
        {"number": 42, "image_width": "56"},
        "image_width",
        "image_width='56': expected an integer 1..4096, or null",
    ),
    (
        {"number": 42, "image_width": 56.5},
        "image_width",
        "image_width=56.5: expected an integer 1..4096",
    ),
    (
        {"number": 42, "image_width": 56.0},
        "image_width",
        "image_width=56.0: expected an integer 1..4096",
    ),
    (
        {"number": 42, "image_width": 4097},
        "image_width",
        "image_width=4097: must be in the range 1..4096 (at most 4096",
    ),
    (
        {"number": 42, "image_width": 10**30},
        "image_width",
        f"image_width={10**30}: must be in the range 1..4096 (at most 4096",
    ),
    (
        {"number": 42, "image_height": 257},
        "image_height",
        "image_height=257: must be in the range 8..256 (at most 256",
    ),
    (
        {"number": 42, "image_height": 4},
        "image_height",
        "image_height=4: must be in the range 8..256",
    ),
    (
        {"number": 42, "spacing_min": 10, "spacing_max": 5},
        "spacing_min",
        "spacing_min=10 is greater than spacing_max=5",
    ),
    (
        {"number": 42, "spacing_min": -20, "spacing_max": 5},
        "spacing_min",
        "spacing_min=-20: must be in the range -14..5 at image_height 28",
    ),
    (
        {"number": 42, "spacing_min": -600},
        "spacing_min",
        "spacing_min=-600: must be in the range -512..4096",
    ),
    (
        {"number": 42, "spacing_min": "5"},
        "spacing_min",
        "spacing_min='5': expected an integer -512..4096",
    ),
    (
        {"number": 42, "spacing_max": 5000},
        "spacing_max",
        "spacing_max=5000: must be in the range 2..4096 (at most 4096",
    ),
    (
        {"number": 42, "spacing_max": None},
        "spacing_max",
        "spacing_max=None: expected an integer -512..4096",
    ),
    ({"number": 42, "fit": "crop"}, "fit", "fit='crop': expected one of 'pad', 'stretch'"),
    ({"number": 42, "seed": -1}, "seed", "seed=-1: must be in the range 0..9223372036854775807"),
    (
        {"number": 42, "seed": "7"},
        "seed",
        "seed='7': expected an integer 0..9223372036854775807, or null for a random seed",
    ),
    (
        {"number": 42, "augment": "no-such-preset"},
        "augment",
        "augment='no-such-preset': expected true or false, 1 or 0, or one of the words 'false'",
    ),
    (
        {"number": 42, "augment": 2},
        "augment",
        "augment=2: expected true or false, 1 or 0, or one of the words",
    ),
    ({"number": 42, "augment": None}, "augment", "augment=None: expected true or false"),
    (
        {"number": 42, "imagewidth": 56},
        "imagewidth",
        "imagewidth=56: unknown field; the fields are number, digits, spacing_min",
    ),
    (
        {"number": int("9" * 65)},
        "number",
        "number: 65 digits is more than this server's limit of 64",
    ),
    (
        {"digits": "1" * 65, "image_width": 100},
        "digits",
        "digits: 65 digits is more than this server's limit of 64",
    ),
    (
        {"digits": "1-" * 64 + "1", "image_width": 100},
        "digits",
        "digits: 129 characters is more than this server's limit of 128",
    ),
    (
        {"digits": [1] * 65, "image_width": 100},
        "digits",
        "digits: 65 digits is more than this server's limit of 64",
    ),
    (
        {"digits": "1" * 64, "image_height": 256, "image_width": 100},
        "digits",
        "digits: 64 characters at image_height 256",
    ),
    (
        {"digits": "12", "spacing_max": 4096, "image_height": 256},
        "spacing_max",
        "spacing_max=4096: 2 characters at image_height 256",
    ),
    ({"digits": "1" * 64, "spacing_max": 100}, "image_width", "image_width is required here"),
]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    BAD_BODIES,
    ids=[f"{field}-{i}" for i, (_, field, _) in enumerate(BAD_BODIES)],
)
def test_bad_body_is_422_naming_the_field(
    client: TestClient, payload: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/generate", json=payload)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    located = [item for item in detail if item["loc"][:2] == ["body", field]]
    assert located, detail
    assert located[0]["msg"].startswith(message), located[0]["msg"]
    # FastAPI's shape, one item per field, each in the library's words.
    assert all(item.keys() == {"type", "loc", "msg", "input"} for item in detail), detail
    assert len({tuple(item["loc"]) for item in detail}) == len(detail)
    assert not [item for item in detail if "should" in item["msg"]], detail


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"number": 42,', "application/json"),
        (b"", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"42"', "application/json"),
        (b"number=42", "application/x-www-form-urlencoded"),
        (b'{"number": ' + b"9" * 5000 + b"}", "application/json"),
        (b'{"number": NaN}', "application/json"),
        (b"\xff\xfe{}", "application/json"),
    ],
    ids=["truncated", "empty", "array", "string", "form", "int-over-4300-digits", "nan", "utf16"],
)
def test_malformed_body_is_422(client: TestClient, content: bytes, content_type: str) -> None:
    response = client.post("/generate", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422, response.text
    (item,) = response.json()["detail"]
    assert item["loc"][0] == "body"
    # The library's words: what is wrong and what to send, not pydantic's generic ones.
    assert item["msg"].startswith(("the body", "body=", "number=")), item["msg"]
    assert "should" not in item["msg"] and "Field required" not in item["msg"]


def test_body_over_the_limit_is_refused_before_parsing(client: TestClient) -> None:
    payload = {"digits": "1" * 20_000}
    response = client.post("/generate", json=payload)
    assert response.status_code == 413
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert "16384 bytes" in response.json()["detail"][0]["msg"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"digits": "'
        for _ in range(40):
            yield b"1" * 1000
        yield b'"}'

    streamed = client.post(
        "/generate", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


BAD_QUERIES = [
    ({"digits": "12a"}, "digits", "digits='12a': 'a' is neither a digit nor a separator"),
    ({"digits": ""}, "digits", "digits='': holds no digit"),
    ({}, "digits", "digits is required: give the digits to draw"),
    ({"digits": "1" * 65, "image_width": 100}, "digits", "digits: 65 digits is more than"),
    (
        {"digits": "42", "image_width": "0"},
        "image_width",
        "image_width=0: must be in the range 1..4096",
    ),
    (
        {"digits": "42", "image_width": "wide"},
        "image_width",
        "image_width='wide': expected an integer 1..4096, or nothing for the natural width",
    ),
    (
        {"digits": "42", "image_width": "5000"},
        "image_width",
        "image_width=5000: must be in the range 1..4096",
    ),
    (
        {"digits": "42", "image_height": "300"},
        "image_height",
        "image_height=300: must be in the range 8..256",
    ),
    (
        {"digits": "42", "spacing_min": "9", "spacing_max": "3"},
        "spacing_min",
        "spacing_min=9 is greater than spacing_max=3",
    ),
    ({"digits": "42", "fit": "zoom"}, "fit", "fit='zoom': expected one of 'pad', 'stretch'"),
    (
        {"digits": "42", "augment": "no-such-preset"},
        "augment",
        "augment='no-such-preset': expected true or false",
    ),
    ({"digits": "42", "augment": "x" * 65}, "augment", "augment='xxxxxxxxxx"),
    (
        {"digits": "42", "seed": "-3"},
        "seed",
        "seed=-3: must be in the range 0..9223372036854775807",
    ),
]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    BAD_QUERIES,
    ids=[f"{field}-{i}" for i, (_, field, _) in enumerate(BAD_QUERIES)],
)
def test_bad_query_is_422_naming_the_field(
    client: TestClient, params: dict[str, str], field: str, message: str
) -> None:
    response = client.get("/generate.png", params=params)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    located = [item for item in detail if item["loc"][:2] == ["query", field]]
    assert located, detail
    assert located[0]["msg"].startswith(message), located[0]["msg"]
    assert not [item for item in detail if "should" in item["msg"]], detail


def test_library_errors_left_unchecked_become_422(
    mnist_test: DigitDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    generator = SequenceGenerator(mnist_test)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise InvalidParameterError(
            "image_width=56: refused by the library", param="image_width", value=56
        )

    monkeypatch.setattr(generator, "render", refuse)
    with TestClient(create_app(Settings(), generator=generator)) as client:
        response = client.post("/generate", json=SEED_004_PAYLOAD)
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {
                "type": "value_error",
                "loc": ["body", "image_width"],
                "msg": "image_width=56: refused by the library",
            }
        ]
        assert client.get("/generate.png?digits=1").json()["detail"][0]["loc"][0] == "query"


# --- health and readiness ------------------------------------------------------------------


def test_health_reports_version_and_dataset(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "dataset": {"name": "mnist", "split": "test", "size": 10_000},
    }


def test_503_until_the_data_is_loaded(mnist_test: DigitDataset) -> None:
    release = threading.Event()

    def slow_loader() -> SequenceGenerator:
        release.wait(timeout=60)
        return SequenceGenerator(mnist_test)

    app = create_app(Settings(), loader=slow_loader)
    with TestClient(app) as client:
        loading = client.get("/health")
        assert loading.status_code == 503
        assert loading.json()["status"] == "loading"
        assert loading.headers["retry-after"] == "1"
        busy = client.post("/generate", json=SEED_004_PAYLOAD)
        assert busy.status_code == 503
        assert "loading" in busy.json()["detail"]
        assert client.get("/generate.png?digits=1").status_code == 503
        release.set()
        assert app.state.service.wait(timeout=60)
        assert client.get("/health").status_code == 200
        assert client.post("/generate", json=SEED_004_PAYLOAD).status_code == 200


def test_503_with_the_reason_when_loading_fails() -> None:
    def broken_loader() -> SequenceGenerator:
        raise DatasetNotFoundError("t10k-images-idx3-ubyte.gz is missing from /nowhere")

    app = create_app(Settings(), loader=broken_loader)
    with TestClient(app) as client:
        app.state.service.wait(timeout=60)
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "error"
        assert "t10k-images-idx3-ubyte.gz is missing" in health.json()["detail"]
        failed = client.post("/generate", json=SEED_004_PAYLOAD)
        assert failed.status_code == 503
        assert "failed to load" in failed.json()["detail"]


def test_default_app_loads_the_configured_dataset() -> None:
    """No generator given: the app loads ``settings.dataset`` (MNIST test split here)."""
    app = create_app(Settings())
    with TestClient(app) as client:
        assert app.state.service.wait(timeout=60)
        assert client.get("/health").json()["dataset"]["size"] == 10_000


# --- saving ------------------------------------------------------------------------------------


def test_saving_is_off_by_default(client: TestClient) -> None:
    assert Settings().save_dir is None
    assert client.app.state.service.save_dir is None  # type: ignore[attr-defined]


def test_saving_writes_task_id_and_digits(mnist_test: DigitDataset, tmp_path: Path) -> None:
    folder = tmp_path / "processed"
    app = create_app(Settings(save_dir=folder), generator=SequenceGenerator(mnist_test))
    with TestClient(app) as client:
        body = client.post("/generate", json=SEED_004_PAYLOAD).json()
        png = client.get("/generate.png", params={"digits": "007", "seed": 2})
    saved = folder / f"{body['taskId']}_42.png"
    assert decode_png(saved.read_bytes()).shape == (28, 56)
    np.testing.assert_array_equal(
        decode_png(saved.read_bytes()),
        np.rint(np.asarray(body["generatedImage"]) * 255).astype(np.uint8),
    )
    assert (folder / f"{png.headers['x-task-id']}_007.png").read_bytes() == png.content
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [saved.name, f"{png.headers['x-task-id']}_007.png"]
    )  # no temporary files left behind


def test_saved_names_of_separated_digits_are_safe(mnist_test: DigitDataset, tmp_path: Path) -> None:
    folder = tmp_path / "processed"
    app = create_app(Settings(save_dir=folder), generator=SequenceGenerator(mnist_test))
    with TestClient(app) as client:
        slash = client.post("/generate", json={"digits": "12/34", "image_width": 100}).json()
        spaced = client.get("/generate.png", params={"digits": " 090 - 1234 "})
    assert spaced.status_code == 200, spaced.text
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{slash['taskId']}_12-34.png", f"{spaced.headers['x-task-id']}_090-1234.png"]
    )


def test_save_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InvalidParameterError, match="NUMBER_GENERATOR_SAVE_DIR"):
        create_app(Settings(save_dir=blocker))


# --- settings --------------------------------------------------------------------------------


def test_settings_from_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "NUMBER_GENERATOR_MAX_DIGITS": "20",
            "NUMBER_GENERATOR_MAX_IMAGE_WIDTH": "1024",
            "NUMBER_GENERATOR_MAX_IMAGE_HEIGHT": "64",
            "NUMBER_GENERATOR_MAX_BODY_BYTES": "4096",
            "NUMBER_GENERATOR_SAVE_DIR": str(tmp_path),
            "NUMBER_GENERATOR_DATASET": "mnist",
        }
    )
    assert settings == Settings(
        dataset="mnist",
        save_dir=tmp_path,
        max_digits=20,
        max_image_width=1024,
        max_image_height=64,
        max_body_bytes=4096,
    )
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NUMBER_GENERATOR_MAX_DIGITS", "many", "expected an integer"),
        ("NUMBER_GENERATOR_MAX_DIGITS", "0", "must be an integer 1..1024"),
        ("NUMBER_GENERATOR_MAX_IMAGE_WIDTH", "100000", "must be an integer 1..16384"),
        ("NUMBER_GENERATOR_MAX_IMAGE_HEIGHT", "4", "must be an integer 8..1024"),
        ("NUMBER_GENERATOR_MAX_BODY_BYTES", "10", "must be an integer 256.."),
    ],
    ids=["not-int", "digits", "width", "height", "body"],
)
def test_bad_settings_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"{variable}=.*{message}"):
        Settings.from_env({variable: value})


def test_get_settings_is_cached_and_read_by_create_app(
    mnist_test: DigitDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_MAX_IMAGE_WIDTH", "300")
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
        assert get_settings().max_image_width == 300
        with TestClient(create_app(generator=SequenceGenerator(mnist_test))) as client:
            ok = client.post("/generate", json={"number": 1, "image_width": 300})
            over = client.post("/generate", json={"number": 1, "image_width": 301})
            schema = client.get("/openapi.json").json()
        assert (ok.status_code, over.status_code) == (200, 422)
        width = schema["components"]["schemas"]["GenerateRequest"]["properties"]["image_width"]
        assert width["anyOf"][0]["maximum"] == 300
    finally:
        get_settings.cache_clear()


# --- documentation and playground ---------------------------------------------------------------


def test_openapi_documents_json_png_and_limits(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/generate"]["post"]
    assert {"application/json", "image/png"} <= post["responses"]["200"]["content"].keys()
    assert {"413", "422", "503"} <= post["responses"].keys()
    get_png = schema["paths"]["/generate.png"]["get"]
    assert get_png["responses"]["200"]["content"]["image/png"]["schema"]["format"] == "binary"
    assert "/health" in schema["paths"]
    request = schema["components"]["schemas"]["GenerateRequest"]
    assert request["properties"]["image_width"]["anyOf"][0]["maximum"] == 4096
    assert request["properties"]["image_height"]["maximum"] == 256
    digits = request["properties"]["digits"]["anyOf"]
    # 64 digits, and as many separators between them: 128 characters
    between = "[-/ .,+():]*"
    pattern = {"maxLength": 128, "pattern": f"^{between}(?:[0-9]{between}){{1,64}}$"}
    assert pattern.items() <= digits[0].items()
    assert {"maxItems": 64}.items() <= digits[1].items()
    parameters = {p["name"]: p for p in get_png["parameters"]}
    assert pattern.items() <= parameters["digits"]["schema"].items()
    assert "| request body | 16384 bytes |" in schema["info"]["description"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


SCHEMA_CASES = [
    {"number": 42},
    {"digits": "090-1234"},
    {"digits": [0, 4]},
    {"number": None, "digits": "4"},
    {"number": 42, "digits": None},
    {"number": 42, "digits": "42"},
    {"number": "42", "digits": [4, 2]},
    {},
    {"number": None},
    {"number": None, "digits": None},
    {"number": 42, "augment": "Heavy"},
    {"number": 42, "augment": "sometimes"},
    {"number": 42, "augment": " off "},
    {"digits": "4*2"},
    {"digits": "(03) 1,234.5+6:7"},
    {"digits": "-"},
]


def test_openapi_schema_accepts_what_the_server_accepts(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    request = schema["components"]["schemas"]["GenerateRequest"]
    validator = jsonschema_rs.Draft202012Validator(request)
    for payload in SCHEMA_CASES:
        documented = validator.is_valid(payload)
        answer = client.post("/generate", json={**payload, "seed": 1})
        assert (answer.status_code == 200) == documented, (payload, answer.text)


def test_docs_load_only_local_assets_under_a_csp(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]  # no inline scripts
    assert "<script>" not in docs.text  # every script is a file of this server
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets, docs.text
    assert not [url for url in assets if "//" in url or url.startswith("/")], assets
    types = {}
    for url in assets:
        answer = client.get("/" + url)
        assert answer.status_code == 200, url
        types[url.rsplit(".", 1)[-1]] = answer.headers["content-type"]
    assert types["js"].startswith("text/javascript") and types["css"].startswith("text/css")
    script = "".join(client.get("/" + url).text for url in assets if url.endswith("init.js"))
    assert "openapi.json" in script and "validatorUrl: null" in script


def test_playground_page_and_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for element in ('id="digits"', 'id="generate"', 'id="image"', 'id="download"', 'id="seed"'):
        assert element in page.text
    assert "http" not in page.text.replace('href="docs"', "")  # nothing from elsewhere
    script = client.get("/playground.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "generate.png" in script.text
    assert client.get("/playground.css").headers["content-type"].startswith("text/css")
