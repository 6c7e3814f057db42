"""Column types shared by the tables and the migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["EncodedJSON", "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python.

    SQLite has no time zones, so values are stored as naive UTC there and made aware
    again when read. PostgreSQL stores ``timestamptz``. Naive datetimes are refused on
    the way in, because their meaning is a guess (fsrs refuses them too).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: quizzer stores UTC-aware datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, a UTC datetime goes straight to the text SQLAlchemy would store
        for it (``YYYY-MM-DD HH:MM:SS.ffffff``): its chain (this type's check, then
        SQLite's formatting) took 6.7 µs a value, ≈ 30 µs of every answer. Anything
        else takes that chain."""
        chain = super().bind_processor(dialect)
        if dialect.name != "sqlite" or chain is None:
            return chain

        def process(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is UTC:
                return value.isoformat(" ", "microseconds")[:26]  # without "+00:00"
            return chain(value)

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncodedJSON(TypeDecorator[str]):
    """A bound value for a JSON column that is already JSON text, stored as given.

    For ``type_coerce(bindparam(...), EncodedJSON())`` where the caller has serialized
    the value anyway (the importer hashes each card's canonical JSON): a JSON column's
    own type would serialize it a second time. On PostgreSQL the value is cast to
    ``json`` as usual.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None
