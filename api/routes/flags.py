"""Flags: analysts mark a document with a taxonomy category, a confidence and a note.

GET    /api/flags                                  current flags, newest first
GET    /api/flags/categories                       what a flag may name
GET    /api/documents/{doc_id}/flags               a document's flags and their history
POST   /api/documents/{doc_id}/flags               flag (again: a new version)
DELETE /api/documents/{doc_id}/flags/{category}    unflag
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.annotations.flags import MAX_NOTE_LENGTH, Flag, FlagCategory, FlagEvent
from api.deps import FlaggerDep, FlagsDep, IndexDep, ReaderDep

router = APIRouter(prefix="/api", tags=["flags"])

DocId = Annotated[str, Path(max_length=200, description="The document id.")]
Category = Annotated[str, Path(max_length=100, description="The flag category.")]
_NOT_FOUND = {404: {"description": "No document has this id (or no such flag)."}}


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(
        min_length=1,
        max_length=100,
        examples=["deceptive_recruitment"],
        description="A taxonomy category or indicator id (GET /api/flags/categories).",
    )
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)


class FlagsOut(BaseModel):
    total: int
    flags: list[Flag]


class DocumentFlagsOut(BaseModel):
    doc_id: str
    flags: list[Flag] = Field(description="Current flags, by category.")
    history: list[FlagEvent] = Field(description="Every change, oldest first.")


@router.get("/flags", response_model=FlagsOut, summary="Current flags")
def list_flags(
    user: ReaderDep,
    flags: FlagsDep,
    category: Annotated[str | None, Query(max_length=100)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> FlagsOut:
    """Every document's current flags, newest first; filter by category or analyst."""
    total, page = flags.page(category, username, limit, offset)
    return FlagsOut(total=total, flags=page)


@router.get("/flags/categories", response_model=list[FlagCategory], summary="Flag categories")
def flag_categories(user: ReaderDep, flags: FlagsDep) -> list[FlagCategory]:
    return flags.categories


@router.get(
    "/documents/{doc_id}/flags",
    response_model=DocumentFlagsOut,
    summary="A document's flags and their history",
)
def document_flags(user: ReaderDep, doc_id: DocId, flags: FlagsDep) -> DocumentFlagsOut:
    return DocumentFlagsOut(
        doc_id=doc_id, flags=flags.current(doc_id), history=flags.history(doc_id)
    )


@router.post(
    "/documents/{doc_id}/flags",
    response_model=Flag,
    status_code=status.HTTP_201_CREATED,
    summary="Flag a document",
    responses={**_NOT_FOUND, 422: {"description": "Unknown category, or a bad value."}},
)
def flag_document(
    user: FlaggerDep, doc_id: DocId, body: FlagIn, flags: FlagsDep, index: IndexDep
) -> Flag:
    """Flag the document (a category it has already: a new version of that flag). The flag
    becomes a search facet (`flag=`) at once."""
    return flags.flag(index, user, doc_id, body.category, body.confidence, body.note)


@router.delete(
    "/documents/{doc_id}/flags/{category}",
    response_model=FlagEvent,
    summary="Remove a flag",
    responses=_NOT_FOUND,
)
def unflag_document(
    user: FlaggerDep, doc_id: DocId, category: Category, flags: FlagsDep, index: IndexDep
) -> FlagEvent:
    """Remove the flag; its history keeps it, and the event returned says who and when."""
    return flags.unflag(index, user, doc_id, category)
