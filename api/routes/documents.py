"""`GET /api/documents/{id}`, its stored versions, related documents and screenshot."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from api.deps import AuditDep, DocumentDep, EvidenceDirDep, IndexDep, ReaderDep
from api.evidence import screenshot_file
from api.related import RelatedOut, related_documents
from api.schemas import DocumentOut, VersionOut, VersionsOut

router = APIRouter(prefix="/api/documents", tags=["documents"])

_NOT_FOUND = {404: {"description": "No document has this id."}}


@router.get("/{doc_id}", response_model=DocumentOut, summary="One document", responses=_NOT_FOUND)
def read_document(
    user: ReaderDep, document: DocumentDep, index: IndexDep, audit: AuditDep
) -> DocumentOut:
    """The latest version with its entities, indicator evidence, risk explanation and capture."""
    audit.record(user, "view", document.id, {"via": "api"})
    return DocumentOut.from_document(document, versions=len(index.versions(document.id)))


@router.get(
    "/{doc_id}/versions",
    response_model=VersionsOut,
    summary="Every stored version of a document",
    responses=_NOT_FOUND,
)
def read_versions(
    user: ReaderDep, document: DocumentDep, index: IndexDep, audit: AuditDep
) -> VersionsOut:
    """What the ad said each time it changed, oldest first."""
    audit.record(user, "view", document.id, {"via": "api", "part": "versions"})
    versions = [VersionOut.from_document(version) for version in index.versions(document.id)]
    return VersionsOut(id=document.id, total=len(versions), versions=versions)


@router.get(
    "/{doc_id}/related",
    response_model=RelatedOut,
    summary="Documents sharing a phone, an e-mail or a near-duplicate cluster",
    responses=_NOT_FOUND,
)
def read_related(
    user: ReaderDep, document: DocumentDep, index: IndexDep, audit: AuditDep
) -> RelatedOut:
    """Per shared phone, e-mail and cluster: how many other documents share it, and the
    riskiest ten of them."""
    # Related documents show the phones and e-mails shared: a view of personal data.
    audit.record(user, "view", document.id, {"via": "api", "part": "related"})
    return related_documents(index, document)


@router.get(
    "/{doc_id}/screenshot",
    response_class=FileResponse,
    summary="The screenshot taken when the page was captured",
    responses={
        200: {"content": {"image/png": {}}},
        404: {"description": "No such document, no screenshot, or it fails its digest."},
    },
)
def read_screenshot(
    user: ReaderDep, document: DocumentDep, folder: EvidenceDirDep, audit: AuditDep
) -> FileResponse:
    """The PNG, re-hashed first: one that no longer matches its SHA-256 is not served."""
    path = screenshot_file(folder, document.capture) if folder is not None else None
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no screenshot of document {document.id!r}")
    audit.record(user, "view", document.id, {"via": "api", "part": "screenshot"})
    return FileResponse(path, media_type="image/png")
