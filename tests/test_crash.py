"""Crash harnesses: SIGKILL a child process in the middle of answers, an import, a
backup and an export, then check what docs/reliability.md promises survives.

The child is ``tests/reliability_worker.py`` (or the ``quizzer`` CLI). It prints a line
right after each thing it made durable, so the parent knows exactly what was
acknowledged when it pulled the plug. Kill moments come from a seeded random source
(``QUIZZER_CRASH_SEED``); round counts from ``QUIZZER_CRASH_ROUNDS`` (answers, default
20, up to 1000) and ``QUIZZER_CRASH_FILE_ROUNDS`` (import, backup and export, default 3).
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run_env, write_deck
from reliability_worker import basic_deck

from quizzer.collection import Collection
from quizzer.maintenance import backup_now, doctor
from quizzer.store.backup import list_backups, verify_backup
from quizzer.store.db import dispose_engines

WORKER = Path(__file__).with_name("reliability_worker.py")
SEED = int(os.environ.get("QUIZZER_CRASH_SEED", "20261128"))
ROUNDS = min(int(os.environ.get("QUIZZER_CRASH_ROUNDS", "20")), 1000)
FILE_ROUNDS = int(os.environ.get("QUIZZER_CRASH_FILE_ROUNDS", "3"))
BIG_CARDS = 20_000
BIG_REVIEWS_PER_CARD = 3


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _reap_children() -> Iterator[None]:
    """A test that fails half-way must not leave a child running (a backup loop runs
    forever)."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _started.append(proc)
    return proc


def worker(*args: str, home: Path) -> subprocess.Popen[str]:
    env = run_env(home)
    env["PYTHONUNBUFFERED"] = "1"
    return spawn([sys.executable, str(WORKER), *args], env)


def go(proc: subprocess.Popen[str]) -> None:
    """Let a worker started with ``--wait`` begin."""
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def kill(proc: subprocess.Popen[str]) -> list[str]:
    """SIGKILL ``proc``; return the complete lines it printed that were not read yet."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    # Read through the pipe objects (not communicate(), which reads the raw descriptors
    # and would miss what readline() already buffered).
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode in (-signal.SIGKILL, 0), err
    return out.split("\n")[:-1]  # the last piece is a partial line (or empty)


def read_line(proc: subprocess.Popen[str]) -> str:
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        _, err = proc.communicate(timeout=60)
        pytest.fail(f"the worker ended early (exit {proc.returncode}):\n{err}")
    return line.rstrip("\n")


def integrity(db: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def assert_consistent(db: Path) -> None:
    """The collection opens without any repair, and every card's stored state equals the
    replay of its log (doctor's own check, run without repairing)."""
    try:
        with Collection.open(db) as col:
            report = doctor(col, repair=False)
        assert report.damaged is None, report.damaged
        assert report.found == [], report.found
    finally:
        dispose_engines()


# -- answers ----------------------------------------------------------------------------
def test_kill_during_answers_keeps_every_acknowledged_review(
    tmp_path: Path, quizzer_home: Path
) -> None:
    deck = write_deck(tmp_path / "decks", "crash.yaml", basic_deck("crash", 50))
    db = tmp_path / "crash.db"
    with Collection.open(db) as col:
        col.set_setting("leech_action", "tag")  # keep every card in play
        col.import_decks([deck])
    dispose_engines()
    rng = random.Random(SEED)
    known: set[int] = set()  # acknowledged reviews, plus in-flight ones that made it
    acknowledged_total = extras_total = 0

    def start(round_no: int) -> subprocess.Popen[str]:
        return worker(
            "answer", str(db), "--seed", str(round_no), "--practice-every", "7", "--wait",
            home=quizzer_home,
        )  # fmt: skip

    upcoming = start(0)
    for round_no in range(ROUNDS):
        proc = upcoming
        go(proc)
        acked: list[str] = []
        wait_for = rng.randint(0, 30)
        if wait_for == 0:
            time.sleep(rng.uniform(0, 0.6))  # somewhere in start-up or the first answer
        while len(acked) < wait_for:
            acked.append(read_line(proc))
        time.sleep(rng.uniform(0, 0.012))  # somewhere inside the next answer
        acked += kill(proc)
        if round_no + 1 < ROUNDS:  # it loads its modules while this round is checked
            upcoming = start(round_no + 1)
        ids = {int(line) for line in acked if line.isdigit()}
        assert integrity(db) == [("ok",)], f"round {round_no}"
        stored = {r[0] for r in query(db, "SELECT id FROM reviews")}
        lost = (known | ids) - stored
        assert not lost, f"round {round_no}: acknowledged reviews {sorted(lost)} are gone"
        extra = stored - known - ids
        assert len(extra) <= 1, f"round {round_no}: unacknowledged reviews {sorted(extra)}"
        if extra:  # the answer in flight committed before the kill: it must be the newest
            assert max(extra) == max(stored)
        known = stored
        acknowledged_total += len(ids)
        extras_total += len(extra)
        assert_consistent(db)
    # the harness really answered cards (and saw in-flight answers that made it)
    assert acknowledged_total > ROUNDS, (acknowledged_total, extras_total)


# -- import -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big-deck")
    return write_deck(folder, "big.yaml", basic_deck("big", BIG_CARDS))


def test_kill_during_import_leaves_all_or_nothing(
    tmp_path: Path, quizzer_home: Path, big_deck: Path
) -> None:
    small = write_deck(tmp_path / "decks", "small.yaml", basic_deck("small", 20))
    pristine = tmp_path / "pristine.db"
    with Collection.open(pristine) as col:
        col.import_decks([small])
    dispose_engines()
    rng = random.Random(SEED + 1)
    outcomes = []
    for round_no in range(FILE_ROUNDS):
        db = tmp_path / f"import-{round_no}.db"
        shutil.copy(pristine, db)
        proc = worker("import", str(db), str(big_deck), home=quizzer_home)
        assert read_line(proc) == "ready"
        assert read_line(proc) == "writing"
        # The write transaction of 20,000 cards takes about a second; kill in it (or,
        # now and then, just after it committed).
        time.sleep(rng.uniform(0, 1.2) if round_no else 0.05)
        lines = kill(proc)
        assert integrity(db) == [("ok",)]
        cards = query(
            db,
            "SELECT count(*) FROM cards JOIN decks ON decks.id = cards.deck_id "
            "WHERE decks.slug = 'big'",
        )[0][0]
        decks = query(db, "SELECT count(*) FROM decks WHERE slug = 'big'")[0][0]
        sources = query(db, "SELECT count(*) FROM deck_sources WHERE path LIKE '%big.yaml'")[0][0]
        assert (cards, decks, sources) in ((0, 0, 0), (BIG_CARDS, 1, 1)), (cards, decks, sources)
        if any(line.startswith("done") for line in lines):
            assert cards == BIG_CARDS  # acknowledged: it must be there
        assert query(db, "SELECT count(*) FROM cards")[0][0] == 20 + cards
        outcomes.append(cards)
        assert_consistent(db)
    assert 0 in outcomes  # at least one kill landed inside the transaction


# -- a big collection for backups and exports --------------------------------------------
@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory, big_deck: Path) -> Iterator[Path]:
    """A collection of 20,000 cards and 60,000 (practice) reviews."""
    folder = tmp_path_factory.mktemp("big-db")
    db = folder / "big.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUIZZER_HOME", str(folder / "home"))
        with Collection.open(db) as col:
            col.import_decks([big_deck])
        dispose_engines()
    conn = sqlite3.connect(db)
    with conn:
        for i in range(BIG_REVIEWS_PER_CARD):
            conn.execute(
                "INSERT INTO reviews (card_id, reviewed_at, rating, duration_ms, mode, "
                "prior_state, state_before) SELECT id, ?, 3, 1000, 'practice', 0, '{}' "
                "FROM cards",
                (f"2026-03-0{i + 1} 12:00:00.000000",),
            )
    conn.close()
    yield db


