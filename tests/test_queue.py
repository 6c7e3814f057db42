"""The daily queue: order, limits, siblings, hidden cards, counts, ahead, practice, leeches.

Everything runs on a simulated clock (``now=``) with ``timezone`` set to UTC and fuzz
off, so every date is exact.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import write_deck
from pgdb import raw_rows
from sqlalchemy import select, update

from quizzer import CardChanged, Collection, Rating
from quizzer.store.db import dispose_engines
from quizzer.store.models import cards_t, decks_t, reviews_t
from quizzer.study import repo
from quizzer.study.scheduler import MemoryState, replay, retrievability
from quizzer.study.views import card_seed

pytestmark = pytest.mark.backends

#: Monday 2 March 2026, 10:00 UTC; with timezone UTC the study day starts at 04:00 UTC.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MIN = timedelta(minutes=1)


# -- helpers -------------------------------------------------------------------------------
def basic_deck(slug: str, keys: list[str], tags: dict[str, list[str]] | None = None) -> str:
    lines = [f"deck: {slug}", f"title: {slug.title()}", "cards:"]
    for key in keys:
        lines += [f"  - id: {key}", f"    front: Question {key}?", f"    back: Answer {key}"]
        if tags and key in tags:
            lines.append(f"    tags: [{', '.join(tags[key])}]")
    return "\n".join(lines) + "\n"


def setup(col: Collection, folder: Path, slug: str, text: str, **values) -> Path:
    """Import deck ``text`` and make its schedule exact (UTC day, no fuzz)."""
    path = write_deck(folder, f"{slug}.yaml", text)
    report = col.import_decks([path], now=T0 - DAY)
    assert not report.problems, report.problems
    col.set_setting("timezone", "UTC")
    col.set_setting("fuzz", False)
    for name, value in values.items():
        col.set_setting(name, value)
    return path


def drain(
    col: Collection,
    deck: str | None,
    now: datetime,
    rate: Callable | Rating = Rating.EASY,
    mode: str = "scheduled",
    **kw,
) -> list:
    """Answer every card a session serves at ``now``; returns the cards as shown."""
    session = col.study(deck=deck, mode=mode, now=now, **kw)
    served = []
    while (card := session.next_card(now=now)) is not None:
        served.append(card)
        session.answer(card, rating=rate(card) if callable(rate) else rate, now=now)
        assert len(served) < 1000, "the queue never ends"
    return served


def rows(col: Collection, deck: str | None = None) -> dict[str, object]:
    """Every card (retired too) by key."""
    query = select(cards_t).join(decks_t, decks_t.c.id == cards_t.c.deck_id)
    if deck:
        query = query.where(decks_t.c.slug == deck)
    with col.store.read() as s:
        return {r.key: r for r in s.execute(query).all()}


def raw_cards(db: Path | str) -> list[tuple]:
    """``SELECT * FROM cards``, straight from the database."""
    return raw_rows(db, "SELECT * FROM cards ORDER BY id")


def reviews(col: Collection) -> list:
    with col.store.read() as s:
        return s.execute(select(reviews_t).order_by(reviews_t.c.id)).all()


def keys(cards) -> list[str]:
    return [c.key for c in cards]


def settings_of(col: Collection, deck: str = "d"):
    """The effective study settings of ``deck``."""
    with col.store.read() as s:
        return repo.deck_settings(s, deck)


def reopen(db: Path | str) -> Collection:
    """Close everything and open the collection again, as a restarted app does."""
    dispose_engines()
    return Collection.open(db)


# -- order ---------------------------------------------------------------------------------
def test_scheduled_session_with_a_tag_limits_new_cards_among_the_tagged(
    col: Collection, tmp_path: Path
) -> None:
    keys_ = [f"k{i}" for i in range(8)]
    tags = {k: ["odd"] for k in keys_[1::2]}
    setup(col, tmp_path, "d", basic_deck("d", keys_, tags), new_per_day=3)
    served = drain(col, "d", T0, tag="odd")
    assert keys(served) == ["k1", "k3", "k5"]  # deck order, the first 3 tagged ones
    # a day later the tagged reviews come back without the untagged cards
    later = drain(col, "d", T0 + 30 * DAY, tag="odd")
    assert set(keys(later)) == {"k1", "k3", "k5", "k7"}
    assert keys(drain(col, "d", T0 + 30 * DAY, tag="nope")) == []


def test_learning_and_relearning_come_first(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a", "b", "c", "e"]), new_per_day=3)
    session = col.study(deck="d", now=T0)
    first = session.next_card(now=T0)
    assert first.key == "a"
    session.answer(first, rating=Rating.AGAIN, now=T0)  # learning, due in 1 minute
    assert session.next_card(now=T0).key == "b"  # not due yet: the queue goes on
    later = T0 + 2 * MIN
    card = session.next_card(now=later)
    assert (card.key, card.state) == ("a", 1)  # due learning card before the queue
    session.answer(card, rating=Rating.EASY, now=later)
    assert session.next_card(now=later).key == "b"
    # a lapsed review card (relearning) also comes before new cards and due reviews
    drain(col, "d", later)
    lapse_at = rows(col, "d")["a"].due
    session = col.study(deck="d", now=lapse_at)
    card = session.next_card(now=lapse_at)
    assert card.state == 2
    session.answer(card, rating=Rating.AGAIN, now=lapse_at)
    relearn = rows(col, "d")[card.key]
    assert relearn.state == 3 and relearn.due == lapse_at + 10 * MIN
    fresh = col.study(deck="d", now=relearn.due)
    assert fresh.remaining >= 1  # the new card e waits in the queue
    served = fresh.next_card(now=relearn.due)
    assert (served.key, served.state) == (card.key, 3)


def test_due_learning_and_relearning_cards_come_in_due_order(
    col: Collection, tmp_path: Path
) -> None:
    """Whatever their state, the learning card due first comes first (ties by id)."""
    setup(col, tmp_path, "d", basic_deck("d", ["a", "b", "c", "e"]))
    due = {"a": (1, 5), "b": (3, 10), "c": (1, 10), "e": (3, 1)}  # state, minutes overdue
    with col.store.write() as session:
        for key, (state, minutes) in due.items():
            session.execute(
                update(cards_t)
                .where(cards_t.c.id == col.card_id("d", key))
                .values(
                    state=state,
                    step=0,
                    stability=1.0,
                    difficulty=5.0,
                    due=T0 - minutes * MIN,
                    last_review=T0 - DAY,
                    reps=1,
                )
            )
    session = col.study(deck="d", now=T0)
    shown = []
    while (card := session.next_card(now=T0)) is not None:
        shown.append(card.key)
        session.answer(card, rating=Rating.EASY, now=T0)
    assert shown == ["b", "c", "a", "e"]


def test_learning_cards_are_shown_early_only_when_nothing_else_is_left(
    col: Collection, tmp_path: Path
) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a", "b"]))
    session = col.study(deck="d", now=T0)
    card = session.next_card(now=T0)
    session.answer(card, rating=Rating.GOOD, now=T0)  # step 2: due in 10 minutes
    assert session.next_card(now=T0).key == "b"
    session.answer(session.next_card(now=T0), rating=Rating.EASY, now=T0)
    early = session.next_card(now=T0)  # nothing else: within the 20-minute learn-ahead
    assert early.key == "a" and early.state == 1
    session.answer(early, rating=Rating.GOOD, now=T0)
    assert session.next_card(now=T0) is None


def test_reviews_lowest_retrievability_first(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["y", "x", "z"]), new_per_day=1)
    # y: learnt on day 0 with Easy (S ≈ 8.3 days, due day 8)
    assert keys(drain(col, "d", T0)) == ["y"]
    # x: learnt on day 6.5 with Good, Good (S ≈ 2.3, due after y)
    t = T0 + timedelta(days=6, hours=14)
    assert keys(drain(col, "d", t, Rating.GOOD)) == ["x", "x"]
    state = rows(col, "d")
    assert state["y"].id < state["x"].id and state["y"].due < state["x"].due
    assert state["x"].stability < state["y"].stability
    # z: stays new (one new card a day, and it's still the same day)
    later = T0 + timedelta(days=20)
    settings = settings_of(col)
    r = {
        k: retrievability(
            MemoryState(2, None, state[k].stability, None, None, state[k].last_review),
            later,
            settings,
        )
        for k in ("x", "y")
    }
    assert r["x"] < r["y"]
    served = drain(col, "d", later)
    # x first: lowest retrievability, although y is older, due earlier, and first in the deck
    assert [(c.key, c.state) for c in served if c.state == 2] == [("x", 2), ("y", 2)]
    assert "z" in keys(served)


def test_new_cards_in_deck_order_spread_among_reviews(col: Collection, tmp_path: Path) -> None:
    names = ["n0", "n1", "n2", "n3", "n4", "n5"]
    setup(col, tmp_path, "d", basic_deck("d", names), new_per_day=4)
    assert keys(drain(col, "d", T0)) == ["n0", "n1", "n2", "n3"]
    served = drain(col, "d", T0 + 10 * DAY)
    # four reviews and the last two new cards, the new ones spread among the reviews
    assert "".join("n" if c.state == 0 else "r" for c in served) == "rnrrnr"
    assert [c.key for c in served if c.state == 0] == ["n4", "n5"]


# -- daily limits --------------------------------------------------------------------------
def test_daily_limits_survive_a_restart_and_reset_at_four(
    col: Collection, tmp_path: Path, db: Path | str
) -> None:
    names = [f"c{i}" for i in range(10)]
    setup(col, tmp_path, "d", basic_deck("d", names), new_per_day=3, reviews_per_day=2)
    assert keys(drain(col, "d", T0)) == ["c0", "c1", "c2"]
    assert col.deck_counts(now=T0)[0].new == 0
    col = reopen(db)  # the limit comes from the log, not from the session
    assert drain(col, "d", T0 + timedelta(hours=5)) == []
    assert col.study(deck="d", now=T0).remaining == 0
    before_four = T0.replace(hour=3, minute=59) + DAY
    assert drain(col, "d", before_four) == []  # still yesterday
    assert col.deck_counts(now=before_four)[0].new == 0
    at_four = T0.replace(hour=4, minute=0) + DAY
    assert col.deck_counts(now=at_four)[0].new == 3
    assert keys(drain(col, "d", at_four)) == ["c3", "c4", "c5"]
    # day 8: c0-c2 are due (Easy on day 0: 8 days); only two reviews a day
    day8 = T0 + 8 * DAY
    counts = col.deck_counts(now=day8)[0]
    assert (counts.new, counts.due) == (3, 2)
    session = col.study(deck="d", now=day8)
    first = []
    while not first or first[-1] != 2:  # up to the first review (new cards come spread)
        card = session.next_card(now=day8)
        first.append(card.state)
        session.answer(card, rating=Rating.GOOD if card.state else Rating.EASY, now=day8)
    col = reopen(db)
    counts = col.deck_counts(now=day8)[0]
    assert (counts.new, counts.due) == (3 - first.count(0), 1)
    served = drain(col, "d", day8 + timedelta(hours=2))
    assert sorted(first + [c.state for c in served]) == [0, 0, 0, 2, 2]
    assert drain(col, "d", day8 + timedelta(hours=3)) == []
    day = repo.day_for(settings_of(col), day8)
    done = [r for r in reviews(col) if day.start <= r.reviewed_at < day.end]
    assert sum(r.prior_state == 2 for r in done) == 2
    assert sum(r.prior_state == 0 for r in done) == 3
    # c2's review was left over; c3-c5 fall due on day 9; the limits start again
    day9 = day8.replace(hour=4) + DAY
    served = drain(col, "d", day9)
    assert sum(c.state == 2 for c in served) == 2
    assert sum(c.state == 0 for c in served) == 1  # only c9 was left


def test_limits_count_practice_and_learning_steps_apart(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a", "b", "c"]), new_per_day=2)
    drain(col, "d", T0, mode="practice")  # practice introduces nothing
    assert col.deck_counts(now=T0)[0].new == 2
    served = drain(col, "d", T0, Rating.GOOD)  # two new cards, two learning steps each
    assert keys(served) == ["a", "b", "a", "b"]
    assert col.deck_counts(now=T0)[0].new == 0


# -- siblings -------------------------------------------------------------------------------
SIBLINGS = """\
deck: sib
title: Siblings
cards:
  - id: pair
    front: Sentinel token
    back: A token standing for a masked span
    reverse: true
  - id: cz
    type: cloze
    text: "{{BERT}} is an {{encoder}}; {{GPT}} is a decoder."
  - id: solo
    front: Alone?
    back: Yes
