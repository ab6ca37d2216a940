"""Near-duplicate clusters and shared-identifier networks (issue 7), read from the linking store.

    GET /api/networks                       the largest networks and clusters
    GET /api/networks/{id}                  a network: documents, identifiers, timeline, places
    GET /api/networks/{id}.gexf | .graphml  the network's graph, for Gephi
    GET /api/clusters/{id}                  a cluster: members and template with its slots

Every role may look (they are aggregates); contacts are raw for those who may read documents
and keyed hashes for researchers, who also need TRACK4TIP_API_PSEUDONYMISATION_KEY (503
otherwise, as for exports). Researchers get keyed ids of networks, clusters, documents and
graph nodes, and name groups by those ids only (api/research_access.py). Views and graph
downloads are audited.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, TextIO

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.accounts.pseudonymise import IdKind, Pseudonymiser
from api.deps import (
    AuditDep,
    IndexDep,
    LinkerDep,
    NetworkId,
    NetworksUserDep,
    SettingsDep,
    ViewerPseudonymiserDep,
)
from api.group_views import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ClusterOut,
    NetworkOut,
    NetworksOut,
    cluster_out,
    largest_groups,
    network_out,
    researcher_day,
)
from api.research_access import CallerClusterDep, CallerNetworkDep, caller_network
from linking.graph_export import GraphEdge, GraphNode, write_gexf, write_graphml
from linking.linker import Linker

router = APIRouter(tags=["networks"])

_NOT_FOUND = {404: {"description": "No such network or cluster (or nothing linked yet)."}}
_NO_KEY = {503: {"description": "A researcher asks and no pseudonymisation key is set."}}
# Graph files are written to a spooled file first: in memory up to this size, then on disk.
SPOOL_BYTES = 1024 * 1024
CHUNK_CHARS = 64 * 1024


@router.get(
    "/api/networks",
    response_model=NetworksOut,
    summary="The largest networks and near-duplicate clusters",
)
def list_networks(
    user: NetworksUserDep,
    index: IndexDep,
    linker: LinkerDep,
    pseudonymiser: ViewerPseudonymiserDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Groups of each kind.")] = (
        DEFAULT_LIMIT
    ),
) -> NetworksOut:
    """Networks (documents sharing phones, e-mails, handles or URLs) and clusters (copies of
    one ad text), largest first, with their countries, sites and date span. Empty lists
    when nothing has been linked yet. Researchers get keyed ids, and no group smaller than
    TRACK4TIP_API_RESEARCH_MIN_GROUP_SIZE."""
    minimum = settings.research_min_group_size
    return largest_groups(index, linker, limit, pseudonymiser, minimum)


class GraphFormat(StrEnum):
    GEXF = "gexf"
    GRAPHML = "graphml"


@dataclass(frozen=True)
class GraphWriter:
    write: Callable[[list[GraphNode], Iterator[GraphEdge], TextIO], int]
    media_type: str


# The graph formats by name: the path's suffix picks one.
GRAPH_WRITERS = {
    GraphFormat.GEXF: GraphWriter(write_gexf, "application/gexf+xml"),
    GraphFormat.GRAPHML: GraphWriter(write_graphml, "application/graphml+xml"),
}


def _graph_download(
    network_id: str, linker: Linker, pseudonymiser: Pseudonymiser | None, graph_format: GraphFormat
) -> StreamingResponse:
    writer = GRAPH_WRITERS[graph_format]
    nodes, edges = linker.graph([network_id])
    if pseudonymiser is not None:
        nodes, edges = _pseudonymous_graph(nodes, edges, pseudonymiser)
    # Closed by `chunks()` once the response has been sent, so no `with` here.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8")  # noqa: SIM115
    writer.write(nodes, edges, spool)
    spool.seek(0)

    def chunks() -> Iterator[str]:
        with spool:
            yield from iter(lambda: spool.read(CHUNK_CHARS), "")

    shown_id = pseudonymiser.group_id(network_id) if pseudonymiser else network_id
    name = f"{shown_id}.{graph_format.value}"
    return StreamingResponse(
        chunks(),
        media_type=writer.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _pseudonymous_graph(
    nodes: list[GraphNode], edges: Iterator[GraphEdge], pseudonymiser: Pseudonymiser
) -> tuple[list[GraphNode], Iterator[GraphEdge]]:
    """Identifier nodes (`<kind>:<value>`) renamed to `<kind>:<keyed hash>`, document nodes
    (`doc:<id>`) to `doc:<keyed id>`: a document id is a plain hash of its URL."""

    def renamed(node_id: str) -> str:
        kind, _, value = node_id.partition(":")
        if kind == "doc":
            return f"doc:{pseudonymiser.pseudonym_id(IdKind.DOCUMENT, value)}"
        return f"{kind}:{pseudonymiser.token(kind, value)}"

    def hashed_node(node: GraphNode) -> GraphNode:
        new_id = renamed(node.id)
        if node.type != "document":
            return GraphNode(new_id, node.type, new_id, node.attributes)
        # A site and a minute would point at the ad: documents keep only their day.
        attributes = {**node.attributes, "date": researcher_day(node.attributes.get("date")) or ""}
        return GraphNode(new_id, node.type, new_id.partition(":")[2], attributes)

    hashed = [hashed_node(node) for node in nodes]
    renamed_edges = (
        GraphEdge(renamed(edge.source), renamed(edge.target), edge.label) for edge in edges
    )
    return hashed, renamed_edges


_GRAPH_RESPONSES = {**_NOT_FOUND, **_NO_KEY}


@router.get(
    "/api/networks/{network_id}.{graph_format}",
    response_class=StreamingResponse,
    summary="A network as GEXF (Gephi) or GraphML",
    responses={
        200: {"content": {writer.media_type: {} for writer in GRAPH_WRITERS.values()}},
        **_GRAPH_RESPONSES,
    },
)
def network_graph(
    user: NetworksUserDep,
    network_id: NetworkId,
    graph_format: GraphFormat,
    linker: LinkerDep,
    pseudonymiser: ViewerPseudonymiserDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> StreamingResponse:
    """Documents and identifiers as nodes, "carries" edges between them."""
    # Looked up here, not as a dependency, so that an unknown format is a 422 before a 404.
    view = caller_network(network_id, linker, pseudonymiser, settings)
    assert linker is not None  # requested_network answered 404 otherwise
    audit.record(user, "export_graph", view.network_id, {"format": graph_format.value})
    return _graph_download(view.network_id, linker, pseudonymiser, graph_format)


@router.get(
    "/api/networks/{network_id}",
    response_model=NetworkOut,
    summary="One network",
    responses=_GRAPH_RESPONSES,
)
def read_network(
    user: NetworksUserDep,
    view: CallerNetworkDep,
    index: IndexDep,
    pseudonymiser: ViewerPseudonymiserDep,
    audit: AuditDep,
) -> NetworkOut:
    """Its documents (titles and URLs for those who may read them), the identifiers that tie
    them (hashed for researchers), documents per day, countries, sites and date span."""
    audit.record(user, "view_network", view.network_id, {"documents": len(view.documents)})
    return network_out(index, view, pseudonymiser)


@router.get(
    "/api/clusters/{cluster_id}",
    response_model=ClusterOut,
    summary="One near-duplicate cluster",
    responses=_GRAPH_RESPONSES,
)
def read_cluster(
    user: NetworksUserDep,
    view: CallerClusterDep,
    index: IndexDep,
    pseudonymiser: ViewerPseudonymiserDep,
    audit: AuditDep,
) -> ClusterOut:
    """Its members and the template they share: the common words, and each slot (where
    members differ) with its kind and the values seen."""
    audit.record(user, "view_cluster", view.cluster_id, {"members": len(view.members)})
    return cluster_out(index, view, pseudonymiser)
