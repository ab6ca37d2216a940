"""Near-duplicate clusters and shared-identifier networks (issue 7), read from the linking store.

    GET /api/networks                       the largest networks and clusters
    GET /api/networks/{id}                  a network: documents, identifiers, timeline, places
    GET /api/networks/{id}.gexf | .graphml  the network's graph, for Gephi
    GET /api/clusters/{id}                  a cluster: members and template with its slots

Every role may look (they are aggregates); contacts are raw for those who may read documents
and keyed hashes for researchers, who also need TRACK4TIP_API_PSEUDONYMISATION_KEY (503
otherwise, as for exports). Views and graph downloads are audited.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Annotated, TextIO, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.responses import StreamingResponse

from api.accounts.permissions import Permission, allows
from api.accounts.pseudonymise import Pseudonymiser
from api.deps import AuditDep, IndexDep, NetworksUserDep
from api.group_views import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ClusterOut,
    NetworkOut,
    NetworksOut,
    cluster_out,
    largest_groups,
    network_out,
)
from linking.errors import LinkingError
from linking.graph_export import GraphEdge, GraphNode, write_gexf, write_graphml
from linking.linker import Linker
from linking.store import LinkingStore
from linking.views import ClusterView, NetworkView

router = APIRouter(tags=["networks"])
View = TypeVar("View", NetworkView, ClusterView)

NetworkId = Annotated[
    str,
    Path(
        pattern=r"^net-[\w-]+$",
        max_length=200,
        description="A network id.",
        examples=["net-3f1c9a0b7d2e4c6a8b1d0e2f"],
    ),
]
ClusterId = Annotated[
    str,
    Path(
        pattern=r"^dup-[\w-]+$",
        max_length=200,
        description="A near-duplicate cluster id.",
        examples=["dup-3f1c9a0b7d2e4c6a8b1d0e2f"],
    ),
]
_NOT_FOUND = {404: {"description": "No such network or cluster (or nothing linked yet)."}}
_NO_KEY = {503: {"description": "A researcher asks and no pseudonymisation key is set."}}
# Graph files are written to a spooled file first: in memory up to this size, then on disk.
SPOOL_BYTES = 1024 * 1024
CHUNK_CHARS = 64 * 1024


def viewer_pseudonymiser(request: Request, user: NetworksUserDep) -> Pseudonymiser | None:
    """None for callers who may read documents; a Pseudonymiser for the others."""
    if allows(user.role, Permission.READ):
        return None
    key = request.app.state.settings.pseudonymisation_key
    if key is None or len(key.get_secret_value()) < 16:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "networks are shown to researchers with hashed contacts: "
            "set TRACK4TIP_API_PSEUDONYMISATION_KEY (16+ characters)",
        )
    return Pseudonymiser(key.get_secret_value().encode("utf-8"))


def open_linker(request: Request) -> Iterator[Linker | None]:
    store: LinkingStore = request.app.state.linking
    with store.open() as linker:
        yield linker


PseudonymiserDep = Annotated[Pseudonymiser | None, Depends(viewer_pseudonymiser)]
LinkerDep = Annotated[Linker | None, Depends(open_linker)]


def network_view(linker: Linker | None, network_id: str) -> NetworkView:
    """The network, or a 404 naming why it is not there."""
    return _view(linker, lambda found: found.network(network_id), network_id)


def cluster_view(linker: Linker | None, cluster_id: str) -> ClusterView:
    return _view(linker, lambda found: found.cluster(cluster_id), cluster_id)


def _view(linker: Linker | None, read: Callable[[Linker], View], group_id: str) -> View:
    if linker is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {group_id!r}: nothing linked yet")
    try:
        return read(linker)
    except LinkingError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.get(
    "/api/networks",
    response_model=NetworksOut,
    summary="The largest networks and near-duplicate clusters",
)
def list_networks(
    user: NetworksUserDep,
    index: IndexDep,
    linker: LinkerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Groups of each kind.")] = (
        DEFAULT_LIMIT
    ),
) -> NetworksOut:
    """Networks (documents sharing phones, e-mails, handles or URLs) and clusters (copies of
    one ad text), largest first, with their countries, sites and date span. Empty lists
    when nothing has been linked yet."""
    return largest_groups(index, linker, limit)


def _graph_download(
    view: NetworkView,
    linker: Linker,
    pseudonymiser: Pseudonymiser | None,
    writer: Callable[[list[GraphNode], Iterator[GraphEdge], TextIO], int],
    suffix: str,
    media_type: str,
) -> StreamingResponse:
    nodes, edges = linker.graph([view.network_id])
    if pseudonymiser is not None:
        nodes, edges = _pseudonymous_graph(nodes, edges, pseudonymiser)
    # Closed by `chunks()` once the response has been sent, so no `with` here.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8")  # noqa: SIM115
    writer(nodes, edges, spool)
    spool.seek(0)

    def chunks() -> Iterator[str]:
        with spool:
            yield from iter(lambda: spool.read(CHUNK_CHARS), "")

    name = f"{view.network_id}{suffix}"
    return StreamingResponse(
        chunks(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _pseudonymous_graph(
    nodes: list[GraphNode], edges: Iterator[GraphEdge], pseudonymiser: Pseudonymiser
) -> tuple[list[GraphNode], Iterator[GraphEdge]]:
    """Identifier nodes (`<kind>:<value>`) renamed to `<kind>:<keyed hash>`."""

    def renamed(node_id: str) -> str:
        kind, _, value = node_id.partition(":")
        return node_id if kind == "doc" else f"{kind}:{pseudonymiser.token(kind, value)}"

    hashed = [
        node
        if node.type == "document"
        else GraphNode(renamed(node.id), node.type, renamed(node.id), node.attributes)
        for node in nodes
    ]
    return hashed, (GraphEdge(edge.source, renamed(edge.target), edge.label) for edge in edges)


_GRAPH_RESPONSES = {**_NOT_FOUND, **_NO_KEY}


@router.get(
    "/api/networks/{network_id}.gexf",
    response_class=StreamingResponse,
    summary="A network as GEXF (Gephi)",
    responses={200: {"content": {"application/gexf+xml": {}}}, **_GRAPH_RESPONSES},
)
def network_gexf(
    user: NetworksUserDep,
    network_id: NetworkId,
    linker: LinkerDep,
    pseudonymiser: PseudonymiserDep,
    audit: AuditDep,
) -> StreamingResponse:
    """Documents and identifiers as nodes, "carries" edges between them."""
    view = network_view(linker, network_id)
    assert linker is not None  # network_view answered 404 otherwise
    audit.record(user, "export_graph", network_id, {"format": "gexf"})
    return _graph_download(view, linker, pseudonymiser, write_gexf, ".gexf", "application/gexf+xml")


@router.get(
    "/api/networks/{network_id}.graphml",
    response_class=StreamingResponse,
    summary="A network as GraphML",
    responses={200: {"content": {"application/graphml+xml": {}}}, **_GRAPH_RESPONSES},
)
def network_graphml(
    user: NetworksUserDep,
    network_id: NetworkId,
    linker: LinkerDep,
    pseudonymiser: PseudonymiserDep,
    audit: AuditDep,
) -> StreamingResponse:
    """The same graph as GEXF, in GraphML."""
    view = network_view(linker, network_id)
    assert linker is not None
    audit.record(user, "export_graph", network_id, {"format": "graphml"})
    return _graph_download(
        view, linker, pseudonymiser, write_graphml, ".graphml", "application/graphml+xml"
    )


@router.get(
    "/api/networks/{network_id}",
    response_model=NetworkOut,
    summary="One network",
    responses=_GRAPH_RESPONSES,
)
def read_network(
    user: NetworksUserDep,
    network_id: NetworkId,
    index: IndexDep,
    linker: LinkerDep,
    pseudonymiser: PseudonymiserDep,
    audit: AuditDep,
) -> NetworkOut:
    """Its documents (titles and URLs for those who may read them), the identifiers that tie
    them (hashed for researchers), documents per day, countries, sites and date span."""
    view = network_view(linker, network_id)
    audit.record(user, "view_network", network_id, {"documents": len(view.documents)})
    return network_out(index, view, pseudonymiser)


@router.get(
    "/api/clusters/{cluster_id}",
    response_model=ClusterOut,
    summary="One near-duplicate cluster",
    responses=_GRAPH_RESPONSES,
)
def read_cluster(
    user: NetworksUserDep,
    cluster_id: ClusterId,
    index: IndexDep,
    linker: LinkerDep,
    pseudonymiser: PseudonymiserDep,
    audit: AuditDep,
) -> ClusterOut:
    """Its members and the template they share: the common words, and each slot (where
    members differ) with its kind and the values seen."""
    view = cluster_view(linker, cluster_id)
    audit.record(user, "view_cluster", cluster_id, {"members": len(view.members)})
    return cluster_out(index, view, pseudonymiser)
