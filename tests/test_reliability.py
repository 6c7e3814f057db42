"""Reliability harnesses for the guarantees of docs/reliability.md.

Two writer processes, an answer racing another, an I/O error at every statement of an
answer, a full disk, damaged and foreign database files, backups (thinning, automatic
backups, before-retire, restore), doctor, and hostile deck text on a real terminal.
Crash harnesses (SIGKILL mid-answer, -import, -backup, -export) are in test_crash.py.

``QUIZZER_WRITERS_N`` sets how many answers each of the two writers makes (default 200;
2000 for the full run).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, on_statements, run_answer_machines, run_env, write_deck
from reliability_worker import basic_deck
from sqlalchemy import event, func, update
from sqlalchemy import select as sql_select

from quizzer import CardChanged, Collection, Rating
from quizzer.errors import StoreError
from quizzer.maintenance import backup_now, doctor, maybe_backup, restore
from quizzer.store.backup import list_backups, thin_backups, verify_backup
from quizzer.store.db import dispose_engines
from quizzer.store.models import cards_t, decks_t, reviews_t
from quizzer.store.schema import HEAD

WORKER = Path(__file__).with_name("reliability_worker.py")
WRITERS_N = int(os.environ.get("QUIZZER_WRITERS_N", "200"))


# -- helpers ------------------------------------------------------------------------------
def quizzer(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *args],
        capture_output=True,
        text=True,
        env=run_env(home),
        timeout=120,
    )


def assert_clean_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """A non-zero exit with a one-line ``error:`` message holding ``needles``."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def table_rows(col: Collection) -> dict[str, list[tuple]]:
    """Every row of the cards and reviews tables (to prove nothing changed)."""
    with col.store.read() as session:
        return {
            "cards": [
                tuple(r) for r in session.execute(sql_select(cards_t).order_by(cards_t.c.id))
            ],
            "reviews": [
                tuple(r) for r in session.execute(sql_select(reviews_t).order_by(reviews_t.c.id))
            ],
        }


def assert_doctor_clean(col: Collection) -> None:
    report = doctor(col, repair=False)
    assert report.damaged is None, report.damaged
    assert report.found == [], report.found


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answer_some(col: Collection, count: int, start: datetime = NOW) -> datetime:
    """Answer ``count`` cards across simulated days; returns the time after the last."""
    now = start
    session = col.study(None, "scheduled", now=now)
    done = 0
    while done < count:
        card = session.next_card(now=now)
        if card is None:
            now += timedelta(days=1)
            session = col.study(None, "scheduled", now=now)
            continue
        session.answer(card, rating=Rating.GOOD if done % 4 else Rating.AGAIN, now=now)
        done += 1
        now += timedelta(minutes=2)
    return now


# -- two writers ----------------------------------------------------------------------------
def test_two_writer_processes_make_no_lock_errors(tmp_path: Path, quizzer_home: Path) -> None:
    """Two processes answer cards of one deck at once: every answer lands, none fails
    with "database is locked", and every card still equals the replay of its log.

    The negative control (the same kind of race with deferred transactions does see
    "database is locked", so a harness like this one can see the bug) is
    tests/test_store.py::test_deferred_transactions_would_fail.
    """
    db = tmp_path / "duel.db"
    ids, _ = run_answer_machines(str(db), tmp_path / "decks", run_env(quizzer_home), WRITERS_N)
    assert len(ids) == len(set(ids)) == 2 * WRITERS_N
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {r[0] for r in conn.execute("SELECT id FROM reviews")}
    finally:
        conn.close()
    assert stored == set(ids)
    with Collection.open(db) as col:
        assert_doctor_clean(col)


RACE_DECK = """\
deck: race
title: Race
cards:
  - id: one
    front: First?
    back: "1"
  - id: two
    front: Second?
    back: "2"
"""


def test_answer_racing_another_on_the_same_card(col: Collection, tmp_path: Path) -> None:
    col.import_decks([write_deck(tmp_path, "race.yaml", RACE_DECK)], now=NOW)
    first = col.study("race", now=NOW)
    second = col.study("race", now=NOW)
    shown_first = first.next_card(now=NOW)
    shown_second = second.next_card(now=NOW)
    assert shown_first is not None and shown_second is not None
    assert shown_first.id == shown_second.id
    first.answer(shown_first, rating=Rating.GOOD, now=NOW)
    with pytest.raises(CardChanged):
        second.answer(shown_second, rating=Rating.EASY, now=NOW + timedelta(seconds=5))
    with col.store.read() as session:
        count = session.execute(
            sql_select(func.count())
            .select_from(reviews_t)
            .where(reviews_t.c.card_id == shown_first.id)
        ).scalar_one()
    assert count == 1
    following = second.next_card(now=NOW + timedelta(seconds=5))  # the next card is shown
    assert following is not None and following.id != shown_first.id
    assert_doctor_clean(col)


