"""`GET /api/documents/{id}` and its stored versions."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DocumentDep, IndexDep
from api.schemas import DocumentOut, VersionOut, VersionsOut

router = APIRouter(prefix="/api/documents", tags=["documents"])

_NOT_FOUND = {404: {"description": "No document has this id."}}


@router.get("/{doc_id}", response_model=DocumentOut, summary="One document", responses=_NOT_FOUND)
def read_document(document: DocumentDep, index: IndexDep) -> DocumentOut:
    """The latest version with its entities, indicator evidence, risk explanation and capture."""
    return DocumentOut.from_document(document, versions=len(index.versions(document.id)))


@router.get(
    "/{doc_id}/versions",
    response_model=VersionsOut,
    summary="Every stored version of a document",
    responses=_NOT_FOUND,
)
def read_versions(document: DocumentDep, index: IndexDep) -> VersionsOut:
    """What the ad said each time it changed, oldest first."""
    versions = [VersionOut.from_document(version) for version in index.versions(document.id)]
    return VersionsOut(id=document.id, total=len(versions), versions=versions)
