"""Documents related to one: the same phone, the same e-mail, the same near-duplicate cluster.

Each relation is a search over the index contract (`identifier` and `cluster` filters), so it
works alike on both backends. A document names few contacts, but a spam phone may appear in
thousands of ads: each group lists the riskiest few and says how many there are in all.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import HitOut
from index.base import IndexBackend
from index.document import Document
from index.queries import SearchQuery, Sort
from nlp.types import EntityKind

PER_GROUP = 10
# Contacts (and clusters) looked up per document: an ad listing fifty numbers is spam.
MAX_VALUES = 5


class RelatedGroupOut(BaseModel):
    value: str = Field(description="The shared phone, e-mail or cluster id.")
    total: int = Field(description="Other documents sharing it.")
    hits: list[HitOut] = Field(description="The riskiest of them.")


class RelatedOut(BaseModel):
    id: str
    same_phone: list[RelatedGroupOut]
    same_email: list[RelatedGroupOut]
    near_duplicate: list[RelatedGroupOut]


def _values(document: Document, kind: EntityKind) -> list[str]:
    values = dict.fromkeys(entity.value for entity in document.entities if entity.kind is kind)
    return list(values)[:MAX_VALUES]


def _group(
    index: IndexBackend, document: Document, query: SearchQuery, value: str
) -> RelatedGroupOut:
    # One more than shown, since the document itself is among the matches.
    results = index.search(query.model_copy(update={"size": PER_GROUP + 1}))
    hits = [HitOut.from_hit(hit) for hit in results.hits if hit.document.id != document.id]
    itself = any(hit.document.id == document.id for hit in results.hits)
    return RelatedGroupOut(value=value, total=results.total - int(itself), hits=hits[:PER_GROUP])


def related_documents(index: IndexBackend, document: Document) -> RelatedOut:
    def by_identifier(kind: EntityKind) -> list[RelatedGroupOut]:
        return [
            _group(
                index,
                document,
                SearchQuery(identifier=[value], sort=Sort.RISK, facets=False),
                value,
            )
            for value in _values(document, kind)
        ]

    clusters = [
        _group(
            index, document, SearchQuery(cluster=[cluster], sort=Sort.RISK, facets=False), cluster
        )
        for cluster in document.cluster_ids[:MAX_VALUES]
    ]
    return RelatedOut(
        id=document.id,
        same_phone=by_identifier(EntityKind.PHONE),
        same_email=by_identifier(EntityKind.EMAIL),
        near_duplicate=clusters,
    )