def test_read_only_commands_work_while_another_instance_writes(
    tmp_path: Path, quizzer_home: Path
) -> None:
    """docs/reliability.md: `stats`, `export` and `decks` always work while the app is
    open, even in the middle of its write transaction."""
    db = tmp_path / "open.db"
    with Collection.open(db) as col:
        col.import_decks([write_deck(tmp_path, "o.yaml", basic_deck("o", 20))], now=NOW)
        answer_some(col, 5)
        backup_now(col)
    dispose_engines()
    app = sqlite3.connect(db, isolation_level=None)
    try:
        app.execute("BEGIN IMMEDIATE")  # the other instance holds the write lock...
        app.execute("UPDATE cards SET suspended = 1")  # ...with uncommitted changes
        started = time.monotonic()
        results = run_all(
            [
                [sys.executable, "-m", "quizzer", "--db", str(db), *command]
                for command in (["decks"], ["stats"], ["export", "reviews"])
            ],
            [run_env(quizzer_home)] * 3,
        )
        assert time.monotonic() - started < 20  # nobody waited for the lock (30 s)
    finally:
        app.execute("ROLLBACK")
        app.close()
    for result in results:
        assert result.returncode == 0, result.stderr
    decks, _, reviews = (r.stdout for r in results)
    assert "│ o " in decks and "20" in decks
    assert len(reviews.splitlines()) == 6  # the header and the 5 committed reviews


# -- I/O errors and a full disk -----------------------------------------------------------
FAULT_DECK = """\
deck: faults
title: Faults
cards:
  - id: pair
    front: Which objective pre-trains BERT?
    back: Masked language modeling
    reverse: true
  - id: other
    front: Another question?
    back: Another answer
"""


class Fault:
    """Raise "disk I/O error" at the ``k``-th statement on ``engine``, or (``k`` None)
    from the driver's COMMIT, which then leaves SQLite's transaction open as a failed
    COMMIT may (https://sqlite.org/lang_transaction.html#response_to_errors_within_a_transaction).

    Both are raised by the driver's layer (the dialect's ``do_execute`` and
    ``do_commit``), under SQLAlchemy's sessions and the study loop's prepared statements
    alike."""

    def __init__(self, engine: Any, k: int | None, message: str = "disk I/O error"):
        self.engine, self.k, self.message, self.seen = engine, k, message, 0
        self.dialect = engine.dialect
        self.statements = on_statements(engine, self.on_statement)

    def on_statement(self, cursor: Any, statement: str) -> None:
        self.seen += 1
        if self.seen == self.k:
            raise sqlite3.OperationalError(self.message)

    def do_commit(self, dbapi_connection: Any) -> None:
        raise sqlite3.OperationalError(self.message)

    def __enter__(self) -> Fault:
        if self.k is None:
            self.dialect.do_commit = self.do_commit  # shadows the class's method
        else:
            self.statements.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.k is None:
            del self.dialect.do_commit
        else:
            self.statements.__exit__()


