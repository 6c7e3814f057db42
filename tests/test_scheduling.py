"""Scheduling: the FSRS adapter equals py-fsrs, its fuzz is seeded, and the study day.

py-fsrs's own test oracles are pinned both through the pure function
(:func:`quizzer.study.scheduler.review`) and end to end through ``session.answer``.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fsrs
import fsrs.scheduler
import pytest
from helpers import NOW, write_deck
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzer import Collection, Rating
from quizzer.study import scheduler as scheduler_module
from quizzer.study.days import local_zone, study_day
from quizzer.study.scheduler import (
    MemoryState,
    fuzz_interval,
    preview,
    replay,
    retrievability,
    review,
)
from quizzer.study.settings import StudySettings
from quizzer.study.views import card_seed

START = datetime(2022, 11, 29, 12, 30, tzinfo=UTC)
NO_FUZZ = StudySettings(fuzz=False)
G, A = Rating.GOOD, Rating.AGAIN

#: py-fsrs's test_review_card: answered at each due date, these are the intervals.
ORACLE_RATINGS = [G, G, G, G, G, G, A, A, G, G, G, G, G]
ORACLE_INTERVALS = [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21]
#: py-fsrs's test_memo_state: these ratings at these cumulative day offsets.
MEMO_RATINGS = [A, G, G, G, G, G]
MEMO_DAYS = [0, 0, 1, 3, 8, 21]
MEMO_STABILITY = 53.62691
MEMO_DIFFICULTY = 6.3574867

DECK = """\
deck: sched
title: Scheduling
cards:
  - id: one
    front: What does FSRS schedule?
    back: Reviews
  - id: two
    front: What is a lapse?
    back: Forgetting a review card
