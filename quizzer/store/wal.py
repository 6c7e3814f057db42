"""Room made in SQLite's write-ahead log before a study session's answers fill it.

Each answer commits with ``synchronous=FULL``, so each answer waits for the WAL to
reach the disk. While the WAL is growing, that wait also covers the file's new size
and block map (on ext4, a journal commit), and the WAL grows from an empty file at
every start until the first checkpoint (:data:`~quizzer.store.db.WAL_CHECKPOINT_PAGES`
pages, about 600 answers). Writing over pages the file already has costs only the
data: an answer's commit went from 0.35–0.47 ms to 0.23–0.33 ms at 100,000 cards
(docs/performance.md, "answer").

SQLite's own way to size a file ahead (``SQLITE_FCNTL_CHUNK_SIZE``) can't be reached
from Python's ``sqlite3``, so the room is made through SQLite itself: a transaction
larger than a tiny page cache spills its pages into the WAL as it goes, and rolling it
back leaves those frames in the file unclaimed. No commit refers to them, so recovery
ignores them, and the next commits write over them. The database file, its schema and
its rows are not touched, and neither is the WAL's modification time, which tells
automatic backups whether the collection changed (:mod:`quizzer.maintenance`).

The room is made in a thread (:func:`start`), which the process waits for before it
exits and :func:`~quizzer.store.db.dispose_engines` waits for before closing the
connections: a room still being made would otherwise keep the WAL from being folded
into the file and deleted as the last connection closes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import threading
from typing import TYPE_CHECKING

from quizzer.store.db import BUSY_TIMEOUT_S, WAL_CHECKPOINT_PAGES, sqlite_path

if TYPE_CHECKING:
    from pathlib import Path

    from quizzer.store.db import Store

__all__ = ["MIN_PAGES", "PAGES_PER_CARD", "reserve_wal", "start", "wait"]

#: Room per card a session expects to answer: an answer writes 6–9 pages (the card,
#: its review and their index entries), and a new or lapsed card is answered again as
#: it goes through its learning steps.
PAGES_PER_CARD = 16
#: The least room made: a few answers' worth, so a short session does not pay for it
#: after every start.
MIN_PAGES = 64
#: How long to wait for another writer before giving up on the room.
_WAIT_MS = 100
#: The room is made only on a disk with this many times as much free space.
_FREE_FACTOR = 10
#: Pages a spilling transaction keeps in memory (SQLite's default holds ~500).
_SPILL_CACHE_PAGES = 16


def reserve_wal(store: Store, pages: int = WAL_CHECKPOINT_PAGES) -> int:
    """Grow ``store``'s WAL file to hold ``pages`` pages in all, the frames already in
    it included (no more than the checkpoint lets it hold), unless it already does;
    returns the bytes added.

    Nothing happens (and 0 is returned) on PostgreSQL, in memory, outside WAL mode,
    on a read-only file, on a disk with less than ten times the room free, or when
    another process holds the write lock for more than 0.1 s: the room only saves
    time, and the answers report their own errors. If the disk fills up while the
    room is made (a quota ``shutil.disk_usage`` can't see), the WAL is folded into
    the database and emptied again, so the room keeps no space.
    """
    path = sqlite_path(store.url)
    if path is None:
        return 0
    pages = max(MIN_PAGES, min(pages, WAL_CHECKPOINT_PAGES))
    wal = f"{path}-wal"
    connection = store.engine.raw_connection()
    try:
        driver = connection.dbapi_connection
        assert isinstance(driver, sqlite3.Connection)
        cursor = driver.cursor()
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                return 0
            page_size = int(cursor.execute("PRAGMA page_size").fetchone()[0])
            before = _size(wal)
            # 32 bytes of WAL header, then each frame: 24 bytes of header and a page.
            missing = pages - max(0, before - 32) // (24 + page_size)
            if missing <= 0:
                return 0
            if shutil.disk_usage(os.path.dirname(wal) or ".").free < _FREE_FACTOR * (
                missing * page_size
            ):
                return 0  # the last of the disk is the answers', not the room's
            cache = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
        except (sqlite3.Error, OSError):
            return 0
        try:
            _spill(cursor, path, wal, missing, page_size)
        except (sqlite3.Error, OSError) as exc:
            if _is_full(exc):
                with contextlib.suppress(sqlite3.Error):
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return 0  # busy, read-only, a full disk, the file gone: answers run as before
        finally:
            try:
                # The timeout first: the cache's setter reads the schema again after
                # the rolled-back CREATE TABLE, and must not give up after 0.1 s.
                cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                cursor.execute(f"PRAGMA cache_size = {cache}")
            except sqlite3.Error:
                connection.invalidate()  # never back to the pool with the room's settings
        return max(0, _size(wal) - before)
    finally:
        connection.close()


def _spill(cursor: sqlite3.Cursor, path: Path, wal: str, pages: int, page_size: int) -> None:
    """Write ``pages`` pages into the WAL as frames no commit claims (see above)."""
    cursor.execute(f"PRAGMA cache_size = {_SPILL_CACHE_PAGES}")
    # An answer holds the write lock for a millisecond; an import, for longer: then
    # the room is not made.
    cursor.execute(f"PRAGMA busy_timeout = {_WAIT_MS}")
    cursor.execute("BEGIN IMMEDIATE")
    try:
        stamp = _stamp(path, wal)
        cursor.execute("CREATE TABLE quizzer_wal_room (b BLOB)")
        # The last pages stay in the cache and are never written: ask for that many more.
        room = (pages + _SPILL_CACHE_PAGES) * page_size
        cursor.execute("INSERT INTO quizzer_wal_room VALUES (zeroblob(?))", (room,))
        # The spilled pages reach the disk now, with the write lock held, not inside
        # the next answer's commit (whose sync would wait for all of them).
        fd = os.open(wal, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        # Still under the lock, so no commit's time is overwritten: nothing changed.
        os.utime(wal, ns=stamp)
    finally:
        if cursor.connection.in_transaction:  # SQLite may have rolled back a full disk's
            cursor.execute("ROLLBACK")


def _stamp(path: Path, wal: str) -> tuple[int, int]:
    """The WAL's access and modification times, to be given back after the room; an
    empty WAL (which backups don't count as a change) gets the database file's."""
    with contextlib.suppress(FileNotFoundError):
        stat = os.stat(wal)
        if stat.st_size > 0:
            return stat.st_atime_ns, stat.st_mtime_ns
    stat = os.stat(path)
    return stat.st_atime_ns, stat.st_mtime_ns


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "full" in str(exc).lower()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


_rooms: set[threading.Thread] = set()
_rooms_lock = threading.Lock()


def start(store: Store, pages: int) -> threading.Thread:
    """Make the room (:func:`reserve_wal`) in a thread of its own, which never raises
    (a traceback from it would be printed over the TUI) and which :func:`wait` joins."""

    def run() -> None:
        try:
            reserve_wal(store, pages)
        except Exception:
            return  # only time is at stake; the answers report real trouble themselves
        finally:
            with _rooms_lock:
                _rooms.discard(thread)

    # Not a daemon: the interpreter waits for it at exit (tens of milliseconds), so the
    # last connection's close still folds the WAL into the file and deletes it.
    thread = threading.Thread(target=run, name="quizzer-wal-room")
    with _rooms_lock:
        _rooms.add(thread)
    thread.start()
    return thread


def wait(timeout: float = 5.0) -> None:
    """Wait for the rooms being made (before closing the connections)."""
    with _rooms_lock:
        running = list(_rooms)
    for thread in running:
        if thread is not threading.current_thread():
            thread.join(timeout)
