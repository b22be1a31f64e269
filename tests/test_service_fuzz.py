"""Fuzz the web service from its own OpenAPI schema (schemathesis): never a 5xx.

Requests go in-process to the ASGI app (no network at all). Bounded: a fixed
number of generated cases per operation, valid and invalid ones, derandomized
so that every run tries the same cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from number_generator import DigitDataset, SequenceGenerator
from number_generator.service import Settings, create_app

MAX_EXAMPLES = 40

pytestmark = pytest.mark.slow


def _no_loading() -> SequenceGenerator:
    raise RuntimeError("the fixture below attaches the data")


# The schema is read at import, without starting the app (no lifespan, so nothing is
# loaded: the environment pointing at the test data is only set once the session starts);
# the data is attached by the fixture below, before any case runs.
APP = create_app(Settings(), loader=_no_loading)
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP


@pytest.fixture(autouse=True, scope="module")
def _serve_mnist_test(mnist_test: DigitDataset) -> Iterator[None]:
    APP.state.service.generator = SequenceGenerator(mnist_test)
    yield
    APP.state.service.generator = None


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])
