"""The store: pragmas, UTC datetimes, migrations, refusing bad files, two writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, text
from sqlmodel import select

from quizzer.collection import Collection
from quizzer.errors import StoreError
from quizzer.store.db import Store, get_engine, resolve_url
from quizzer.store.direct import Prepared
from quizzer.store.models import Deck, Setting, settings_t
from quizzer.store.schema import HEAD, current_revision, upgrade

pytestmark = pytest.mark.backends

ADD_SETTING = Prepared(insert(settings_t), ["key", "value"])  # scope: its default, ""


@contextmanager
def checkouts(engine: Any) -> Iterator[list[int]]:
    """The connections taken from ``engine``'s pool meanwhile (their ids, in order)."""
    from sqlalchemy import event

    taken: list[int] = []

    def on_checkout(dbapi_connection: object, _record: object, _proxy: object) -> None:
        taken.append(id(dbapi_connection))

    event.listen(engine, "checkout", on_checkout)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", on_checkout)


@pytest.mark.backends("sqlite")
def test_pragmas_on_every_connection(col: Collection) -> None:
    with col.store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


@pytest.mark.backends("sqlite")
def test_write_uses_begin_immediate(col: Collection) -> None:
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(col.store.engine, "before_cursor_execute", record)
    try:
        with col.store.write() as session:
            session.add(Setting(scope="", key="x", value=1))
        with col.store.read() as session:
            session.get(Setting, ("", "x"))
    finally:
        event.remove(col.store.engine, "before_cursor_execute", record)
    assert "BEGIN IMMEDIATE" in statements
    assert statements.count("BEGIN") == 1  # the read used a deferred transaction


def test_datetimes_come_back_utc_aware(col: Collection) -> None:
    plus_five = timezone(timedelta(hours=5))
    moment = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=plus_five)
    with col.store.write() as session:
        session.add(Deck(slug="d", title="D", created_at=moment, updated_at=moment))
    with col.store.read() as session:
        deck = session.exec(select(Deck)).one()
    assert deck.created_at == moment
    assert deck.created_at.tzinfo is UTC
    assert deck.created_at.hour == 4


def test_naive_datetimes_are_refused(col: Collection) -> None:
    with pytest.raises(Exception, match="naive datetime"), col.store.write() as session:
        naive = datetime(2026, 1, 1)
        session.add(Deck(slug="d", title="D", created_at=naive, updated_at=naive))
        session.flush()


def test_fresh_database_is_at_head(col: Collection) -> None:
    assert current_revision(col.store) == HEAD


def test_migrations_match_the_models(col: Collection) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with col.store.read() as session:
        context = MigrationContext.configure(session.connection())
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_older_database_is_backed_up_then_migrated(db_path: Path, quizzer_home: Path) -> None:
    store = Store(resolve_url(db_path))
    upgrade(store, "0001")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with store.write() as session:
        session.add(Deck(slug="kept", title="Kept", created_at=moment, updated_at=moment))
    assert current_revision(store) == "0001"
    with Collection.open(db_path) as col:
        assert current_revision(col.store) == HEAD
        assert [d.slug for d in col.decks()] == ["kept"]
    backups = list((quizzer_home / "backups").glob("*.db"))
    assert len(backups) == 1 and "before-migration-0001" in backups[0].name
    import sqlite3

    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT slug FROM decks").fetchall() == [("kept",)]