def test_io_error_at_each_statement_of_an_answer_changes_nothing(
    col: Collection, tmp_path: Path, db_path: Path
) -> None:
    col.import_decks([write_deck(tmp_path, "faults.yaml", FAULT_DECK)], now=NOW)
    session = col.study("faults", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None and card.key == "pair"  # it has a sibling to bury
    before = table_rows(col)

    # A dry run (undone exactly) counts the statements an answer makes.
    statements: list[str] = []
    with on_statements(col.store.engine, lambda _cursor, sql: statements.append(sql)):
        session.answer(card, rating=Rating.GOOD, now=NOW)
    session.undo()
    assert table_rows(col) == before
    assert statements[0] == "BEGIN IMMEDIATE"
    assert sum(s.startswith("UPDATE cards") for s in statements) == 2  # sibling, card
    assert any(s.startswith("INSERT INTO reviews") for s in statements)

    for k in [*range(1, len(statements) + 1), None]:  # None: the COMMIT itself fails
        with Fault(col.store.engine, k), pytest.raises(StoreError) as info:
            session.answer(card, rating=Rating.GOOD, now=NOW)
        assert "I/O error" in str(info.value) and "nothing was changed" in str(info.value)
        where = f"statement {k} ({statements[k - 1] if k else 'COMMIT'})"
        assert table_rows(col) == before, where
        other = sqlite3.connect(db_path, timeout=0.2, isolation_level=None)
        try:  # and no write lock is left behind for another instance to wait on
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    # The fault cleared: the same answer, with the same session, now works.
    outcome = session.answer(card, rating=Rating.GOOD, now=NOW)
    after = table_rows(col)
    assert [r[0] for r in after["reviews"]] == [outcome.review_id]
    assert_doctor_clean(col)


def _limit_to_current_size(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    cursor.execute(f"PRAGMA max_page_count = {pages}")  # a real SQLITE_FULL when it grows
    cursor.close()


def test_full_disk_is_a_clear_error_and_changes_nothing(
    col: Collection, tmp_path: Path, db_path: Path
) -> None:
    col.import_decks([write_deck(tmp_path, "small.yaml", basic_deck("small", 5))], now=NOW)
    bigger = write_deck(tmp_path, "bigger.yaml", basic_deck("bigger", 2000))
    before = table_rows(col)
    event.listen(col.store.engine, "connect", _limit_to_current_size)
    col.store.engine.dispose()  # new connections get the limit
    try:
        with pytest.raises(StoreError) as info:
            col.import_decks([bigger], now=NOW)
    finally:
        event.remove(col.store.engine, "connect", _limit_to_current_size)
        col.store.engine.dispose()
    message = str(info.value)
    assert f"the disk holding {db_path} is full" in message and "nothing was changed" in message
    assert table_rows(col) == before
    assert col.import_decks([bigger], now=NOW).total("added") == 2000  # works once it clears


@pytest.mark.parametrize(
    ("fault", "command", "needle"),
    [
        ("full", ["import", "{bigger}"], "is full; nothing was changed"),
        ("io", ["suspend", "small"], "I/O error"),
    ],
    ids=["disk-full-import", "io-error-suspend"],
)
def test_cli_reports_a_store_fault_in_one_line(
    tmp_path: Path, quizzer_home: Path, fault: str, command: list[str], needle: str
) -> None:
    db = tmp_path / "cli.db"
    with Collection.open(db) as col:
        col.import_decks([write_deck(tmp_path, "small.yaml", basic_deck("small", 5))], now=NOW)
        before = table_rows(col)
    dispose_engines()
    bigger = write_deck(tmp_path, "bigger.yaml", basic_deck("bigger", 2000))
    args = [a.format(bigger=bigger) for a in command]
    result = subprocess.run(
        [sys.executable, str(WORKER), "cli", str(db), fault, *args],
        capture_output=True,
        text=True,
        env=run_env(quizzer_home),
        timeout=120,
    )
    assert result.returncode == 1
    assert_clean_error(result, str(db), needle)
    with Collection.open(db) as col:
        assert table_rows(col) == before


# -- damaged and foreign files ---------------------------------------------------------------
DAMAGE_KINDS = ["flipped-header", "overwritten-page", "not-sqlite", "other-app", "newer-schema"]


def damage(db: Path, kind: str) -> None:
    """Damage the (closed, checkpointed) collection ``db`` in one of DAMAGE_KINDS."""
    rng = random.Random(kind)
    if kind == "flipped-header":
        data = bytearray(db.read_bytes())
        data[5] ^= 0xFF  # inside "SQLite format 3"
        db.write_bytes(bytes(data))
    elif kind == "overwritten-page":
        conn = sqlite3.connect(db)
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            r[0]
            for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = 'cards' AND pagetype = 'leaf' "
                "ORDER BY pageno"
            )
        ]
        conn.close()
        page = pages[len(pages) // 2]  # a page of cards in the middle of the file
        with db.open("r+b") as handle:
            handle.seek((page - 1) * page_size)
            handle.write(rng.randbytes(page_size))
    elif kind == "not-sqlite":
        db.write_bytes(b"%PDF-1.7\n" + rng.randbytes(20_000))
    elif kind == "other-app":
        db.unlink()
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            conn.executemany("INSERT INTO notes (body) VALUES (?)", [("a",), ("b",)])
        conn.close()
    elif kind == "newer-schema":
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = '0099'")
        conn.close()
    else:  # pragma: no cover
        raise ValueError(kind)


def run_all(commands: list[list[str]], envs: list[dict[str, str]]) -> list[Any]:
    """Run the commands at once (they are independent); return their results in order."""
    procs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        for c, e in zip(commands, envs, strict=True)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_damaged_or_foreign_files_are_refused_untouched_then_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For each of DAMAGE_KINDS: `quizzer decks` and `quizzer doctor` refuse the file
    with one line naming it, change no byte of it, leave nothing beside it and make no
    backup of it; `quizzer restore` then restores the sound backup and keeps a copy of
    the file in backups/. (The kinds run side by side, each in its own home.)"""
    source = tmp_path / "source.db"
    monkeypatch.setenv("QUIZZER_HOME", str(tmp_path / "source-home"))
    with Collection.open(source) as col:
        col.import_decks([write_deck(tmp_path, "sound.yaml", basic_deck("sound", 300))], now=NOW)
        answer_some(col, 10)
        source_backup = backup_now(col, "manual")
    dispose_engines()
    assert not Path(f"{source}-wal").exists()
    cases = {}
    for kind in DAMAGE_KINDS:
        home = tmp_path / kind / "home"
        (home / "backups").mkdir(parents=True)
        # An automatic backup is due after every command: none may copy a damaged file.
        (home / "config.toml").write_text("backup_interval_minutes = 0\n")
        good = home / "backups" / source_backup.name
        shutil.copy(source_backup, good)
        db = shutil.copy(source, tmp_path / kind / "col.db")
        damage(db, kind)
        cases[kind] = (db, home, good, sha(db), sorted(p.name for p in db.parent.iterdir()))

    for command in (["decks"], ["doctor"]):
        results = run_all(
            [[sys.executable, "-m", "quizzer", "--db", str(db), *command]
             for db, *_ in cases.values()],
            [run_env(home) for _, home, *_ in cases.values()],
        )  # fmt: skip
        for (kind, (db, home, good, digest, beside)), result in zip(
            cases.items(), results, strict=True
        ):
            message = assert_clean_error(result, str(db))
            assert sha(db) == digest, f"{kind}: {command} changed the file"
            if kind == "newer-schema":  # both schema versions are named
                assert f"newer quizzer (schema 0099; this one knows up to {HEAD})" in message
            if command == ["doctor"] and kind in (
                "flipped-header",
                "overwritten-page",
                "not-sqlite",
            ):
                # doctor explains the damage and offers the newest sound backup
                assert "is damaged" in message and f"quizzer restore {good.name}" in message
            if kind in ("not-sqlite", "other-app", "flipped-header"):
                # Nothing of quizzer's (a -wal, a -shm) was left beside someone else's file.
                assert sorted(p.name for p in db.parent.iterdir()) == beside, kind
            assert [b.path for b in list_backups(home / "backups")] == [good], kind

    results = run_all(
        [[sys.executable, "-m", "quizzer", "--db", str(db), "restore", "--yes"]
         for db, *_ in cases.values()],
        [run_env(home) for _, home, *_ in cases.values()],
    )  # fmt: skip
    for (kind, (db, home, good, digest, _)), result in zip(cases.items(), results, strict=True):
        assert result.returncode == 0, f"{kind}: {result.stderr}"
        assert str(good) in result.stdout
        kept = Path(result.stdout.strip().splitlines()[-1].split(" is kept in ")[1])
        assert kept.parent == home / "backups" and kept.exists(), kind
        if kind in ("other-app", "newer-schema"):  # sound SQLite: copied with the backup API
            conn = sqlite3.connect(kept)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if kind == "other-app":
                assert "notes" in tables
            else:
                version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                assert version == ("0099",)
            conn.close()
        else:  # damaged: kept byte for byte
            assert sha(kept) == digest, kind
        monkeypatch.setenv("QUIZZER_HOME", str(home))
        with Collection.open(db) as col:
            assert [d.slug for d in col.decks()] == ["sound"], kind
            assert_doctor_clean(col)
        dispose_engines()


# -- backups -----------------------------------------------------------------------------------
def test_backup_now_writes_a_sound_backup_that_is_listed(col: Collection, tmp_path: Path) -> None:
    col.import_decks([write_deck(tmp_path, "b.yaml", basic_deck("b", 12))], now=NOW)
    answer_some(col, 7)
    path = backup_now(col, "manual")
    assert re.fullmatch(r"quizzer-\d{8}T\d{12}Z-manual\.db", path.name)
    assert verify_backup(path) is None
    assert not Path(f"{path}-wal").exists()  # a self-contained file
    [info] = list_backups(path.parent, counts=True)
    assert (info.path, info.reason, info.cards, info.reviews) == (path, "manual", 12, 7)
    second = backup_now(col, "manual")
    assert [b.path for b in list_backups(path.parent)] == [second, path]  # newest first


def _fake_backups(folder: Path, now: datetime, days: int, per_day: int) -> list[datetime]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)
    moment = start + timedelta(minutes=17)
    while moment <= now:
        name = f"quizzer-{moment:%Y%m%dT%H%M%S%f}Z-auto.db"
        (folder / name).write_bytes(b"")
        made.append(moment)
        moment += timedelta(hours=24 / per_day)
    return made


def test_thinning_keeps_the_documented_backups(tmp_path: Path) -> None:
    """Every backup of the last 2 days, then one per day for 12 days, one per week for
    10 weeks and one per month for 9 months (docs/reliability.md)."""
    folder = tmp_path / "backups"
    now = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    made = _fake_backups(folder, now, days=400, per_day=5)
    thin_backups(folder, now)
    kept = sorted((b.created for b in list_backups(folder)), reverse=True)
    recent = [m for m in made if now - m <= timedelta(days=2)]
    assert kept[: len(recent)] == sorted(recent, reverse=True)  # all of the last 2 days
    older = kept[len(recent) :]

    def newest_of(key: Callable[[datetime], Any], moment: datetime) -> bool:
        """``moment`` is the newest backup of its period older than the last 2 days."""
        return moment == max(m for m in made if key(m) == key(moment) and m not in recent)

    def day(m: datetime) -> Any:
        return m.date()

    def week(m: datetime) -> Any:
        return m.isocalendar()[:2]

    def month(m: datetime) -> Any:
        return (m.year, m.month)

    daily, weekly, monthly = older[:12], older[12:22], older[22:]
    assert len(daily) == 12 and len(weekly) == 10, older
    assert len(monthly) == 9, [str(m) for m in monthly]
    for group, key, step in ((daily, day, 1), (weekly, week, 7)):
        assert all(newest_of(key, m) for m in group)
        dates = [m.date() for m in group]
        assert all((a - b).days == step for a, b in pairwise(dates)), dates
    assert all(newest_of(month, m) for m in monthly)
    months = [m.year * 12 + m.month for m in monthly]
    assert all(a - b == 1 for a, b in pairwise(months)), months
    # Each kind starts where the one before ends: a day of its own, a week, a month.
    assert week(weekly[0]) < week(daily[-1]) and month(monthly[0]) < month(weekly[-1])
    assert day(daily[0]) <= day(min(recent))
    # Running it again deletes nothing more.
    assert thin_backups(folder, now) == []


def test_thinning_removes_temporary_files_of_interrupted_backups(tmp_path: Path) -> None:
    """A backup killed mid-way (see test_crash.py) leaves its temporary files; thinning
    removes them once they are a day old, and never a newer one (another instance may be
    writing it)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    old = f"quizzer-{now - timedelta(days=3):%Y%m%dT%H%M%S%f}Z-auto.db.tmp"
    fresh = f"quizzer-{now - timedelta(minutes=1):%Y%m%dT%H%M%S%f}Z-manual.db.tmp"
    for name in (old, f"{old}-wal", f"{old}-shm", fresh, f"{fresh}-wal", "notes.txt"):
        (folder / name).write_bytes(b"x")
    thin_backups(folder, now)
    assert sorted(p.name for p in folder.iterdir()) == sorted([fresh, f"{fresh}-wal", "notes.txt"])


def test_maybe_backup_only_when_changed_and_older_than_the_interval(
    col: Collection, tmp_path: Path
) -> None:
    col.import_decks([write_deck(tmp_path, "m.yaml", basic_deck("m", 10))], now=NOW)
    first = maybe_backup(col)  # changed, and no backup yet
    assert first is not None
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert maybe_backup(col, now=later) is None  # nothing changed since
    time.sleep(0.01)
    answer_some(col, 3)
    assert maybe_backup(col, now=datetime.now(UTC) + timedelta(minutes=10)) is None  # too soon
    second = maybe_backup(col, now=datetime.now(UTC) + timedelta(minutes=31))
    assert second is not None
    [info, _] = list_backups(second.parent, counts=True)
    assert (info.path, info.reason, info.reviews) == (second, "auto", 3)


def test_a_failed_automatic_backup_never_interrupts(
    col: Collection, tmp_path: Path, quizzer_home: Path
) -> None:
    col.import_decks([write_deck(tmp_path, "f.yaml", basic_deck("f", 3))], now=NOW)
    folder = quizzer_home / "backups"
    first = backup_now(col)
    later = answer_some(col, 1)
    # A config.toml broken while the app runs: the periodic check must not raise.
    (quizzer_home / "config.toml").write_text("backup_interval_minutes = [\n")
    assert maybe_backup(col, now=datetime.now(UTC) + timedelta(hours=1)) is None
    (quizzer_home / "config.toml").unlink()
    # No folder to write to: no backup, no exception; asked for explicitly, it says why.
    first.unlink()
    folder.rmdir()
    folder.write_text("a file where the backup folder should be")
    assert maybe_backup(col) is None
    with pytest.raises(StoreError, match="cannot write a backup"):
        backup_now(col)
    answer_some(col, 1, later)  # studying goes on


def test_cli_backs_up_automatically_only_after_a_change(tmp_path: Path, quizzer_home: Path) -> None:
    (quizzer_home / "config.toml").write_text("backup_interval_minutes = 0\n")
    deck = write_deck(tmp_path, "auto.yaml", basic_deck("auto", 5))
    db = tmp_path / "auto.db"
    folder = quizzer_home / "backups"

    def run(*args: str) -> int:
        result = quizzer("--db", str(db), *args, home=quizzer_home)
        assert result.returncode == 0, result.stderr
        time.sleep(0.02)  # so file times tell the commands apart
        return len(list_backups(folder))

    assert run("import", str(deck)) == 1  # a change, no backup yet
    assert run("decks") == 1  # read-only: nothing changed
    assert run("stats") == 1
    assert run("suspend", "auto", "auto-1") == 2  # a change
    assert run("decks") == 2


def test_backup_interval_in_config_is_accepted(tmp_path: Path, quizzer_home: Path) -> None:
    """The documented `backup_interval_minutes` (config.toml refused it at first)."""
    (quizzer_home / "config.toml").write_text("backup_interval_minutes = 5\n")
    result = quizzer("--db", str(tmp_path / "c.db"), "stats", home=quizzer_home)
    assert result.returncode == 0, result.stderr


REVISED = """\
deck: retire
title: Retire
cards:
  - id: keep
    front: Kept?
    back: "yes"
"""


def test_an_import_that_retires_cards_backs_up_first(col: Collection, tmp_path: Path) -> None:
    path = write_deck(
        tmp_path, "retire.yaml", REVISED + "  - id: gone\n    front: Gone?\n    back: x\n"
    )
    col.import_decks([path], now=NOW)
    session = col.study("retire", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None
    session.answer(card, rating=Rating.GOOD, now=NOW)
    folder = Path(os.environ["QUIZZER_HOME"]) / "backups"
    col.import_decks([path], now=NOW)  # unchanged: no backup
    assert list_backups(folder) == []
    path.write_text(REVISED, encoding="utf-8")
    report = col.import_decks([path], now=NOW)
    assert report.total("retired") == 1
    [backup] = list_backups(folder, counts=True)
    assert backup.reason == "before-retire" and backup.reviews == 1
    conn = sqlite3.connect(backup.path)
    try:  # the backup has the card before it was retired
        assert conn.execute("SELECT retired_at FROM cards WHERE key = 'gone'").fetchone() == (None,)
    finally:
        conn.close()


def test_restore_brings_back_a_backup_and_keeps_the_current_state(
    col: Collection, tmp_path: Path, db_path: Path
) -> None:
    col.import_decks([write_deck(tmp_path, "r.yaml", basic_deck("r", 10))], now=NOW)
    later = answer_some(col, 2)
    old = backup_now(col, "manual")
    answer_some(col, 5, later)
    restored, before = restore(db_path)  # the newest sound backup
    assert restored == old
    assert before.name.endswith("-before-restore.db") and verify_backup(before) is None
    assert [b.reviews for b in list_backups(old.parent, counts=True) if b.path == before] == [7]
    with Collection.open(db_path) as reopened, reopened.store.read() as session:
        count = session.execute(sql_select(func.count()).select_from(reviews_t)).scalar_one()
    assert count == 2
    dispose_engines()


# -- doctor -------------------------------------------------------------------------------------
def test_doctor_repairs_a_card_that_differs_from_its_log(col: Collection, tmp_path: Path) -> None:
    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("d", 8))], now=NOW)
    answer_some(col, 30)
    columns = (
        cards_t.c.state,
        cards_t.c.stability,
        cards_t.c.difficulty,
        cards_t.c.due,
        cards_t.c.reps,
    )
    with col.store.read() as session:
        victim, *good = session.execute(
            sql_select(cards_t.c.id, *columns).where(cards_t.c.reps > 1).order_by(cards_t.c.id)
        ).first()
    with col.store.write() as session:
        session.execute(
            update(cards_t)
            .where(cards_t.c.id == victim)
            .values(stability=cards_t.c.stability * 3, due=good[3] + timedelta(days=40))
        )
    report = doctor(col)
    assert len(report.found) == 1 and f"card {victim} " in report.found[0]
    assert "stability" in report.found[0] and "due" in report.found[0]
    assert report.fixed
    with col.store.read() as session:
        repaired = session.execute(sql_select(*columns).where(cards_t.c.id == victim)).one()
    assert repaired[0] == good[0] and repaired[3:] == tuple(good[3:])
    assert repaired[1] == pytest.approx(good[1], rel=1e-12)
    assert_doctor_clean(col)  # a second run finds nothing