"""


def test_siblings_are_buried_until_the_next_day(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "sib", SIBLINGS)
    served = drain(col, "sib", T0, Rating.GOOD)  # Good twice: each card has two steps
    assert keys(served)[:3] == ["pair", "cz/c1", "solo"]
    assert sorted(keys(served)[3:]) == ["cz/c1", "pair", "solo"]
    state = rows(col, "sib")
    day_end = T0.replace(hour=4) + DAY
    for key in ("pair/reverse", "cz/c2", "cz/c3"):
        assert state[key].buried_until == day_end and state[key].state == 0
    assert state["solo"].buried_until is None
    # a later session the same day, the last minute of the day: still buried
    assert drain(col, "sib", day_end - MIN) == []
    assert col.deck_counts(now=day_end - MIN)[0].new == 0
    # the next day they are back (and answering cz/c2 buries cz/c3 again)
    assert col.deck_counts(now=day_end)[0].new == 3
    served = drain(col, "sib", day_end, Rating.EASY)
    assert keys(served) == ["pair/reverse", "cz/c2"]
    assert rows(col, "sib")["cz/c3"].buried_until == day_end + DAY
    assert col.deck_counts(now=day_end + DAY - MIN)[0].new == 0
    assert col.deck_counts(now=day_end + DAY)[0].new == 1


def test_session_counts_follow_answers_buried_siblings_and_undo(
    col: Collection, tmp_path: Path
) -> None:
    """The session keeps its counts from its queue (no count over the cards table after
    each answer): they must equal a fresh count at every step, siblings buried by an
    answer and an undo that brings them back included."""
    setup(col, tmp_path, "sib", SIBLINGS)
    session = col.study(deck="sib", now=T0)

    def fresh(now: datetime) -> tuple[int, int, int]:
        counts = col.deck_counts(now=now)[0]
        return counts.new, counts.learning, counts.due

    assert session.counts(now=T0) == fresh(T0) == (6, 0, 0)
    now = T0
    steps = [Rating.GOOD, Rating.AGAIN, "undo", Rating.GOOD, Rating.EASY, "undo", Rating.GOOD]
    for step in steps:
        if step == "undo":
            assert session.undo() is not None
        else:
            card = session.next_card(now=now)
            assert card is not None
            session.answer(card, rating=step, now=now)
        assert session.counts(now=now) == fresh(now), step
        now += MIN
    # "solo" and the first card of each note were studied; their siblings wait
    assert session.counts(now=now)[0] == fresh(now)[0] == 0
    assert col.deck_counts(now=T0 + DAY)[0].new == 3
    while (card := session.next_card(now=now)) is not None:
        session.answer(card, rating=Rating.EASY, now=now)
        assert session.counts(now=now) == fresh(now)
    assert session.counts(now=now) == (0, 0, 0)


def test_siblings_of_reviews_and_cloze_deletions_take_turns(
    col: Collection, tmp_path: Path
) -> None:
    setup(col, tmp_path, "sib", SIBLINGS)
    assert keys(drain(col, "sib", T0)) == ["pair", "cz/c1", "solo"]
    assert keys(drain(col, "sib", T0 + DAY)) == ["pair/reverse", "cz/c2"]
    assert keys(drain(col, "sib", T0 + 2 * DAY)) == ["cz/c3"]


def test_answering_a_review_buries_its_due_sibling(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "sib", SIBLINGS)
    drain(col, "sib", T0)  # pair, cz/c1, solo: Easy
    drain(col, "sib", T0 + DAY)  # pair/reverse, cz/c2
    drain(col, "sib", T0 + 2 * DAY)  # cz/c3
    state = rows(col, "sib")
    assert all(r.state == 2 for r in state.values())
    # everything is due by day 30: one card per note
    served = drain(col, "sib", T0 + 30 * DAY)
    assert sorted(keys(served)) == ["cz/c1", "pair", "solo"]
    served = drain(col, "sib", T0 + 31 * DAY)
    assert sorted(keys(served)) == ["cz/c2", "pair/reverse"]


# -- hidden cards ----------------------------------------------------------------------------
def test_suspended_buried_and_retired_cards_never_appear(
    col: Collection, tmp_path: Path, db: Path | str
) -> None:
    names = [f"c{i}" for i in range(6)]
    path = setup(col, tmp_path, "d", basic_deck("d", names))
    assert len(drain(col, "d", T0)) == 6  # all reviews, due on day 8
    ids = {k: col.card_id("d", k) for k in names}
    assert col.suspend([ids["c1"]]) == 1
    # retire c3: remove it from the file and import again
    write_deck(tmp_path, "d.yaml", basic_deck("d", [n for n in names if n != "c3"]))
    report = col.import_decks([path], now=T0 + DAY)
    assert report.total("retired") == 1
    assert ids["c3"] not in col.deck_card_ids("d")
    # ahead (day 1): no card is due today, so these are early reviews
    assert col.bury([ids["c2"]], now=T0 + DAY) == 1
    assert sorted(keys(drain(col, "d", T0 + DAY, mode="ahead"))) == ["c0", "c4", "c5"]
    # scheduled, once the cards answered ahead are due again: everything is due
    later = max(r.due for k, r in rows(col, "d").items() if k in ("c0", "c4", "c5"))
    assert col.bury([ids["c2"]], now=later) == 1
    assert col.deck_counts(now=later)[0].due == 3
    served = drain(col, "d", later)
    assert sorted(keys(served)) == ["c0", "c4", "c5"]
    # practice drills suspended and buried cards (to work on leeches), never retired ones
    assert sorted(keys(drain(col, "d", later, mode="practice"))) == [
        "c0",
        "c1",
        "c2",
        "c4",
        "c5",
    ]
    # nothing changed for the hidden cards; the retired one keeps its history
    counts = col.deck_counts(now=later)[0]
    assert (counts.total, counts.suspended) == (5, 1)
    # unsuspend, unbury, restore: all back
    assert col.unsuspend([ids["c1"]]) == 1
    assert col.unbury([ids["c2"]]) == 1
    write_deck(tmp_path, "d.yaml", basic_deck("d", names))
    assert col.import_decks([path], now=later).total("restored") == 1
    assert rows(col, "d")["c3"].reps == 1  # history kept
    assert sorted(keys(drain(col, "d", later))) == ["c1", "c2", "c3"]


def test_retired_while_shown_is_refused(col: Collection, tmp_path: Path) -> None:
    path = setup(col, tmp_path, "d", basic_deck("d", ["a", "b"]))
    for mode in ("scheduled", "practice"):
        session = col.study(deck="d", mode=mode, now=T0)
        card = session.next_card(now=T0)
        kept = [k for k in ("a", "b") if k != card.key]
        write_deck(tmp_path, "d.yaml", basic_deck("d", kept))
        col.import_decks([path], now=T0)
        with pytest.raises(CardChanged):
            session.answer(card, rating=Rating.GOOD, now=T0)
        assert session.refresh(card, now=T0) is None
        write_deck(tmp_path, "d.yaml", basic_deck("d", ["a", "b"]))
        col.import_decks([path], now=T0)
    assert reviews(col) == []


def test_suspended_learning_card_leaves_the_queue(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a"]))
    session = col.study(deck="d", now=T0)
    card = session.next_card(now=T0)
    session.answer(card, rating=Rating.AGAIN, now=T0)
    col.suspend([card.id])
    assert session.next_card(now=T0 + 5 * MIN) is None
    assert col.deck_counts(now=T0)[0].learning == 0
    col.unsuspend([card.id])
    assert session.next_card(now=T0 + 5 * MIN).id == card.id


# -- counts ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("new_per_day", "reviews_per_day"), [(20, 200), (4, 3), (0, 0)])
def test_deck_counts_match_what_the_session_serves(
    col: Collection, tmp_path: Path, new_per_day: int, reviews_per_day: int
) -> None:
    names = [f"c{i:02}" for i in range(12)]
    setup(col, tmp_path, "d", basic_deck("d", names))
    session = col.study(deck="d", now=T0)
    for i in range(6):  # c00-c03 reviews (due on day 8), c04 and c05 learning
        card = session.next_card(now=T0)
        session.answer(card, rating=Rating.EASY if i < 4 else Rating.AGAIN, now=T0)
    # day 8: c00 lapses (relearning); everything else hidden meanwhile
    lapse = T0 + 8 * DAY
    others = [col.card_id("d", k) for k in ("c01", "c02", "c03", "c04", "c05")]
    col.bury(others, now=lapse)
    col.set_setting("new_per_day", 0)
    session = col.study(deck="d", now=lapse)
    card = session.next_card(now=lapse)
    assert (card.key, card.state) == ("c00", 2)
    session.answer(card, rating=Rating.AGAIN, now=lapse)
    col.unbury(others)
    col.set_setting("new_per_day", new_per_day)
    col.set_setting("reviews_per_day", reviews_per_day)
    when = lapse + timedelta(minutes=30)
    counts = col.deck_counts(now=when)[0]
    assert (counts.total, counts.suspended, counts.mature) == (12, 0, 0)
    # new: 6 left; learning: c04, c05 and the relearning c00; due: c01-c03, after the
    # review already done today
    expected = (min(6, new_per_day), 3, min(3, max(0, reviews_per_day - 1)))
    assert (counts.new, counts.learning, counts.due) == expected
    session = col.study(deck="d", now=when)
    assert session.counts(now=when) == expected
    served = []
    while (card := session.next_card(now=when)) is not None:
        served.append(card.state)
        session.answer(card, rating=Rating.EASY, now=when)
    assert (served.count(0), served.count(1) + served.count(3), served.count(2)) == expected
    assert served.count(3) == 1
    after = col.deck_counts(now=when)[0]
    assert (after.new, after.learning, after.due) == (0, 0, 0)


def test_deck_counts_mature_and_several_decks(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "b-deck", basic_deck("b-deck", ["x", "y"]))
    setup(col, tmp_path, "a-deck", basic_deck("a-deck", ["x"]))
    drain(col, "b-deck", T0)
    t = T0
    for _ in range(4):  # Easy at each due date until the stability passes 21 days
        t = rows(col, "b-deck")["x"].due
        drain(col, "b-deck", t)
    counts = {c.deck: c for c in col.deck_counts(now=t)}
    assert [c.deck for c in col.deck_counts(now=t)] == ["a-deck", "b-deck"]  # by title
    assert counts["b-deck"].mature == 2 and counts["a-deck"].mature == 0
    assert counts["a-deck"].new == 1
    both = col.study(now=t)  # every deck
    assert both.counts(now=t) == (1, 0, 0)


# -- ahead ---------------------------------------------------------------------------------------
def test_ahead_serves_reviews_before_they_are_due(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a", "b", "c", "n"]), new_per_day=3)
    served = drain(col, "d", T0, lambda c: Rating.GOOD if c.key == "b" else Rating.EASY)
    assert keys(served) == ["a", "b", "c", "b"]
    state = rows(col, "d")
    assert [state[k].state for k in "abc"] == [2, 2, 2] and state["n"].state == 0
    assert state["b"].due < state["a"].due
    col.set_setting("new_per_day", 0)
    tomorrow = T0 + DAY
    assert col.study(deck="d", now=tomorrow).next_card(now=tomorrow) is None  # nothing due
    ahead = col.study(deck="d", mode="ahead", now=tomorrow)
    served = []
    while (card := ahead.next_card(now=tomorrow)) is not None:
        assert card.mode == "ahead" and card.state == 2 and set(card.intervals) == set(Rating)
        served.append((card.key, card.due))
        outcome = ahead.answer(card, rating=Rating.GOOD, now=tomorrow)
        assert outcome.due > tomorrow and outcome.interval == outcome.due - tomorrow
    assert [d for _, d in served] == sorted(d for _, d in served)  # earliest due first
    assert sorted(k for k, _ in served) == ["a", "b", "c"]  # never new or learning cards
    logged = reviews(col)[-3:]
    assert {r.mode for r in logged} == {"scheduled"} and {r.prior_state for r in logged} == {2}
    after = rows(col, "d")
    assert all(after[k].reps == state[k].reps + 1 for k in "abc")
    assert all(after[k].last_review == tomorrow for k in "abc")
    assert col.study(deck="d", mode="ahead", limit=1, now=tomorrow).remaining == 1
    # an undo puts its card first in the queue, but ahead never shows a new card
    col.set_setting("new_per_day", 1)
    ahead = col.study(deck="d", mode="ahead", now=tomorrow)
    drain(col, "d", tomorrow)  # n, in another session
    assert ahead.undo().card_id == state["n"].id
    assert rows(col, "d")["n"].state == 0
    shown = []
    while (card := ahead.next_card(now=tomorrow)) is not None:
        shown.append((card.key, card.state))
        ahead.answer(card, rating=Rating.EASY, now=tomorrow)
    assert shown and ("n", 0) not in shown and {s for _, s in shown} == {2}


# -- practice -------------------------------------------------------------------------------------
PRACTICE_KEYS = [f"p{i}" for i in range(10)]
PRACTICE_TAGS = {k: (["even"] if i % 2 == 0 else ["odd"]) for i, k in enumerate(PRACTICE_KEYS)}


@pytest.fixture
def practice_col(col: Collection, tmp_path: Path) -> Collection:
    """p0-p5 studied (p0 a leech with two lapses, p1 one lapse), p6-p9 new; p9 buried."""
    setup(
        col,
        tmp_path,
        "d",
        basic_deck("d", PRACTICE_KEYS, PRACTICE_TAGS),
        new_per_day=6,
        leech_threshold=2,
        leech_action="tag",
    )
    easy = {"p0": Rating.EASY, "p1": Rating.EASY, "p2": Rating.GOOD, "p3": Rating.EASY}
    drain(col, "d", T0, lambda c: easy.get(c.key, Rating.HARD if c.state == 0 else Rating.GOOD))
    col.set_setting("new_per_day", 0)  # p6-p9 stay new
    for lapses in range(2):
        for key in ("p0", "p1") if lapses == 0 else ("p0",):
            t = rows(col, "d")[key].due
            session = col.study(deck="d", now=t)
            card = session.next_card(now=t)
            while card.key != key:
                session.answer(card, rating=Rating.EASY, now=t)
                card = session.next_card(now=t)
            session.answer(card, rating=Rating.AGAIN, now=t)
            relearn = session.next_card(now=t + 10 * MIN)
            assert relearn.key == key
            session.answer(relearn, rating=Rating.GOOD, now=t + 10 * MIN)
    state = rows(col, "d")
    assert state["p0"].leech and state["p0"].lapses == 2 and state["p1"].lapses == 1
    col.bury([state["p9"].id], now=state["p0"].last_review)
    col.suspend([state["p5"].id])
    return col


def expected_practice(col: Collection, name: str, now: datetime) -> set[str]:
    state = {k: r for k, r in rows(col, "d").items() if r.retired_at is None}
    day = repo.day_for(settings_of(col), now)
    if name == "all":
        return set(state)
    if name == "leeches":
        return {k for k, r in state.items() if r.leech}
    if name == "new":
        return {k for k, r in state.items() if r.state == 0}
    if name == "review":
        return {k for k, r in state.items() if r.state != 0}
    if name == "due-tomorrow":
        return {
            k
            for k, r in state.items()
            if r.state != 0 and day.end <= r.due < day.end + DAY  # UTC: 24-hour days
        }
    if name.startswith("hardest"):
        n = int(name.partition(":")[2] or 20)
        studied = [r for r in state.values() if r.state != 0]
        studied.sort(key=lambda r: (-r.lapses, -(r.difficulty or 0), r.id))
        return {r.key for r in studied[:n]}
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("filter", "tag"),
    [
        ("all", None),
        (None, None),
        ("leeches", None),
        ("hardest:2", None),
        ("hardest", None),
        ("due-tomorrow", None),
        ("new", None),
        ("review", None),
        ("all", "even"),
        ("new", "odd"),
    ],
)
def test_practice_serves_the_selection_and_changes_no_card(
    practice_col: Collection, db: Path | str, filter: str | None, tag: str | None
) -> None:
    col = practice_col
    now = rows(col, "d")["p0"].last_review + timedelta(hours=1)
    before_cards = raw_cards(db)
    before_reviews = len(reviews(col))
    day = repo.day_for(settings_of(col), now)
    deck_id = rows(col, "d")["p0"].deck_id
    with col.store.read() as s:
        done_before = repo.done_today(s, [deck_id], day)
    rng = random.Random(3)
    served = drain(
        col, "d", now, lambda c: rng.choice(list(Rating)), "practice", filter=filter, tag=tag
    )
    expected = expected_practice(col, filter or "all", now)
    if tag:
        expected = {k for k in expected if tag in PRACTICE_TAGS[k]}
    assert expected, "the fixture should make every selection non-empty"
    assert sorted(keys(served)) == sorted(expected)  # each selected card once
    assert all(c.mode == "practice" and c.intervals == {} for c in served)
    assert raw_cards(db) == before_cards  # byte for byte
    logged = reviews(col)[before_reviews:]
    assert len(logged) == len(served)
    assert {r.mode for r in logged} == {"practice"}
    by_key = {c.id: c for c in served}
    assert all(r.prior_state == by_key[r.card_id].state for r in logged)
    # practice answers neither introduce nor review anything today
    with col.store.read() as s:
        assert repo.done_today(s, [deck_id], day) == done_before


def test_practice_order_depends_on_the_seed_and_day_only(col: Collection, tmp_path: Path) -> None:
    """The practice shuffle starts from the cards in id order, so it is the same on both
    backends and whatever the order the database returns rows in: it used to start
    from that order, which followed ix_cards_deck_note (note keys) on SQLite and
    changed when an index was added. Keys out of alphabetical order tell them apart."""
    from quizzer.store.models import settings_t

    setup(col, tmp_path, "d", basic_deck("d", ["kiwi", "apple", "zebra", "mango", "fig", "lime"]))
    # Some cards studied, some new, so that no index orders the rows by id by chance.
    col.bury([rows(col, "d")[k].id for k in ("kiwi", "mango", "lime")], now=T0)
    assert keys(drain(col, "d", T0)) == ["apple", "zebra", "fig"]
    repo.collection_seed(col.store)  # made on first use: replace it with a fixed one
    with col.store.write() as session:
        session.execute(
            update(settings_t)
            .where(settings_t.c.scope == "", settings_t.c.key == "seed")
            .values(value="0123456789abcdef")
        )
    order = keys(drain(col, "d", T0, mode="practice"))
    assert order == ["mango", "kiwi", "zebra", "fig", "apple", "lime"]
    assert keys(drain(col, "d", T0 + DAY, mode="practice")) != order  # a new day, a new order


@contextlib.contextmanager
def captured_selects(col: Collection) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT ``col`` runs meanwhile, with its parameters, as the driver got it."""
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    # The study loop's prepared statements (Store.direct) skip the engine's events and
    # go to the dialect directly.
    dialect = col.store.engine.dialect
    execute = dialect.do_execute

    def direct(cursor, statement, parameters, context=None) -> None:
        seen(None, cursor, statement, parameters, context, False)
        execute(cursor, statement, parameters, context)

    event.listen(col.store.engine, "before_cursor_execute", seen)
    dialect.do_execute = direct
    try:
        yield statements
    finally:
        event.remove(col.store.engine, "before_cursor_execute", seen)
        del dialect.do_execute


