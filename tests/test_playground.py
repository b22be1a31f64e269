"""The playground page in a real headless browser (Playwright driving Debian's chromium).

A uvicorn server runs the app in a thread on a free port of 127.0.0.1; the
browser types a number, presses Generate and must show a PNG of the requested
size, offer it for download, and show the server's message for bad input. A
screenshot is saved on failure (its path is in the failure message).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import uvicorn

from _helpers import require
from number_generator import DigitDataset, SequenceGenerator
from number_generator.service import Settings, create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    if os.environ.get("CI"):  # CI installs it (.ci/run): its absence is a failure there
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = require("playwright.sync_api")


@pytest.fixture(scope="module")
def server_url(mnist_test: DigitDataset) -> Iterator[str]:
    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="playground-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 700})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.problems = problems
    yield page
    context.close()


def run_with_screenshot(page: Any, tmp_path: Path, check: Any) -> None:
    try:
        check()
    except BaseException as error:
        shot = tmp_path / "playground-failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception as shot_error:  # the page may be gone
            raise AssertionError(f"{error} (no screenshot: {shot_error})") from error
        raise AssertionError(f"{error}\nscreenshot: {shot}") from error


def test_type_a_number_and_generate(page: Any, server_url: str, tmp_path: Path) -> None:
    def check() -> None:
        page.goto(server_url + "/")
        # The page draws its default example on load.
        page.wait_for_selector('#image[data-digits="0901234567"]')
        page.fill("#digits", "31415926")
        page.fill("#image_width", "200")
        page.fill("#seed", "7")
        page.click("#generate")
        image = page.wait_for_selector('#image[data-digits="31415926"]')
        size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert size == [200, 28]
        shown = image.bounding_box()
        assert shown["width"] == pytest.approx(600, abs=1)  # readable: 3x zoom by default
        assert "200 \u00d7 28 px, seed 7" in page.inner_text("#caption")  # "200 x 28"
        assert page.is_hidden("#error")

        link = page.locator("#download")
        assert link.get_attribute("download") == "31415926.png"
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == "31415926.png"
        saved = tmp_path / "download.png"
        download.save_as(str(saved))
        pixels = cv2.imread(str(saved), cv2.IMREAD_UNCHANGED)
        assert pixels.shape == (28, 200) and pixels.dtype == np.uint8
        # The same request through the API gives the same bytes (seeded).
        api = page.request.get(
            server_url + "/generate.png?digits=31415926&image_width=200&seed=7"
            "&spacing_min=2&spacing_max=8&image_height=28&fit=pad&augment=false"
        )
        assert api.body() == saved.read_bytes()

        page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
        page.select_option("#zoom", "1")
        assert image.bounding_box()["width"] == pytest.approx(200, abs=1)
        assert page.problems == []

    run_with_screenshot(page, tmp_path, check)


def test_bad_input_shows_the_servers_message(page: Any, server_url: str, tmp_path: Path) -> None:
    def check() -> None:
        page.goto(server_url + "/")
        page.wait_for_selector('#image[data-digits="0901234567"]')
        page.fill("#image_width", "999999")
        page.click("#generate")
        error = page.wait_for_selector("#error:not([hidden])")
        assert "image_width" in error.inner_text()
        assert "at most 4096" in error.inner_text()
        # The previous image is gone: nothing under the error looks like its answer.
        assert page.is_hidden("#figure")
        assert page.get_attribute("#image", "src") in (None, "")
        assert page.inner_text("#caption") == ""
        assert page.get_attribute("#download", "href") == "#"
        page.fill("#image_width", "280")
        page.fill("#digits", "12a")
        page.click("#generate")
        page.wait_for_function(
            "() => document.querySelector('#error').textContent.includes('digits')"
        )
        assert page.is_hidden("#figure")
        # Separators are drawn, and the download's name keeps them safely.
        page.fill("#digits", "090-1234/56")
        page.click("#generate")
        page.wait_for_selector('#image[data-digits="090-1234/56"]')
        assert page.is_hidden("#error") and page.is_visible("#figure")
        assert page.get_attribute("#download", "download") == "090-1234-56.png"
        # 422 answers are logged by the browser as failed resources; nothing else went wrong.
        assert [p for p in page.problems if "422" not in p] == []

    run_with_screenshot(page, tmp_path, check)


def test_writer_same_names_the_writer(page: Any, server_url: str, tmp_path: Path) -> None:
    def check() -> None:
        page.goto(server_url + "/")
        page.wait_for_selector('#image[data-digits="0901234567"]')
        assert "writer" not in page.inner_text("#caption")  # any writer: none named
        page.fill("#digits", "5551234")
        page.fill("#seed", "3")
        page.select_option("#writer", "same")
        page.click("#generate")
        page.wait_for_selector('#image[data-digits="5551234"]')
        api = page.request.get(
            server_url + "/generate.png?digits=5551234&image_width=280&seed=3&writer=same"
        )
        writers = set(api.headers["x-writers"].split(","))
        assert len(writers) == 1
        assert page.inner_text("#caption").endswith(f"seed 3, writer {writers.pop()}")
        assert "writer=same" in (page.get_attribute("#direct", "href") or "")
        assert page.problems == []

    run_with_screenshot(page, tmp_path, check)


def test_contour_spacing_and_symbols(page: Any, server_url: str, tmp_path: Path) -> None:
    def check() -> None:
        page.goto(server_url + "/")
        page.wait_for_selector('#image[data-digits="0901234567"]')
        page.fill("#digits", "(03) 1,234.56")
        page.fill("#image_width", "300")
        page.fill("#seed", "5")
        page.fill("#spacing_min", "0")
        page.fill("#spacing_max", "1")
        page.select_option("#spacing_mode", "contour")
        page.click("#generate")
        page.wait_for_selector('#image[data-digits="(03) 1,234.56"]')
        assert page.is_hidden("#error")
        link = page.locator("#download")
        assert link.get_attribute("download") == "03-1-234-56.png"
        with page.expect_download() as info:
            link.click()
        saved = tmp_path / "contour.png"
        info.value.save_as(str(saved))
        query: dict[str, Any] = {
            "digits": "(03) 1,234.56", "image_width": 300, "seed": 5, "spacing_min": 0,
            "spacing_max": 1, "image_height": 28, "fit": "pad", "augment": "false",
        }  # fmt: skip
        contour = page.request.get(
            server_url + "/generate.png", params={**query, "spacing_mode": "contour"}
        )
        ink = page.request.get(
            server_url + "/generate.png", params={**query, "spacing_mode": "ink"}
        )
        assert contour.body() == saved.read_bytes() != ink.body()
        assert page.problems == []

    run_with_screenshot(page, tmp_path, check)


def test_docs_render_offline(page: Any, server_url: str, tmp_path: Path) -> None:
    """/docs shows the API with nothing but this server (the browser may reach nothing else)."""

    def check() -> None:
        elsewhere: list[str] = []

        def only_local(route: Any) -> None:
            if route.request.url.startswith(server_url + "/"):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.goto(server_url + "/docs")
        title = page.wait_for_selector("#swagger-ui .info .title")
        assert "number_generator" in title.inner_text()
        page.wait_for_selector("text=/generate.png")
        assert elsewhere == []
        assert page.problems == []  # no CSP violation, no script error

    run_with_screenshot(page, tmp_path, check)


def test_chromium_is_the_debian_one() -> None:
    assert shutil.which("chromium") == str(CHROMIUM)