def test_doctor_replays_without_the_write_lock(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replaying every log takes seconds on a big collection: it runs in a read, so an
    answer made meanwhile (another process, or the app while its palette's check runs)
    is saved at once instead of waiting for the lock (it waited, then failed as busy).
    The card it changed is not reported: only cards found wrong are checked again,
    inside the write."""
    import threading

    from quizzer.study import scheduler

    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("d", 6))], now=NOW)
    later = answer_some(col, 4)
    original = scheduler.replay
    answered: list[float] = []

    def answer_one() -> None:
        start = time.monotonic()
        session = col.study(deck="d", now=later)
        card = session.next_card(now=later)
        assert card is not None
        session.answer(card, rating=Rating.GOOD, now=later)
        answered.append(time.monotonic() - start)

    def replay(*args: Any, **kwargs: Any) -> Any:
        if not answered:
            thread = threading.Thread(target=answer_one)
            thread.start()
            thread.join(10)
            assert answered, "the answer waited for doctor's replay"
        return original(*args, **kwargs)

    monkeypatch.setattr(scheduler, "replay", replay)
    report = doctor(col)
    assert answered and answered[0] < 5
    assert report.clean, report.found
    assert_doctor_clean(col)


@pytest.mark.backends("postgresql")
def test_doctor_does_not_undo_an_answer_made_while_it_repairs(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL answers lock their cards' rows, not doctor's collection lock: the
    cards doctor repairs are locked before their logs are read, so an answer to one
    waits for the repair instead of being overwritten by the replay of the older log."""
    import threading

    from quizzer import maintenance
    from quizzer.study import scheduler

    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("d", 1))], now=NOW)
    col.set_setting("fuzz", False)
    now = NOW
    for _ in range(3):
        session = col.study("d", now=now)
        card = session.next_card(now=now)
        assert card is not None
        session.answer(card, rating=Rating.GOOD, now=now)
        now = col.browse("", now=now)[0].due + timedelta(minutes=1)
    with col.store.write() as session:
        session.execute(update(cards_t).values(lapses=9))  # one card for doctor to repair
    original_wrong, original_replay = maintenance._wrong_states, scheduler.replay
    repairing, threads = [False], []

    def wrong_states(session: Any, seed: str, card_ids: Any = None) -> Any:
        repairing[0] = card_ids is not None
        return original_wrong(session, seed, card_ids)

    def answer() -> None:
        session = col.study("d", now=now)
        card = session.next_card(now=now)
        assert card is not None
        session.answer(card, rating=Rating.GOOD, now=now)

    def replay(*args: Any, **kwargs: Any) -> Any:
        if repairing[0] and not threads:
            threads.append(threading.Thread(target=answer))
            threads[0].start()
            threads[0].join(1.0)  # it waits for doctor's locks
        return original_replay(*args, **kwargs)

    monkeypatch.setattr(maintenance, "_wrong_states", wrong_states)
    monkeypatch.setattr(scheduler, "replay", replay)
    report = doctor(col)
    assert len(report.found) == 1 and "lapses" in report.found[0]
    threads[0].join(30)
    monkeypatch.undo()
    assert_doctor_clean(col)  # the answer is there, on top of the repaired card
    with col.store.read() as session:
        assert session.execute(sql_select(cards_t.c.reps)).scalar_one() == 4