def copy_db(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    return target


def test_kill_during_backup_never_leaves_a_bad_backup(
    tmp_path: Path, quizzer_home: Path, big_db: Path
) -> None:
    db = copy_db(big_db, tmp_path / "col.db")
    folder = quizzer_home / "backups"
    rng = random.Random(SEED + 2)
    made = 0
    for round_no in range(FILE_ROUNDS):
        proc = worker("backup", str(db), home=quizzer_home)
        assert read_line(proc) == "ready"
        if round_no == 0:  # let one backup complete first
            made += read_line(proc).endswith(".db")
        time.sleep(rng.uniform(0.05, 0.8))
        made += sum(1 for line in kill(proc) if line.endswith(".db"))
        for backup in list_backups(folder):
            assert verify_backup(backup.path) is None, backup.path
        # Whatever else is left is a temporary file that no listing takes for a backup.
        for path in folder.iterdir():
            assert path.name.endswith(".db") or ".db.tmp" in path.name, path.name
        assert integrity(db) == [("ok",)]
    assert len(list_backups(folder)) >= made >= 1  # every acknowledged backup is there


def test_kill_during_export_leaves_no_partial_file(
    tmp_path: Path, quizzer_home: Path, big_db: Path
) -> None:
    db = copy_db(big_db, tmp_path / "col.db")
    with Collection.open(db) as col:
        backup_now(col)  # so the CLI's automatic backup has nothing to do
    dispose_engines()
    expected = BIG_CARDS * BIG_REVIEWS_PER_CARD
    rng = random.Random(SEED + 3)
    env = run_env(quizzer_home)

    def export(out: Path) -> subprocess.Popen[str]:
        return spawn(
            [sys.executable, "-m", "quizzer", "--db", str(db), "export", "reviews", "-o", str(out)],
            env,
        )

    # One complete run: the file is complete, and it tells how long an export takes.
    started = time.monotonic()
    _, err = export(tmp_path / "reviews-full.csv").communicate(timeout=120)
    duration = time.monotonic() - started
    outcomes = [check_export(tmp_path / "reviews-full.csv", expected)]
    assert outcomes == ["complete"], err
    for round_no in range(FILE_ROUNDS):
        out = tmp_path / f"reviews-{round_no}.csv"
        proc = export(out)
        time.sleep(rng.uniform(0.3, 0.9) * duration)
        kill(proc)
        outcomes.append(check_export(out, expected))
    assert "absent" in outcomes  # a kill landed before the end


def check_export(out: Path, expected: int) -> str:
    """ "complete" or "absent"; fails on anything in between."""
    # A temporary file may be left by a kill, but never under the final name.
    for path in out.parent.glob(f"*{out.name}*"):
        assert path == out or (path.name.startswith(".") and path.name.endswith(".tmp")), path
    if not out.exists():
        return "absent"
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["card_id", "review_time"]
    assert len(rows) == expected + 1, f"{out} is incomplete: {len(rows) - 1} rows"
    return "complete"
