"""SQL functions that compile for each database, so statistics stay in SQL everywhere.

* :class:`epoch_hour` — hours since 1970 of a UTC timestamp column.
* :class:`epoch_quarter` — quarter hours since 1970 of a UTC timestamp column.
  Statistics group by quarter hour in SQL, then fold them into local study days in
  Python (at most 96 rows per day), which is exact across daylight-saving changes and
  in every time zone, including the ones offset by :30 or :45 from UTC (hours are
  not: in Asia/Kolkata the 4:00 boundary falls in the middle of a UTC hour).
* :class:`retrievability_at` — FSRS's predicted recall of a card at a moment.
* :class:`unindexed` — a column compared without its index (SQLite's unary ``+``).

On SQLite the retrievability is a small Python function registered on each connection
(:func:`register_sqlite_functions`, called from the connection set-up); on PostgreSQL it
is plain arithmetic.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, Integer

__all__ = [
    "QUARTER_SECONDS",
    "epoch_hour",
    "epoch_quarter",
    "epoch_seconds",
    "register_sqlite_functions",
    "retrievability_at",
    "unindexed",
]


#: Whole seconds since 1970 of a SQLite timestamp, truncated: SQLite reads the fraction
#: of a second only to the millisecond, rounding (03:59:59.9996 became 04:00:00, the
#: next study day), so the text is cut after the seconds first ("YYYY-MM-DD HH:MM:SS",
#: as quizzer stores UTC). ``unixepoch()`` (SQLite 3.38+) takes 45% less time than
#: ``strftime('%s')`` over a million reviews.
_SQLITE_EPOCH = (
    "unixepoch(substr({}, 1, 19))"
    if sqlite3.sqlite_version_info >= (3, 38)
    else "CAST(strftime('%s', substr({}, 1, 19)) AS INTEGER)"
)


class _epoch_units(FunctionElement[int]):
    """Whole ``width``-second units since 1970-01-01 UTC of a UTC timestamp column (the
    subclasses below; one compilation for all of them)."""

    type = Integer()
    inherit_cache = True
    width = 1


@compiles(_epoch_units, "sqlite")
def _epoch_units_sqlite(element: _epoch_units, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    seconds = _SQLITE_EPOCH.format(compiler.process(column, **kw))
    return seconds if element.width == 1 else f"({seconds} / {element.width})"


@compiles(_epoch_units)
def _epoch_units_default(element: _epoch_units, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    seconds = f"EXTRACT(EPOCH FROM {compiler.process(column, **kw)})"
    return f"CAST(FLOOR({seconds} / {element.width}) AS BIGINT)"


class epoch_seconds(_epoch_units):
    """``epoch_seconds(column)``: whole seconds since 1970-01-01 UTC (truncated, which
    never moves a moment across a day boundary: those fall on whole seconds)."""

    inherit_cache = True
    name = "epoch_seconds"


class epoch_hour(_epoch_units):
    """``epoch_hour(column)``: whole hours since 1970-01-01 UTC."""

    inherit_cache = True
    name = "epoch_hour"
    width = 3600


QUARTER_SECONDS = 900
"""The width of an :class:`epoch_quarter` bucket."""


class epoch_quarter(_epoch_units):
    """``epoch_quarter(column)``: whole quarter hours (900 s) since 1970-01-01 UTC."""

    inherit_cache = True
    name = "epoch_quarter"
    width = QUARTER_SECONDS


class retrievability_at(FunctionElement[float]):
    """``retrievability_at(stability, last_review, now_epoch, decay, factor)``."""

    type = Float()
    inherit_cache = True
    name = "retrievability_at"


@compiles(retrievability_at, "sqlite")
def _r_sqlite(element: retrievability_at, compiler: Any, **kw: Any) -> str:
    stability, last, now, decay, factor = (compiler.process(c, **kw) for c in element.clauses)
    # The stored text, not strftime('%s'), which drops the fraction of a second: the
    # elapsed days then came out one too many in the last second before each whole day.
    return f"quizzer_r({stability}, {last}, {now}, {decay}, {factor})"


@compiles(retrievability_at)
def _r_default(element: retrievability_at, compiler: Any, **kw: Any) -> str:
    stability, last, now, decay, factor = (compiler.process(c, **kw) for c in element.clauses)
    elapsed = f"GREATEST(0, FLOOR(({now} - EXTRACT(EPOCH FROM {last})) / 86400))"
    return f"POWER(1 + {factor} * {elapsed} / NULLIF({stability}, 0), {decay})"


_EPOCH = datetime(1970, 1, 1)
_DAY_US = 86_400_000_000


def _epoch_us(value: str | float | int) -> int:
    """Microseconds since 1970 of a stored timestamp (naive UTC text) or epoch seconds."""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return (moment - _EPOCH) // timedelta(microseconds=1)
    return round(value * 1_000_000)


def _quizzer_r(
    stability: float | None, last: str | float | None, now: float, decay: float, factor: float
) -> float | None:
    if stability is None or last is None or stability <= 0:
        return None
    # Whole days elapsed, in exact integer microseconds, as fsrs counts them
    # (``timedelta.days``): a float difference of two epochs can land a hair short of
    # a whole day. ``now`` is a float epoch; rounding it to the microsecond is exact.
    elapsed = max(0, (_epoch_us(now) - _epoch_us(last)) // _DAY_US)
    return float((1 + factor * elapsed / stability) ** decay)


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """Register the Python side of the functions above on an SQLite connection."""
    connection.create_function("quizzer_r", 5, _quizzer_r, deterministic=True)


class unindexed(FunctionElement[Any]):
    """A column compared without its index, where the comparison keeps most rows.

    SQLite's planner takes any range on an indexed column as selective, so
    ``reviewed_at < now``, which keeps nearly every review, became an index walk with
    one table lookup per review: 12× slower than a plain scan at 1M reviews. A unary
    ``+`` is SQLite's documented way to keep a term off an index. PostgreSQL's planner
    has statistics and needs no such hint.
    """

    inherit_cache = True
    name = "unindexed"


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"+{compiler.process(column, **kw)}"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return str(compiler.process(column, **kw))