def test_doctor_retires_the_cards_of_a_deck_whose_file_vanished(
    col: Collection, tmp_path: Path
) -> None:
    path = write_deck(tmp_path, "v.yaml", basic_deck("v", 6))
    text = path.read_text()
    col.import_decks([path], now=NOW)
    answer_some(col, 4)
    path.unlink()
    report = doctor(col, now=NOW)
    assert any("v: its file" in line and "is gone" in line for line in report.found), report.found
    assert any("retired its cards" in line for line in report.fixed)
    assert col.deck_card_ids("v") == []
    assert_doctor_clean(col)
    path.write_text(text)  # importing the file again brings them back, history and all
    col.import_decks([path], now=NOW)
    assert len(col.deck_card_ids("v")) == 6
    with col.store.read() as session:
        assert session.execute(sql_select(func.count()).select_from(reviews_t)).scalar_one() == 4
    assert_doctor_clean(col)


# -- hostile text on a real terminal --------------------------------------------------------
MARKUP = "[bold red]x[/] [link=https://evil.example]y[/link]"
#: OSC 0 (window title), OSC 8 (hyperlink), OSC 52 (clipboard), CSI, a C1 CSI, U+202E.
CONTROLS = (
    "\x1b]0;pwned\x07"
    "\x1b]8;;https://evil.example\x1b\\z\x1b]8;;\x1b\\"
    "\x1b]52;c;ZXZpbA==\x07"
    "\x1b[31mred\x1b[0m"
    "\x9b31m"
    "\u202etxt"
)
SHOWN_CONTROLS = (
    "␛]0;pwned␇"
    "␛]8;;https://evil.example␛\\z␛]8;;␛\\"
    "␛]52;c;ZXZpbA==␇"
    "␛[31mred␛[0m"
    "<U+009B>31m"
    "<U+202E>txt"
)
HOSTILE_DECK = f"""\
deck: hostile
title: "T {MARKUP}"
cards:
  - id: h1
    front: "{MARKUP}"
    back: plain
  - id: h2
    front: Second
    back: plain
"""


