"""Room made in SQLite's write-ahead log before a study session's answers fill it.

Each answer commits with ``synchronous=FULL``, so each answer waits for the WAL to
reach the disk. While the WAL is growing, that wait also covers the file's new size
and block map (on ext4, a journal commit), and the WAL grows from an empty file at
every start until the first checkpoint (:data:`~quizzer.store.db.WAL_CHECKPOINT_PAGES`
pages, about 600 answers). Writing over pages the file already has costs only the
data: an answer's commit went from 0.39–0.54 ms to 0.22–0.24 ms at 100,000 cards
(docs/performance.md, "answer").

SQLite's own way to size a file ahead (``SQLITE_FCNTL_CHUNK_SIZE``) can't be reached
from Python's ``sqlite3``, so the room is made through SQLite itself: a transaction
larger than a tiny page cache spills its pages into the WAL as it goes, and rolling it
back leaves those frames in the file unclaimed. No commit refers to them, so recovery
ignores them, and the next commits write over them. The database file, its schema and
its rows are not touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from typing import TYPE_CHECKING

from quizzer.store.db import BUSY_TIMEOUT_S, WAL_CHECKPOINT_PAGES, sqlite_path

if TYPE_CHECKING:
    from quizzer.store.db import Store

__all__ = ["PAGES_PER_CARD", "reserve_wal"]

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
    """Grow ``store``'s WAL file to hold ``pages`` pages in all (no more than the
    checkpoint lets it hold), unless it already does; returns the bytes added.

    Nothing happens (and 0 is returned) on PostgreSQL, in memory, outside WAL mode,
    on a read-only file, on a disk with little free space, or when another process is
    writing: the room only saves time, and a failure to make it is left to the
    answers, which report their own errors.
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
            # The frames already there (the answers since the last checkpoint) count:
            # the room is made after them, up to ``pages`` in all.
            missing = pages - max(0, before - 32) // (24 + page_size)
            if missing <= 0:
                return 0
            if shutil.disk_usage(os.path.dirname(wal) or ".").free < _FREE_FACTOR * (
                missing * page_size
            ):
                return 0  # the last of the disk is the answers', not the room's
            cache = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
            cursor.execute(f"PRAGMA cache_size = {_SPILL_CACHE_PAGES}")
            # An answer holds the write lock for a millisecond; an import, for longer:
            # then the room is not made.
            cursor.execute(f"PRAGMA busy_timeout = {_WAIT_MS}")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    cursor.execute("CREATE TABLE quizzer_wal_room (b BLOB)")
                    cursor.execute(
                        "INSERT INTO quizzer_wal_room VALUES (zeroblob(?))", (missing * page_size,)
                    )
                    # The spilled pages reach the disk now, with the write lock held,
                    # not inside the next answer's commit (whose sync would wait for
                    # all of them, while this thread synced them too).
                    fd = os.open(wal, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                finally:
                    cursor.execute("ROLLBACK")
            finally:
                cursor.execute(f"PRAGMA cache_size = {cache}")
                cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            return max(0, _size(wal) - before)
        except (sqlite3.Error, OSError):
            # Busy, read-only, a full disk, the file gone: the answers run as before.
            return 0
        finally:
            with contextlib.suppress(sqlite3.Error):
                cursor.close()
    finally:
        connection.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0
