"""Room made in SQLite's WAL before a session's answers: it grows only the WAL, changes
no row or table, is skipped when it can't be made, and survives a crash."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import write_deck

from quizzer import Collection
from quizzer.store.db import WAL_CHECKPOINT_PAGES
from quizzer.store.wal import MIN_PAGES, PAGES_PER_CARD, reserve_wal

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def deck_text(cards: int) -> str:
    lines = ["deck: room", "title: Room", "cards:"]
    for i in range(cards):
        lines += [f"  - id: c{i}", f"    front: Question {i}?", f"    back: Answer {i}"]
    return "\n".join(lines) + "\n"


def wal_size(db: Path) -> int:
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


def frames(pages: int) -> int:
    """The WAL's size holding ``pages`` pages of 4 KiB: a header, then each frame."""
    return 32 + pages * (24 + 4096)


def dump(db: Path) -> tuple[list[str], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The schema and the cards and reviews tables, read by a connection of its own."""
    with sqlite3.connect(db) as raw:
        schema = [row[0] for row in raw.execute("SELECT sql FROM sqlite_master ORDER BY name")]
        cards = raw.execute("SELECT * FROM cards ORDER BY id").fetchall()
        reviews = raw.execute("SELECT * FROM reviews ORDER BY id").fetchall()
    return schema, cards, reviews


@pytest.fixture
def studied(tmp_path: Path, db_path: Path) -> Collection:
    col = Collection.open(db_path)
    report = col.import_decks([write_deck(tmp_path, "room.yaml", deck_text(30))], now=T0)
    assert not report.problems
    return col


def test_grows_the_wal_and_nothing_else(studied: Collection, db_path: Path) -> None:
    before = dump(db_path)
    file_size = db_path.stat().st_size
    wal = wal_size(db_path)

    added = reserve_wal(studied.store, 1000)

    assert wal + added == wal_size(db_path)
    # Every page asked for reaches the file (the spill asks for the pages its cache
    # keeps too), and a few of the table's own.
    assert frames(1000) <= wal_size(db_path) <= frames(1000 + 20)
    assert db_path.stat().st_size == file_size
    assert dump(db_path) == before  # no leftover table, no row changed
    assert reserve_wal(studied.store, 1000) == 0  # the room is there already
    assert reserve_wal(studied.store, 100) == 0


def test_room_is_bounded(studied: Collection, db_path: Path) -> None:
    reserve_wal(studied.store, 1)
    assert frames(MIN_PAGES) <= wal_size(db_path) <= frames(MIN_PAGES + 20)
    reserve_wal(studied.store, 10**9)
    assert wal_size(db_path) <= frames(WAL_CHECKPOINT_PAGES + 20)


def test_answers_after_the_room_survive_a_crash(
    studied: Collection, db_path: Path, tmp_path: Path
) -> None:
    """The files copied as they are mid-session (as a power cut leaves them) open with
    every committed answer, whatever the unclaimed frames beyond them hold."""
    session = studied.study(now=T0)
    assert session.wal_room is not None
    session.wal_room.join(timeout=30)
    assert wal_size(db_path) >= frames(MIN_PAGES - 20)
    answered = []
    for i in range(12):
        when = T0 + timedelta(seconds=i)
        card = session.next_card(now=when)
        assert card is not None
        outcome = session.answer(card, rating=3, now=when)
        answered.append(outcome.review_id)
    copy = tmp_path / "copy"
    copy.mkdir()
    for suffix in ("", "-wal"):  # no -shm: the copy rebuilds its index from the WAL
        shutil.copyfile(f"{db_path}{suffix}", copy / f"test.db{suffix}")
    with sqlite3.connect(copy / "test.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [row[0] for row in raw.execute("SELECT id FROM reviews ORDER BY id")]
        tables = raw.execute("SELECT name FROM sqlite_master WHERE name LIKE '%room%'")
        assert tables.fetchall() == []
    assert ids == answered
    assert dump(copy / "test.db") == dump(db_path)


def test_session_sizes_the_room_by_its_queue(studied: Collection, db_path: Path) -> None:
    session = studied.study(now=T0)
    assert session.wal_room is not None
    session.wal_room.join(timeout=30)
    # 30 new cards, none learning yet; the daily limit of new cards queues 20 of them.
    queued = session.remaining
    assert queued > 0
    pages = max(MIN_PAGES, PAGES_PER_CARD * queued)
    assert frames(pages) <= wal_size(db_path) <= frames(pages + 20)


def test_another_writer_is_not_waited_for(studied: Collection, db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        wal = wal_size(db_path)
        assert reserve_wal(studied.store, 500) == 0
        assert wal_size(db_path) == wal
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The connection went back to the pool as it came: it still waits 30 s for a lock.
    with studied.store.read() as session:
        timeout = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        cache = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    assert timeout == 30000
    assert cache == -2000
    assert reserve_wal(studied.store, 500) > 0


def test_not_on_a_server_or_in_memory() -> None:
    col = Collection.open("sqlite://")
    assert reserve_wal(col.store, 500) == 0


def test_the_room_thread_never_raises(studied: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure in the thread is the answers' to report, not a traceback over the TUI."""
    import quizzer.store.wal as wal

    def broken(*_args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(wal, "reserve_wal", broken)
    seen: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_value))
    session = studied.study(now=T0)
    assert session.wal_room is not None
    session.wal_room.join(timeout=30)
    assert seen == []
    card = session.next_card(now=T0)
    assert card is not None
    session.answer(card, rating=3, now=T0)


