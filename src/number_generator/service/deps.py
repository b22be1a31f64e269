"""Request dependencies: the service state, and the generator once it is ready."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..compose import SequenceGenerator
from .state import ServiceState

__all__ = ["ReadyGenerator", "State", "get_state", "ready_generator"]

#: Seconds a client is asked to wait before retrying while the data loads.
RETRY_AFTER = 1


async def get_state(request: Request) -> ServiceState:
    """The :class:`ServiceState` of the app serving ``request``."""
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(get_state)]


async def ready_generator(state: State) -> SequenceGenerator:
    """The loaded generator, or 503 (with ``Retry-After``) while it is not."""
    if state.generator is None:
        detail = (
            f"the dataset failed to load: {state.error}"
            if state.error
            else "the dataset is still loading; retry shortly"
        )
        raise HTTPException(503, detail, headers={"Retry-After": str(RETRY_AFTER)})
    return state.generator


ReadyGenerator = Annotated[SequenceGenerator, Depends(ready_generator)]
