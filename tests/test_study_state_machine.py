"""A state machine over the study engine: whatever happens, the log explains every card.

Rules import the deck (sometimes with a note removed or put back), answer the next card
(scheduled, ahead or practice, any rating), undo, reopen the collection, move the clock
and reset cards. After every step, each card's stored scheduling state must equal
``replay()`` of its own review log — with fuzz on, so the seeded fuzz must replay too.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from quizzer import Collection, Rating
from quizzer.store.db import dispose_engines
from quizzer.store.models import cards_t, reviews_t
from quizzer.study import repo
from quizzer.study.scheduler import replay
from quizzer.study.views import card_seed

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

NOTES = {
    "a": "  - id: a\n    front: Question a?\n    back: Answer a\n",
    "b": "  - id: b\n    front: Question b?\n    back: Answer b\n    reverse: true\n",
    "c": '  - id: c\n    type: cloze\n    text: "{{BERT}} is an {{encoder}}."\n',
    "d": (
        "  - id: d\n    type: typed\n    question: GPT-3 size?\n"
        '    answer: "175"\n    tolerance: 1\n'
    ),
    "e": (
        "  - id: e\n    type: choice\n    question: Pick one\n"
        "    choices: [yes, no, maybe]\n    answer: yes\n"
    ),
}
KEYS = ["a", "b", "b/reverse", "c/c1", "c/c2", "d", "e"]
STEPS = [
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=9),
    timedelta(days=40),
]


class StudyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="quizzer-machine-"))
        self.db = self.folder / "machine.db"
        self.deck_file = self.folder / "decks" / "machine.yaml"
        self.deck_file.parent.mkdir()
        self.clock = T0
        self.removed: set[str] = set()
        self.answers = 0
        self.col = Collection.open(self.db)
        self._write_and_import()
        self.col.set_setting("timezone", "UTC")
        self.col.set_setting("leech_threshold", 2)  # leeches happen within a run

    def teardown(self) -> None:
        dispose_engines()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write_and_import(self) -> None:
        body = "".join(text for key, text in NOTES.items() if key not in self.removed)
        self.deck_file.write_text(f"deck: m\ntitle: Machine\ncards:\n{body}", encoding="utf-8")
        report = self.col.import_decks([self.deck_file], now=self.clock)
        assert not report.problems

    # -- rules ---------------------------------------------------------------------------
    @rule(note=st.sampled_from(["a", "b", "c", "d"]))
    def edit_and_import(self, note: str) -> None:
        """Remove a note from the file, or put it back, and import."""
        self.removed ^= {note}
        if len(self.removed) > 2:
            self.removed = {note}
        self._write_and_import()

    @rule(
        ratings=st.lists(
            st.sampled_from([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.EASY]),
            min_size=1,
            max_size=6,
        ),
        mode=st.sampled_from(["scheduled", "scheduled", "scheduled", "ahead", "practice"]),
        wait=st.sampled_from([None, (1, 2, 3), (2,)]),
    )
    def answer(self, ratings: list[Rating], mode: str, wait: tuple[int, ...] | None) -> None:
        """Answer up to ``len(ratings)`` cards of one session, first waiting until the
        next card in one of the states ``wait`` is due."""
        if wait:
            self._wait_for(wait, timedelta(0))
        session = self.col.study(deck="m", mode=mode, now=self.clock)
        for rating in ratings:
            card = session.next_card(now=self.clock)
            if card is None:
                return
            assert card.key.split("/")[0] not in self.removed, "a retired card was served"
            outcome = session.answer(card, rating=rating, duration_ms=1000, now=self.clock)
            if mode != "practice":
                assert outcome.interval == card.intervals[rating]  # preview = applied
            self.answers += 1

    @rule(late=st.sampled_from([timedelta(0), timedelta(minutes=3), timedelta(days=2)]))
    def go_to_next_due(self, late: timedelta) -> None:
        """Move the clock to when the next studied card is due (or a little later)."""
        self._wait_for((1, 2, 3), late)

    def _wait_for(self, states: tuple[int, ...], late: timedelta) -> None:
        with self.col.store.read() as s:
            due = s.execute(
                select(cards_t.c.due)
                .where(cards_t.c.state.in_(states), cards_t.c.due > self.clock)
                .order_by(cards_t.c.due)
                .limit(1)
            ).scalar()
        if due is not None:
            self.clock = due + late

    @rule(through_session=st.booleans())
    def undo(self, through_session: bool) -> None:
        if through_session:
            self.col.study(deck="m", now=self.clock).undo()
        else:
            self.col.undo()

    @rule()
    def reopen(self) -> None:
        dispose_engines()
        self.col = Collection.open(self.db)

    @rule(step=st.sampled_from(STEPS))
    def advance_clock(self, step: timedelta) -> None:
        self.clock += step

    @precondition(lambda self: self.answers > 0)
    @rule(key=st.sampled_from(KEYS))
    def reset(self, key: str) -> None:
        self.col.reset([self.col.card_id("m", key)], now=self.clock)

    # -- the invariant -------------------------------------------------------------------
    @invariant()
    def every_card_replays_from_its_log(self) -> None:
        store = self.col.store
        seed = repo.collection_seed(store)
        with store.read() as s:
            settings_ = repo.deck_settings(s, "m")
            cards = s.execute(select(cards_t)).all()
            columns = (reviews_t.c.card_id, reviews_t.c.mode, reviews_t.c.rating)
            log = s.execute(
                select(*columns, reviews_t.c.reviewed_at).order_by(reviews_t.c.id)
            ).all()
        events: dict[int, list] = defaultdict(list)
        for card_id, mode, rating, when in log:
            events[card_id].append((mode, rating, when))
        assert settings_.fuzz  # the seeded fuzz is part of what must replay
        for row in cards:
            expected = replay(
                events[row.id], settings_, lambda reps, i=row.id: card_seed(seed, i, reps)
            )
            assert repo.memory_of(row) == expected, (row.key, events[row.id])


def test_study_state_machine(quizzer_home: Path) -> None:
    run_state_machine_as_test(
        StudyMachine,
        settings=settings(max_examples=25, stateful_step_count=30, deadline=None, derandomize=True),
    )
