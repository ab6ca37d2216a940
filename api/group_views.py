"""What the API and the console show of near-duplicate clusters and shared-identifier networks.

The linking store (linking/store.py) knows which documents belong together and why; the
index knows what each document says. The views here join the two: a network's documents with
their titles and risk, its identifiers, timeline, countries and sites; a cluster's members and
its template. Only the first `MAX_LISTED` members of a large group are listed (the totals are
always given), so a page stays small whatever the group's size.

Contacts are personal data. Callers who may read documents (analysts, investigators, admins)
see them as collected; researchers get keyed hashes instead (api/accounts/pseudonymise.py, the
same tokens as in their exports), keyed ids of groups and documents (a real id is a plain hash
of a URL: api/research_access.py), no titles or URLs, and no template text or text slot values:
a name the entity extractor missed would pass any redaction. Slots of contacts keep their
tokens, so a researcher can still follow one phone from a cluster to a network. Their times
are days (`researcher_day`): a site and a minute would point at the ad itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from api.accounts.pseudonymise import HASHED_KINDS, IdKind, Pseudonymiser
from index.base import IndexBackend
from index.document import Document
from index.queries import FacetBucket, SearchQuery
from linking.linker import Linker
from linking.templates import Slot
from linking.views import CLUSTER_PREFIX, NETWORK_PREFIX, ClusterView, Member, NetworkView
from nlp.types import RiskLabel

MAX_LISTED = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 50  # the index counts the 50 largest values of a facet
_SLOT_MARK = re.compile(r"\[(\w+)\]")


class GroupDocumentOut(BaseModel):
    id: str
    site: str | None
    country: str | None
    date: str | None = Field(
        description="Published date, else fetch time (ISO 8601; only the day for researchers)."
    )
    title: str | None = Field(description="From the index; null for researchers.")
    url: str | None = Field(description="From the index; null for researchers.")
    risk_score: float | None
    risk_label: RiskLabel | None
    indexed: bool = Field(description="Whether the index holds the document.")


class IdentifierOut(BaseModel):
    kind: str = Field(description="phone, email, handle or url.")
    value: str = Field(description="As collected, or a keyed hash for researchers.")
    documents: int = Field(description="Documents of the network carrying it.")
    too_common: bool = Field(description="Carried too widely to link anything.")


class DayCountOut(BaseModel):
    day: str
    count: int


class NetworkOut(BaseModel):
    id: str
    documents_total: int
    documents: list[GroupDocumentOut] = Field(description=f"The first {MAX_LISTED}, oldest first.")
    identifiers: list[IdentifierOut] = Field(description="Most shared first.")
    timeline: list[DayCountOut] = Field(description="Documents per day.")
    countries: dict[str, int]
    sites: dict[str, int]
    first_seen: str | None
    last_seen: str | None
    pseudonymised: bool


class SlotOut(BaseModel):
    index: int
    kind: str = Field(description="An entity kind, or text where members word it differently.")
    values: list[str] = Field(description="What members fill in, most frequent first.")
    filled_by: int


class TemplateOut(BaseModel):
    text: str = Field(description="Shared words, each slot written [kind]; empty if withheld.")
    withheld: bool = Field(
        default=False, description="Whether free text was left out (for researchers)."
    )
    slots: list[SlotOut]
    templated: bool = Field(description="Whether one text explains the members (MDL).")
    compression: float = Field(description="Template cost over raw cost; below 1 explains.")


class ClusterOut(BaseModel):
    id: str
    members_total: int
    members: list[GroupDocumentOut]
    template: TemplateOut
    pseudonymised: bool


class GroupSummaryOut(BaseModel):
    id: str
    documents: int = Field(description="Members, as the linking store counts them.")
    indexed: int | None = Field(
        description="Members the index finds with this id (null: not among its top values)."
    )
    countries: list[str]
    sites: list[str]
    first_seen: str | None
    last_seen: str | None


class NetworksOut(BaseModel):
    linked: bool = Field(description="Whether a linking store exists yet.")
    networks: list[GroupSummaryOut] = Field(
        description="Shared-identifier networks, largest first."
    )
    clusters: list[GroupSummaryOut] = Field(description="Near-duplicate clusters, largest first.")
    min_group_size: int | None = Field(
        default=None,
        description="For researchers: groups of fewer documents are not listed (nor opened).",
    )


# --- documents of a group ------------------------------------------------------------------


def group_documents(
    index: IndexBackend, members: list[Member], pseudonymiser: Pseudonymiser | None
) -> list[GroupDocumentOut]:
    listed = members[:MAX_LISTED]
    found = index.latest(member.doc_id for member in listed)
    return [_document_out(member, found.get(member.doc_id), pseudonymiser) for member in listed]


def _document_out(
    member: Member, document: Document | None, pseudonymiser: Pseudonymiser | None
) -> GroupDocumentOut:
    readable = document is not None and pseudonymiser is None
    return GroupDocumentOut(
        id=_document_id(member.doc_id, pseudonymiser),
        site=member.site,
        country=member.country,
        date=researcher_day(member.date) if pseudonymiser else member.date,
        title=document.title if readable and document else None,
        url=document.url if readable and document else None,
        risk_score=document.risk.score if document and document.risk else None,
        risk_label=document.risk.label if document and document.risk else None,
        indexed=document is not None,
    )


def researcher_day(stamp: str | None) -> str | None:
    """An ISO 8601 time cut to its day."""
    return stamp[:10] if stamp else stamp


def _document_id(doc_id: str, pseudonymiser: Pseudonymiser | None) -> str:
    return pseudonymiser.pseudonym_id(IdKind.DOCUMENT, doc_id) if pseudonymiser else doc_id


def _group_id(group_id: str, pseudonymiser: Pseudonymiser | None) -> str:
    return pseudonymiser.group_id(group_id) if pseudonymiser else group_id


# --- networks ------------------------------------------------------------------------------


def network_out(
    index: IndexBackend, view: NetworkView, pseudonymiser: Pseudonymiser | None
) -> NetworkOut:
    identifiers = [
        IdentifierOut(
            kind=shared.kind,
            value=pseudonymiser.token(shared.kind, shared.value) if pseudonymiser else shared.value,
            documents=shared.documents,
            too_common=shared.too_common,
        )
        for shared in view.identifiers
    ]
    return NetworkOut(
        id=_group_id(view.network_id, pseudonymiser),
        documents_total=len(view.documents),
        documents=group_documents(index, view.documents, pseudonymiser),
        identifiers=identifiers,
        timeline=[DayCountOut(day=day, count=count) for day, count in view.timeline],
        countries=view.countries,
        sites=view.sites,
        first_seen=researcher_day(view.first_seen) if pseudonymiser else view.first_seen,
        last_seen=researcher_day(view.last_seen) if pseudonymiser else view.last_seen,
        pseudonymised=pseudonymiser is not None,
    )


def timeline_buckets(network: NetworkOut) -> list[tuple[datetime, int]]:
    """The timeline as (start of day, count), for the console's chart."""
    return [
        (datetime.fromisoformat(point.day).replace(tzinfo=UTC), point.count)
        for point in network.timeline
    ]


