"""What researchers may ask, and the ids they ask with (issue 13: no re-identification).

Researchers see counts and pseudonymised datasets, never one person. Three rules follow, and
every route a researcher reaches applies them through the dependencies here:

- Filters. They may narrow by what describes ads, not people: `RESEARCH_FILTERS` (language,
  country, source kind, site, indicator, risk label and bounds, topic, status, flag, the
  publication dates, and the histogram options). A filter that names a contact or a person —
  `identifier`, free-text `q` (which would find a phone or a name written in the text), and
  `cluster` / `network` (groups tied by one shared contact) — is refused with a 403 naming
  it, and the refusal is written to the audit log: otherwise "how many ads carry +593…?"
  answers whether that phone is in the data. Publication dates are whole days (a bare
  date, or midnight to the end of a day): two counts a minute apart would date one ad to the
  minute, which, with its site, finds the ad.
- Counts. A count below TRACK4TIP_API_RESEARCH_MIN_GROUP_SIZE could single out one ad, so
  trends show it as suppressed (not 0), and an export matching fewer documents is refused —
  with the same answer for none and for a few, which would otherwise tell them apart.
- Groups. A network or near-duplicate cluster smaller than the same minimum is neither
  listed to a researcher nor opened by id (404, as for an id that does not exist): the
  dates, sites and countries of two or three ads point at them.
- Ids. Researchers get keyed ids (`api.accounts.pseudonymise.Pseudonymiser.pseudonym_id`) of
  documents, clusters and networks, and the network and cluster routes take only those from
  them: a real id (an unkeyed hash of a URL) is answered as if no such group existed.

A researcher is a caller who may not read documents (`Permission.READ`); the rest (analysts,
investigators, admins) see what they saw before.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from api.accounts.permissions import Permission, allows
from api.accounts.pseudonymise import ID_PREFIXES, IdKind, Pseudonymiser
from api.accounts.users import User
from api.deps import (
    AuditDep,
    ClusterId,
    CurrentUser,
    LinkerDep,
    NetworkId,
    SearchQueryDep,
    SettingsDep,
    ViewerPseudonymiserDep,
    requested_cluster,
    requested_network,
)
from index.queries import SearchQuery
from linking.linker import Linker
from linking.views import ClusterView, NetworkView

# Query parameters researchers may use: attributes of ads, sources and dates.
RESEARCH_FILTERS = (
    "language",
    "country",
    "source_kind",
    "site",
    "indicator",
    "risk_label",
    "risk_min",
    "risk_max",
    "topic",
    "status",
    "flag",
    "published_from",
    "published_to",
    "histogram",
    "histogram_field",
    "histogram_split",
)
# Filters that can name one person or one contact, refused to researchers.
PERSONAL_FILTERS = ("q", "identifier", "cluster", "network")
REFUSED_ACTION = "research_query_refused"


def is_researcher(user: User) -> bool:
    return not allows(user.role, Permission.READ)


def personal_filters(query: SearchQuery) -> list[str]:
    """The parameters of `query` that could name a person or a contact."""
    return [name for name in PERSONAL_FILTERS if getattr(query, name)]


def _within_a_day(moment: datetime | None, day_edge: time) -> bool:
    return moment is not None and moment.timetz().replace(tzinfo=None) != day_edge


def finer_than_days(query: SearchQuery) -> list[str]:
    """The date bounds of `query` that are not whole days."""
    bounds = (("published_from", time.min), ("published_to", time.max))
    return [name for name, edge in bounds if _within_a_day(getattr(query, name), edge)]


def research_query(
    request: Request, user: CurrentUser, query: SearchQueryDep, audit: AuditDep
) -> SearchQuery:
    """The search query, refused (403, audited) when a researcher names a person with it
    or dates it finer than a day."""
    if not is_researcher(user):
        return query
    if refused := personal_filters(query):
        reason = "it can single out a person"
    elif refused := finer_than_days(query):
        reason = "give whole days (2024-03-01), not times"
    else:
        return query
    details = {name: query.model_dump(mode="json")[name] for name in refused}
    audit.record(user, REFUSED_ACTION, request.url.path, details)
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        f"researchers may not filter by {', '.join(refused)}: {reason}. "
        f"Filter by {', '.join(RESEARCH_FILTERS)}.",
    )


# `SearchQueryDep` with the researchers' filter rule: the routes researchers reach take this.
ResearchQueryDep = Annotated[SearchQuery, Depends(research_query)]


def is_small(count: int, minimum: int) -> bool:
    """Whether a count is too small to show a researcher: 1 to minimum - 1 (0 says nothing
    about anyone)."""
    return 0 < count < minimum


# --- keyed group ids ---------------------------------------------------------------------


def real_group_id(
    group_id: str, kind: IdKind, linker: Linker | None, pseudonymiser: Pseudonymiser | None
) -> str:
    """The linking store's id behind a researcher's keyed group id (others pass real ids).

    The store does not keep keyed ids (they change with the key), so the ids of its groups
    are hashed until one matches: one HMAC per group, about a microsecond each."""
    if pseudonymiser is None or linker is None:
        return group_id
    noun = "near-duplicate cluster" if kind is IdKind.CLUSTER else "network"
    if group_id.startswith(ID_PREFIXES[kind]):
        candidates = linker.cluster_ids() if kind is IdKind.CLUSTER else linker.network_ids()
        for candidate in candidates:
            if pseudonymiser.pseudonym_id(kind, candidate) == group_id:
                return candidate
    # The same answer for a real id and for none: a real id must not confirm a guess.
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {noun} {group_id!r}")


def withhold_small_group(
    size: int, group_id: str, kind: IdKind, pseudonymiser: Pseudonymiser | None, minimum: int
) -> None:
    """A researcher asking for a group smaller than the research minimum gets the answer
    an unknown id gets: its dates, sites and members could single out one ad or person, and
    a different answer would confirm that it exists."""
    if pseudonymiser is not None and is_small(size, minimum):
        noun = "near-duplicate cluster" if kind is IdKind.CLUSTER else "network"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {noun} {group_id!r}")


def caller_network(
    network_id: NetworkId,
    linker: LinkerDep,
    pseudonymiser: ViewerPseudonymiserDep,
    settings: SettingsDep,
) -> NetworkView:
    """The network named in the path: a keyed id from researchers, a real id from others."""
    real = real_group_id(network_id, IdKind.NETWORK, linker, pseudonymiser)
    view = requested_network(real, linker)
    minimum = settings.research_min_group_size
    withhold_small_group(len(view.documents), network_id, IdKind.NETWORK, pseudonymiser, minimum)
    return view


def caller_cluster(
    cluster_id: ClusterId,
    linker: LinkerDep,
    pseudonymiser: ViewerPseudonymiserDep,
    settings: SettingsDep,
) -> ClusterView:
    real = real_group_id(cluster_id, IdKind.CLUSTER, linker, pseudonymiser)
    view = requested_cluster(real, linker)
    minimum = settings.research_min_group_size
    withhold_small_group(len(view.members), cluster_id, IdKind.CLUSTER, pseudonymiser, minimum)
    return view


CallerNetworkDep = Annotated[NetworkView, Depends(caller_network)]
CallerClusterDep = Annotated[ClusterView, Depends(caller_cluster)]
