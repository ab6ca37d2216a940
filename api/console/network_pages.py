"""The console's network pages (issue 7): the largest groups, a network, a cluster.

    GET /networks            the largest networks and near-duplicate clusters
    GET /networks/{id}       documents, identifiers, a timeline chart, countries and sites
    GET /clusters/{id}       members and the template, its slots highlighted

The same views as the API (api/routes/networks.py), with the same role checks, keyed ids
for researchers (api/research_access.py) and audit records; reached from the document page
and the search facets.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.console import i18n
from api.deps import (
    AuditDep,
    IndexDep,
    LinkerDep,
    NetworksUserDep,
    SettingsDep,
    TemplatesDep,
    ViewerPseudonymiserDep,
)
from api.group_views import (
    DEFAULT_LIMIT,
    cluster_out,
    largest_groups,
    network_out,
    template_pieces,
    timeline_buckets,
)
from api.reporting.trend_chart import trend_svg
from api.research_access import CallerClusterDep, CallerNetworkDep
from index.queries import HistogramBucket

router = APIRouter(include_in_schema=False)


@router.get("/networks", response_class=HTMLResponse)
def networks_page(
    request: Request,
    user: NetworksUserDep,
    index: IndexDep,
    linker: LinkerDep,
    pseudonymiser: ViewerPseudonymiserDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    # Researchers get keyed ids here as in the API (a real id is an unkeyed URL hash), and
    # no group smaller than the research minimum.
    minimum = settings.research_min_group_size
    groups = largest_groups(index, linker, DEFAULT_LIMIT, pseudonymiser, minimum)
    context = {"groups": groups}
    return templates.TemplateResponse(request, "networks.html", context)


@router.get("/networks/{network_id}", response_class=HTMLResponse)
def network_page(
    request: Request,
    user: NetworksUserDep,
    view: CallerNetworkDep,
    index: IndexDep,
    pseudonymiser: ViewerPseudonymiserDep,
    templates: TemplatesDep,
    audit: AuditDep,
) -> HTMLResponse:
    audit.record(user, "view_network", view.network_id, {"via": "console"})
    network = network_out(index, view, pseudonymiser)
    buckets = [HistogramBucket(start=day, count=count) for day, count in timeline_buckets(network)]
    title = i18n.t("documents_per_day", i18n.language_of(request))
    context = {"network": network, "timeline": trend_svg(buckets, title)}
    return templates.TemplateResponse(request, "network.html", context)


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_page(
    request: Request,
    user: NetworksUserDep,
    view: CallerClusterDep,
    index: IndexDep,
    pseudonymiser: ViewerPseudonymiserDep,
    templates: TemplatesDep,
    audit: AuditDep,
) -> HTMLResponse:
    audit.record(user, "view_cluster", view.cluster_id, {"via": "console"})
    cluster = cluster_out(index, view, pseudonymiser)
    context = {"cluster": cluster, "pieces": template_pieces(cluster.template)}
    return templates.TemplateResponse(request, "cluster.html", context)