def run_in_pty(args: list[str], env: dict[str, str], columns: int = 400) -> tuple[int, bytes]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal; return its exit
    code and every byte it wrote."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, b"".join(chunks)


@pytest.fixture
def hostile_db(tmp_path: Path, quizzer_home: Path) -> Iterator[Path]:
    """A collection whose deck title and prompts hold markup and control sequences
    (written to the database directly: the deck parser refuses them in files)."""
    db = tmp_path / "hostile.db"
    with Collection.open(db) as col:
        col.import_decks([write_deck(tmp_path, "hostile.yaml", HOSTILE_DECK)], now=NOW)
        answer_some(col, 2)
        with col.store.write() as session:
            session.execute(update(decks_t).values(title=f"T {MARKUP} {CONTROLS}"))
            for row in session.execute(sql_select(cards_t.c.id, cards_t.c.data)).all():
                data = dict(row.data, front=f"{CONTROLS} {MARKUP}")
                session.execute(
                    update(cards_t)
                    .where(cards_t.c.id == row.id)
                    .values(data=data, lapses=2)  # lapses: listed among the hardest cards
                )
        backup_now(col)  # no automatic backup during the commands
    dispose_engines()
    yield db


def terminal_env(home: Path, color: bool) -> dict[str, str]:
    env = run_env(home)
    env.pop("NO_COLOR", None)
    env.update(COLUMNS="400", LINES="50")
    if color:
        env["TERM"] = "xterm-256color"
    else:
        env.update(TERM="dumb", NO_COLOR="1")
    return env


