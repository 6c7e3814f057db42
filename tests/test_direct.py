"""Prepared statements on the driver (quizzer.store.direct): the same values as
SQLAlchemy's sessions, one transaction per block, and driver errors as StoreError."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import NOW, on_statements, write_deck
from reliability_worker import basic_deck
from sqlalchemy import bindparam, func, insert, select, update

from quizzer.collection import Collection
from quizzer.errors import StoreError
from quizzer.store.direct import Prepared, fixed_in, run_many
from quizzer.store.models import cards_t, reviews_t, settings_t
from quizzer.study import repo

pytestmark = pytest.mark.backends

CARD = Prepared(repo.card_query().where(cards_t.c.id == bindparam("card_id")))
SETTING = Prepared(
    select(settings_t.c.value).where(settings_t.c.scope == "", settings_t.c.key == bindparam("k"))
)
ADD_SETTING = Prepared(insert(settings_t), ["key", "value"])  # scope: its default, ""


@pytest.fixture
def answered(col: Collection, tmp_path: Path) -> Collection:
    """A collection with one answered card (datetimes, floats, JSON all set)."""
    col.import_decks([write_deck(tmp_path, "d.yaml", basic_deck("direct", 4))], now=NOW)
    session = col.study("direct", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None
    session.answer(card, rating=3, now=NOW)
    return col


def test_rows_are_what_a_session_reads(answered: Collection) -> None:
    with answered.store.read() as session:
        expected = session.execute(repo.card_query().order_by(cards_t.c.id)).all()
    with answered.store.direct(write=False) as db:
        got = [db.first(CARD, {"card_id": row.id}) for row in expected]
    assert [tuple(r) for r in got] == [tuple(r) for r in expected]
    assert got[0]._fields == tuple(expected[0]._fields)
    answered_row = next(r for r in got if r.reps)
    assert answered_row.due.tzinfo is not None and answered_row.due > NOW  # UTC-aware
    assert isinstance(answered_row.data, dict) and isinstance(answered_row.stability, float)


def test_a_write_commits_once_and_a_failure_leaves_nothing(col: Collection) -> None:
    with col.store.direct(write=True) as db:
        assert db.run(ADD_SETTING, {"key": "a", "value": {"x": [1, 2]}}) == 1
        assert db.scalar(SETTING, {"k": "a"}) == {"x": [1, 2]}  # its own write, before COMMIT
    with pytest.raises(RuntimeError), col.store.direct(write=True) as db:
        db.run(ADD_SETTING, {"key": "b", "value": 2})
        raise RuntimeError("the unit of work fails after a statement")
    with col.store.direct(write=False) as db:
        assert db.scalar(SETTING, {"k": "a"}) == {"x": [1, 2]}
        assert db.scalar(SETTING, {"k": "b"}) is None
    with col.store.read() as session:  # and a session sees the same
        keys = session.execute(select(settings_t.c.key).where(settings_t.c.scope == "")).all()
    assert {k for (k,) in keys} >= {"a"} and "b" not in {k for (k,) in keys}


def test_run_many_writes_what_a_session_insert_writes(col: Collection) -> None:
    rows = [
        {"key": "many-a", "value": {"when": "é", "n": [1.5, None]}},
        {"key": "many-b", "value": "text with 'quotes' and %s"},
    ]
    with col.store.write() as session:
        run_many(session.connection(), ADD_SETTING, rows)
        session.execute(insert(settings_t), [{**r, "key": r["key"] + "-orm"} for r in rows])
    with col.store.read() as session:
        stored = dict(
            session.execute(
                select(settings_t.c.key, settings_t.c.value).where(settings_t.c.key.like("many-%"))
            ).all()
        )
    assert stored == {
        "many-a": rows[0]["value"],
        "many-b": rows[1]["value"],
        "many-a-orm": rows[0]["value"],
        "many-b-orm": rows[1]["value"],
    }
    with col.store.write() as session, pytest.raises(KeyError, match="the statement takes no"):
        run_many(session.connection(), ADD_SETTING, [{"key": "x", "value": 1, "bogus": 2}])


def test_run_many_converts_shared_values_once_and_checks_every_row(col: Collection) -> None:
    rows = [{"key": "shared-a"}, {"key": "shared-b"}]
    with col.store.write() as session:
        run_many(session.connection(), ADD_SETTING, rows, {"value": {"same": True}})
    with col.store.direct(write=False) as db:
        assert db.scalar(SETTING, {"k": "shared-a"}) == {"same": True}
        assert db.scalar(SETTING, {"k": "shared-b"}) == {"same": True}
    with col.store.write() as session, pytest.raises(KeyError, match="same columns"):
        run_many(session.connection(), ADD_SETTING, [{"key": "x", "value": 1}, {"key": "y"}])
    with col.store.write() as session, pytest.raises(KeyError, match="no value for value"):
        run_many(session.connection(), ADD_SETTING, rows)


def test_run_many_fails_as_one_transaction(col: Collection) -> None:
    with pytest.raises(StoreError), col.store.write() as session:
        run_many(session.connection(), ADD_SETTING, [{"key": "dup", "value": 1}] * 2)
    with col.store.read() as session:
        assert not session.execute(select(settings_t).where(settings_t.c.key == "dup")).all()


def test_a_read_refuses_a_change(col: Collection) -> None:
    with (
        pytest.raises(RuntimeError, match="a change in a read"),
        col.store.direct(write=False) as db,
    ):
        db.run(ADD_SETTING, {"key": "read-only", "value": 1})
    with col.store.direct(write=False) as db:
        assert db.scalar(SETTING, {"k": "read-only"}) is None


def test_a_missing_parameter_is_refused(col: Collection) -> None:
    with col.store.direct(write=False) as db, pytest.raises(KeyError, match="card_id"):
        db.first(CARD, {})


def test_an_expanding_in_is_refused_with_the_way_out() -> None:
    statement = Prepared(select(cards_t.c.id).where(cards_t.c.state.in_([1, 3])))
    from sqlalchemy.dialects import sqlite

    with pytest.raises(ValueError, match="expanding IN"):
        statement.plan(sqlite.dialect())
    fixed = Prepared(select(cards_t.c.id).where(fixed_in(cards_t.c.state, [1, 3])))
    assert "IN (?, ?)" in fixed.plan(sqlite.dialect()).sql
    nothing = Prepared(select(cards_t.c.id).where(fixed_in(cards_t.c.state, [])))
    assert "POSTCOMPILE" not in nothing.plan(sqlite.dialect()).sql


def test_a_column_without_a_constant_default_must_be_given() -> None:
    from datetime import datetime

    from sqlalchemy import Column, DateTime, Integer, MetaData, Table
    from sqlalchemy.dialects import sqlite

    stamped = Table(
        "stamped",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", DateTime, default=datetime.now),  # made in Python at each insert
    )
    with pytest.raises(ValueError, match="at needs a value"):
        Prepared(insert(stamped), ["id"]).plan(sqlite.dialect())
    plan = Prepared(insert(reviews_t), ["card_id", "rating", "state_before"]).plan(sqlite.dialect())
    assert plan.defaults["mode"] == "scheduled"  # a constant default is filled in


def test_counts_and_updates(answered: Collection) -> None:
    count = Prepared(select(func.count()).select_from(cards_t))
    bury = Prepared(
        update(cards_t).where(cards_t.c.reps == bindparam("r")), column_keys=["buried_until"]
    )
    with answered.store.direct(write=True) as db:
        assert db.scalar(count) == 4
        assert db.run(bury, {"r": 0, "buried_until": NOW + timedelta(days=1)}) == 3
    with answered.store.read() as session:
        buried = session.execute(select(cards_t.c.buried_until).where(cards_t.c.reps == 0)).all()
    assert {b for (b,) in buried} == {NOW + timedelta(days=1)}


@pytest.mark.backends("sqlite")
def test_a_driver_error_is_a_store_error_and_the_lock_is_released(
    col: Collection, db_path: Path
) -> None:
    def fail(_cursor: object, sql: str) -> None:
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")

    with (
        on_statements(col.store.engine, fail),
        pytest.raises(StoreError, match="full; nothing was changed"),
        col.store.direct(write=True) as db,
    ):
        db.run(ADD_SETTING, {"key": "full", "value": 1})
    other = sqlite3.connect(db_path, timeout=0.2, isolation_level=None)
    try:  # no write lock is left behind
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.backends("sqlite")
def test_writes_begin_immediate_and_reads_need_no_transaction(col: Collection) -> None:
    seen: list[str] = []
    with on_statements(col.store.engine, lambda _c, sql: seen.append(sql)):
        with col.store.direct(write=True):
            pass
        with col.store.direct(write=False):
            pass
    assert seen == ["BEGIN IMMEDIATE"]  # a read runs each statement on its own


def test_a_parameter_the_statement_does_not_take_is_refused(col: Collection) -> None:
    with col.store.direct(write=True) as db, pytest.raises(KeyError, match="takes no nothing"):
        db.run(ADD_SETTING, {"key": "x", "value": 1, "nothing": 2})


@pytest.mark.backends("postgresql")
def test_a_server_connection_left_in_a_transaction_still_reads(col: Collection) -> None:
    """A connection that comes out of the pool inside a transaction (a check-out hook
    that ran a query) is rolled back before the read switches it to autocommit, and goes
    back to the pool out of autocommit: later writes on it are still transactions."""
    from sqlalchemy import event

    def leave_open(dbapi_connection: object, _record: object, _proxy: object) -> None:
        dbapi_connection.cursor().execute("SELECT 1")  # type: ignore[attr-defined]

    event.listen(col.store.engine, "checkout", leave_open)
    try:
        with col.store.direct(write=False) as db:
            assert db.scalar(SETTING, {"k": "absent"}) is None
    finally:
        event.remove(col.store.engine, "checkout", leave_open)
    with col.store.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]
    with pytest.raises(RuntimeError), col.store.write() as session:
        session.execute(insert(settings_t).values(scope="", key="half", value=1))
        raise RuntimeError("the write fails after its first statement")
    with col.store.direct(write=False) as db:
        assert db.scalar(SETTING, {"k": "half"}) is None


def test_an_answer_without_the_sessions_settings_reads_its_decks(
    answered: Collection,
) -> None:
    """``answer_card`` called without settings (as the API allows) reads the deck's
    before its transaction, and applies them."""
    from quizzer.study.repo import answer_card, collection_seed, set_setting

    set_setting(answered.store, "learning_steps", "7m", deck="direct")
    outcome = answer_card(
        answered.store,
        answered.card_id("direct", "direct-1"),
        expected_reps=0,
        mode="scheduled",
        response=None,
        rating=1,
        duration_ms=0,
        now=NOW,
        seed=collection_seed(answered.store),
    )
    assert outcome.due == NOW + timedelta(minutes=7)  # the deck's step, not the default 1m
