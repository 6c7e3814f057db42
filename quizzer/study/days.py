"""The study day: it starts at a local hour (4:00 by default), not at midnight.

A late-night session belongs to the day before, as in Anki. Daylight-saving changes are
handled by building each boundary from a local date and hour with ``zoneinfo``.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["DayFolder", "StudyDay", "current_run", "local_zone", "runs_of_days", "study_day"]


class _MachineZone(tzinfo):
    """This machine's local time, with its daylight-saving rules (the C library's).

    ``datetime.now().astimezone().tzinfo`` is a *fixed* offset, the one in force right
    now: with it, every day on the other side of a DST change started an hour off and
    the day of the change lasted 24 hours instead of 23 or 25. This zone asks the C
    library for the offset in force at each instant instead.
    """

    @staticmethod
    def _local(dt: datetime) -> _time.struct_time:
        fields = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, 0, 0, -1)
        return _time.localtime(_time.mktime(fields))

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return self._local(dt).tm_zone if dt is not None else None

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=None) - datetime(1970, 1, 1)) // timedelta(seconds=1)
        return dt + timedelta(seconds=_time.localtime(stamp).tm_gmtoff)

    def __repr__(self) -> str:
        return "local_zone()"


def local_zone(name: str = "") -> tzinfo:
    """The zone named ``name``, or this machine's local zone when empty."""
    if name:
        return ZoneInfo(name)
    return _MachineZone()


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


class DayFolder:
    """Folds UTC moments into local study days, for statistics over many reviews.

    SQL groups reviews by a fixed time bucket (a quarter hour); this turns each bucket
    into its study day. The day found last is reused while the next moments stay inside
    it: a large log has tens of thousands of buckets but only hundreds of days, and
    each new day costs two zone conversions.
    """

    def __init__(self, zone: tzinfo, hour: int):
        self.zone = zone
        self.hour = hour
        self._last: tuple[float, float, date] | None = None

    def day_of(self, when: datetime) -> date:
        """The local study day of a UTC-aware moment."""
        return (when.astimezone(self.zone) - timedelta(hours=self.hour)).date()

    def day_start(self, day: date) -> datetime:
        """The UTC moment a local study day starts."""
        return _boundary(day, self.hour, self.zone)

    def day_of_epoch(self, seconds: float) -> date:
        """The local study day of a moment given in seconds since the epoch."""
        last = self._last
        if last is not None and last[0] <= seconds < last[1]:
            return last[2]
        day = self.day_of(datetime.fromtimestamp(seconds, UTC))
        start = self.day_start(day).timestamp()
        end = self.day_start(day + timedelta(days=1)).timestamp()
        self._last = (start, end, day)
        return day


def runs_of_days(studied: set[date], today: date) -> tuple[int, int]:
    """The current and the longest run of consecutive days in ``studied``.

    The current run may end yesterday: a streak is not lost before today is over.
    """
    longest = run = 0
    previous: date | None = None
    for day in sorted(studied):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return current_run(studied.__contains__, today), longest


def current_run(studied: Callable[[date], bool], today: date) -> int:
    """Days in a row up to today with ``studied(day)`` true; the run may end yesterday,
    as a streak is not lost before today is over. Asks only about the run's days."""
    current = 0
    day = today if studied(today) else today - timedelta(days=1)
    while studied(day):
        current += 1
        day -= timedelta(days=1)
    return current
