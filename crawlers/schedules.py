"""When the watch service re-crawls a source: the `schedule` of a profile, validated at load time.

    schedule:
      interval: 900          # seconds between runs (or `cron: "*/15 6-22 * * *"`, not both)
      jitter: 60             # up to this many seconds later, so sources do not fire together
      active_hours: "06:00-22:00"   # runs only start inside this window (may wrap midnight)
      timezone: America/Bogota      # of the cron fields and the active hours

A profile without one gets `DEFAULT_SCHEDULE` (hourly, 5 minutes of jitter). A bad cron string,
an unknown time zone or a non-positive interval is refused when the profile file is read, with
the profile's site and the key, e.g. ``sources[2].schedule: Value error, profile 'noticias':
schedule.cron: ...``. Failing sources back off exponentially (`backoff_seconds`), capped.
APScheduler is imported only where a cron string is checked, so reading profiles stays light.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

DEFAULT_INTERVAL_SECONDS = 3600.0


def _parse_clock(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(hours) > 24 or int(minutes) > 59:
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    if int(hours) == 24:
        return time.max
    return time(int(hours), int(minutes))


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # First, so that the cron check can read it.
    timezone: str = "UTC"
    interval: float | None = Field(default=None, gt=0)
    cron: str | None = None
    jitter: float = Field(default=0.0, ge=0)
    active_hours: str | None = Field(default=None, pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r}") from error
        return name

    @field_validator("cron")
    @classmethod
    def _cron_reads(cls, expression: str | None, info: ValidationInfo) -> str | None:
        if expression is not None:
            _check_cron(expression, info.data.get("timezone", "UTC"))
        return expression

    @field_validator("active_hours")
    @classmethod
    def _window_reads(cls, window: str | None) -> str | None:
        if window is not None:
            start, end = (_parse_clock(part) for part in window.split("-"))
            if start == end:
                raise ValueError(f"active hours {window!r} are an empty window")
        return window

    @model_validator(mode="after")
    def _one_trigger(self) -> Schedule:
        if self.interval is not None and self.cron is not None:
            raise ValueError("give either interval or cron, not both")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=self.interval or DEFAULT_INTERVAL_SECONDS)

    def is_active(self, when: datetime) -> bool:
        """Whether a run may start at `when` (an aware datetime)."""
        if self.active_hours is None:
            return True
        start, end = (_parse_clock(part) for part in self.active_hours.split("-"))
        clock = when.astimezone(self.zone).time()
        if start < end:
            return start <= clock < end
        return clock >= start or clock < end  # a window across midnight

    def next_active(self, when: datetime) -> datetime:
        """`when` if the window is open then, else the next opening of the window."""
        if self.is_active(when):
            return when
        start = _parse_clock(self.active_hours.split("-")[0])  # type: ignore[union-attr]
        local = when.astimezone(self.zone)
        opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        if opening <= local:
            opening += timedelta(days=1)
        return opening


def _check_cron(expression: str, timezone: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))
    except ValueError as error:
        raise ValueError(f"cron {expression!r} is not valid: {error}") from error


DEFAULT_SCHEDULE = Schedule(interval=DEFAULT_INTERVAL_SECONDS, jitter=300.0)


def _name_the_profile(
    value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Schedule | None:
    """Validate a profile's schedule; a problem names the profile's site and the key."""
    try:
        return handler(value)
    except ValidationError as error:
        site = info.data.get("site", "?")
        problems = "; ".join(
            f"{'.'.join(['schedule', *map(str, issue['loc'])])}: "
            + issue["msg"].removeprefix("Value error, ")
            for issue in error.errors()
        )
        raise ValueError(f"profile {site!r}: {problems}") from None


# The profile's field type (crawlers/profiles.py): declared after `site`, which it names.
ProfileSchedule = Annotated[Schedule | None, WrapValidator(_name_the_profile)]


def schedule_of(declared: Schedule | None) -> Schedule:
    return declared or DEFAULT_SCHEDULE


def backoff_seconds(failures: int, base: float, cap: float) -> float:
    """The wait after `failures` consecutive failed runs: base, 2 x base, 4 x base ... capped."""
    if failures <= 0:
        return 0.0
    return min(base * 2 ** (failures - 1), cap)