def query_plans(db: Path, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """SQLite's plan of each statement: (its text on one line, the plan's steps)."""
    import sqlite3

    from quizzer.store.sqlfuncs import register_sqlite_functions

    plans = []
    with sqlite3.connect(db) as raw:
        register_sqlite_functions(raw)
        for statement, parameters in statements:
            plan = [row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            plans.append((" ".join(statement.split()), plan))
    return plans


@pytest.mark.backends("sqlite")
def test_opening_a_session_reads_no_table_whole(col: Collection, db: Path, tmp_path: Path) -> None:
    """Every statement that builds the queue and shows the first card finds its rows by
    an index; none reads all the cards or reviews, or sorts them. Two did: today's
    counts walked every card of the deck (50 ms at 100,000 cards) and the new cards
    were sorted by position after reading all of them (40-70 ms). Without statistics
    SQLite plans the same way for 10 cards as for 100,000."""
    setup(col, tmp_path, "d", basic_deck("d", [f"k{i}" for i in range(12)]), new_per_day=4)
    drain(col, "d", T0)
    with captured_selects(col) as statements:
        session = col.study(deck="d", now=T0 + DAY)
        assert session.next_card(now=T0 + DAY) is not None
        session.counts(now=T0 + DAY)
    assert statements
    plans = query_plans(db, statements)
    tables = (" cards", " reviews")
    big = [(sql, plan) for sql, plan in plans if any(t in s for s in plan for t in tables)]
    assert big
    # The first learning card is the earlier of two branches of one row each (learning,
    # relearning), each in index order: sorting those two is no sort of the cards.
    bad = [
        (sql, plan)
        for sql, plan in big
        if any(s.startswith(("SCAN cards", "SCAN reviews")) for s in plan)
        or (any("FOR ORDER BY" in s for s in plan) and "COMPOUND QUERY" not in plan)
    ]
    assert not bad, bad
    # Today's reviews are few: found by time, not by walking the deck's cards.
    today = [plan for sql, plan in plans if "reviews.reviewed_at >=" in sql]
    assert today and all(any("ix_reviews_time" in s for s in plan) for plan in today), today
    # The study loop's learning statements (the first learning card before every card
    # shown, their count after every answer) find their cards through the state and
    # due index. Before the dialect was watched, the test never saw them.
    learning = [sql for sql, _ in plans if re.search(r"cards\.state (= 3|IN \(\?, \?\))", sql)]
    assert len(learning) >= 2, [sql for sql, _ in plans]
    assert all(
        any(s.startswith("SEARCH cards USING INDEX ix_cards_state_due") for s in plan)
        for sql, plan in plans
        if sql in learning
    ), learning


@pytest.mark.backends("sqlite")
def test_due_cards_are_found_by_state_and_due(col: Collection, db: Path, tmp_path: Path) -> None:
    """The forecast, the summary's cards due tomorrow and the browser's ``is:due`` find
    due cards through ``ix_cards_state_due``: there is no index on ``due`` alone
    (migration 0005 dropped it, two pages of WAL an answer), and ``state != 0`` can't
    use the state's index, so each one read every card (5-20 ms at 100,000 cards)."""
    setup(col, tmp_path, "d", basic_deck("d", [f"k{i}" for i in range(12)]), new_per_day=8)
    session = col.study(deck="d", now=T0)
    drain(col, "d", T0)
    with captured_selects(col) as statements:
        col.stats(now=T0 + DAY)
        col.summary(session, now=T0 + DAY)
        assert col.browse("is:due", now=T0 + 60 * DAY)
    plans = [(sql, plan) for sql, plan in query_plans(db, statements) if "cards.due <" in sql]
    assert len(plans) >= 4, [sql for sql, _ in plans]  # overdue, forecast, tomorrow, is:due
    scans = [(sql, plan) for sql, plan in plans if any(s.startswith("SCAN cards") for s in plan)]
    assert not scans, scans
    # The forecast's two (overdue, then per quarter hour), over every deck.
    forecast = [plan for sql, plan in plans if "count(" in sql and "JOIN" not in sql][:2]
    assert len(forecast) == 2 and all(
        any("USING INDEX ix_cards_state_due" in s for s in plan) for plan in forecast
    ), forecast


def test_practice_limit_and_bad_filters(practice_col: Collection) -> None:
    col = practice_col
    assert len(drain(col, "d", T0 + DAY, mode="practice", filter="new:2")) == 2
    assert len(drain(col, "d", T0 + DAY, mode="practice", limit=3)) == 3
    for bad in ("hardest:0", "hardest:x", "nonsense"):
        with pytest.raises(ValueError):
            col.study(deck="d", mode="practice", filter=bad)
    with pytest.raises(ValueError):
        col.study(deck="d", mode="cramming")
    with pytest.raises(KeyError):
        col.study(deck="nope")


# -- leeches ---------------------------------------------------------------------------------------
def lapse_until_leech(col: Collection, lapses: int):
    """Learn card a, then forget it at each due date; returns each lapse's outcome."""
    drain(col, "d", T0)
    outcomes = []
    for _ in range(lapses):
        t = rows(col, "d")["a"].due
        session = col.study(deck="d", now=t)
        card = session.next_card(now=t)
        assert card is not None and card.key == "a" and card.state == 2
        outcome = session.answer(card, rating=Rating.AGAIN, now=t)
        outcomes.append(outcome)
        relearn = session.next_card(now=t + 10 * MIN)
        if outcome.suspended:
            assert relearn is None  # a suspended leech leaves the queue at once
            break
        assert relearn.key == "a" and relearn.state == 3
        session.answer(relearn, rating=Rating.GOOD, now=t + 10 * MIN)
    return outcomes


@pytest.mark.parametrize("threshold", [2, 8])
def test_leech_is_suspended(col: Collection, tmp_path: Path, threshold: int) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a"]))
    if threshold != 8:
        col.set_setting("leech_threshold", threshold)
    outcomes = lapse_until_leech(col, threshold)
    assert len(outcomes) == threshold
    assert [o.leech for o in outcomes] == [False] * (threshold - 1) + [True]
    assert [o.suspended for o in outcomes] == [False] * (threshold - 1) + [True]
    card = rows(col, "d")["a"]
    assert card.leech and card.suspended and card.lapses == threshold
    assert col.deck_counts(now=card.due)[0].suspended == 1
    assert drain(col, "d", card.due + DAY) == []
    assert keys(drain(col, "d", card.due, mode="practice", filter="leeches")) == ["a"]


def test_leech_action_tag_only_flags(col: Collection, tmp_path: Path) -> None:
    setup(col, tmp_path, "d", basic_deck("d", ["a"]), leech_threshold=2, leech_action="tag")
    outcomes = lapse_until_leech(col, 3)
    assert [(o.leech, o.suspended) for o in outcomes] == [
        (False, False),
        (True, False),
        (False, False),  # flagged once
    ]
    card = rows(col, "d")["a"]
    assert card.leech and not card.suspended and card.lapses == 3
    assert keys(drain(col, "d", card.due)) == ["a"]


# -- settings -------------------------------------------------------------------------------------
def test_deck_setting_overrides_collection_setting(
    col: Collection, tmp_path: Path, quizzer_home: Path
) -> None:
    setup(col, tmp_path, "one", basic_deck("one", [f"a{i}" for i in range(8)]))
    setup(col, tmp_path, "two", basic_deck("two", [f"b{i}" for i in range(8)]))
    (quizzer_home / "config.toml").write_text("[study]\nnew_per_day = 6\nleech_threshold = 5\n")

    def source(deck: str | None, name: str) -> tuple[object, str]:
        found = {s.name: s for s in col.settings(deck)}[name]
        return found.value, found.source

    assert source("one", "new_per_day") == (6, "config.toml")
    col.set_setting("new_per_day", 2)
    assert col.set_setting("new_per_day", 4, deck="one") == 4
    assert source("one", "new_per_day") == (4, "deck one")
    assert source("two", "new_per_day") == (2, "collection")
    assert source(None, "new_per_day") == (2, "collection")
    assert source("one", "leech_threshold") == (5, "config.toml")
    assert source("one", "desired_retention") == (0.9, "default")
    assert source("one", "timezone") == ("UTC", "collection")
    assert source("one", "learning_steps") == (["1m", "10m"], "default")
    assert len(drain(col, "one", T0)) == 4
    assert len(drain(col, "two", T0)) == 2
    assert col.unset_setting("new_per_day", deck="one") is True
    assert col.unset_setting("new_per_day", deck="one") is False
    assert source("one", "new_per_day") == (2, "collection")
    col.set_setting("learning_steps", "2m 20m", deck="two")
    assert source("two", "learning_steps") == (["2m", "20m"], "deck two")
    card = col.study(deck="two", now=T0 + DAY).next_card(now=T0 + DAY)
    assert card.intervals[Rating.AGAIN] == 2 * MIN
    with pytest.raises(KeyError):
        col.set_setting("new_per_day", 1, deck="nope")
    with pytest.raises(ValueError):
        col.set_setting("timezone", "Mars/Olympus")
    with pytest.raises(ValueError):
        col.set_setting("new_per_dya", 3)


# -- a simulated month ----------------------------------------------------------------------------
def month_deck(retired: frozenset[str] = frozenset()) -> str:
    lines = ["deck: month", "title: Month", "cards:"]
    for i in range(32):
        if f"q{i:02}" in retired:
            continue
        lines += [f"  - id: q{i:02}", f"    front: Question {i}?", f"    back: Answer {i}"]
        if i % 10 == 4:
            lines.append("    reverse: true")
    lines += [
        "  - id: cz",
        "    type: cloze",
        '    text: "{{Encoder-only}} models like {{BERT}} use {{masked}} language modeling."',
        "  - id: order",
        "    type: order",
        "    question: Order?",
        "    items: [one, two, three]",
        "  - id: typed",
        "    type: typed",
        "    question: GPT-3 size?",
        '    answer: "175"',
        "    tolerance: 1",
    ]
    return "\n".join(lines) + "\n"


NEW_PER_DAY = 6
REVIEWS_PER_DAY = 8


def sitting(col: Collection, now: datetime, cap: int | None, rng: random.Random) -> None:
    """Study the month deck at ``now`` like a learner would, checking the queue."""
    settings = settings_of(col, "month")
    day = repo.day_for(settings, now)
    counts = col.deck_counts(now=now)[0]
    session = col.study(deck="month", now=now)
    started = session.started
    queue_reviews: list[tuple[float, int]] = []
    served_new = served_due = 0
    answered = 0
    while cap is None or answered < cap:
        card = session.next_card(now=now)
        if card is None:
            break
        state = rows(col, "month")
        active = [
            r
            for r in state.values()
            if r.retired_at is None
            and not r.suspended
            and (r.buried_until is None or r.buried_until <= now)
        ]
        row = state[card.key]
        assert row.retired_at is None and not row.suspended
        assert row.buried_until is None or row.buried_until <= now
        if any(r.state in (1, 3) and r.due <= now for r in active):
            assert card.state in (1, 3), "a due learning card waits behind the queue"
        if card.state == 0:
            served_new += 1
            assert row.position == min(r.position for r in active if r.state == 0)
        if card.state == 2:
            served_due += 1
            assert row.due < day.end
            memory = MemoryState(2, None, row.stability, None, None, row.last_review)
            queue_reviews.append((retrievability(memory, started, settings), row.id))
        ratings = [Rating.AGAIN] * 12 + [Rating.HARD] * 8 + [Rating.GOOD] * 72 + [Rating.EASY] * 8
        session.answer(card, rating=rng.choice(ratings), duration_ms=3000, now=now)
        answered += 1
        now += timedelta(seconds=40)
        assert answered < 400
    assert queue_reviews == sorted(queue_reviews), "reviews: lowest retrievability first"
    assert served_new <= counts.new and served_due <= counts.due


def test_simulated_month(col: Collection, tmp_path: Path, db: Path | str) -> None:
    folder = tmp_path / "decks"
    path = setup(
        col,
        folder,
        "month",
        month_deck(),
        new_per_day=NEW_PER_DAY,
        reviews_per_day=REVIEWS_PER_DAY,
    )
    assert len(col.deck_card_ids("month")) == 40
    rng = random.Random(2026)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    retired_keys = frozenset({"q07", "q14"})
    retired_ids: set[int] = set()
    for d in range(30):
        morning = start + d * DAY
        if d == 12:  # two cards leave the file ...
            write_deck(folder, "month.yaml", month_deck(retired_keys))
            col.import_decks([path], now=morning)
            retired_ids = {col.card_id("month", k) for k in retired_keys}
        if d == 22:  # ... and come back
            write_deck(folder, "month.yaml", month_deck())
            col.import_decks([path], now=morning)
            retired_ids = set()
        if d % 7 == 6:
            continue  # a day off makes a backlog
        plan: list[tuple[datetime, int | None]] = [(morning, None)]
        if d % 3 == 1:  # interrupted: a few cards, a restart, the rest in the evening
            plan = [(morning, 4), (morning + timedelta(hours=10), None)]
        if d % 5 == 2:  # and a late-night sitting, which still counts for day d
            plan.append((morning + timedelta(hours=18, minutes=30), None))
        for when, cap in plan:
            col = reopen(db)
            before = {r.id for r in reviews(col)}
            sitting(col, when, cap, rng)
            new_reviews = [r for r in reviews(col) if r.id not in before]
            assert not {r.card_id for r in new_reviews} & retired_ids

    log = reviews(col)
    state = rows(col, "month")
    key_of = {r.id: r.key for r in state.values()}
    note_of = {r.id: r.note_key for r in state.values()}
    per_day: dict[object, list] = defaultdict(list)
    for r in log:
        assert r.mode == "scheduled"
        per_day[(r.reviewed_at - timedelta(hours=4)).date()].append(r)
    for day, done in per_day.items():
        assert sum(r.prior_state == 0 for r in done) <= NEW_PER_DAY, day
        assert sum(r.prior_state == 2 for r in done) <= REVIEWS_PER_DAY, day
        # siblings: at most one card per note starts its day's study from new or review
        by_note: dict[str, set[int]] = defaultdict(set)
        for r in done:
            if r.prior_state in (0, 2):
                by_note[note_of[r.card_id]].add(r.card_id)
        assert all(len(ids) == 1 for ids in by_note.values()), day
    # the limits were reached, so they were tested
    assert max(sum(r.prior_state == 0 for r in done) for done in per_day.values()) == NEW_PER_DAY
    assert (
        max(sum(r.prior_state == 2 for r in done) for done in per_day.values()) == REVIEWS_PER_DAY
    )
    # every card was introduced, the retired ones were studied again after coming back
    assert all(r.state != 0 for r in state.values()), [k for k, r in state.items() if not r.state]
    back = start + 22 * DAY
    studied_after = {key_of[r.card_id] for r in log if r.reviewed_at >= back}
    for key in retired_keys:  # back in the queue: studied again, or not due yet
        assert key in studied_after or state[key].due > start + 30 * DAY, key
    # and every card's row is what its log replays to
    settings = settings_of(col, "month")
    seed = repo.collection_seed(col.store)
    events: dict[int, list] = defaultdict(list)
    for r in log:
        events[r.card_id].append((r.mode, r.rating, r.reviewed_at))
    for row in state.values():
        memory = replay(events[row.id], settings, lambda reps, i=row.id: card_seed(seed, i, reps))
        assert memory == repo.memory_of(row), row.key


def test_one_thread_at_a_time_in_a_session(col: Collection, tmp_path: Path, monkeypatch) -> None:
    """The TUI counts the cards left in one worker while the next answer may already be
    under way in another: a count waits for the answer, and then includes it. Without
    the session's lock, the count read the queue while the answer changed it."""
    import threading

    import quizzer.study.session as session_module

    setup(col, tmp_path, "d", basic_deck("d", ["a", "b", "c"]))
    session = col.study(deck="d", now=T0)
    card = session.next_card(now=T0)
    assert session.counts(now=T0) == (3, 0, 0)
    inside, release = threading.Event(), threading.Event()
    answer_card = session_module.repo.answer_card

    def held_answer(*args, **kwargs):
        inside.set()
        assert release.wait(10)
        return answer_card(*args, **kwargs)

    monkeypatch.setattr(session_module.repo, "answer_card", held_answer)
    counted: list[tuple[int, int, int]] = []
    answering = threading.Thread(
        target=session.answer, args=(card,), kwargs={"rating": 1, "now": T0}
    )
    counting = threading.Thread(target=lambda: counted.append(session.counts(now=T0)))
    answering.start()
    assert inside.wait(10)
    counting.start()
    counting.join(0.3)
    assert counting.is_alive() and counted == []  # waiting for the answer
    release.set()
    answering.join(10)
    counting.join(10)
    assert counted == [(2, 1, 0)] == [session.counts(now=T0)]
