"""``GET /health``: 200 with the version and dataset once the data is loaded, else 503."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .._version import __version__
from .deps import RETRY_AFTER, State
from .schemas import HealthDataset, HealthResponse

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Is the service ready?",
    responses={503: {"model": HealthResponse, "description": "The data is not loaded (yet)."}},
)
async def health(state: State) -> JSONResponse:
    """``status: "ok"`` with the dataset's name, split and size once loaded; 503 until then."""
    generator = state.generator
    if generator is None:
        body = HealthResponse(
            status="error" if state.error else "loading",
            version=__version__,
            detail=state.error or "the dataset is still loading",
        )
        return JSONResponse(
            body.model_dump(), status_code=503, headers={"Retry-After": str(RETRY_AFTER)}
        )
    dataset = generator.dataset
    body = HealthResponse(
        status="ok",
        version=__version__,
        dataset=HealthDataset(name=dataset.name, split=dataset.split, size=len(dataset)),
    )
    return JSONResponse(body.model_dump(exclude_none=True))
