"""The database: URL resolution, the engine factory, and sessions for units of work.

One engine per process and URL (:func:`get_engine`). Every SQLite connection uses WAL,
``foreign_keys=ON``, ``synchronous=FULL`` and a busy timeout; write transactions start
with ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe), so two processes writing at
once wait for each other instead of failing with "database is locked". Nothing here
touches the disk at import time.

On PostgreSQL (``postgresql+psycopg://``; the driver is imported only then) a write
transaction takes a transaction-level advisory lock first, the server-wide equivalent
of ``BEGIN IMMEDIATE``: imports, undo, resets and settings from several machines run
one after the other. Answers are the exception: they lock only their card's row
(``SELECT ... FOR UPDATE``), so machines answering different cards never wait for each
other (see :func:`quizzer.study.repo.answer_card`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from quizzer.errors import ServerUnreachable, StoreError

if TYPE_CHECKING:
    from quizzer.store.direct import Direct

__all__ = [
    "BUSY_TIMEOUT_S",
    "CONNECT_TIMEOUT_S",
    "Store",
    "StoreError",
    "WriteConflict",
    "dispose_engine",
    "dispose_engines",
    "get_engine",
    "is_disconnect",
    "masked_url",
    "resolve_url",
    "retry_conflicts",
    "sqlite_path",
    "translate_error",
]

#: WAL size (pages of 4 KiB) at which SQLite checkpoints it into the database file.
WAL_CHECKPOINT_PAGES = 4000
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0
#: How long connecting to a database server may take before giving up.
CONNECT_TIMEOUT_S = 10
#: The key of the advisory lock that PostgreSQL write transactions take ("quizzer").
WRITE_LOCK_KEY = 0x717569_7A7A6572

T = TypeVar("T")

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
#: Stores that keep the connection of :meth:`Store.direct`'s last unit of work (on an
#: SQLite file; see there), and the lock of those parked connections.
_parking: weakref.WeakSet[Store] = weakref.WeakSet()
_park_lock = threading.Lock()
#: Counts the disposals: a unit of work that began before one does not park its
#: connection after it (the file behind it may be replaced, or the process ending).
_generation = 0


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
            # SQLite folds the WAL into the file inside the commit that takes it past
            # this many pages, and with synchronous=FULL that commit waits for the whole
            # file to reach the disk. At its default (1000 pages) one answer in 110 took
            # 6 ms instead of 1.4; at 4000 one in 450 takes ~15 ms, and the pages
            # rewritten by many answers (indexes, counters) are written out once.
            cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
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


def _is_file_db(url: Any) -> bool:
    """Whether SQLAlchemy gives this SQLite URL a pool of connections (a file), not the
    single connection of an in-memory database."""
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    check = getattr(SQLiteDialect_pysqlite, "_is_url_file_db", None)  # SQLAlchemy's own
    if check is not None:
        return bool(check(url))
    return url.database not in (None, "", ":memory:") and "mode=memory" not in str(url)


def get_engine(url: str) -> Engine:
    """The process's engine for ``url``, created on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            kwargs: dict[str, Any] = {}
            try:
                parsed = make_url(url)
            except ArgumentError as exc:
                raise StoreError(f"{masked_url(url)} is not a database URL or path") from exc
            backend = parsed.get_backend_name()
            if backend not in ("sqlite", "postgresql"):
                raise StoreError(
                    f"{masked_url(url)}: quizzer works with SQLite files and PostgreSQL "
                    "(postgresql+psycopg://user@host/dbname) databases"
                )
            if backend == "sqlite":
                kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
            else:
                kwargs["pool_pre_ping"] = True
                if backend == "postgresql" and "connect_timeout" not in parsed.query:
                    kwargs["connect_args"] = {
                        "connect_timeout": CONNECT_TIMEOUT_S,
                        "application_name": "quizzer",
                    }
            if backend == "postgresql" or _is_file_db(parsed):
                # A pool of connections (not an in-memory database's single one): the
                # connection returned last is handed out next. First in, first out, a
                # study loop that had opened two connections (a thread, the WAL room)
                # alternated between them, and on SQLite each then found the other's
                # commit in the WAL and dropped its page cache: ~15 µs more per next
                # card + answer.
                kwargs["pool_use_lifo"] = True
            try:
                engine = create_engine(url, **kwargs)
            except ImportError as exc:
                raise StoreError(
                    f"the database driver for {masked_url(url)} is not installed "
                    f"(no module {exc.name!r}); for PostgreSQL use postgresql+psycopg:// "
                    "with `pip install 'psycopg[binary]'`"
                ) from exc
            except NoSuchModuleError as exc:
                raise StoreError(
                    f"{masked_url(url)}: unknown database driver; use postgresql+psycopg://"
                ) from exc
            if backend == "sqlite":
                _setup_sqlite(engine)
            _engines[url] = engine
        return engine


