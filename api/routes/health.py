"""`GET /healthz`: is the index answering, which backend, how many documents."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from api.deps import IndexDep
from api.schemas import HealthOut
from index.base import IndexBackend
from index.errors import IndexBackendError

router = APIRouter(tags=["health"])


def backend_name(index: IndexBackend) -> str:
    """The backend as an operator names it: EmbeddedIndex -> "embedded"."""
    return type(index).__name__.removesuffix("Index").lower() or type(index).__name__


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Liveness and index health",
    responses={503: {"description": "The index cannot answer; `detail` says why."}},
)
def healthz(index: IndexDep) -> HealthOut:
    try:
        documents = index.count()
    except IndexBackendError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"index: {error}") from error
    return HealthOut(status="ok", backend=backend_name(index), documents=documents)
