"""SQL functions that compile for each database, so statistics stay in SQL everywhere.

* :class:`epoch_hour` — hours since 1970 of a UTC timestamp column. Statistics group by
  hour in SQL, then fold hours into local study days in Python (at most 24 rows per
  day), which is exact across time zones and daylight-saving changes.
* :class:`retrievability_at` — FSRS's predicted recall of a card at a moment.

On SQLite the retrievability is a small Python function registered on each connection
(:func:`register_sqlite_functions`, called from the connection set-up); on PostgreSQL it
is plain arithmetic.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, Integer

__all__ = ["epoch_hour", "register_sqlite_functions", "retrievability_at"]


class epoch_hour(FunctionElement[int]):
    """``epoch_hour(column)``: whole hours since 1970-01-01 UTC."""

    type = Integer()
    inherit_cache = True
    name = "epoch_hour"


@compiles(epoch_hour, "sqlite")
def _epoch_hour_sqlite(element: epoch_hour, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"(CAST(strftime('%s', {compiler.process(column, **kw)}) AS INTEGER) / 3600)"


@compiles(epoch_hour)
def _epoch_hour_default(element: epoch_hour, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(column, **kw)}) / 3600) AS BIGINT)"


class retrievability_at(FunctionElement[float]):
    """``retrievability_at(stability, last_review, now_epoch, decay, factor)``."""

    type = Float()
    inherit_cache = True
    name = "retrievability_at"


@compiles(retrievability_at, "sqlite")
def _r_sqlite(element: retrievability_at, compiler: Any, **kw: Any) -> str:
    stability, last, now, decay, factor = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"quizzer_r({stability}, CAST(strftime('%s', {last}) AS INTEGER), {now}, {decay}, {factor})"
    )


@compiles(retrievability_at)
def _r_default(element: retrievability_at, compiler: Any, **kw: Any) -> str:
    stability, last, now, decay, factor = (compiler.process(c, **kw) for c in element.clauses)
    elapsed = f"GREATEST(0, FLOOR(({now} - EXTRACT(EPOCH FROM {last})) / 86400))"
    return f"POWER(1 + {factor} * {elapsed} / NULLIF({stability}, 0), {decay})"


def _quizzer_r(
    stability: float | None, last: int | None, now: float, decay: float, factor: float
) -> float | None:
    if stability is None or last is None or stability <= 0:
        return None
    elapsed = max(0, math.floor((now - last) / 86400))
    return float((1 + factor * elapsed / stability) ** decay)


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """Register the Python side of the functions above on an SQLite connection."""
    connection.create_function("quizzer_r", 5, _quizzer_r, deterministic=True)