# --- clusters ------------------------------------------------------------------------------


def cluster_out(
    index: IndexBackend, view: ClusterView, pseudonymiser: Pseudonymiser | None
) -> ClusterOut:
    template = view.template
    return ClusterOut(
        id=_group_id(view.cluster_id, pseudonymiser),
        members_total=len(view.members),
        members=group_documents(index, view.members, pseudonymiser),
        template=TemplateOut(
            text="" if pseudonymiser else template.text,
            withheld=pseudonymiser is not None,
            slots=[_slot_out(slot, pseudonymiser) for slot in template.slots],
            templated=template.templated,
            compression=round(template.compression, 4),
        ),
        pseudonymised=pseudonymiser is not None,
    )


def _slot_out(slot: Slot, pseudonymiser: Pseudonymiser | None) -> SlotOut:
    values = slot.values
    if pseudonymiser is not None:
        # An entity slot holds normalised values: the same token as in the network view and
        # the exports. Any other slot holds words of the ads, which cannot be made safe.
        hashed = slot.kind in HASHED_KINDS
        values = [pseudonymiser.token(slot.kind, value) for value in values] if hashed else []
    return SlotOut(index=slot.index, kind=slot.kind, values=values, filled_by=slot.filled_by)


def template_pieces(template: TemplateOut) -> list[tuple[str, SlotOut | None]]:
    """The template text cut at its slots: (text, None) and ([kind], slot) in order, for
    highlighting. Slots are matched in order; a bracketed word the ad itself contained is
    left as text when no slot of its kind is due."""
    pieces: list[tuple[str, SlotOut | None]] = []
    due = iter(template.slots)
    slot = next(due, None)
    position = 0
    for match in _SLOT_MARK.finditer(template.text):
        if slot is None or match[1] != slot.kind:
            continue
        pieces.append((template.text[position : match.start()], None))
        pieces.append((match[0], slot))
        position = match.end()
        slot = next(due, None)
    pieces.append((template.text[position:], None))
    return [(text, found) for text, found in pieces if text]


