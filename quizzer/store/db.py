"""The database: URL resolution, the engine factory, and sessions for units of work.

One engine per process and URL (:func:`get_engine`). Every SQLite connection uses WAL,
``foreign_keys=ON``, ``synchronous=FULL`` and a busy timeout; write transactions start
with ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe), so two processes writing at
once wait for each other instead of failing with "database is locked". Nothing here
touches the disk at import time.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from quizzer.errors import StoreError

__all__ = [
    "BUSY_TIMEOUT_S",
    "Store",
    "StoreError",
    "get_engine",
    "masked_url",
    "resolve_url",
    "sqlite_path",
    "translate_error",
]

#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL has no password we can find
        return url


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """The database URL from ``--db``, ``QUIZZER_DB``, the config file, or the default.

    A plain path becomes an SQLite URL; anything with ``://`` is taken as an SQLAlchemy
    URL as it is.
    """
    value: str | None = os.fspath(db) if db is not None else None
    if not value:
        value = os.environ.get("QUIZZER_DB") or None
    if not value:
        from quizzer.config import load_config

        value = load_config().database_url
    if not value:
        from quizzer.paths import default_db_path

        return f"sqlite:///{default_db_path()}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        from quizzer.store.sqlfuncs import register_sqlite_functions

        register_sqlite_functions(dbapi_connection)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")
            # Fix: switching to WAL rewrites the file header, so opening another app's
            # SQLite file (which quizzer then refuses as "not a quizzer database") used
            # to change it and leave -wal/-shm files beside it. Only a new, empty file
            # or a quizzer collection is switched.
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                tables = {
                    row[0]
                    for row in cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                if not tables or "alembic_version" in tables:
                    # A read-only file keeps its journal mode; reads still work.
                    with contextlib.suppress(sqlite3.OperationalError):
                        cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection: sqlite3.Connection | None, _record: Any) -> None:
        # Fix: a COMMIT that fails (an I/O error, a full disk, a busy lock) can leave
        # SQLite's transaction open, and SQLite's docs say to ROLLBACK then. SQLAlchemy
        # doesn't: it marks the transaction inactive and skips its reset-on-return, so the
        # pooled connection kept BEGIN IMMEDIATE's write lock (other instances waited and
        # failed) and every later BEGIN failed with "cannot start a transaction within a
        # transaction" until a restart. Roll back whatever is still open on return.
        if dbapi_connection is not None and dbapi_connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                dbapi_connection.rollback()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("quizzer_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def get_engine(url: str) -> Engine:
    """The process's engine for ``url``, created on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            kwargs: dict[str, Any] = {}
            backend = make_url(url).get_backend_name()
            if backend == "sqlite":
                kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
            else:
                kwargs["pool_pre_ping"] = True
            engine = create_engine(url, **kwargs)
            if backend == "sqlite":
                _setup_sqlite(engine)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (before replacing a database file, and in tests)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def translate_error(exc: BaseException, url: str) -> StoreError:
    """Turn a driver error into a message that names the database and the cause."""
    where = masked_url(url)
    path = sqlite_path(url)
    if path is not None:
        where = str(path)
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return StoreError(
            f"{where} is damaged or is not a quizzer database ({orig}). "
            "Run 'quizzer doctor' to check it; nothing was changed."
        )
    if "unable to open database file" in text:
        if path is not None and not path.parent.exists():
            return StoreError(f"cannot open {where}: the folder {path.parent} does not exist")
        return StoreError(f"cannot open {where}: permission denied or not a file")
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"{where} is read-only; quizzer can read it but not save answers "
            "or imports. Nothing was changed."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(
            f"the disk holding {where} is full; nothing was changed. Free some space and try again."
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{where} is busy: another quizzer kept it locked for more than "
            f"{BUSY_TIMEOUT_S:.0f} s. Try again."
        )
    if "disk i/o error" in text:
        return StoreError(f"the disk reported an I/O error on {where}; nothing was changed.")
    return StoreError(f"database error on {where}: {orig}")


class Store:
    """A database, with sessions for reading and for writing.

    Each ``with store.write() as session:`` block is one transaction: it commits when
    the block ends and rolls back if it raises, so every write is all or nothing.
    """

    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)
        self._write_engine = self.engine.execution_options(quizzer_write=True)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it never writes."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except DBAPIError as exc:
            raise translate_error(exc, self.url) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed as one transaction (``BEGIN IMMEDIATE``)."""
        try:
            with Session(self._write_engine, expire_on_commit=False) as session:
                yield session
                session.commit()
        except DBAPIError as exc:
            raise translate_error(exc, self.url) from exc
