"""`GET /api/trends`: matching documents per week (or day, month) by indicator, country, site.

It takes every filter of the search and answers counts only, never documents, so researchers
may call it. Without `histogram` parameters it counts per week of publication, split by all
three fields; `histogram`, `histogram_field` and `histogram_split` choose otherwise.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.annotations.audit import search_details
from api.deps import AuditDep, IndexDep, SearchQueryDep, TrendsUserDep
from api.schemas import HistogramBucketOut
from index.queries import DateField, Histogram, Interval, SplitField

router = APIRouter(prefix="/api/trends", tags=["trends"])

ALL_SPLITS = (SplitField.INDICATOR, SplitField.COUNTRY, SplitField.SITE)


class TrendsOut(BaseModel):
    interval: Interval
    field: DateField
    total: int = Field(description="Matching documents, dated or not.")
    overall: list[HistogramBucketOut] = Field(description="All matches per period.")
    series: dict[str, dict[str, list[HistogramBucketOut]]] = Field(
        description="Per split field and value (the 20 most frequent), the same periods."
    )


@router.get(
    "",
    response_model=TrendsOut,
    summary="Counts per period by indicator, country and site",
    responses={422: {"description": "A parameter is invalid; `loc` names it."}},
)
def trends(
    user: TrendsUserDep, query: SearchQueryDep, index: IndexDep, audit: AuditDep
) -> TrendsOut:
    histogram = query.histogram or Histogram(interval=Interval.WEEK)
    if not histogram.split_by:
        histogram = histogram.model_copy(update={"split_by": ALL_SPLITS})
    counting = query.model_copy(
        update={"histogram": histogram, "size": 1, "page": 1, "facets": False}
    )
    results = index.search(counting)
    audit.record(user, "trends", query.q, search_details(counting, results.total))
    return TrendsOut(
        interval=histogram.interval,
        field=histogram.field,
        total=results.total,
        overall=[HistogramBucketOut.from_bucket(bucket) for bucket in results.histogram],
        series={
            name: {
                value: [HistogramBucketOut.from_bucket(b) for b in buckets]
                for value, buckets in lines.items()
            }
            for name, lines in results.series.items()
        },
    )