STYLING = re.compile(r"\x1b\[[0-9;]*m")  # SGR: colours and bold, nothing else
UNSAFE_OUTPUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["decks"], [f"T {MARKUP} {SHOWN_CONTROLS}"]),
        (["stats"], [MARKUP, "␛]0;pwned␇"]),
        (["export", "cards"], [SHOWN_CONTROLS]),  # raw at first: fixed in stats/files.py
        (["export", "cards", "--format", "jsonl"], ["\\u001b]0;pwned", "<U+009B>31m<U+202E>"]),
    ],
    ids=["decks", "stats", "export-cards", "export-cards-jsonl"],
)
def test_hostile_text_reaches_the_terminal_only_as_text(
    hostile_db: Path, quizzer_home: Path, command: list[str], shown: list[str]
) -> None:
    code, raw = run_in_pty(
        [sys.executable, "-m", "quizzer", "--db", str(hostile_db), *command],
        terminal_env(quizzer_home, color=False),
    )
    output = raw.decode("utf-8")
    assert code == 0, output
    assert b"\x1b" not in raw and b"\x07" not in raw, output
    assert not UNSAFE_OUTPUT.search(output.replace("\r\n", "\n")), output
    for text in shown:
        assert text in output, output


@pytest.mark.parametrize("command", [["decks"], ["stats"]], ids=["decks", "stats"])
def test_with_colors_only_styling_sequences_reach_the_terminal(
    hostile_db: Path, quizzer_home: Path, command: list[str]
) -> None:
    code, raw = run_in_pty(
        [sys.executable, "-m", "quizzer", "--db", str(hostile_db), *command],
        terminal_env(quizzer_home, color=True),
    )
    output = raw.decode("utf-8")
    assert code == 0, output
    assert "\x1b" not in STYLING.sub("", output), repr(output)
    assert not UNSAFE_OUTPUT.search(STYLING.sub("", output).replace("\r\n", "\n")), output
    assert MARKUP in STYLING.sub("", output)


def test_check_quotes_a_hostile_line_literally(tmp_path: Path, quizzer_home: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text(
        'deck: evil\ntitle: "[bold]t[/]"\ncards:\n'
        f'  - id: one\n    front: "{MARKUP} \x1b]8;;https://evil.example\x1b\\\\l \u202ex"\n'
        "    back: b\n",
        encoding="utf-8",
    )
    code, raw = run_in_pty(
        [sys.executable, "-m", "quizzer", "check", str(path)],
        terminal_env(quizzer_home, color=False),
    )
    # `check` styles "error:" with click, which ignores NO_COLOR; those SGR sequences
    # are quizzer's own, so they go before looking for anything from the file.
    output = STYLING.sub("", raw.decode("utf-8"))
    assert code == 1, output
    assert "\x1b" not in output and "\x07" not in output, output
    assert not UNSAFE_OUTPUT.search(output.replace("\r\n", "\n")), output
    assert "[control-char]" in output
    assert f"{MARKUP} ␛]8;;https://evil.example␛" in output and "<U+202E>x" in output