def _wait_for_rooms() -> None:
    """Let a room being made in a WAL finish first (see :mod:`quizzer.store.wal`): it
    would open a connection again and keep its WAL from being folded and deleted."""
    wal = sys.modules.get("quizzer.store.wal")
    if wal is not None:
        wal.wait()


def _close_parked(url: str | None) -> None:
    """Close the connections parked by stores of ``url`` (of every URL if None), and
    keep units of work already running from parking theirs."""
    global _generation
    with _park_lock:
        _generation += 1
        held = []
        for store in list(_parking):
            if store._parked is not None and (url is None or store.url == url):
                held.append(store._parked)
                store._parked = None
    for connection in held:
        with contextlib.suppress(Exception):
            connection.close()


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine and forget it."""
    _wait_for_rooms()
    with _lock:
        _close_parked(url)
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (before replacing a database file, and in tests)."""
    _wait_for_rooms()
    with _lock:
        _close_parked(None)
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


# Close the connections at exit ourselves: the app freezes its objects out of the
# collector's reach (quizzer.startup), so they were never closed, and SQLite never
# folded the WAL into the file and deleted it; a copy of the file alone then lacked
# the latest answers. With no engine yet this does nothing.
atexit.register(dispose_engines)


#: Words of driver messages that mean the server is unreachable or went away.
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "failed to resolve host",
    "could not translate host name",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "timeout expired",
    "connection timed out",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection is lost",
    "the connection is closed",
    "consuming input failed",
    "ssl syscall",
    "ssl connection has been closed",
    "connection reset",
    "broken pipe",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "cannot connect now",
)
_LOGIN = (
    "password authentication failed",
    "no password supplied",
    'role "',
    "pg_hba.conf",
    "permission denied for database",
)


class WriteConflict(StoreError):
    """PostgreSQL gave up a transaction for another one (a deadlock or a serialization
    failure); nothing of it was applied, and running it again is safe."""


