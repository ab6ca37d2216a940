"""Date histograms, the same buckets from every backend (the `Histogram` of index/queries.py).

Each engine counts the matching documents in buckets of its own, under the aggregation names
below, and both answer in the same shape (`key` in epoch milliseconds, `doc_count`):

    Elasticsearch   calendar_interval day / week / month (weeks begin on Monday, in UTC)
    tantivy         fixed_interval 1d, or 7d shifted to begin on a Monday; it has no calendar
                    months, so months are counted per day and summed here

`read_histogram` moves every count to the period its key falls in (nothing to move when the
engine's bucket already is the period), keeps the most frequent series values and fills the
periods between the first and the last dated match with zeros, so both backends give exactly
the same list and every series spans the same periods.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from index.queries import MAX_SERIES, Histogram, HistogramBucket, Interval, SplitField

TOTAL = "histogram"
SERIES_PREFIX = "histogram_by_"

Series = dict[str, dict[str, list[HistogramBucket]]]


def series_name(field: SplitField) -> str:
    """The aggregation name of the per-value series of `field`."""
    return f"{SERIES_PREFIX}{field.value}"


def period_start(moment: datetime, interval: Interval) -> datetime:
    """The start (UTC) of the day, Monday-based week or calendar month holding `moment`."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval == Interval.MONTH:
        return day.replace(day=1)
    return day


def next_period(start: datetime, interval: Interval) -> datetime:
    if interval == Interval.DAY:
        return start + timedelta(days=1)
    if interval == Interval.WEEK:
        return start + timedelta(weeks=1)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def read_histogram(
    aggregations: dict[str, Any], histogram: Histogram
) -> tuple[list[HistogramBucket], Series]:
    """The total histogram and the series of an engine's aggregation results."""
    interval = histogram.interval
    total = _counts(aggregations.get(TOTAL, {}).get("buckets", []), interval)
    if not total:
        return [], {}
    periods = _periods(min(total), max(total), interval)
    series: Series = {}
    for field in histogram.split_by:
        values = aggregations.get(series_name(field), {}).get("buckets", [])
        counted = {
            str(value["key"]): _counts(value.get(TOTAL, {}).get("buckets", []), interval)
            for value in values
        }
        # Most dated documents first, ties by value; a value none of whose documents carries
        # the date has no line to draw.
        top = sorted((v for v in counted if counted[v]), key=lambda v: (-counted[v].total(), v))
        series[field.value] = {
            value: _filled(counted[value], periods) for value in top[:MAX_SERIES]
        }
    return _filled(total, periods), series


def _counts(buckets: Iterable[dict[str, Any]], interval: Interval) -> Counter[datetime]:
    counts: Counter[datetime] = Counter()
    for bucket in buckets:
        if int(bucket["doc_count"]):
            key = datetime.fromtimestamp(float(bucket["key"]) / 1000, tz=UTC)
            counts[period_start(key, interval)] += int(bucket["doc_count"])
    return counts


def _periods(first: datetime, last: datetime, interval: Interval) -> list[datetime]:
    periods = [first]
    while periods[-1] < last:
        periods.append(next_period(periods[-1], interval))
    return periods


def _filled(counts: Counter[datetime], periods: list[datetime]) -> list[HistogramBucket]:
    return [HistogramBucket(start=start, count=counts.get(start, 0)) for start in periods]
