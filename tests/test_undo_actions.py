"""Undo and the card actions (suspend, bury, reset), through the public API.

Card rows are compared byte for byte with ``SELECT * FROM cards`` read straight from
SQLite, so an undo that leaves any column even slightly different fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import write_deck
from pgdb import raw_dicts, raw_rows

from quizzer import Collection, Rating
from quizzer.store.db import dispose_engines
from quizzer.study.types import UndoResult

pytestmark = pytest.mark.backends

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MIN = timedelta(minutes=1)

DECK = """\
deck: undo
title: Undo
cards:
  - id: pair
    front: Sentinel token
    back: A token standing for a masked span
    reverse: true
  - id: pick
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling, Span corruption, Other]
    answer: Masked language modeling
  - id: cz
    type: cloze
    text: "{{BERT}} is an {{encoder}}."
  - id: solo
    front: Alone?
    back: Yes
"""


def raw_cards(db: Path | str) -> list[tuple]:
    return raw_rows(db, "SELECT * FROM cards ORDER BY id")


def review_count(db: Path | str) -> int:
    return int(raw_rows(db, "SELECT count(*) FROM reviews")[0][0])


def card_row(db: Path | str, card_id: int) -> dict:
    return raw_dicts(db, "SELECT * FROM cards WHERE id = ?", (card_id,))[0]


@pytest.fixture
def deck(col: Collection, tmp_path: Path) -> Collection:
    col.import_decks([write_deck(tmp_path / "decks", "undo.yaml", DECK)], now=T0 - DAY)
    col.set_setting("timezone", "UTC")
    col.set_setting("leech_threshold", 1)  # the first lapse makes a leech
    return col


def answer_one(col: Collection, now: datetime, rating: Rating, mode: str = "scheduled"):
    session = col.study(deck="undo", mode=mode, now=now)
    card = session.next_card(now=now)
    assert card is not None
    return card, session.answer(card, rating=rating, response=None, now=now)


def test_multi_level_undo_restores_every_previous_state(deck: Collection, db: Path | str) -> None:
    col = deck
    plan = [
        (T0, Rating.GOOD),  # pair: learning; pair/reverse buried
        (T0, Rating.EASY),  # pick: review
        (T0 + 2 * MIN, Rating.AGAIN),  # cz/c1; cz/c2 buried
        (T0 + 15 * MIN, Rating.GOOD),  # learning cards
        (T0 + 15 * MIN, Rating.EASY),
        (T0 + 30 * MIN, Rating.HARD),
        (T0 + DAY, Rating.EASY),  # next day: the buried siblings are back
        (T0 + DAY, Rating.EASY),
        (T0 + DAY, Rating.EASY),
        (T0 + 10 * DAY, Rating.AGAIN),  # a lapse: leech (threshold 1) and suspended
    ]
    snapshots, answered = [], []
    for now, rating in plan:
        if now == T0 + 10 * DAY:
            col.set_setting("new_per_day", 0)  # so a review card comes first
        snapshots.append(raw_cards(db))
        card, outcome = answer_one(col, now, rating)
        answered.append((card, outcome))
    assert answered[-1][1].leech and answered[-1][1].suspended
    assert review_count(db) == len(plan)
    for level in reversed(range(len(plan))):
        card, outcome = answered[level]
        result = col.study(deck="undo", now=T0 + 20 * DAY).undo()
        assert result == UndoResult(outcome.review_id, card.id, "scheduled", int(outcome.rating))
        assert raw_cards(db) == snapshots[level], f"undo level {level}"
        assert review_count(db) == level
    assert col.undo() is None


def test_undone_card_comes_back_first_with_the_same_view(deck: Collection) -> None:
    col = deck
    session = col.study(deck="undo", now=T0)
    first = session.next_card(now=T0)
    session.answer(first, rating=Rating.EASY, now=T0)
    pick = session.next_card(now=T0)
    assert pick.key == "pick" and pick.input == "choice"
    session.answer(pick, response=pick.choices[0], now=T0)
    assert session.next_card(now=T0).key != "pick"
    assert session.answered == 2 and session.remaining > 0
    result = session.undo()
    assert result.card_id == pick.id
    again = session.next_card(now=T0)
    assert again.id == pick.id
    assert again.choices == pick.choices  # the same shuffle as before the answer
    assert again.intervals == pick.intervals
    assert session.answered == 1 and len(session.review_ids) == 1
    assert session.undo().card_id == first.id
    assert session.next_card(now=T0).id == first.id
    assert session.undo() is None
    assert session.review_ids == [] and session.answered == 0


def test_undo_after_reopening_gives_byte_identical_rows(deck: Collection, db: Path | str) -> None:
    col = deck
    before = raw_cards(db)
    times = [T0, T0, T0 + 12 * MIN, T0 + 12 * MIN, T0 + DAY, T0 + DAY, T0 + 9 * DAY]
    ratings = [Rating.GOOD, Rating.EASY, Rating.GOOD, Rating.HARD, Rating.EASY, Rating.GOOD]
    for now, rating in zip(times, [*ratings, Rating.AGAIN], strict=True):
        answer_one(col, now, rating)
    answer_one(col, T0 + 9 * DAY, Rating.HARD, mode="practice")
    assert col.reset([col.card_id("undo", "pair")], now=T0 + 9 * DAY) == 1
    col.bury([col.card_id("undo", "pick")], now=T0 + 9 * DAY)  # not logged: not undone
    col.unbury([col.card_id("undo", "pick")])
    count = review_count(db)
    assert count == len(times) + 2
    assert raw_cards(db) != before
    dispose_engines()
    with Collection.open(db) as reopened:
        session = reopened.study(deck="undo", now=T0 + 10 * DAY)
        modes = []
        for _ in range(count // 2):
            modes.append(session.undo().mode)
        dispose_engines()
    with Collection.open(db) as again:
        while (result := again.undo()) is not None:
            modes.append(result.mode)
    assert modes[:2] == ["reset", "practice"]
    assert set(modes[2:]) == {"scheduled"} and len(modes) == count
    assert review_count(db) == 0
    assert raw_cards(db) == before


def test_undo_unburies_the_siblings(deck: Collection, db: Path | str) -> None:
    col = deck
    pair, reverse = col.card_id("undo", "pair"), col.card_id("undo", "pair/reverse")
    card, _ = answer_one(col, T0, Rating.EASY)
    assert card.id == pair
    assert card_row(db, reverse)["buried_until"] is not None
    col.undo()
    assert card_row(db, reverse)["buried_until"] is None
    # a sibling buried by hand before the answer stays buried as it was
    col.bury([reverse], now=T0 - DAY)  # until this morning 04:00
    earlier = card_row(db, reverse)["buried_until"]
    answer_one(col, T0, Rating.EASY)
    assert card_row(db, reverse)["buried_until"] != earlier  # now until tomorrow
    col.undo()
    assert card_row(db, reverse)["buried_until"] == earlier


def test_undo_of_a_practice_review_leaves_the_card_untouched(
    deck: Collection, db: Path | str
) -> None:
    col = deck
    answer_one(col, T0, Rating.EASY)
    rows = raw_cards(db)
    card, outcome = answer_one(col, T0 + DAY, Rating.AGAIN, mode="practice")
    assert outcome.interval is None and not outcome.leech
    assert raw_cards(db) == rows
    result = col.undo()
    assert (result.mode, result.card_id, result.rating) == ("practice", card.id, 1)
    assert raw_cards(db) == rows
    assert review_count(db) == 1


def test_undo_of_a_reset_restores_progress(deck: Collection, db: Path | str) -> None:
    col = deck
    session = col.study(deck="undo", now=T0)
    for _ in range(3):
        session.answer(session.next_card(now=T0), rating=Rating.EASY, now=T0)
    ids = col.deck_card_ids("undo")
    studied = raw_cards(db)
    assert col.reset(ids, now=T0 + DAY) == 3  # the three studied cards; new ones are skipped
    for card_id in ids:
        row = card_row(db, card_id)
        assert (row["state"], row["reps"], row["lapses"], row["stability"]) == (0, 0, 0, None)
    assert review_count(db) == 6  # the history stays, and the resets are logged
    for _ in range(3):
        assert col.study(deck="undo", now=T0 + DAY).undo().mode == "reset"
    assert raw_cards(db) == studied
    assert review_count(db) == 3


def test_undo_with_no_reviews(deck: Collection) -> None:
    assert deck.undo() is None
    assert deck.study(deck="undo", now=T0).undo() is None
    assert deck.study(deck="undo", mode="practice", now=T0).undo() is None


def test_undo_of_a_leech_unsuspends_it(deck: Collection, db: Path | str) -> None:
    col = deck
    card, _ = answer_one(col, T0, Rating.EASY)
    before = card_row(db, card.id)
    col.set_setting("new_per_day", 0)
    session = col.study(deck="undo", now=T0 + 30 * DAY)
    lapse = session.next_card(now=T0 + 30 * DAY)
    assert lapse.id == card.id
    outcome = session.answer(lapse, rating=Rating.AGAIN, now=T0 + 30 * DAY)
    assert outcome.leech and outcome.suspended
    session.undo()
    assert card_row(db, card.id) == before
    assert session.next_card(now=T0 + 30 * DAY).id == card.id


# -- card actions ---------------------------------------------------------------------------
def served_keys(col: Collection, now: datetime, mode: str = "scheduled") -> list[str]:
    session = col.study(deck="undo", mode=mode, now=now)
    out = []
    while (card := session.next_card(now=now)) is not None:
        out.append(card.key)
        session.answer(card, rating=Rating.EASY, now=now)
    for _ in out:
        session.undo()
    return out


def test_suspend_and_unsuspend(deck: Collection, db: Path | str) -> None:
    col = deck
    ids = {k: col.card_id("undo", k) for k in ("pair", "pick", "solo")}
    assert col.suspend([ids["pick"], ids["solo"]]) == 2
    assert "pick" not in served_keys(col, T0) and "solo" not in served_keys(col, T0)
    assert col.deck_counts(now=T0)[0].suspended == 2
    assert col.deck_counts(now=T0)[0].new == 4  # pair, pair/reverse, cz/c1, cz/c2
    assert col.suspend([]) == 0
    assert col.unsuspend([ids["pick"]]) == 1
    assert "pick" in served_keys(col, T0)
    assert col.deck_counts(now=T0)[0].suspended == 1
    assert card_row(db, ids["solo"])["suspended"] == 1
    assert review_count(db) == 0  # card actions are not reviews


def test_bury_until_the_next_day_and_unbury(deck: Collection, db: Path | str) -> None:
    col = deck
    pick = col.card_id("undo", "pick")
    assert col.bury([pick], now=T0) == 1
    assert "pick" not in served_keys(col, T0)
    assert "pick" not in served_keys(col, T0.replace(hour=3, minute=59) + DAY)
    assert "pick" in served_keys(col, T0.replace(hour=4) + DAY)
    assert "pick" in served_keys(col, T0, mode="practice")
    assert col.unbury([pick]) == 1
    assert "pick" in served_keys(col, T0)
    assert card_row(db, pick)["buried_until"] is None
    assert col.bury([999999], now=T0) == 0
    # the day boundary follows the deck's time zone
    col.set_setting("timezone", "Asia/Kolkata", deck="undo")
    col.bury([pick], now=T0)
    buried = card_row(db, pick)["buried_until"]
    assert str(buried).startswith("2026-03-02 22:30")  # 04:00 IST on 3 March


def test_reset_makes_cards_new_and_keeps_history(deck: Collection, db: Path | str) -> None:
    col = deck
    solo = col.card_id("undo", "solo")
    col.set_setting("leech_threshold", 1)
    t = T0
    session = col.study(deck="undo", now=t)
    while (card := session.next_card(now=t)) is not None:
        session.answer(card, rating=Rating.EASY, now=t)
    t = T0 + 30 * DAY
    session = col.study(deck="undo", now=t)
    while (card := session.next_card(now=t)) is not None:
        session.answer(card, rating=Rating.AGAIN if card.id == solo else Rating.EASY, now=t)
    row = card_row(db, solo)
    assert row["leech"] == 1 and row["suspended"] == 1 and row["lapses"] == 1
    reviews = review_count(db)
    assert col.reset([solo], now=t) == 1
    row = card_row(db, solo)
    assert (row["state"], row["reps"], row["lapses"], row["leech"]) == (0, 0, 0, 0)
    assert row["due"] is None and row["last_review"] is None and row["step"] is None
    assert review_count(db) == reviews + 1
    assert col.reset([solo], now=t) == 0  # already new: nothing to reset, nothing logged
    assert review_count(db) == reviews + 1
    modes = raw_rows(db, "SELECT mode, rating FROM reviews WHERE card_id = ? ORDER BY id", (solo,))
    assert modes == [("scheduled", 4), ("scheduled", 1), ("reset", 0)]


def test_session_undo_of_another_decks_review(deck: Collection, tmp_path: Path) -> None:
    # Undo is collection-wide: a session may undo a review made in another deck (or of a
    # card outside its tag); that card must not then be shown in this session.
    col = deck
    other = "deck: other\ntitle: Other\ncards:\n  - id: x\n    front: X?\n    back: X\n"
    col.import_decks([write_deck(tmp_path / "more", "other.yaml", other)], now=T0)
    session = col.study(deck="undo", now=T0)
    elsewhere = col.study(deck="other", now=T0)
    card = elsewhere.next_card(now=T0)
    elsewhere.answer(card, rating=Rating.EASY, now=T0)
    result = session.undo()
    assert result is not None and result.card_id == card.id
    shown = session.next_card(now=T0)
    assert shown is not None and shown.deck == "undo"
    assert col.study(deck="other", now=T0).next_card(now=T0).id == card.id  # new again
    tagged = col.study(deck="undo", tag="none-has-this", now=T0)
    mine, _ = answer_one(col, T0, Rating.EASY)
    assert tagged.undo().card_id == mine.id
    assert tagged.next_card(now=T0) is None


def test_undo_in_a_filtered_practice_session_keeps_its_selection(deck: Collection) -> None:
    """A practice session's undo may take back a review made elsewhere (undo is
    collection-wide): that card comes back in the scheduled queue, but not into a
    practice selection it was never part of ("new" cards here)."""
    col = deck
    practice = col.study(deck="undo", mode="practice", filter="new", now=T0)
    selection = practice.remaining
    scheduled, _ = answer_one(col, T0, Rating.EASY)  # answered elsewhere: no longer new
    result = practice.undo()
    assert result is not None and result.card_id == scheduled.id
    assert practice.remaining == selection  # nothing added
    served = []
    while (card := practice.next_card(now=T0)) is not None:
        served.append(card.id)
        practice.answer(card, rating=Rating.GOOD, now=T0)
    assert len(served) == selection and served.count(scheduled.id) <= 1
    # the practice session's own answer comes back on its undo
    again = col.study(deck="undo", mode="practice", filter="new", now=T0)
    first = again.next_card(now=T0)
    again.answer(first, rating=Rating.GOOD, now=T0)
    assert again.undo().card_id == first.id
    assert again.next_card(now=T0).id == first.id


def test_undo_of_another_devices_review_of_the_same_card_is_not_the_sessions(
    deck: Collection,
) -> None:
    """Undo goes by review, not by card: when another device answered this session's
    last card since, undoing that review leaves this session's own answer counted."""
    col = deck
    mine = col.study(deck="undo", now=T0)
    card = mine.next_card(now=T0)
    mine.answer(card, rating=Rating.AGAIN, now=T0)
    later = T0 + 20 * MIN
    other = col.study(deck="undo", now=later)
    again = other.next_card(now=later)
    assert again.id == card.id  # the learning card, answered elsewhere
    theirs = other.answer(again, rating=Rating.GOOD, now=later)
    result = mine.undo()
    assert result is not None and result.review_id == theirs.review_id
    assert mine.answered == 1 and len(mine.review_ids) == 1