def _first_line(orig: BaseException) -> str:
    """The driver's message, on one line, without psycopg's "connection to server at
    ... failed:" preamble (which repeats the host and port)."""
    text = " ".join(str(orig).split())
    text = text.rsplit("failed: ", 1)[-1].removeprefix("FATAL: ")
    return text.split(" Is the server running", 1)[0].strip() or type(orig).__name__


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` (a driver error) means the server is unreachable or went away."""
    if isinstance(exc, ServerUnreachable):
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    return any(word in text for word in _UNREACHABLE)


def translate_error(exc: BaseException, url: str) -> StoreError:
    """Turn a driver error into a message that names the database and the cause.

    Server URLs are always shown with the password masked; drivers never repeat it.
    """
    where = masked_url(url)
    path = sqlite_path(url)
    if path is not None:
        where = str(path)
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    if path is None and make_url(url).get_backend_name() != "sqlite":
        reason = _first_line(orig)
        if any(word in text for word in _LOGIN):
            return StoreError(
                f"the server at {where} refused the login: {reason}. Put the password in "
                "~/.pgpass or PGPASSWORD, never in the URL; nothing was changed."
            )
        if "does not exist" in text and "database" in text:
            return StoreError(
                f"cannot open {where}: {reason}. Create it first (createdb; see "
                "docs/multi-device.md); nothing was changed."
            )
        if is_disconnect(exc):
            return ServerUnreachable(f"cannot reach the database server at {where}: {reason}")
        if "permission denied" in text:
            return StoreError(
                f"{where}: {reason}. The role needs rights on quizzer's tables "
                "(see docs/multi-device.md); nothing was changed."
            )
        if "deadlock detected" in text or "could not serialize" in text:
            return WriteConflict(f"{where} was busy with another machine's change; try again")
        return StoreError(f"database error on {where}: {reason}")
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


def retry_conflicts(work: Callable[[], T], tries: int = 5) -> T:
    """Run ``work`` (one whole transaction) again when the database gave it up for
    another transaction (:class:`WriteConflict`); nothing of a failed try was applied."""
    for attempt in range(tries):
        try:
            return work()
        except WriteConflict:
            if attempt == tries - 1:
                raise
    raise AssertionError("tries must be at least 1")


class Store:
    """A database, with sessions for reading and for writing.

    Each ``with store.write() as session:`` block is one transaction: it commits when
    the block ends and rolls back if it raises, so every write is all or nothing.
    """

    def __init__(self, url: str):
        self.url = url
        self.engine = get_engine(url)
        self._write_engine = self.engine.execution_options(quizzer_write=True)
        #: The connection :meth:`direct`'s last unit of work left for the next one (an
        #: SQLite file only), or None.
        self._parked: Any = None
        self._parks = self.backend == "sqlite" and _is_file_db(self.engine.url)
        if self._parks:
            with _park_lock:
                _parking.add(self)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it never writes."""
        self.release()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except DBAPIError as exc:
            raise translate_error(exc, self.url) from exc

    @contextmanager
    def write(self, *, lock: bool = True) -> Iterator[Session]:
        """A session whose work is committed as one transaction.

        SQLite starts it with ``BEGIN IMMEDIATE``. On PostgreSQL it first takes the
        collection's advisory lock (held until the commit), unless ``lock`` is False:
        then the caller locks the rows it changes itself (answers do).
        """
        self.release()
        try:
            with Session(self._write_engine, expire_on_commit=False) as session:
                if lock and self.backend == "postgresql":
                    session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY}
                    )
                yield session
                session.commit()
        except DBAPIError as exc:
            raise translate_error(exc, self.url) from exc

    @contextmanager
    def direct(self, *, write: bool) -> Iterator[Direct]:
        """A unit of work of :class:`~quizzer.store.direct.Prepared` statements, on a
        pooled driver connection: the study loop's statements, without SQLAlchemy's
        per-statement bookkeeping (see :mod:`quizzer.store.direct`).

        A write is one transaction, started with ``BEGIN IMMEDIATE`` on SQLite and
        committed when the block ends; on PostgreSQL it takes no advisory lock (the
        caller locks the rows it changes, as answers do). A read runs each statement on
        its own (autocommit), so it costs no ``BEGIN`` and ``ROLLBACK`` round trips on a
        server; each statement still sees one committed state. Whatever the block leaves
        open (an exception) is rolled back when the connection goes back to the pool.
        Driver errors become :class:`StoreError` as in :meth:`write`; a connection the
        server dropped is discarded. On an SQLite file, a unit of work that ends cleanly
        keeps its connection for the next one instead of returning it (see ``_park``).
        """
        from quizzer.store.direct import Direct

        dialect = self.engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        connection, generation = self._unpark() if self._parks else (None, _generation)
        if connection is None:
            try:
                connection = self.engine.raw_connection()
            except (DBAPIError, driver_error) as exc:
                raise translate_error(exc, self.url) from exc
            except PoolTimeout as exc:
                raise StoreError(
                    f"{masked_url(self.url)}: every connection is in use; try again"
                ) from exc
        cursor = None
        server_autocommit = not write and dialect.name != "sqlite"
        done = False
        try:
            if server_autocommit:
                driver: Any = connection.dbapi_connection  # psycopg's
                if driver.info.transaction_status:  # not idle: nothing of ours is open yet
                    driver.rollback()
                driver.autocommit = True
            cursor = connection.cursor()
            db = Direct(cursor, dialect, write)
            if write and dialect.name == "sqlite":
                db._begin_immediate()
            yield db
            if write:
                dialect.do_commit(connection.dbapi_connection)  # type: ignore[arg-type]
            done = True
        except driver_error as exc:
            gone = dialect.is_disconnect(exc, connection.dbapi_connection, cursor)
            if gone:
                connection.invalidate(exc)
            wrapped = DBAPIError.instance(
                None, None, exc, driver_error, connection_invalidated=gone, dialect=dialect
            )
            raise translate_error(wrapped, self.url) from exc
        finally:
            with contextlib.suppress(Exception):
                if cursor is not None:
                    cursor.close()
            if server_autocommit:
                try:
                    connection.dbapi_connection.autocommit = False  # type: ignore[union-attr]
                except Exception:
                    # Never back to the pool in autocommit: later writes on it would
                    # not be transactions.
                    with contextlib.suppress(Exception):
                        connection.invalidate()
            if not (done and self._parks and self._park(connection, generation)):
                # Back to the pool, which rolls back what is still open (a read, a
                # failure).
                with contextlib.suppress(Exception):
                    connection.close()

    def _unpark(self) -> tuple[Any, int]:
        """The connection the last unit of work parked, taken (None if there is none),
        and the count of disposals it belongs to."""
        with _park_lock:
            connection, self._parked = self._parked, None
            return connection, _generation

    def release(self) -> None:
        """Give the connection :meth:`direct` kept back to the pool (see ``_park``).

        Sessions call it first: the pool gives out the connection returned last, so a
        session gets that warm connection rather than another, which would find this
        one's commits in the WAL and drop its page cache (and this one the session's).
        """
        if self._parked is not None:
            connection, _ = self._unpark()
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()

    def _park(self, connection: Any, generation: int) -> bool:
        """Keep ``connection`` for the next unit of work of :meth:`direct`, instead of
        returning it to the pool, if it is clean and nothing was disposed meanwhile.

        A check-out and return through SQLAlchemy's pool (its records, events and the
        rollback on return) cost 10–15 µs, two units of work (next card, answer) a
        round; the parked connection is taken back in under 1. An SQLite connection
        holds no lock while no transaction is open, so parking it keeps nothing from
        other connections or processes; :func:`dispose_engines` closes it (at exit, so
        that the WAL is still folded into the file as the last connection closes)."""
        driver = connection.dbapi_connection
        if driver is None or driver.in_transaction:
            return False
        with _park_lock:
            if self._parked is not None or generation != _generation:
                return False
            self._parked = connection
        return True
