"""Profile schedules: read from the profile file, refused at load time with the profile's site
and the key, active hours across midnight, and the capped back-off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.profiles import ProfileError, load_profiles
from crawlers.schedules import DEFAULT_SCHEDULE, Schedule, backoff_seconds, schedule_of

PROFILE = """
sources:
  - name: Noticias
    site: noticias
    kind: news
    spider: feed
    base_url: http://127.0.0.1:8000
    start_urls: [/noticias/feed.xml]
    schedule: {schedule}
"""


def _load(tmp_path: Path, schedule: str) -> list:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILE.format(schedule=schedule), encoding="utf-8")
    return list(load_profiles(path))


def test_a_declared_schedule_is_read(tmp_path: Path) -> None:
    [profile] = _load(tmp_path, '{cron: "*/15 6-22 * * *", jitter: 30, timezone: America/Bogota}')
    assert profile.schedule == Schedule(
        cron="*/15 6-22 * * *", jitter=30, timezone="America/Bogota"
    )


def test_a_profile_without_one_gets_the_default(tmp_path: Path) -> None:
    [profile] = _load(tmp_path, "null")
    assert schedule_of(profile.schedule) == DEFAULT_SCHEDULE


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ('{cron: "61 * * * *"}', "schedule.cron: cron '61 * * * *' is not valid"),
        ("{timezone: Mars/Olympus}", "schedule.timezone: unknown time zone 'Mars/Olympus'"),
        ("{interval: -5}", "schedule.interval: Input should be greater than 0"),
        ('{interval: 60, cron: "* * * * *"}', "schedule: give either interval or cron"),
        ('{active_hours: "25:00-06:00"}', "schedule.active_hours"),
        ("{every: 5}", "schedule.every: Extra inputs are not permitted"),
    ],
)
def test_a_bad_schedule_is_refused_naming_profile_and_key(
    tmp_path: Path, schedule: str, message: str
) -> None:
    with pytest.raises(ProfileError) as refused:
        _load(tmp_path, schedule)
    assert "profile 'noticias'" in str(refused.value)
    assert message in str(refused.value)
    assert "profiles.yaml" in str(refused.value)


def test_active_hours_wrap_midnight_and_name_the_next_opening() -> None:
    night = Schedule(interval=60, active_hours="22:00-06:00", timezone="America/Lima")
    # 03:00 UTC is 22:00 in Lima (UTC-5): open; 12:00 UTC is 07:00 there: closed.
    assert night.is_active(datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert not night.is_active(noon)
    assert night.next_active(noon) == datetime(2026, 1, 6, 3, 0, tzinfo=UTC)


def test_backoff_doubles_and_is_capped() -> None:
    waits = [backoff_seconds(failures, 60, 600) for failures in range(6)]
    assert waits == [0, 60, 120, 240, 480, 600]
