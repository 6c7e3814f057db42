"""The study day: it starts at a local hour (4:00 by default), not at midnight.

A late-night session belongs to the day before, as in Anki. Daylight-saving changes are
handled by building each boundary from a local date and hour with ``zoneinfo``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["StudyDay", "local_zone", "study_day"]


def local_zone(name: str = "") -> tzinfo:
    """The zone named ``name``, or this machine's local zone when empty."""
    if name:
        return ZoneInfo(name)
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


class StudyDay:
    """One study day: its local date and its start and end as UTC datetimes."""

    __slots__ = ("date", "end", "start")

    def __init__(self, day: date, start: datetime, end: datetime):
        self.date = day
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"StudyDay({self.date}, {self.start.isoformat()} → {self.end.isoformat()})"


def _boundary(day: date, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def study_day(now: datetime, hour: int = 4, zone: tzinfo | None = None) -> StudyDay:
    """The study day that ``now`` (UTC-aware) falls in."""
    zone = zone or local_zone()
    local = now.astimezone(zone)
    day = local.date()
    if local.hour < hour:
        day -= timedelta(days=1)
    return StudyDay(day, _boundary(day, hour, zone), _boundary(day + timedelta(days=1), hour, zone))
