"""Several machines on one PostgreSQL collection: answers racing on one card, two
processes answering thousands of cards at once, connection loss, masked passwords."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pgdb
import pytest
from helpers import NOW, on_statements, run_answer_machines, run_env, write_deck
from reliability_worker import basic_deck
from sqlalchemy import func, select, text

from quizzer import CardChanged, Collection, Rating
from quizzer.maintenance import doctor
from quizzer.store.db import dispose_engines
from quizzer.store.models import reviews_t

pytestmark = pytest.mark.backends

#: Answers per process in the two-machine test.
MACHINE_N = 2000


def assert_consistent(col: Collection) -> None:
    """Every card equals the replay of its review log (doctor finds nothing)."""
    report = doctor(col, repair=False)
    assert report.damaged is None and report.found == [], report.found[:5]


def review_count(col: Collection) -> int:
    with col.store.read() as session:
        return int(session.execute(select(func.count()).select_from(reviews_t)).scalar_one())


def race(machines: list, shown: list, at: object) -> list[object]:
    """Both machines answer their card at once (threads released by a barrier)."""
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def answer(i: int) -> None:
        start.wait()
        try:
            results[i] = machines[i].answer(shown[i], rating=Rating.GOOD, now=at)
        except CardChanged as exc:
            results[i] = exc

    threads = [threading.Thread(target=answer, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.backends
def test_two_answers_racing_on_one_card(col: Collection, tmp_path: Path) -> None:
    """Two machines submit an answer to the same card at the same moment, 15 times:
    each time exactly one is applied and the other is told the card changed."""
    col.import_decks([write_deck(tmp_path, "race.yaml", basic_deck("race", 15))], now=NOW)
    col.set_setting("new_per_day", 100)
    machines = [col.study("race", now=NOW), col.study("race", now=NOW)]
    for round_ in range(15):
        at = NOW + timedelta(minutes=round_)
        shown = [m.next_card(now=at) for m in machines]
        assert shown[0] is not None and shown[1] is not None
        assert shown[0].id == shown[1].id
        results = race(machines, shown, at)
        assert sum(isinstance(r, CardChanged) for r in results) == 1, results
        assert "another device" in str(next(r for r in results if isinstance(r, CardChanged)))
        # the refused machine moves on: its next card is another one
        for machine, result in zip(machines, results, strict=True):
            if isinstance(result, CardChanged):
                following = machine.next_card(now=at)
                assert following is None or following.id != shown[0].id
    assert review_count(col) == 15
    assert_consistent(col)


@pytest.mark.backends("postgresql")
def test_two_machines_answer_thousands_of_reviews(
    db: str, tmp_path: Path, quizzer_home: Path
) -> None:
    """Two processes, each a machine, answer 2000 reviews each on one database at once:
    no errors, 4000 review rows, every card equal to the replay of its log."""
    ids, changed = run_answer_machines(db, tmp_path / "decks", run_env(quizzer_home), MACHINE_N)
    assert len(ids) == len(set(ids)) == 2 * MACHINE_N
    with Collection.open(db) as col:
        with col.store.read() as session:
            stored = set(session.execute(select(reviews_t.c.id)).scalars())
        assert stored == set(ids)
        assert len(stored) == 4000
        assert_consistent(col)
    print(f"two machines: {len(stored)} reviews, {changed} answers refused as changed")


# -- quizzer migrate --to -------------------------------------------------------------------
def studied_collection(db: Path | str, folder: Path) -> None:
    """Decks, answers of every kind (scheduled, practice, a reset, an undo), settings."""
    with Collection.open(db) as col:
        col.import_decks([write_deck(folder, "mig.yaml", basic_deck("mig", 30))], now=NOW)
        col.set_setting("desired_retention", 0.85)
        col.set_setting("new_per_day", 30, deck="mig")
        at = NOW
        for mode in ("scheduled", "practice"):
            session = col.study("mig", mode, limit=25, now=at)
            while (card := session.next_card(now=at)) is not None:
                rating = (Rating.AGAIN, Rating.GOOD, Rating.EASY)[card.id % 3]
                session.answer(card, rating=rating, duration_ms=1234, now=at)
                at += timedelta(seconds=61, microseconds=7)
        session.undo()
        col.reset([col.card_id("mig", "mig-3")], now=at)
        col.suspend([col.card_id("mig", "mig-4")])
        col.bury([col.card_id("mig", "mig-5")], now=at)


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of an SQLite file, as SQLite stores it."""
    tables = [r[0] for r in pgdb.raw_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: pgdb.raw_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in sorted(tables)}