def test_a_nearly_full_disk_keeps_its_space(
    studied: Collection, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizzer.store.wal as wal

    free = 2 * 4096 * 500  # twice the room; the room needs ten times
    monkeypatch.setattr(
        wal.shutil, "disk_usage", lambda _path: shutil._ntuple_diskusage(0, 0, free)
    )
    size = wal_size(db_path)
    assert reserve_wal(studied.store, 500) == 0
    assert wal_size(db_path) == size


def test_a_full_database_is_left_as_it_was(studied: Collection, db_path: Path) -> None:
    """SQLite's page limit at the file's size: the spill fails as on a full disk."""
    from sqlalchemy import event

    def limit(dbapi_connection: sqlite3.Connection, *_args: object) -> None:
        # Room for 200 more pages: the spill fills the WAL with some before it fails.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 200}")

    before = dump(db_path)
    event.listen(studied.store.engine, "checkout", limit)
    try:
        assert reserve_wal(studied.store, 2000) == 0
    finally:
        event.remove(studied.store.engine, "checkout", limit)
    assert dump(db_path) == before
    assert wal_size(db_path) == 0  # folded and emptied: the room keeps no space
    with studied.store.read() as session:  # the connection was rolled back and restored
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000


def test_no_room_for_a_session_with_nothing_to_answer(studied: Collection, db_path: Path) -> None:
    studied.study(now=T0, tag="no-such-tag")  # the first session draws the seed
    size = wal_size(db_path)
    session = studied.study(now=T0, tag="no-such-tag")
    assert session.remaining == 0
    assert session.wal_room is None
    assert wal_size(db_path) == size


def test_a_session_without_answers_does_not_look_like_a_change(
    studied: Collection, db_path: Path
) -> None:
    """Automatic backups go by the files' times: making the room changes no time."""
    from quizzer.maintenance import backup_now, maybe_backup

    studied.study(now=T0, tag="no-such-tag")  # the first session draws the seed
    backup_now(studied)  # real times: backups compare them with the files'
    later = datetime.now(UTC) + timedelta(hours=2)
    session = studied.study(now=T0)
    assert session.wal_room is not None
    session.wal_room.join(timeout=30)
    assert wal_size(db_path) >= frames(MIN_PAGES - 20)
    assert maybe_backup(studied, now=later) is None
    card = session.next_card(now=T0)
    assert card is not None
    session.answer(card, rating=3, now=T0)
    assert maybe_backup(studied, now=later) is not None


def test_closing_waits_for_the_room(studied: Collection, db_path: Path) -> None:
    """The last connection folds the WAL into the file and deletes it, as without a room."""
    from quizzer.store.db import dispose_engines

    studied.close()
    dispose_engines()
    for _ in range(5):
        session = Collection.open(db_path).study(now=T0)
        assert session.wal_room is not None
        dispose_engines()  # at once, while the room is being made
        assert not session.wal_room.is_alive()
        assert not Path(f"{db_path}-wal").exists()


@pytest.fixture
def imported(db_path: Path, tmp_path: Path) -> Path:
    """The 30-card collection, every connection to it closed (for another process)."""
    from quizzer.store.db import dispose_engines

    Collection.open(db_path).import_decks(
        [write_deck(tmp_path, "room.yaml", deck_text(30))], now=T0
    )
    dispose_engines()
    return db_path


def run_study(db_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` in a new Python process, after it opened a study session on
    ``db_path`` as ``SESSION`` at ``WHEN`` (and kept it, and its collection)."""
    script = textwrap.dedent(
        f"""
        from datetime import datetime, UTC
        from quizzer import Collection
        WHEN = datetime(2026, 3, 2, 10, tzinfo=UTC)
        SESSION = Collection.open({str(db_path)!r}).study(now=WHEN)
        """
    ) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)


def test_a_process_exiting_at_once_leaves_no_wal(imported: Path) -> None:
    for _ in range(3):
        done = run_study(imported, "assert SESSION.wal_room is not None\n")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert not Path(f"{imported}-wal").exists()


def test_the_wal_is_folded_at_exit(imported: Path) -> None:
    """A process that still holds its collection when it ends (as the app does, with
    its objects frozen out of the collector's reach) folds the WAL into the file and
    deletes it: no room of up to 16 MiB is left beside the file, and the file alone
    holds every answer."""
    done = run_study(
        imported,
        """
        SESSION.answer(SESSION.next_card(now=WHEN), rating=3, now=WHEN)
        import gc
        gc.freeze()  # as the app's start-up does: nothing is collected at exit
        """,
    )
    assert done.returncode == 0, done.stderr
    assert not Path(f"{imported}-wal").exists()
    with sqlite3.connect(imported) as raw:
        assert raw.execute("SELECT count(*) FROM reviews").fetchone() == (1,)


def test_answers_given_while_the_room_is_made(studied: Collection, db_path: Path) -> None:
    """The first answers wait for the room's lock instead of failing, and all are kept."""
    session = studied.study(now=T0)
    assert session.wal_room is not None
    answered = []
    for i in range(8):  # at once: the first ones overlap the room
        when = T0 + timedelta(seconds=i)
        card = session.next_card(now=when)
        assert card is not None
        answered.append(session.answer(card, rating=3, now=when).review_id)
    session.wal_room.join(timeout=30)
    with sqlite3.connect(db_path) as raw:
        ids = [row[0] for row in raw.execute("SELECT id FROM reviews ORDER BY id")]
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert ids == answered
