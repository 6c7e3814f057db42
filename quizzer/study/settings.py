"""Study settings: defaults, where each value comes from, and validation.

Every setting can be set for the whole collection or for one deck. The effective value
of a setting for a deck is the first of: the deck's own value, the collection's value
(both stored in the database, so they follow the collection to another machine), the
``[study]`` table of ``config.toml``, and the default below. ``quizzer config`` shows
each value with its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

__all__ = [
    "SETTINGS",
    "SettingError",
    "SettingSpec",
    "StudySettings",
    "format_duration",
    "parse_duration",
    "parse_setting",
]


class SettingError(ValueError):
    """A setting's name or value is not valid; the message says what would be."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(text: str) -> timedelta:
    """``"10m"`` → 10 minutes. Units: s, m, h, d."""
    match = _DURATION.match(text)
    if not match:
        raise SettingError(f"{text!r} is not a duration like 30s, 10m, 1h or 1d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def format_duration(value: timedelta) -> str:
    """10 minutes → ``"10m"`` (the largest unit that divides it)."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True, slots=True)
class StudySettings:
    """The effective scheduling settings for one deck (or the collection).

    Attributes:
        desired_retention: Target probability of recall when a card is due (0.7–0.99).
        learning_steps: Intervals between the first answers of a new card.
        relearning_steps: Intervals after forgetting a review card.
        maximum_interval: The longest interval, in days.
        fuzz: Spread review dates slightly so cards learnt together don't stay together.
        new_per_day: New cards introduced per day.
        reviews_per_day: Review cards shown per day.
        day_start_hour: Local hour at which a new study day begins.
        timezone: IANA time zone for the day boundary; empty for the machine's own.
        leech_threshold: Lapses after which a card is a leech.
        leech_action: ``suspend`` (and tag) or ``tag`` only.
        parameters: FSRS parameters; empty for fsrs's defaults.
    """

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    fuzz: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_start_hour: int = 4
    timezone: str = ""
    leech_threshold: int = 8
    leech_action: str = "suspend"
    parameters: tuple[float, ...] = field(default=())

    def with_values(self, values: Mapping[str, Any]) -> StudySettings:
        """A copy with raw ``values`` (as stored) parsed and applied."""
        return replace(self, **{k: parse_setting(k, v) for k, v in values.items()})


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """How one setting is parsed, shown and explained."""

    name: str
    help: str
    parse: Callable[[Any], Any]
    show: Callable[[Any], Any]


def _number(kind: type, low: float, high: float) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise SettingError("expected a number")
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise SettingError(f"{value!r} is not a number") from None
        if kind is int and isinstance(value, float) and value != int(value):
            raise SettingError(f"{value!r} is not a whole number")
        if not low <= number <= high:
            raise SettingError(f"{number} is outside {low:g}–{high:g}")
        return number

    return parse


def _steps(value: Any) -> tuple[timedelta, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, list | tuple):
        raise SettingError("expected a list of durations like [1m, 10m]")
    steps = tuple(v if isinstance(v, timedelta) else parse_duration(str(v)) for v in value)
    if any(s <= timedelta(0) or s >= timedelta(days=1) for s in steps):
        raise SettingError("each step must be longer than 0 and shorter than a day")
    return steps


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise SettingError(f"{value!r} is not true or false")


def _timezone(value: Any) -> str:
    text = str(value).strip()
    if text:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(
                f"unknown time zone {text!r} (use a name like Europe/Berlin)"
            ) from None
    return text


def _leech_action(value: Any) -> str:
    text = str(value).strip()
    if text not in ("suspend", "tag"):
        raise SettingError("leech_action is 'suspend' or 'tag'")
    return text


def _parameters(value: Any) -> tuple[float, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value.strip("[] ")) if v]
    if not isinstance(value, list | tuple):
        raise SettingError("expected a list of numbers")
    try:
        params = tuple(float(v) for v in value)
    except ValueError:
        raise SettingError("FSRS parameters must be numbers") from None
    if params:
        from fsrs import Scheduler

        try:
            Scheduler(parameters=params)
        except ValueError as exc:
            raise SettingError(f"fsrs refuses these parameters: {exc}") from None
    return params


def _show_steps(value: tuple[timedelta, ...]) -> list[str]:
    return [format_duration(v) for v in value]


def _same(value: Any) -> Any:
    return value


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "desired_retention",
            "target recall probability when a card is due",
            _number(float, 0.7, 0.99),
            _same,
        ),
        SettingSpec("learning_steps", "intervals for new cards, e.g. 1m 10m", _steps, _show_steps),
        SettingSpec("relearning_steps", "intervals after a lapse, e.g. 10m", _steps, _show_steps),
        SettingSpec("maximum_interval", "longest interval in days", _number(int, 1, 36500), _same),
        SettingSpec("fuzz", "spread due dates a little", _bool, _same),
        SettingSpec("new_per_day", "new cards per day", _number(int, 0, 9999), _same),
        SettingSpec("reviews_per_day", "reviews per day", _number(int, 0, 99999), _same),
        SettingSpec(
            "day_start_hour", "local hour when the study day starts", _number(int, 0, 23), _same
        ),
        SettingSpec(
            "timezone", "time zone of the day boundary (empty: this machine's)", _timezone, _same
        ),
        SettingSpec(
            "leech_threshold", "lapses that make a card a leech", _number(int, 1, 999), _same
        ),
        SettingSpec(
            "leech_action", "what happens to a leech: suspend or tag", _leech_action, _same
        ),
        SettingSpec("parameters", "FSRS parameters (empty: fsrs's defaults)", _parameters, list),
    )
}

assert set(SETTINGS) == {f.name for f in fields(StudySettings)}


def parse_setting(name: str, value: Any) -> Any:
    """Parse and check ``value`` for setting ``name``.

    Raises:
        SettingError: For an unknown name or an invalid value.
    """
    spec = SETTINGS.get(name)
    if spec is None:
        import difflib

        close = difflib.get_close_matches(name, list(SETTINGS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SettingError(f"unknown setting {name!r}{hint}")
    try:
        return spec.parse(value)
    except SettingError as exc:
        raise SettingError(f"{name}: {exc}") from None


def to_stored(name: str, value: Any) -> Any:
    """The JSON-ready form of a parsed value (durations as ``"10m"``)."""
    return SETTINGS[name].show(value)