@pytest.mark.backends("postgresql")
def test_migrate_sqlite_to_postgresql_and_back_keeps_every_row(
    db: str, tmp_path: Path, quizzer_home: Path
) -> None:
    first, back = tmp_path / "first.db", tmp_path / "back.db"
    studied_collection(first, tmp_path / "decks")
    with Collection.open(first) as col:
        report = col.copy_to(db)
        stats = col.stats(now=NOW + timedelta(days=1))
    assert report.rows["reviews"] == 49 and report.rows["cards"] == 30
    with Collection.open(db) as server:
        assert server.stats(now=NOW + timedelta(days=1)) == stats
        # the planner has statistics of the copy at once (not when autovacuum runs)
        with server.store.read() as session:
            analyzed = session.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                    "AND schemaname = current_schema()"
                )
            ).scalars()
            assert {"cards", "reviews"} <= set(analyzed)
        server.copy_to(back)
    assert dump(back) == dump(first)  # byte for byte, ids and JSON text included
    # the copy on the server goes on working: new ids follow the copied ones
    with Collection.open(db) as server:
        session = server.study("mig", "practice", now=NOW + timedelta(days=2))
        card = session.next_card(now=NOW + timedelta(days=2))
        assert card is not None
        outcome = session.answer(card, rating=Rating.GOOD, now=NOW + timedelta(days=2))
        assert outcome.review_id > max(r[0] for r in dump(first)["reviews"])


@pytest.mark.backends
def test_migrate_refuses_a_target_that_holds_data(db: Path | str, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    studied_collection(other, tmp_path / "decks")
    studied_collection(db, tmp_path / "decks2")
    with Collection.open(other) as col, pytest.raises(Exception, match="already holds"):
        col.copy_to(db)


def quizzer(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *args],
        env={**run_env(home), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_command(tmp_path: Path, quizzer_home: Path) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    studied_collection(source, tmp_path / "decks")
    dispose_engines()
    run = quizzer(quizzer_home, "--db", str(source), "migrate", "--to", str(target))
    assert run.returncode == 0, run.stderr
    assert "copied 1 decks, 30 cards, 49 reviews, 3 settings" in run.stdout
    assert "verified" in run.stdout
    assert dump(target) == dump(source)
    again = quizzer(quizzer_home, "--db", str(source), "migrate", "--to", str(target))
    assert again.returncode == 1 and "already holds" in again.stderr
    assert "Traceback" not in again.stderr


# -- backups of a server collection ---------------------------------------------------------
@pytest.mark.backends("postgresql")
def test_backup_of_a_server_is_a_portable_sqlite_file(
    db: str, tmp_path: Path, quizzer_home: Path
) -> None:
    from quizzer.maintenance import backup_now, restore, restore_server
    from quizzer.store.backup import list_backups, verify_backup

    studied_collection(db, tmp_path / "decks")
    later = NOW + timedelta(days=1)
    with Collection.open(db) as server:
        stats = server.stats(now=later)
        path = backup_now(server, "manual")
    assert verify_backup(path) is None
    assert not list(path.parent.glob("*.tmp*"))  # no temporary file left behind
    assert [b.path for b in list_backups(path.parent)] == [path]
    with Collection.open(path) as copy:  # the backup opens like any collection
        assert copy.stats(now=later) == stats
    # it restores into an SQLite collection ...
    local = tmp_path / "local.db"
    Collection.open(local).close()
    restore(local, path)
    with Collection.open(local) as col:
        assert col.stats(now=later) == stats
    # ... and back into the server, replacing what changed since
    with Collection.open(db) as server:
        server.reset(server.deck_card_ids("mig"), now=later)
        assert server.stats(now=later) != stats
    restored, before = restore_server(db, path)
    assert restored == path and verify_backup(before) is None
    with Collection.open(db) as server:
        assert server.stats(now=later) == stats
        assert_consistent(server)


@pytest.mark.backends("postgresql")
def test_backup_and_restore_commands_on_a_server(
    db: str, tmp_path: Path, quizzer_home: Path
) -> None:
    studied_collection(db, tmp_path / "decks")
    dispose_engines()
    run = quizzer(quizzer_home, "--db", db, "backup")
    assert run.returncode == 0, run.stderr
    assert "backed up to" in run.stdout
    run = quizzer(quizzer_home, "--db", db, "restore", "1", "--yes")
    assert run.returncode == 0, run.stderr
    assert "restored" in run.stdout and "Traceback" not in run.stderr


# -- connection loss ------------------------------------------------------------------------
@pytest.mark.backends("postgresql")
def test_connection_lost_mid_answer_is_sent_again(col: Collection, tmp_path: Path) -> None:
    """The server drops the connection in the middle of an answer's transaction: the
    answer is sent again on a new connection and recorded once."""
    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("lost", 3))], now=NOW)
    session = col.study("lost", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None
    killed: list[int] = []

    def kill(cursor: Any, statement: str) -> None:
        if statement.startswith("INSERT INTO reviews") and not killed:
            killed.append(1)
            pid = cursor.connection.info.backend_pid
            pgdb.raw_rows(pgdb.base_url(), "SELECT pg_terminate_backend(?)", (pid,))

    with on_statements(col.store.engine, kill):
        outcome = session.answer(card, rating=Rating.GOOD, now=NOW)
    assert killed and outcome.review_id
    assert review_count(col) == 1
    assert_consistent(col)


@pytest.mark.backends
def test_an_answer_sent_twice_is_recorded_once(col: Collection, tmp_path: Path) -> None:
    """The first try committed but its acknowledgement was lost: the resent answer
    finds it instead of applying it twice (scheduled and practice)."""
    from quizzer.study import repo

    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("twice", 2))], now=NOW)
    seed = repo.collection_seed(col.store)
    for mode, reps in (("scheduled", 0), ("practice", None)):
        card_id = col.card_id("twice", "twice-0")
        kwargs = dict(
            expected_reps=reps, mode=mode, response=None, rating=3, duration_ms=5, seed=seed
        )
        at = NOW + timedelta(hours=1 if mode == "practice" else 0)
        first = repo.answer_card(col.store, card_id, now=at, **kwargs)
        again = repo.answer_card(col.store, card_id, now=at, resend=True, **kwargs)
        assert again.review_id == first.review_id and again.due == first.due
    assert review_count(col) == 2
    assert_consistent(col)


