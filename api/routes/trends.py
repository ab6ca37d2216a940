"""`GET /api/trends`: matching documents per week (or day, month) by indicator, country, site.

It takes every filter of the search and answers counts only, never documents, so researchers
may call it. Without `histogram` parameters it counts per week of publication, split by all
three fields; `histogram`, `histogram_field` and `histogram_split` choose otherwise.

For researchers (api/research_access.py) a filter naming a person or a contact (`q`,
`identifier`, `cluster`, `network`) is refused, and a count from 1 to
TRACK4TIP_API_RESEARCH_MIN_GROUP_SIZE - 1 (the total or a bucket) is given as
`count: null, suppressed: true`: otherwise a trend of one ad would say when it was posted.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.annotations.audit import search_details
from api.deps import AuditDep, IndexDep, SettingsDep, TrendsUserDep
from api.research_access import ResearchQueryDep, is_researcher, is_small
from index.queries import DateField, Histogram, HistogramBucket, Interval, SplitField

router = APIRouter(prefix="/api/trends", tags=["trends"])

ALL_SPLITS = (SplitField.INDICATOR, SplitField.COUNTRY, SplitField.SITE)


class TrendBucketOut(BaseModel):
    start: datetime = Field(description="Start of the day, week (Monday) or month, in UTC.")
    count: int | None = Field(description="Matching documents; null when suppressed.")
    suppressed: bool = Field(
        default=False, description="Too few to show a researcher (below the minimum group)."
    )


class TrendsOut(BaseModel):
    interval: Interval
    field: DateField
    total: int | None = Field(description="Matching documents, dated or not; null: suppressed.")
    min_group_size: int | None = Field(
        description="Counts below it (but above 0) are suppressed; null: exact counts."
    )
    overall: list[TrendBucketOut] = Field(description="All matches per period.")
    series: dict[str, dict[str, list[TrendBucketOut]]] = Field(
        description="Per split field and value (the 20 most frequent), the same periods."
    )


def _bucket(bucket: HistogramBucket, minimum: int | None) -> TrendBucketOut:
    if minimum is not None and is_small(bucket.count, minimum):
        return TrendBucketOut(start=bucket.start, count=None, suppressed=True)
    return TrendBucketOut(start=bucket.start, count=bucket.count)


@router.get(
    "",
    response_model=TrendsOut,
    summary="Counts per period by indicator, country and site",
    responses={
        403: {"description": "A researcher filters by a person or contact (q, identifier …)."},
        422: {"description": "A parameter is invalid; `loc` names it."},
    },
)
def trends(
    user: TrendsUserDep,
    query: ResearchQueryDep,
    index: IndexDep,
    audit: AuditDep,
    settings: SettingsDep,
) -> TrendsOut:
    histogram = query.histogram or Histogram(interval=Interval.WEEK)
    if not histogram.split_by:
        histogram = histogram.model_copy(update={"split_by": ALL_SPLITS})
    counting = query.model_copy(
        update={"histogram": histogram, "size": 1, "page": 1, "facets": False}
    )
    results = index.search(counting)
    audit.record(user, "trends", query.q, search_details(counting, results.total))
    minimum = settings.research_min_group_size if is_researcher(user) else None
    small_total = minimum is not None and is_small(results.total, minimum)
    return TrendsOut(
        interval=histogram.interval,
        field=histogram.field,
        total=None if small_total else results.total,
        min_group_size=minimum,
        overall=[_bucket(bucket, minimum) for bucket in results.histogram],
        series={
            name: {
                value: [_bucket(bucket, minimum) for bucket in buckets]
                for value, buckets in lines.items()
            }
            for name, lines in results.series.items()
        },
    )