"""


# -- helpers -----------------------------------------------------------------------------
def open_deck(db: Path, folder: Path, *, fuzz: bool, timezone: str = "UTC") -> Collection:
    col = Collection.open(db)
    col.import_decks([write_deck(folder, "sched.yaml", DECK)], now=START)
    col.set_setting("fuzz", fuzz)
    col.set_setting("timezone", timezone)
    return col


def serve(col: Collection, now: datetime, key: str = "one"):
    """The card ``key`` as a study session shows it at ``now`` (scheduled, else ahead)."""
    for mode in ("scheduled", "ahead"):
        session = col.study(deck="sched", mode=mode, now=now)
        card = session.next_card(now=now)
        while card is not None and card.key != key:
            # the other card is in the way: answer it Easy so it stays out of the way
            session.answer(card, rating=Rating.EASY, now=now)
            card = session.next_card(now=now)
        if card is not None:
            return session, card
    raise AssertionError(f"{key} is not served at {now}")


def fsrs_card(memory: MemoryState, now: datetime) -> fsrs.Card:
    if memory.state == 0:
        return fsrs.Card(card_id=1, due=now)
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


# -- fuzz off: exactly py-fsrs ---------------------------------------------------------------
def test_oracle_intervals_pure() -> None:
    memory, now, intervals = MemoryState(), START, []
    for rating in ORACLE_RATINGS:
        memory = review(memory, rating, now, NO_FUZZ, "seed")
        intervals.append((memory.due - memory.last_review).days)
        assert memory.last_review == now
        now = memory.due
    assert intervals == ORACLE_INTERVALS
    assert memory.reps == len(ORACLE_RATINGS)
    assert memory.lapses == 1  # only the first Again hit a review card


def test_oracle_memory_state_pure() -> None:
    memory, now = MemoryState(), START
    for rating, days in zip(MEMO_RATINGS, MEMO_DAYS, strict=True):
        now += timedelta(days=days)
        memory = review(memory, rating, now, NO_FUZZ, "seed")
    assert memory.stability == pytest.approx(MEMO_STABILITY, abs=1e-4)
    assert memory.difficulty == pytest.approx(MEMO_DIFFICULTY, abs=1e-4)


def test_oracle_intervals_end_to_end(db_path: Path, tmp_path: Path) -> None:
    with open_deck(db_path, tmp_path / "decks", fuzz=False) as col:
        now, intervals = START, []
        for rating in ORACLE_RATINGS:
            session, card = serve(col, now)
            outcome = session.answer(card, rating=rating, now=now)
            assert outcome.rating == rating
            assert outcome.interval == outcome.due - now
            intervals.append(outcome.interval.days)
            now = outcome.due
    assert intervals == ORACLE_INTERVALS


def test_oracle_memory_state_end_to_end(db_path: Path, tmp_path: Path) -> None:
    from sqlalchemy import select

    from quizzer.store.models import cards_t

    with open_deck(db_path, tmp_path / "decks", fuzz=False) as col:
        now = START
        for rating, days in zip(MEMO_RATINGS, MEMO_DAYS, strict=True):
            now += timedelta(days=days)
            session, card = serve(col, now)
            session.answer(card, rating=rating, duration_ms=4200, now=now)
        with col.store.read() as s:
            row = s.execute(
                select(cards_t).where(cards_t.c.id == col.card_id("sched", "one"))
            ).one()
    assert row.stability == pytest.approx(MEMO_STABILITY, abs=1e-4)
    assert row.difficulty == pytest.approx(MEMO_DIFFICULTY, abs=1e-4)
    assert row.reps == 6 and row.lapses == 0 and row.state == 2
    assert row.last_review == now


RATINGS = st.sampled_from(list(Rating))
DELAYS = st.one_of(
    st.just(None),  # at the due date
    st.sampled_from([0, 30, 60, 600, 3600, 86400, 3 * 86400, 40 * 86400]),
    st.integers(0, 400 * 86400),
)
SCHEDULERS = st.sampled_from(
    [
        NO_FUZZ,
        StudySettings(fuzz=False, desired_retention=0.8, maximum_interval=100),
        StudySettings(
            fuzz=False,
            learning_steps=(timedelta(minutes=10),),
            relearning_steps=(),
            desired_retention=0.95,
        ),
        StudySettings(
            fuzz=False,
            learning_steps=(),
            relearning_steps=(timedelta(minutes=5), timedelta(hours=1)),
        ),
    ]
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(SCHEDULERS, st.lists(st.tuples(RATINGS, DELAYS), min_size=1, max_size=25))
def test_fuzz_off_equals_py_fsrs(study: StudySettings, answers) -> None:
    scheduler = fsrs.Scheduler(
        desired_retention=study.desired_retention,
        learning_steps=study.learning_steps,
        relearning_steps=study.relearning_steps,
        maximum_interval=study.maximum_interval,
        enable_fuzzing=False,
    )
    card = fsrs.Card(card_id=7, due=START)
    memory, now, lapses = MemoryState(), START, 0
    for i, (rating, delay) in enumerate(answers):
        if i:
            now = memory.due if delay is None else now + timedelta(seconds=delay)
        lapses += card.state == fsrs.State.Review and rating == Rating.AGAIN
        card, _ = scheduler.review_card(card, fsrs.Rating(int(rating)), review_datetime=now)
        memory = review(memory, rating, now, study, f"seed:{i}")
        assert (memory.state, memory.step) == (int(card.state), card.step)
        assert (memory.stability, memory.difficulty) == (card.stability, card.difficulty)
        assert (memory.due, memory.last_review) == (card.due, card.last_review)
        assert (memory.reps, memory.lapses) == (i + 1, lapses)
        assert retrievability(memory, now + timedelta(days=3), study) == pytest.approx(
            scheduler.get_card_retrievability(card, now + timedelta(days=3))
        )


def test_new_card_retrievability_is_zero() -> None:
    assert retrievability(MemoryState(), NOW, NO_FUZZ) == 0.0


def test_review_accepts_int_ratings_and_refuses_non_utc() -> None:
    assert review(MemoryState(), 3, START, NO_FUZZ, "s") == review(
        MemoryState(), Rating.GOOD, START, NO_FUZZ, "s"
    )
    with pytest.raises(ValueError):
        review(MemoryState(), 3, START.astimezone(ZoneInfo("Europe/Berlin")), NO_FUZZ, "s")


# -- fuzz on: seeded, py-fsrs's range, global random untouched ---------------------------------
FUZZ = StudySettings()


def review_state(days: int) -> MemoryState:
    """A review card that py-fsrs would schedule ``days``-ish days out when answered Good."""
    memory, now = MemoryState(), START
    memory = review(memory, Rating.EASY, now, NO_FUZZ, "s")
    while (memory.due - now).days < days:
        now = memory.due
        memory = review(memory, Rating.GOOD, now, NO_FUZZ, "s")
    return memory


@pytest.mark.parametrize("days", [8, 30, 120])
def test_same_seed_same_due(days: int) -> None:
    memory = review_state(days)
    now = memory.due
    first = review(memory, Rating.GOOD, now, FUZZ, "abc:fuzz:1:5")
    assert all(review(memory, Rating.GOOD, now, FUZZ, "abc:fuzz:1:5") == first for _ in range(20))


def test_different_cards_get_different_dues() -> None:
    memory = review_state(60)
    now = memory.due
    dues = {
        review(memory, Rating.GOOD, now, FUZZ, card_seed("col", card_id, memory.reps)).due
        for card_id in range(1, 60)
    }
    assert len(dues) > 3
    plain = review(memory, Rating.GOOD, now, NO_FUZZ, "x")
    fuzzed = review(memory, Rating.GOOD, now, FUZZ, "x")
    # Fuzz moves the due date only: the memory model is untouched.
    assert (fuzzed.stability, fuzzed.difficulty, fuzzed.state) == (
        plain.stability,
        plain.difficulty,
        plain.state,
    )


def test_fuzz_leaves_learning_steps_and_short_intervals_alone() -> None:
    for rating in (Rating.AGAIN, Rating.HARD, Rating.GOOD):  # Easy graduates
        assert review(MemoryState(), rating, START, FUZZ, "a").due == (
            review(MemoryState(), rating, START, NO_FUZZ, "b").due
        )
    rng = random.Random(1)
    for days in (0, 1, 2):
        assert fuzz_interval(timedelta(days=days), 36500, rng) == timedelta(days=days)


def test_fuzz_does_not_touch_the_global_random_source(db_path: Path, tmp_path: Path) -> None:
    memory = review_state(30)
    random.seed(1234)
    expected = [random.random() for _ in range(5)]
    random.seed(1234)
    for i in range(20):
        review(memory, Rating.GOOD, memory.due, FUZZ, f"seed:{i}")
        preview(memory, memory.due, FUZZ, f"seed:{i}")
    assert [random.random() for _ in range(5)] == expected
    # ... nor does a whole study session (queue, shuffled views, answers, practice).
    with open_deck(db_path, tmp_path / "decks", fuzz=True) as col:
        random.seed(99)
        expected = [random.random() for _ in range(5)]
        random.seed(99)
        now = START
        for _ in range(6):
            session, card = serve(col, now)
            outcome = session.answer(card, rating=Rating.EASY, now=now)
            now = outcome.due
        practice = col.study(deck="sched", mode="practice", now=now)
        practice.answer(practice.next_card(now=now), rating=Rating.GOOD, now=now)
        assert [random.random() for _ in range(5)] == expected


class FixedDraw:
    """A stand-in random source whose every draw is ``value``."""

    def __init__(self, value: float):
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize("maximum", [36500, 100, 5])
@pytest.mark.parametrize("draw", [0.0, 0.1, 0.5, 0.77, 0.999999])
def test_fuzz_formula_is_py_fsrs_own(monkeypatch, draw: float, maximum: int) -> None:
    scheduler = fsrs.Scheduler(maximum_interval=maximum, enable_fuzzing=True)
    monkeypatch.setattr(fsrs.scheduler, "random", lambda: draw)
    for days in [*range(0, 40), 50, 77, 100, 365, 1000, 5000, 36500]:
        interval = timedelta(days=min(days, maximum))
        ours = fuzz_interval(interval, maximum, FixedDraw(draw))
        assert ours == scheduler._get_fuzzed_interval(interval=interval), days


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(0, 36500), st.text(max_size=12))
def test_fuzzed_interval_stays_in_py_fsrs_range(days: int, seed: str) -> None:
    scheduler = fsrs.Scheduler(enable_fuzzing=True)
    interval = timedelta(days=days)
    original = fsrs.scheduler.random
    try:
        fsrs.scheduler.random = lambda: 0.0
        low = scheduler._get_fuzzed_interval(interval=interval)
        fsrs.scheduler.random = lambda: 1.0 - 1e-12
        high = scheduler._get_fuzzed_interval(interval=interval)
    finally:
        fsrs.scheduler.random = original
    fuzzed = fuzz_interval(interval, 36500, random.Random(seed))
    assert low <= fuzzed <= high
    if days >= 3:
        assert fuzzed >= timedelta(days=2)


def test_preview_is_what_review_applies() -> None:
    for memory in (MemoryState(), review_state(3), review_state(40)):
        now = memory.due or START
        shown = preview(memory, now, FUZZ, "seed")
        for rating in Rating:
            after = review(memory, rating, now, FUZZ, "seed")
            assert shown[rating] == after.due - now


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.one_of(SCHEDULERS, st.just(FUZZ)),
    st.lists(st.tuples(RATINGS, DELAYS), min_size=1, max_size=12),
    st.one_of(st.sampled_from([0, 1, 59, 3600, 86399, 86400]), st.integers(0, 3 * 86400)),
)
def test_an_answer_after_its_preview_is_what_fsrs_gives(
    study: StudySettings, answers, wait: int
) -> None:
    """The answer takes its state from the preview shown ``wait`` seconds before (see
    ``review``): it must be the state computed from scratch, across day boundaries."""
    memory, now = MemoryState(), START
    for i, (rating, delay) in enumerate(answers):
        if i:
            now = memory.due if delay is None else now + timedelta(seconds=delay)
        seed = f"seed:{i}"
        preview(memory, now, study, seed)
        answered_at = now + timedelta(seconds=wait)
        after = review(memory, rating, answered_at, study, seed)
        scheduler_module._previewed.clear()
        assert after == review(memory, rating, answered_at, study, seed)
        memory, now = after, answered_at


def test_an_answer_after_its_preview_runs_no_fsrs(monkeypatch: pytest.MonkeyPatch) -> None:
    memory = review_state(30)
    now = memory.due
    assert now is not None
    preview(memory, now, FUZZ, "seed")
    calls: list[object] = []
    original = fsrs.Scheduler.review_card
    monkeypatch.setattr(
        fsrs.Scheduler, "review_card", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    review(memory, Rating.GOOD, now + timedelta(seconds=20), FUZZ, "seed")
    assert calls == []
    review(memory, Rating.GOOD, now + timedelta(seconds=20), FUZZ, "another seed")
    review(memory, Rating.GOOD, now + timedelta(days=1), FUZZ, "seed")  # a day later
    review(memory, Rating.GOOD, now, StudySettings(desired_retention=0.8), "seed")
    assert len(calls) == 3


def test_preview_intervals_are_applied_end_to_end(db_path: Path, tmp_path: Path) -> None:
    with open_deck(db_path, tmp_path / "decks", fuzz=True) as col:
        now = START
        seen_review = False
        for _ in range(7):
            session, card = serve(col, now)
            assert set(card.intervals) == set(Rating)
            seen_review |= card.state == 2
            for rating in Rating:
                outcome = session.answer(card, rating=rating, now=now)
                assert outcome.interval == card.intervals[rating], (card.state, rating)
                assert outcome.due == now + card.intervals[rating]
                assert session.undo() is not None
                again = session.next_card(now=now)
                assert again is not None and again.id == card.id
                assert again.intervals == card.intervals  # undo restores the same seed
                card = again
            outcome = session.answer(card, rating=Rating.GOOD, now=now)
            now = outcome.due
        assert seen_review


def test_replay_rebuilds_the_state() -> None:
    events, memory, now = [], MemoryState(), START
    seed_for = lambda reps: card_seed("col", 3, reps)  # noqa: E731
    for i, rating in enumerate([3, 3, 4, 1, 3, 2, 3, 3]):
        events.append(("scheduled", rating, now))
        memory = review(memory, rating, now, FUZZ, seed_for(memory.reps))
        if i == 4:
            events.append(("practice", 1, now))  # practice never counts
        now = memory.due + timedelta(hours=i)
    assert replay(events, FUZZ, seed_for) == memory
    assert replay([*events, ("reset", 0, now)], FUZZ, seed_for) == MemoryState()
    after = replay([*events, ("reset", 0, now), ("scheduled", 3, now)], FUZZ, seed_for)
    assert after == review(MemoryState(), 3, now, FUZZ, seed_for(0))


def test_memory_state_json_round_trip() -> None:
    memory = review_state(30)
    assert MemoryState.from_json(memory.to_json()) == memory
    assert MemoryState.from_json(MemoryState().to_json()) == MemoryState()


# -- the study day ----------------------------------------------------------------------
def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
)
@pytest.mark.parametrize(
    "day",
    [
        (2026, 1, 15),
        (2026, 7, 15),
        (2026, 3, 29),  # Europe: clocks go forward at 02:00 (01:00 UTC)
        (2026, 10, 25),  # Europe: back
        (2026, 3, 8),  # America: forward
        (2026, 11, 1),  # America: back at 02:00 EDT
        (2026, 4, 5),  # New Zealand: back
        (2026, 9, 27),  # New Zealand: forward
    ],
)
def test_day_starts_at_four_local(zone: str, day: tuple[int, int, int]) -> None:
    tz = ZoneInfo(zone)
    before = local(zone, *day, 3, 59)
    at = local(zone, *day, 4, 0)
    today = study_day(at.astimezone(UTC), 4, tz)
    yesterday = study_day(before.astimezone(UTC), 4, tz)
    assert today.date == at.date()
    assert yesterday.date == at.date() - timedelta(days=1)
    assert today.start == at.astimezone(UTC) == yesterday.end
    assert today.start.tzinfo is UTC or today.start.utcoffset() == timedelta(0)
    assert study_day(local(zone, *day, 23, 59).astimezone(UTC), 4, tz).date == at.date()
    assert study_day(local(zone, *day, 12, 0).astimezone(UTC), 4, tz).end == (
        local(zone, *day, 4, 0) + timedelta(days=1)
    ).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", (2026, 3, 28), 23),  # clocks go forward in the night of 3/29
        ("Europe/Berlin", (2026, 3, 29), 24),
        ("Europe/Berlin", (2026, 10, 24), 25),  # back in the night of 10/25
        ("America/New_York", (2026, 3, 7), 23),
        ("America/New_York", (2026, 10, 31), 25),  # back in the night of 11/1
        ("America/New_York", (2026, 11, 1), 24),
        ("Pacific/Auckland", (2026, 4, 4), 25),  # back in the night of 4/5
        ("Pacific/Auckland", (2026, 9, 26), 23),  # forward in the night of 9/27
        ("Asia/Kolkata", (2026, 3, 28), 24),  # no DST
        ("UTC", (2026, 3, 28), 24),
    ],
)
def test_day_length_across_dst(zone: str, day: tuple[int, int, int], hours: int) -> None:
    tz = ZoneInfo(zone)
    noon = local(zone, *day, 12, 0).astimezone(UTC)
    d = study_day(noon, 4, tz)
    assert d.date == noon.astimezone(tz).date()
    assert d.end - d.start == timedelta(hours=hours)
    assert d.start.astimezone(tz).hour == 4 and d.end.astimezone(tz).hour == 4
    following = study_day(d.end, 4, tz)
    assert following.start == d.end and following.date == d.date + timedelta(days=1)
    assert study_day(d.end - timedelta(microseconds=1), 4, tz).date == d.date


def test_dst_change_nights_split_at_four() -> None:
    # 2026-03-29 Europe/Berlin: 02:00 doesn't exist; 03:59 CEST is still the 28th.
    berlin = ZoneInfo("Europe/Berlin")
    assert study_day(datetime(2026, 3, 29, 1, 59, tzinfo=UTC), 4, berlin).date.day == 28
    assert study_day(datetime(2026, 3, 29, 2, 0, tzinfo=UTC), 4, berlin).date.day == 29
    # 2026-11-01 America/New_York: 01:xx happens twice; 04:00 EST is 09:00 UTC.
    ny = ZoneInfo("America/New_York")
    for fold in (0, 1):
        twice = datetime(2026, 11, 1, 1, 30, fold=fold, tzinfo=ny).astimezone(UTC)
        assert study_day(twice, 4, ny).date.day == 31
    assert study_day(datetime(2026, 11, 1, 8, 59, tzinfo=UTC), 4, ny).date.day == 31
    assert study_day(datetime(2026, 11, 1, 9, 0, tzinfo=UTC), 4, ny).date.day == 1


@pytest.mark.parametrize("hour", [0, 4, 23])
def test_other_start_hours(hour: int) -> None:
    tz = ZoneInfo("Asia/Kolkata")
    at = local("Asia/Kolkata", 2026, 5, 10, hour, 0)
    assert study_day(at.astimezone(UTC), hour, tz).date == at.date()
    before = (at - timedelta(minutes=1)).astimezone(UTC)
    assert study_day(before, hour, tz).date == at.date() - timedelta(days=1)


@pytest.fixture
def machine_zone():
    """Set this process's local zone (TZ) for a test, and put it back afterwards."""
    saved = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
@pytest.mark.parametrize(
    ("zone", "day"),
    [("Europe/Berlin", (2026, 3, 28)), ("America/New_York", (2026, 10, 31))],
)
def test_machine_local_zone_follows_dst(machine_zone, zone: str, day) -> None:
    # timezone "" means this machine's zone: its DST rules must apply to every instant,
    # not the offset in force when the app runs.
    machine_zone(zone)
    tz = ZoneInfo(zone)
    rng = random.Random(5)
    for _ in range(300):
        now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525600))
        ours, theirs = study_day(now, 4, local_zone("")), study_day(now, 4, tz)
        assert (ours.date, ours.start, ours.end) == (theirs.date, theirs.start, theirs.end)
        assert now.astimezone(local_zone()).replace(tzinfo=None) == now.astimezone(tz).replace(
            tzinfo=None
        )
    d = study_day(local(zone, *day, 12, 0).astimezone(UTC), 4, None)
    assert d.end - d.start != timedelta(hours=24)
