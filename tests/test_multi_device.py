"""Several machines on one PostgreSQL collection: answers racing on one card, two
processes answering thousands of cards at once, connection loss, masked passwords."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import NOW, run_answer_machines, run_env, write_deck
from reliability_worker import basic_deck
from sqlalchemy import func, select

from quizzer import CardChanged, Collection, Rating
from quizzer.maintenance import doctor
from quizzer.store.models import reviews_t

WORKER = Path(__file__).with_name("reliability_worker.py")
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