@pytest.mark.backends
def test_an_answer_the_server_never_got_is_given_back(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stays unreachable: the answer is tried a few times, then the session
    says so (without applying anything) and the same card can be answered again."""
    from quizzer.errors import ServerUnreachable
    from quizzer.study import repo
    from quizzer.study import session as session_module

    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("down", 2))], now=NOW)
    session = col.study("down", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None
    real = repo.answer_card
    tries: list[bool] = []

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        tries.append(kwargs["resend"])
        raise ServerUnreachable("cannot reach the database server at postgresql://x@y/z")

    monkeypatch.setattr(session_module, "RESEND_DELAYS", (0.01, 0.01))
    monkeypatch.setattr(repo, "answer_card", unreachable)
    with pytest.raises(ServerUnreachable, match="not saved yet"):
        session.answer(card, rating=Rating.GOOD, now=NOW)
    expected = [False, True, True] if col.store.backend != "sqlite" else [False]
    assert tries == expected
    assert review_count(col) == 0
    monkeypatch.setattr(repo, "answer_card", real)
    assert session.answer(card, rating=Rating.GOOD, now=NOW).review_id  # back: sent
    assert review_count(col) == 1


# -- passwords are never shown --------------------------------------------------------------
SECRET = "s3cret-pw"


def with_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


def test_password_is_masked_in_errors(tmp_path: Path, quizzer_home: Path) -> None:
    dead = f"postgresql+psycopg://me:{SECRET}@127.0.0.1:9/quizzer"
    for args in (["decks"], ["doctor"], ["config"], ["backup"], ["migrate", "--to", "x.db"]):
        run = quizzer(quizzer_home, "--db", dead, *args)
        assert run.returncode == 1, args
        assert SECRET not in run.stdout + run.stderr
        assert "me:***@127.0.0.1:9" in run.stderr and "Traceback" not in run.stderr
        assert "cannot reach the database server" in run.stderr
    run = quizzer(quizzer_home, "decks", QUIZZER_DB=f"postgresql+psycopg2://me:{SECRET}@h/d")
    assert run.returncode == 1 and SECRET not in run.stderr and "not installed" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.backends("postgresql")
def test_password_is_masked_in_output(db: str, tmp_path: Path, quizzer_home: Path) -> None:
    secret_url = with_password(db)  # the test server trusts loopback: any password works
    Collection.open(db).close()
    dispose_engines()
    for args in (["config"], ["doctor"], ["migrate", "--to", secret_url]):
        run = quizzer(quizzer_home, "--db", secret_url, *args)
        assert SECRET not in run.stdout + run.stderr, args
        assert "Traceback" not in run.stderr
    assert "***" in quizzer(quizzer_home, "--db", secret_url, "config").stdout
    (quizzer_home / "config.toml").write_text(f'database_url = "{secret_url}"\n')
    run = quizzer(quizzer_home, "decks")
    assert run.returncode == 1 and "must not contain a password" in run.stderr
    assert SECRET not in run.stderr
