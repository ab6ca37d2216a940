"""The histogram part of the query model: periods in UTC and the inputs it refuses.

Bucket counts from the engines are checked by the contract suite (tests/index/test_contract.py)
and compared across backends by tests/index/test_backends_agree.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from index.histograms import next_period, period_start
from index.queries import Histogram, Interval, SearchQuery, SplitField


def test_periods_begin_on_a_utc_day_a_monday_and_the_first_of_the_month():
    # 01:30 on Monday 4 March in Caracas (UTC-4) is still Monday 4 March 05:30 in UTC.
    moment = datetime(2024, 3, 4, 1, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert period_start(moment, Interval.DAY) == datetime(2024, 3, 4, tzinfo=UTC)
    assert period_start(moment, Interval.WEEK) == datetime(2024, 3, 4, tzinfo=UTC)
    assert period_start(moment, Interval.MONTH) == datetime(2024, 3, 1, tzinfo=UTC)
    sunday = datetime(2024, 3, 3, 23, 59, tzinfo=UTC)
    assert period_start(sunday, Interval.WEEK) == datetime(2024, 2, 26, tzinfo=UTC)


def test_next_month_crosses_the_year():
    december = datetime(2023, 12, 1, tzinfo=UTC)
    assert next_period(december, Interval.MONTH) == datetime(2024, 1, 1, tzinfo=UTC)


def test_a_split_field_named_twice_counts_once():
    twice = Histogram(split_by=(SplitField.SITE, SplitField.COUNTRY, SplitField.SITE))
    assert twice.split_by == (SplitField.SITE, SplitField.COUNTRY)


@pytest.mark.parametrize(
    ("histogram", "complaint"),
    [
        ({"interval": "year"}, "'day', 'week' or 'month'"),
        ({"field": "first_seen"}, "'published' or 'fetched'"),
        ({"split_by": ["language"]}, "'indicator', 'country' or 'site'"),
        ({"split_by": "site"}, "valid tuple"),
        ({"buckets": 12}, "Extra inputs are not permitted"),
        ("week", "valid dictionary or instance of Histogram"),
    ],
)
def test_a_broken_histogram_is_refused(histogram: object, complaint: str):
    with pytest.raises(ValidationError, match=complaint):
        SearchQuery(histogram=histogram)  # type: ignore[arg-type]