# --- the largest groups --------------------------------------------------------------------


def largest_groups(
    index: IndexBackend,
    linker: Linker | None,
    limit: int,
    pseudonymiser: Pseudonymiser | None = None,
    min_group_size: int = 0,
) -> NetworksOut:
    """The largest networks and clusters: counted by the index's facets (what is searchable),
    completed from the linking store (groups the index has not caught up with yet). With a
    pseudonymiser (researchers), the ids are keyed and groups of fewer than `min_group_size`
    documents are left out (api/research_access.py)."""
    minimum = min_group_size if pseudonymiser is not None else 0
    shown = minimum or None
    if linker is None:
        return NetworksOut(linked=False, networks=[], clusters=[], min_group_size=shown)
    facets = index.search(SearchQuery(size=1, facets=True)).facets
    networks = _summaries(
        linker, facets.get("network", []), linker.network_ids(), NETWORK_PREFIX, limit, minimum
    )
    clusters = _summaries(
        linker, facets.get("cluster", []), linker.cluster_ids(), CLUSTER_PREFIX, limit, minimum
    )
    if pseudonymiser is not None:
        networks, clusters = (
            [_pseudonymous_summary(group, pseudonymiser, minimum) for group in groups]
            for groups in (networks, clusters)
        )
    return NetworksOut(linked=True, networks=networks, clusters=clusters, min_group_size=shown)


def _summaries(
    linker: Linker,
    counted: list[FacetBucket],
    linked_ids: list[str],
    prefix: str,
    limit: int,
    minimum: int = 0,
) -> list[GroupSummaryOut]:
    counts = {bucket.value: bucket.count for bucket in counted}
    ids = list(dict.fromkeys([*counts, *linked_ids[:limit]]))
    roots = linker.seqs_of(
        group_id.removeprefix(prefix) for group_id in ids if group_id.startswith(prefix)
    )
    group = linker.networks if prefix == NETWORK_PREFIX else linker.clusters
    summaries = []
    for group_id in ids:
        root = roots.get(group_id.removeprefix(prefix))
        seqs = group.members(root) if root is not None else []
        if len(seqs) < 2 or seqs[0] != root:
            continue  # the index still names a group the linking store has since renamed
        if len(seqs) < minimum:
            continue  # too small to show a researcher
        summaries.append(_summary(group_id, linker.views.members(seqs), counts.get(group_id)))
    summaries.sort(key=lambda summary: (-summary.documents, summary.id))
    return summaries[:limit]


def _pseudonymous_summary(
    group: GroupSummaryOut, pseudonymiser: Pseudonymiser, minimum: int
) -> GroupSummaryOut:
    # The index's count of a listed group may still lag below the minimum: not shown then.
    indexed = None if group.indexed is not None and group.indexed < minimum else group.indexed
    update = {
        "id": pseudonymiser.group_id(group.id),
        "indexed": indexed,
        "first_seen": researcher_day(group.first_seen),
        "last_seen": researcher_day(group.last_seen),
    }
    return group.model_copy(update=update)


def _summary(group_id: str, members: list[Member], counted: int | None) -> GroupSummaryOut:
    dates = sorted(member.date for member in members if member.date)
    return GroupSummaryOut(
        id=group_id,
        documents=len(members),
        indexed=counted,
        countries=sorted({member.country for member in members if member.country}),
        sites=sorted({member.site for member in members if member.site}),
        first_seen=dates[0] if dates else None,
        last_seen=dates[-1] if dates else None,
    )