def test_newer_database_is_refused_untouched(db_path: Path) -> None:
    with Collection.open(db_path) as col, col.store.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    from quizzer.store.db import dispose_engines

    dispose_engines()
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer quizzer"):
        Collection.open(db_path)
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text-file", "damaged-header"],
)
def test_foreign_or_damaged_file_is_refused(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(StoreError) as info:
        Collection.open(db_path)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == content


def test_sqlite_file_of_another_app_is_refused(db_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    with pytest.raises(StoreError, match="not a quizzer database"):
        Collection.open(db_path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Collection.open(tmp_path / "nope" / "x.db")


def test_the_last_returned_connection_is_reused(col: Collection) -> None:
    """With two connections pooled, units of work in turn take the warm one each time
    (first in, first out, they alternated, and each found the other's commits)."""
    with col.store.direct(write=False), col.store.direct(write=False):
        pass  # two connections are open at once, then both are back in the pool
    with checkouts(col.store.engine) as taken:
        for _ in range(4):
            with col.store.write() as session:
                session.merge(Setting(scope="", key="x", value=1))
            with col.store.direct(write=False):
                pass
    assert len(taken) == 8
    assert len(set(taken)) == 1


@pytest.mark.backends("sqlite")
def test_units_of_work_in_a_row_keep_their_connection(col: Collection) -> None:
    """The study loop's units of work (``Store.direct``) on an SQLite file take the
    connection the last one left, without going through the pool; a session takes it
    back through the pool, so both still use one warm connection."""
    with checkouts(col.store.engine) as taken:
        for n in range(5):
            with col.store.direct(write=True) as db:
                db.run(ADD_SETTING, {"key": f"x{n}", "value": 1})
            with col.store.direct(write=False):
                pass
        assert len(taken) == 1
        with col.store.read() as session:
            session.execute(text("SELECT 1"))
        with col.store.direct(write=False):
            pass
    assert len(taken) == 3
    assert len(set(taken)) == 1


@pytest.mark.backends("sqlite")
def test_a_failed_unit_of_work_keeps_no_lock(db_path: Path) -> None:
    """A unit of work that raised goes back to the pool, rolled back, rather than being
    kept: another process can write at once."""
    import sqlite3

    col = Collection.open(db_path)
    with pytest.raises(RuntimeError), col.store.direct(write=True) as db:
        db.run(ADD_SETTING, {"key": "x", "value": 1})
        raise RuntimeError("the answer fails after its first statement")
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        assert other.execute("SELECT count(*) FROM settings WHERE key = 'x'").fetchone() == (0,)
    finally:
        other.close()


@pytest.mark.backends("sqlite")
def test_disposing_closes_the_kept_connection(db_path: Path) -> None:
    """The connection a unit of work kept is closed with the pool's (at exit too), so
    the last connection to close still folds the WAL into the file and deletes it; a
    unit of work that was running meanwhile does not keep its connection after that."""
    from quizzer.store.db import dispose_engines

    col = Collection.open(db_path)
    with col.store.direct(write=True) as db:
        db.run(ADD_SETTING, {"key": "x", "value": 1})
    wal = Path(f"{db_path}-wal")
    assert wal.exists()
    dispose_engines()
    assert not wal.exists()
    col = Collection.open(db_path)
    with col.store.direct(write=True) as db:
        db.run(ADD_SETTING, {"key": "y", "value": 1})
        dispose_engines()  # say, at exit while a worker's answer is being written
    with checkouts(col.store.engine) as taken, col.store.direct(write=False):
        pass
    assert len(taken) == 1  # from the pool: the unit of work did not keep its own


def test_one_engine_per_url(db_path: Path) -> None:
    url = resolve_url(db_path)
    assert get_engine(url) is get_engine(url)


def test_importing_touches_no_disk(tmp_path: Path) -> None:
    home = tmp_path / "untouched"
    code = textwrap.dedent(f"""
        import os
        os.environ["QUIZZER_HOME"] = {str(home)!r}
        import quizzer, quizzer.collection, quizzer.store.db, quizzer.store.models
        import quizzer.importer, quizzer.cli
        from quizzer.store.db import resolve_url
        resolve_url()
        assert not os.path.exists({str(home)!r}), "disk touched"
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


_WRITER = textwrap.dedent("""
    import sys, time
    from sqlalchemy import func, select
    from quizzer.store.db import Store, resolve_url
    from quizzer.store.models import Setting
    db, name, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = Store(resolve_url(db))
    errors = 0
    for i in range(count):
        try:
            ctx = store.write() if mode == "immediate" else store.read()
            with ctx as session:
                n = session.execute(select(func.count()).select_from(Setting)).scalar_one()
                time.sleep(0.001)
                session.add(Setting(scope=name, key=str(i), value=n))
                session.commit()
        except Exception as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            errors += 1
    print(errors)
""")


def _two_writers(db_path: Path, mode: str, count: int) -> tuple[int, int]:
    Collection.open(db_path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db_path), name, str(count), mode],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    errors = sum(int(p.communicate(timeout=120)[0].strip() or 0) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT count(*) FROM settings").fetchone()[0]
    return errors, rows


def test_two_processes_write_without_lock_errors(db_path: Path) -> None:
    errors, rows = _two_writers(db_path, "immediate", 150)
    assert errors == 0
    assert rows == 300


def test_deferred_transactions_would_fail(db_path: Path) -> None:
    """The same test with plain deferred transactions sees "database is locked"."""
    errors, rows = _two_writers(db_path, "deferred", 150)
    assert errors > 0
    assert rows == 300 - errors


# -- the same migrations on PostgreSQL ------------------------------------------------------
@pytest.mark.backends("postgresql")
def test_server_schema_is_upgraded_and_guarded(db: str) -> None:
    """The migrations upgrade an older server schema in place; a newer or foreign one is
    refused with the URL named, untouched."""
    store = Store(db)
    upgrade(store, "0001")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with store.write() as session:
        session.add(Deck(slug="kept", title="Kept", created_at=moment, updated_at=moment))
    with Collection.open(db) as col:
        assert current_revision(col.store) == HEAD
        assert [d.slug for d in col.decks()] == ["kept"]
        with col.store.write() as session:
            session.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreError, match="newer quizzer") as info:
        Collection.open(db)
    assert "127.0.0.1" in str(info.value)
    with store.write() as session:
        session.execute(text("DROP TABLE alembic_version"))
    with pytest.raises(StoreError, match="not a quizzer database"):
        Collection.open(db)


@pytest.mark.backends("postgresql")
def test_machines_opening_an_empty_server_at_once(db: str) -> None:
    """Several machines starting on a new, empty database: one creates the schema, the
    others wait for it and find it made."""
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            Collection.open(db).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert current_revision(Store(db)) == HEAD


@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    )
    | st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [
                timezone(timedelta(hours=5, minutes=30)),
                timezone(-timedelta(hours=7)),
                ZoneInfo("UTC"),
            ]
        ),
    )
)
def test_utc_datetimes_are_stored_as_sqlalchemy_writes_them(moment: datetime) -> None:
    """The SQLite fast path of UTCDateTime gives SQLAlchemy's own text, byte for byte."""
    from sqlalchemy.dialects import sqlite

    from quizzer.store.types import UTCDateTime

    dialect = sqlite.dialect()
    kind = UTCDateTime()
    fast = kind.dialect_impl(dialect).bind_processor(dialect)
    impl = kind.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    assert fast(moment) == impl(moment.astimezone(UTC).replace(tzinfo=None))
    assert kind.dialect_impl(dialect).result_processor(dialect, None)(fast(moment)) == moment


def test_naive_datetimes_are_refused_on_the_fast_path_too() -> None:
    from sqlalchemy.dialects import sqlite

    from quizzer.store.types import UTCDateTime

    dialect = sqlite.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    with pytest.raises(ValueError, match="naive"):
        process(datetime(2026, 3, 1, 12))
    assert process(None) is None
