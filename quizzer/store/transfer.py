"""Copying a whole collection to another database (``quizzer migrate --to``), SQLite ⇄
PostgreSQL, and the SQLite snapshots that back up a server collection.

The target is created by the same migrations as any collection and must be empty. The
copy keeps every row as it is: the same ids (so reviews, undo and history keep pointing
at the right cards), the same timestamps, and JSON columns copied as their text, so a
round trip SQLite → PostgreSQL → SQLite gives back the very same rows. The source is
read in one snapshot (``REPEATABLE READ`` on PostgreSQL), the target written in one
transaction, and before that transaction commits the copy is verified: every table's
row count and every card's scheduling state must be equal, and every row too. A copy
that fails leaves the target empty.

A backup of a server collection is such a copy into a new SQLite file
(:func:`snapshot_to_sqlite`), so backups have one format whatever the backend, and a
restore is a copy back (``replace=True``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, Table, Text, bindparam, cast, func, insert, select, text
from sqlalchemy.orm import Session

from quizzer.errors import StoreError
from quizzer.store.db import Store, masked_url, sqlite_path

__all__ = ["CopyReport", "copy_collection", "snapshot_to_sqlite", "tables"]

#: Rows per INSERT batch.
BATCH = 2000
#: The columns of a card's scheduling state, compared one card at a time.
_STATE: tuple[str, ...] = ("id", "retired_at", "state", "step", "stability", "difficulty", "due")
_STATE += ("last_review", "reps", "lapses", "suspended", "buried_until", "leech")


@dataclass(slots=True)
class CopyReport:
    """What was copied: rows per table, all verified equal."""

    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the counts of the main tables."""
        parts = [f"{self.rows.get(t, 0)} {t}" for t in ("decks", "cards", "reviews", "settings")]
        return ", ".join(parts)


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    from sqlmodel import SQLModel

    import quizzer.store.models  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def _where(store: Store) -> str:
    path = sqlite_path(store.url)
    return str(path) if path is not None else masked_url(store.url)


@contextmanager
def snapshot(store: Store) -> Iterator[Session]:
    """A read session that sees one consistent state of ``store`` throughout."""
    with store.read() as session:
        if store.backend == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JSON)


def _read_columns(table: Table) -> list[Any]:
    """The columns to select: JSON ones as their stored text (so ``null`` and SQL NULL,
    and the exact spelling, survive the copy)."""
    return [cast(c, Text).label(c.name) if _is_json(c) else c for c in table.columns]


def _insert(table: Table, backend: str) -> Any:
    """An INSERT of every column from named parameters, JSON columns taken as text."""
    values: dict[str, Any] = {}
    for c in table.columns:
        if _is_json(c):
            param = bindparam(c.name, type_=Text)
            values[c.name] = cast(param, c.type) if backend == "postgresql" else param
        else:
            values[c.name] = bindparam(c.name, type_=c.type)
    return insert(table).values(values)


def _rows(session: Session, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``table``, in primary-key order, in batches."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = session.execute(
        select(*_read_columns(table)).order_by(*order).execution_options(yield_per=BATCH)
    )
    for batch in result.mappings().partitions(BATCH):
        yield [dict(row) for row in batch]


def _count(session: Session, table: Table) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _fix_sequences(session: Session, table: Table) -> None:
    """On PostgreSQL, move a serial id's sequence past the ids copied in."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].foreign_keys:
        return
    name = keys[0].name
    session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
            f"COALESCE(MAX({name}), 1), MAX({name}) IS NOT NULL) FROM {table.name}"
        )
    )


def copy_collection(source: Store, target: Store, replace: bool = False) -> CopyReport:
    """Copy every row of ``source`` into the empty collection ``target`` (created or
    brought to the current schema first), verified before it commits. With ``replace``
    the target's rows are deleted first, in the same transaction (a restore).

    Raises:
        StoreError: When the target already holds data, or the copy differs.
    """
    from quizzer.store.schema import ensure_schema

    if source.url == target.url:
        raise StoreError("the target is the collection itself; name another database")
    ensure_schema(target)
    report = CopyReport(_where(source), _where(target))
    with target.write() as out:
        for table in reversed(tables()) if replace else ():
            out.execute(table.delete())
        for table in tables():
            existing = _count(out, table)
            if existing:
                raise StoreError(
                    f"{_where(target)} already holds a collection ({existing} rows in "
                    f"{table.name}); migrate copies into an empty database only. Nothing "
                    "was changed."
                )
        with snapshot(source) as src:
            for table in tables():
                statement = _insert(table, target.backend)
                for batch in _rows(src, table):
                    out.execute(statement, batch)
                if target.backend == "postgresql":
                    _fix_sequences(out, table)
            verify(src, out, report)
    if target.backend == "postgresql":
        # Planner statistics for the copied tables now, not when autovacuum gets to
        # them: until then PostgreSQL guesses, and picked a plan 10× slower for the
        # learning-card lookup on a 100,000-card copy (docs/performance.md).
        from sqlalchemy import text

        with target.engine.begin() as connection:
            for table in tables():
                connection.execute(text(f'ANALYZE "{table.name}"'))
    return report


def snapshot_to_sqlite(store: Store, final: Path) -> Path:
    """Write the collection in ``store`` to the new SQLite file ``final``, the format of
    every quizzer backup: through a temporary name, verified, checked with ``PRAGMA
    integrity_check``, synced, then renamed into place.

    Raises:
        StoreError: When the copy fails its checks.
        OSError: When the file can't be written.
    """
    import sqlite3

    from quizzer.store.backup import seal
    from quizzer.store.db import dispose_engine

    tmp = final.with_name(final.name + ".tmp")
    url = f"sqlite:///{tmp}"
    try:
        copy_collection(store, Store(url))
        dispose_engine(url)  # its last connection folds the WAL into the file
        try:
            seal(tmp, final)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the snapshot of {_where(store)} is damaged: {exc}") from exc
    except BaseException:
        dispose_engine(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        raise
    return final


def verify(src: Session, out: Session, report: CopyReport) -> None:
    """Check that ``out`` holds what ``src`` holds: row counts, every card's state, and
    every row of every table; fills ``report.rows``.

    Raises:
        StoreError: On the first difference.
    """
    for table in tables():
        a, b = _count(src, table), _count(out, table)
        if a != b:
            raise StoreError(f"copy check failed: {table.name} has {b} rows, not {a}")
        report.rows[table.name] = a
    cards = tables()[0].metadata.tables["cards"]
    state = [cards.c[name] for name in _STATE]
    want = src.execute(select(*state).order_by(cards.c.id)).all()
    got = out.execute(select(*state).order_by(cards.c.id)).all()
    for w, g in zip(want, got, strict=True):
        if tuple(w) != tuple(g):
            raise StoreError(f"copy check failed: card {w[0]}'s state differs ({tuple(g)})")
    for table in tables():
        for want_rows, got_rows in zip(_rows(src, table), _rows(out, table), strict=True):
            if want_rows != got_rows:
                raise StoreError(f"copy check failed: the rows of {table.name} differ")
