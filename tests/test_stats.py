"""Statistics (``Collection.stats``, docs/statistics.md): every figure against values
computed by hand from a fixed study history, the filters, undo, the SQL functions, and
a replay of a real review log.

The history is played through the public study API with a fixed clock (time zone UTC,
day start 4:00, fuzz off). The test keeps its own log of every answer it gave — the
time, the card, the mode, the rating, whether the response was right, the duration and
the card's state when shown — and the expected figures are computed from that log and
from the card rows, never from the code under test.
"""

from __future__ import annotations

import csv
import itertools
import math
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pgdb
import pytest
from helpers import NOW, write_deck
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from quizzer.collection import Collection
from quizzer.store.models import cards_t, decks_t, reviews_t
from quizzer.study import repo
from quizzer.study.scheduler import MemoryState, retrievability, scheduler_for
from quizzer.study.settings import StudySettings
from quizzer.study.types import Rating

pytestmark = pytest.mark.backends

DAY_HOUR = 4
ALPHA = """\
deck: alpha
title: Alpha deck
tags: [core]
cards:
  - id: b1
    front: What does FSRS stand for?
    back: Free Spaced Repetition Scheduler
  - id: ch
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling, Span corruption]
    answer: Masked language modeling
  - id: ty
    type: typed
    question: What does T5 stand for?
    answer: Text-to-Text Transfer Transformer
    tags: [hard]
  - id: cl
    type: cloze
    text: "T5 replaces each masked span with a {{sentinel}} token."
    input: typed
  - id: od
    type: order
    question: Put the stages in order.
    items: [Scope, Select, Adapt, Integrate]
  - id: b2
    front: What is a lapse?
    back: Forgetting a review card
"""
ALPHA_LATE = """\
  - id: late
    front: A card added late
    back: yes
    tags: [late]
  - id: fresh
    front: A card never studied
    back: yes
    tags: [fresh]
"""
BETA_HEAD = """\
deck: beta
title: Beta deck
cards:
  - id: c1
    type: choice
    question: "=HYPERLINK(\\"http://x\\")"
    choices: ["yes", "no"]
    answer: "yes"
    tags: [hard]
  - id: t1
    type: typed
    question: Two plus two?
    answer: "4"
  - id: b3
    front: "[@click=app.quit] [bold]trap[/bold]"
    back: literal
"""
BETA_GONE = """\
  - id: gone
    front: This card will be removed
    back: soon
"""

RIGHT = {
    "ch": "Masked language modeling",
    "ty": "Text-to-Text Transfer Transformer",
    "cl/c1": "sentinel",
    "c1": "yes",
    "t1": "4",
}
WRONG = {"ch": "Span corruption", "ty": "BERT", "cl/c1": "mask", "c1": "no", "t1": "5"}
ALMOST = {"ty": "Text-to-Text Transfer Transformr", "cl/c1": "sentinal"}
#: What the learner does at each scheduled answer of a card, in order (then the default:
#: right, or Good). "R" right, "W" wrong, "A" almost; a number is the rating of a
#: self-graded card; ("A", 3) answers almost and overrides the suggested rating with 3.
PLAN: dict[str, list[Any]] = {
    "c1": ["W", "R", "R", "W", "R", "W"],  # two lapses: a leech (threshold 2), suspended
    "ty": [("A", 3), "R", "R", "A", "R"],
    "ch": ["R", "R", "R", "W", "R"],
    "b2": [4, 3, 1, 3],
    "b1": [3, 3, 2, 3, 3],
    "cl/c1": ["R", ("W", 2), "R", "A"],
}
#: Study days (of 10:00 UTC) of the first run of the streak, then of the second; the
#: day after the gap's last one is studied only at 03:30 UTC the next calendar day.
RUN1 = [date(2026, 2, d) for d in range(17, 23)]  # Feb 17–22: 6 days
RUN2 = [date(2026, 2, 25), date(2026, 2, 26), date(2026, 2, 27)]
LATE_NIGHT = datetime(2026, 3, 1, 3, 30, tzinfo=UTC)  # counts for Feb 28
TODAY_SESSION = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
REIMPORT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PRACTICE_DAY = datetime(2026, 2, 21, 15, 0, tzinfo=UTC)
UNDO_DAY = datetime(2026, 2, 22, 16, 0, tzinfo=UTC)


@dataclass
class Answer:
    """One answer the test gave, as the test itself records it."""

    at: datetime
    deck: str
    key: str
    type: str
    mode: str
    prior_state: int
    rating: int
    suggested: int | None
    correct: bool | None
    duration_ms: int

    @property
    def day(self) -> date:
        return (self.at - timedelta(hours=DAY_HOUR)).date()


@dataclass
class History:
    db: Path | str
    folder: Path
    log: list[Answer] = field(default_factory=list)
    before_undo: dict[str, Any] = field(default_factory=dict)
    during_undo: dict[str, Any] = field(default_factory=dict)
    after_undo: dict[str, Any] = field(default_factory=dict)
    undone_key: str = ""


class Learner:
    """Answers whatever a session shows, following :data:`PLAN`, and logs it."""

    def __init__(self, col: Collection, log: list[Answer]):
        self.col = col
        self.log = log
        self.count: Counter[str] = Counter()

    def response(
        self, card: Any, mode: str, step: Any = None
    ) -> tuple[Any, int | None, int | None, bool | None]:
        """(response, rating, suggested rating, correct) for ``card``."""
        plan = PLAN.get(card.key, []) if mode != "practice" else []
        n = self.count[card.key]
        if step is None:
            step = plan[n] if n < len(plan) else ("R" if card.input != "reveal" else 3)
        if card.input == "reveal" and isinstance(step, str):
            step = {"R": 3, "W": 1, "A": 2}[step]
        if card.input == "reveal":
            return None, int(step), None, None
        override = None
        if isinstance(step, tuple):
            step, override = step
        if card.type == "order":
            items = list(card.data["items"])
            response = items if step == "R" else list(reversed(items))
        else:
            response = {"R": RIGHT, "W": WRONG, "A": ALMOST}[step][card.key]
        suggested = {"R": 3, "W": 1, "A": 2}[step]
        return response, override, suggested, step == "R"

    def study(
        self,
        deck: str,
        at: datetime,
        mode: str = "scheduled",
        limit: int | None = None,
        tag: str | None = None,
        step: Any = None,
        filter: str | None = None,
    ) -> datetime:
        """Answer everything the session shows (at most ``limit``); returns the clock.

        ``step`` answers every card that way instead of following the plan."""
        session = self.col.study(deck, mode, tag=tag, filter=filter, limit=limit, now=at)
        for _ in range(40):
            card = session.next_card(now=at)
            if card is None:
                break
            self.answer(session, card, at, mode, step)
            at += timedelta(minutes=1)
        return at

    def answer(self, session: Any, card: Any, at: datetime, mode: str, step: Any = None) -> Any:
        response, rating, suggested, correct = self.response(card, mode, step)
        duration = 3000 + 250 * len(self.log)
        outcome = session.answer(
            card, response=response, rating=rating, duration_ms=duration, now=at
        )
        applied = int(rating if rating is not None else suggested)  # type: ignore[arg-type]
        assert int(outcome.rating) == applied and outcome.correct == correct
        assert (int(outcome.suggested) if outcome.suggested else None) == suggested
        if mode != "practice":
            self.count[card.key] += 1
        self.log.append(
            Answer(
                at,
                card.deck,
                card.key,
                card.type,
                "practice" if mode == "practice" else "scheduled",
                card.state,
                applied,
                suggested,
                correct,
                duration,
            )
        )
        return outcome

    def study_day(self, day: date | datetime, decks: tuple[str, ...] = ("alpha", "beta")) -> None:
        """A scheduled session on ``decks``; when nothing is due, one card ahead."""
        if isinstance(day, datetime):
            at = day
        else:
            at = datetime.combine(day, datetime.min.time(), UTC).replace(hour=10)
        before = len(self.log)
        for deck in decks:
            at = self.study(deck, at)
        if len(self.log) == before:
            self.study("alpha", at, mode="ahead", limit=1)


def build_history(folder: Path, db: Path | str) -> History:
    """The fixed history every statistics test reads (see the module docstring)."""
    history = History(db, folder)
    alpha = write_deck(folder, "alpha.yaml", ALPHA)
    beta = write_deck(folder, "beta.yaml", BETA_HEAD + BETA_GONE)
    col = Collection.open(db)
    col.import_decks([alpha, beta], now=datetime(2026, 2, 1, tzinfo=UTC))
    for name, value in (
        ("timezone", "UTC"),
        ("fuzz", False),
        ("new_per_day", 2),
        ("leech_threshold", 2),
    ):
        col.set_setting(name, value)
    learner = Learner(col, history.log)
    for day in RUN1:
        learner.study_day(day)
        if day == PRACTICE_DAY.date():
            # practice answers: logged apart, the schedule untouched ("hardest" is in a
            # fixed order; "all" is shuffled by the collection's random seed)
            learner.study("beta", PRACTICE_DAY, mode="practice", filter="hardest:3")
        if day == UNDO_DAY.date():
            # answer one card ahead, then undo it: it must leave no trace
            history.before_undo = col.stats(now=UNDO_DAY + timedelta(hours=1))
            session = col.study("alpha", "ahead", now=UNDO_DAY)
            card = session.next_card(now=UNDO_DAY)
            assert card is not None
            session.answer(card, response=None, rating=1, duration_ms=99_000, now=UNDO_DAY)
            history.during_undo = col.stats(now=UNDO_DAY + timedelta(hours=1))
            result = session.undo()
            assert result is not None and result.card_id == card.id
            history.undone_key = card.key
            history.after_undo = col.stats(now=UNDO_DAY + timedelta(hours=1))
    # beta is left alone from Feb 27 on, so its cards due then are overdue now
    for day in RUN2:
        learner.study_day(day, ("alpha", "beta") if day < date(2026, 2, 27) else ("alpha",))
    learner.study_day(LATE_NIGHT, ("alpha",))
    # the deck files change: two cards are added, one removed (retired)
    write_deck(folder, "alpha.yaml", ALPHA + ALPHA_LATE)
    write_deck(folder, "beta.yaml", BETA_HEAD)
    report = col.import_decks([alpha, beta], now=REIMPORT)
    assert not report.problems
    # today: the late card is answered once (it stays in learning), and a review card
    # is failed ahead of time (it stays in relearning); "fresh" stays new
    at = learner.study("alpha", TODAY_SESSION, tag="late", limit=1)
    learner.study("alpha", at, mode="ahead", limit=1, tag="hard", step="W")
    # card actions: one suspended by hand, one buried until tomorrow
    col.suspend([col.card_id("alpha", "b2")])
    col.bury([col.card_id("alpha", "od")], now=NOW)
    return history


# -- the oracle: expected figures from the test's own log and the card rows -------------
#: Every card's tags, as the deck files above give them (deck tags included).
TAGS: dict[tuple[str, str], set[str]] = {
    **{("alpha", k): {"core"} for k in ("b1", "ch", "cl/c1", "od", "b2")},
    ("alpha", "ty"): {"core", "hard"},
    ("alpha", "late"): {"core", "late"},
    ("alpha", "fresh"): {"core", "fresh"},
    ("beta", "c1"): {"hard"},
    **{("beta", k): set() for k in ("t1", "b3", "gone")},
}
UTC_SETTINGS = StudySettings(timezone="UTC", fuzz=False, new_per_day=2, leech_threshold=2)


def day_of(moment: datetime) -> date:
    """The study day of a UTC moment under timezone UTC and day start 4:00."""
    return (moment.astimezone(UTC) - timedelta(hours=DAY_HOUR)).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=DAY_HOUR)


def rate(passed: int, total: int) -> float | None:
    return round(passed / total, 4) if total else None


def card_rows(col: Collection) -> list[Any]:
    """Every card (retired ones too) with its deck id, straight from the table."""
    with col.store.read() as s:
        return list(
            s.execute(
                select(cards_t, decks_t.c.slug, decks_t.c.title).join(
                    decks_t, decks_t.c.id == cards_t.c.deck_id
                )
            ).all()
        )


def memory(row: Any) -> MemoryState:
    return MemoryState(
        row.state,
        row.step,
        row.stability,
        row.difficulty,
        row.due,
        row.last_review,
        row.reps,
        row.lapses,
    )


class Oracle:
    """What every statistic should be for a filter, computed independently."""

    def __init__(
        self,
        history: History,
        rows: list[Any],
        now: datetime = NOW,
        deck: str | None = None,
        tag: str | None = None,
        since: date | None = None,
        until: date | None = None,
        days: int | None = None,
    ):
        self.now = now
        self.today = day_of(now)
        self.until = until or self.today
        self.since = self.until - timedelta(days=days - 1) if days else since
        self.deck, self.tag = deck, tag
        self.all_rows = [r for r in rows if self.picks(r.slug, r.key)]
        self.rows = [r for r in self.all_rows if r.retired_at is None]
        self.log = [a for a in history.log if self.picks(a.deck, a.key)]
        self.ranged = [
            a
            for a in self.log
            if (self.since is None or a.day >= self.since) and a.day <= self.until
        ]

    def picks(self, deck: str, key: str) -> bool:
        return (self.deck is None or deck == self.deck) and (
            self.tag is None or self.tag in TAGS[(deck, key)]
        )

    def cards(self) -> dict[str, int]:
        rows = self.rows
        return {
            "total": len(rows),
            "new": sum(r.state == 0 for r in rows),
            "learning": sum(r.state == 1 for r in rows),
            "review": sum(r.state == 2 for r in rows),
            "relearning": sum(r.state == 3 for r in rows),
            "suspended": sum(bool(r.suspended) for r in rows),
            "buried": sum(r.buried_until is not None and r.buried_until > self.now for r in rows),
            "leech": sum(bool(r.leech) for r in rows),
            "retired": sum(r.retired_at is not None for r in self.all_rows),
            "mature": sum(r.stability is not None and r.stability >= 21 for r in rows),
        }

    def decks(self) -> list[dict[str, Any]]:
        titles = {"alpha": "Alpha deck", "beta": "Beta deck"}
        out = []
        for slug in ("alpha", "beta"):
            cards = [r for r in self.rows if r.slug == slug]
            if (self.deck or self.tag) and not cards:
                continue  # a filter keeps only the decks it selects cards of
            mature = sum(r.stability is not None and r.stability >= 21 for r in cards)
            graded = [
                a
                for a in self.ranged
                if a.deck == slug and a.mode == "scheduled" and a.prior_state == 2
            ]
            passed = sum(a.rating != 1 for a in graded)
            out.append(
                {
                    "deck": slug,
                    "title": titles[slug],
                    "cards": len(cards),
                    "mature": mature,
                    "mastery": rate(mature, len(cards)) or 0.0,
                    "review_answers": len(graded),
                    "true_retention": rate(passed, len(graded)),
                }
            )
        return out

    def activity_days(self) -> list[dict[str, Any]]:
        start = self.since or min((a.day for a in self.ranged), default=self.until)
        out = []
        day = start
        while day <= self.until:
            answers = [a for a in self.ranged if a.day == day]
            graded = [a for a in answers if a.mode == "scheduled" and a.prior_state == 2]
            out.append(
                {
                    "date": day.isoformat(),
                    "scheduled": sum(a.mode == "scheduled" for a in answers),
                    "practice": sum(a.mode == "practice" for a in answers),
                    "seconds": sum(a.duration_ms for a in answers) / 1000,
                    "review_answers": len(graded),
                    "passed": sum(a.rating != 1 for a in graded),
                }
            )
            day += timedelta(days=1)
        return out

    def streak(self) -> dict[str, int]:
        days = sorted({a.day for a in self.log if a.mode == "scheduled" and a.at <= self.now})
        longest = run = 0
        for i, d in enumerate(days):
            run = run + 1 if i and (d - days[i - 1]).days == 1 else 1
            longest = max(longest, run)
        current, day = 0, self.today if self.today in days else self.today - timedelta(days=1)
        while day in days:
            current, day = current + 1, day - timedelta(days=1)
        return {"current": current, "longest": longest}

    def retention(self) -> dict[str, Any]:
        out: dict[str, Any] = {"desired": 0.9}
        for name, n in (("today", 1), ("7d", 7), ("30d", 30), ("365d", 365)):
            start = day_start(self.today - timedelta(days=n - 1))
            graded = [
                a
                for a in self.log
                if a.mode == "scheduled" and a.prior_state == 2 and start <= a.at <= self.now
            ]
            passed = sum(a.rating != 1 for a in graded)
            out[name] = {
                "answers": len(graded),
                "passed": passed,
                "rate": rate(passed, len(graded)),
            }
        return out

    def accuracy(self) -> list[dict[str, Any]]:
        by_type: dict[str, list[bool]] = defaultdict(list)
        for a in self.ranged:
            if a.correct is not None:
                by_type[a.type].append(a.correct)
        return [
            {"type": t, "graded": len(v), "correct": sum(v), "rate": rate(sum(v), len(v))}
            for t, v in sorted(by_type.items())
        ]

    def buttons(self) -> dict[str, Any]:
        scheduled = [a for a in self.ranged if a.mode == "scheduled"]
        applied = Counter(str(a.rating) for a in scheduled)
        suggested = Counter(str(a.suggested) for a in scheduled if a.suggested is not None)
        followed = sum(a.suggested == a.rating for a in scheduled if a.suggested is not None)
        overridden = sum(a.suggested != a.rating for a in scheduled if a.suggested is not None)
        return {
            "applied": {str(r): applied[str(r)] for r in range(1, 5)},
            "suggested": {str(r): suggested[str(r)] for r in range(1, 5)},
            "followed": followed,
            "overridden": overridden,
            "override_rate": rate(overridden, followed + overridden),
            "matrix": Counter((a.suggested, a.rating) for a in scheduled),
        }

    def studied(self) -> list[Any]:
        return [r for r in self.rows if r.state != 0 and r.stability is not None]

    def r_now(self, row: Any) -> float:
        return retrievability(memory(row), self.now, UTC_SETTINGS)

    def forecast(self, days: int = 30) -> list[dict[str, Any]]:
        usable = [r for r in self.rows if not r.suspended and r.state != 0 and r.due is not None]
        overdue = sum(r.due < day_start(self.today) for r in usable)
        per_day = Counter(day_of(r.due) for r in usable)
        return [
            {
                "date": (self.today + timedelta(days=i)).isoformat(),
                "due": per_day[self.today + timedelta(days=i)] + (overdue if i == 0 else 0),
                "overdue": overdue if i == 0 else 0,
            }
            for i in range(days)
        ]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[History]:
    """The fixed history, built once for the module (its tests only read it)."""
    base = tmp_path_factory.mktemp("history")
    home = base / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp, pgdb.database(backend, base / "history.db") as db:
        mp.setenv("QUIZZER_HOME", str(home))
        mp.delenv("QUIZZER_DB", raising=False)
        yield build_history(base / "decks", db)


@pytest.fixture
def hcol(history: History):
    with Collection.open(history.db) as col:
        yield col


def approx_days(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert [d["date"] for d in actual] == [d["date"] for d in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got["seconds"] == pytest.approx(want["seconds"], abs=0.051), got["date"]
        assert {k: v for k, v in got.items() if k != "seconds"} == {
            k: v for k, v in want.items() if k != "seconds"
        }


# -- the history itself -------------------------------------------------------------------
def test_history_is_the_one_designed(history: History, hcol: Collection) -> None:
    """The scenario played out as intended, so the figures below test what they claim."""
    log = history.log
    modes = Counter(a.mode for a in log)
    assert modes["practice"] == 3 and modes["scheduled"] > 40
    assert {a.day for a in log if a.mode == "scheduled"} == {
        *RUN1,
        *RUN2,
        date(2026, 2, 28),
        date(2026, 3, 1),
    }
    assert [a.day for a in log if a.at == LATE_NIGHT] == [date(2026, 2, 28)]
    # auto-graded and self-graded answers, suggestions followed and overridden
    assert {a.type for a in log if a.correct is not None} == {"choice", "typed", "cloze", "order"}
    assert any(a.suggested is not None and a.suggested != a.rating for a in log)
    # the undone answer left no review behind
    assert history.undone_key
    with hcol.store.read() as s:
        assert len(s.execute(select(reviews_t.c.id)).all()) == len(log)
        assert not s.execute(
            select(reviews_t.c.id).where(reviews_t.c.reviewed_at == UNDO_DAY)
        ).all()


# -- cards -------------------------------------------------------------------------------
def test_cards_by_state_and_flag(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    # by hand: b1 ch cl od b2 t1 b3 review; ty (failed today) and c1 (leech) relearning;
    # late learning; fresh new; b2 suspended by hand and c1 as a leech; od buried;
    # gone retired; od, b2 and t1 have a stability of 21 days or more
    assert stats["cards"] == {
        "total": 11,
        "new": 1,
        "learning": 1,
        "review": 7,
        "relearning": 2,
        "suspended": 2,
        "buried": 1,
        "leech": 1,
        "retired": 1,
        "mature": 3,
    }
    assert stats["cards"] == Oracle(history, card_rows(hcol)).cards()
    # the browser agrees on the flags
    flags = {r.key: set(r.flags) for r in hcol.browse(now=NOW)}
    assert flags["c1"] >= {"leech", "suspended"} and "buried" in flags["od"]
    # once the bury ends (the next study day), it is no longer counted
    assert hcol.stats(now=NOW + timedelta(days=1))["cards"]["buried"] == 0


def test_decks(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    assert stats["decks"] == Oracle(history, card_rows(hcol)).decks()
    alpha = stats["decks"][0]
    assert (alpha["deck"], alpha["cards"], alpha["mature"]) == ("alpha", 8, 2)
    assert alpha["mastery"] == 0.25


# -- activity and streak ------------------------------------------------------------------
def test_activity_per_day(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    oracle = Oracle(history, card_rows(hcol))
    activity = stats["activity"]
    approx_days(activity["days"], oracle.activity_days())
    days = {d["date"]: d for d in activity["days"]}
    assert activity["days"][0]["date"] == "2026-02-17"
    assert activity["days"][-1]["date"] == "2026-03-01"
    # practice answers are kept apart from scheduled ones
    assert days["2026-02-21"]["practice"] == 3
    assert days["2026-02-23"] == {
        "date": "2026-02-23",
        "scheduled": 0,
        "practice": 0,
        "seconds": 0.0,
        "review_answers": 0,
        "passed": 0,
    }
    total = activity["total"]
    assert total["scheduled"] == sum(a.mode == "scheduled" for a in history.log)
    assert total["practice"] == 3
    assert total["seconds"] == pytest.approx(
        sum(a.duration_ms for a in history.log) / 1000, abs=0.5
    )
    assert activity["days_studied"] == 11
    # review answers and passes: scheduled answers to review cards, Again not passed
    graded = [a for a in history.log if a.mode == "scheduled" and a.prior_state == 2]
    assert sum(d["review_answers"] for d in activity["days"]) == len(graded)
    assert sum(d["passed"] for d in activity["days"]) == sum(a.rating != 1 for a in graded)


def test_day_boundary_is_four_in_the_morning(history: History, hcol: Collection) -> None:
    """The answer at 03:30 UTC on March 1 belongs to February 28 (day start 4:00)."""
    days = {d["date"]: d for d in hcol.stats(now=NOW)["activity"]["days"]}
    late = [a for a in history.log if a.at == LATE_NIGHT]
    assert len(late) == 1
    assert days["2026-02-28"]["scheduled"] == 1
    assert days["2026-02-28"]["seconds"] == pytest.approx(late[0].duration_ms / 1000, abs=0.051)
    assert days["2026-03-01"]["scheduled"] == sum(a.at >= TODAY_SESSION for a in history.log)
    one_day = hcol.stats(since=date(2026, 2, 28), until=date(2026, 2, 28), now=NOW)
    assert one_day["activity"]["total"]["scheduled"] == 1
    # at 03:45 UTC it is still February 28: the answer counts for "today"
    early = hcol.stats(now=datetime(2026, 3, 1, 3, 45, tzinfo=UTC))
    assert early["filters"]["until"] == "2026-02-28"
    assert early["retention"]["today"]["answers"] == 1


@pytest.mark.parametrize(
    ("now", "current", "longest"),
    [
        (NOW, 5, 6),  # Feb 25 … Mar 1, today included
        (datetime(2026, 3, 1, 9, tzinfo=UTC), 4, 6),  # nothing yet today: up to yesterday
        (datetime(2026, 3, 1, 3, 45, tzinfo=UTC), 4, 6),  # still Feb 28, studied at 03:30
        (datetime(2026, 3, 2, 12, tzinfo=UTC), 5, 6),  # the next day, before studying
        (datetime(2026, 3, 3, 12, tzinfo=UTC), 0, 6),  # a day missed: the streak is over
        (datetime(2026, 2, 22, 23, tzinfo=UTC), 6, 6),  # the past: later reviews don't count
    ],
)
def test_streak(
    history: History, hcol: Collection, now: datetime, current: int, longest: int
) -> None:
    stats = hcol.stats(now=now)
    assert stats["activity"]["streak"] == {"current": current, "longest": longest}
    assert stats["activity"]["streak"] == Oracle(history, card_rows(hcol), now=now).streak()
    # the deck list's streak agrees, in the past too (later reviews don't count)
    streak = hcol.streak(now=now)
    assert (streak.current, streak.longest) == (current, longest)
    assert hcol.current_streak(now=now) == current
    # the streak looks at the whole history, whatever the date range
    assert hcol.stats(now=now, days=1)["activity"]["streak"] == stats["activity"]["streak"]


# -- retention and accuracy ---------------------------------------------------------------
def test_retention_windows(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    oracle = Oracle(history, card_rows(hcol))
    assert stats["retention"] == oracle.retention()
    r = stats["retention"]
    # today: only the review failed ahead of time (the learning card is not a review)
    assert r["today"] == {"answers": 1, "passed": 0, "rate": 0.0}
    # windows nest and only review-state scheduled answers count (no practice)
    assert r["today"]["answers"] <= r["7d"]["answers"] <= r["30d"]["answers"]
    assert r["30d"] == r["365d"]
    assert r["365d"]["answers"] == sum(
        a.mode == "scheduled" and a.prior_state == 2 for a in history.log
    )
    # the windows always end now, whatever the date range
    assert hcol.stats(now=NOW, since=date(2026, 2, 17), until=date(2026, 2, 18))["retention"] == r


def test_accuracy_per_type(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    assert stats["accuracy"] == Oracle(history, card_rows(hcol)).accuracy()
    assert [a["type"] for a in stats["accuracy"]] == ["choice", "cloze", "order", "typed"]
    # practice answers count: the practice on Feb 21 drilled c1 (choice) and t1 (typed)
    # right, and b3 (self-graded, never counted)
    practice = [a for a in history.log if a.mode == "practice"]
    assert sorted((a.key, a.correct) for a in practice) == [
        ("b3", None),
        ("c1", True),
        ("t1", True),
    ]
    day = {"until": date(2026, 2, 21), "since": date(2026, 2, 21)}
    on_feb_21 = {a["type"]: a for a in hcol.stats(now=NOW, **day)["accuracy"]}
    scheduled = [a for a in history.log if a.day == date(2026, 2, 21) and a.mode == "scheduled"]
    for kind in ("choice", "typed"):
        answers = [a for a in scheduled if a.type == kind] + [a for a in practice if a.type == kind]
        assert on_feb_21[kind]["graded"] == len(answers) >= 1
        assert on_feb_21[kind]["correct"] == sum(bool(a.correct) for a in answers)


# -- forecast and memory ------------------------------------------------------------------
def test_forecast(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    oracle = Oracle(history, card_rows(hcol))
    assert stats["forecast"] == oracle.forecast()
    today = stats["forecast"][0]
    # b3 was due Feb 27 (overdue); late (learning) and ty (relearning) are due today
    assert today == {"date": "2026-03-01", "due": 3, "overdue": 1}
    assert all(f["overdue"] == 0 for f in stats["forecast"][1:])
    assert len(stats["forecast"]) == 30
    # new, suspended (b2, c1) and retired (gone) cards are left out
    rows = {r.key: r for r in card_rows(hcol)}
    left_out = {"fresh", "b2", "c1", "gone"}
    in_horizon = [
        k
        for k, r in rows.items()
        if k not in left_out and r.due is not None and day_of(r.due) < date(2026, 3, 31)
    ]
    assert sum(f["due"] for f in stats["forecast"]) == len(in_horizon)
    assert len(hcol.stats(now=NOW, forecast_days=7)["forecast"]) == 7


def test_memory(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    oracle = Oracle(history, card_rows(hcol))
    studied = oracle.studied()
    mem = stats["memory"]
    assert mem["studied_cards"] == len(studied) == 10
    bounds = [(0, 1), (1, 3), (3, 7), (7, 21), (21, 90), (90, 365), (365, None)]
    assert [(b["from_days"], b["to_days"]) for b in mem["stability"]] == bounds
    assert [b["count"] for b in mem["stability"]] == [
        sum(lo <= r.stability and (hi is None or r.stability < hi) for r in studied)
        for lo, hi in bounds
    ]
    assert [b["count"] for b in mem["difficulty"]] == [
        sum(min(math.floor(r.difficulty), 9) == d for r in studied) for d in range(1, 10)
    ]
    recall = [oracle.r_now(r) for r in studied]
    assert [b["count"] for b in mem["retrievability"]] == [
        sum(min(int(p * 10), 9) == i for p in recall) for i in range(10)
    ]
    for name in ("stability", "difficulty", "retrievability"):
        assert sum(b["count"] for b in mem[name]) == len(studied), name
    assert mem["estimated_knowledge"] == pytest.approx(sum(recall), abs=0.006)
    assert mem["average_retrievability"] == pytest.approx(sum(recall) / len(recall), abs=6e-5)


# -- answer buttons and calibration -------------------------------------------------------
def test_buttons(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    want = Oracle(history, card_rows(hcol)).buttons()
    got = stats["buttons"]
    matrix = want.pop("matrix")
    assert {k: v for k, v in got.items() if k != "matrix"} == want
    assert Counter({(m["suggested"], m["applied"]): m["count"] for m in got["matrix"]}) == matrix
    # practice answers are not button presses of the schedule
    assert sum(got["applied"].values()) == sum(a.mode == "scheduled" for a in history.log)
    # by hand: two overrides (ty answered almost → Good instead of Hard, cl answered
    # wrong → Hard instead of Again); self-graded cards have no suggestion
    assert got["overridden"] == 2
    assert got["override_rate"] == round(2 / (got["followed"] + 2), 4)


def calibration_by_hand(rows: list[tuple[float, int]]) -> dict[str, Any]:
    """docs/statistics.md's calibration from (predicted recall, rating) pairs."""
    bins: list[list[float]] = [[0.0, 0, 0] for _ in range(10)]
    loss = 0.0
    for r, rating in rows:
        p = min(max(round(r * 1000) / 1000, 1e-4), 1 - 1e-4)  # as the code: to 0.001
        b = bins[min(int(p * 10), 9)]
        recalled = rating != 1
        b[0] += p
        b[1] += 1
        b[2] += recalled
        loss -= math.log(p) if recalled else math.log(1 - p)
    n = len(rows)
    squared = sum(c * (s / c - k / c) ** 2 for s, c, k in bins if c)
    return {
        "bins": [
            {
                "from": i / 10,
                "to": (i + 1) / 10,
                "predicted": round(s / c, 4) if c else None,
                "actual": round(k / c, 4) if c else None,
                "count": int(c),
            }
            for i, (s, c, k) in enumerate(bins)
        ],
        "reviews": n,
        "log_loss": loss / n if n else None,
        "rmse_bins": math.sqrt(squared / n) if n else None,
    }


def calibration_reviews(col: Collection, **where: Any) -> list[Any]:
    """The reviews calibration covers: scheduled answers to review or relearning cards,
    a day or more after the previous answer (fsrs predicts a recall of 1 sooner)."""
    with col.store.read() as s:
        rows = s.execute(
            select(reviews_t, cards_t.c.deck_id)
            .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
            .where(reviews_t.c.mode == "scheduled", reviews_t.c.prior_state.in_((2, 3)))
            .order_by(reviews_t.c.id)
        ).all()
    out = []
    for row in rows:
        before = MemoryState.from_json(row.state_before)
        predicted = retrievability(before, row.reviewed_at, UTC_SETTINGS)
        # the stored prediction is fsrs's, from the card's state just before the answer
        assert row.retrievability == pytest.approx(predicted, abs=1e-12)
        if (row.reviewed_at - before.last_review).days >= 1:
            out.append(row)
    return out


def test_calibration(history: History, hcol: Collection) -> None:
    stats = hcol.stats(now=NOW)
    cal = stats["calibration"]
    reviews = calibration_reviews(hcol)
    want = calibration_by_hand([(r.retrievability, r.rating) for r in reviews])
    assert cal["reviews"] == want["reviews"] == sum(b["count"] for b in cal["bins"])
    assert cal["bins"] == want["bins"]
    assert cal["log_loss"] == pytest.approx(want["log_loss"], abs=1e-3)
    assert cal["rmse_bins"] == pytest.approx(want["rmse_bins"], abs=1e-3)
    # with unrounded probabilities the log loss is within 1e-3 as well
    exact = -sum(
        math.log(r.retrievability) if r.rating != 1 else math.log(1 - r.retrievability)
        for r in reviews
    ) / len(reviews)
    assert cal["log_loss"] == pytest.approx(exact, abs=1e-3)
    # answers to learning cards and practice answers are not in it
    assert (
        cal["reviews"]
        < sum(a.mode == "scheduled" and a.prior_state in (2, 3) for a in history.log) + 1
    )


# -- hardest cards ------------------------------------------------------------------------
def test_hardest(history: History, hcol: Collection) -> None:
    hardest = hcol.stats(now=NOW)["hardest"]
    oracle = Oracle(history, card_rows(hcol))
    lapsed = sorted(
        (r for r in oracle.rows if r.lapses > 0 and r.state != 0),
        key=lambda r: (-r.lapses, -r.difficulty, r.id),
    )
    assert [h["key"] for h in hardest["most_lapses"]] == [r.key for r in lapsed]
    assert hardest["most_lapses"][0]["key"] == "c1"  # two lapses
    assert [h["lapses"] for h in hardest["most_lapses"]] == [2, 1, 1]
    first = hardest["most_lapses"][0]
    assert first["prompt"] == '=HYPERLINK("http://x")'
    assert (first["deck"], first["type"]) == ("beta", "choice")
    lowest = sorted(oracle.studied(), key=lambda r: (oracle.r_now(r), r.id))
    assert [h["key"] for h in hardest["lowest_retrievability"]] == [r.key for r in lowest][:10]
    for h, r in zip(hardest["lowest_retrievability"], lowest, strict=False):
        assert h["retrievability"] == pytest.approx(oracle.r_now(r), abs=6e-5)
        assert h["stability"] == pytest.approx(r.stability, abs=6e-4)
        assert (h["reviews"], h["lapses"]) == (r.reps, r.lapses)
    # a cloze card's prompt has its deletion blanked, as the card shows it
    prompts = {h["key"]: h["prompt"] for h in hardest["lowest_retrievability"]}
    assert prompts.get("cl/c1", "T5 replaces each masked span with a [...] token.") == (
        "T5 replaces each masked span with a [...] token."
    )


def test_cloze_prompt_is_blanked_in_hardest(col: Collection, tmp_path: Path) -> None:
    deck = 'deck: z\ncards:\n  - id: cz\n    type: cloze\n    text: "BERT uses {{masking}}."\n'
    col.import_decks([write_deck(tmp_path / "d", "z.yaml", deck)], now=NOW)
    session = col.study("z", now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None
    session.answer(card, rating=Rating.EASY, now=NOW)
    (row,) = col.stats(now=NOW)["hardest"]["lowest_retrievability"]
    assert row["prompt"] == "BERT uses [...]." and "masking" not in row["prompt"]


# -- filters ------------------------------------------------------------------------------
FILTERS = [
    {"deck": "alpha"},
    {"deck": "beta"},
    {"tag": "hard"},
    {"tag": "core"},
    {"tag": "late"},
    {"since": date(2026, 2, 19), "until": date(2026, 2, 26)},
    {"since": date(2026, 2, 25)},
    {"until": date(2026, 2, 21)},
    {"days": 3},
    {"days": 3, "until": date(2026, 2, 22)},
    {"deck": "alpha", "tag": "hard", "days": 30},
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_filters(history: History, hcol: Collection, flt: dict[str, Any]) -> None:
    stats = hcol.stats(now=NOW, **flt)
    oracle = Oracle(history, card_rows(hcol), **flt)
    assert stats["filters"]["since"] == (oracle.since.isoformat() if oracle.since else None)
    assert stats["filters"]["until"] == oracle.until.isoformat()
    assert stats["cards"] == oracle.cards()
    assert stats["decks"] == oracle.decks()
    approx_days(stats["activity"]["days"], oracle.activity_days())
    assert stats["activity"]["days_studied"] == sum(
        d["scheduled"] > 0 for d in oracle.activity_days()
    )
    assert stats["activity"]["streak"] == oracle.streak()
    assert stats["retention"] == oracle.retention()
    assert stats["accuracy"] == oracle.accuracy()
    want = oracle.buttons()
    matrix = want.pop("matrix")
    assert {k: v for k, v in stats["buttons"].items() if k != "matrix"} == want
    assert {(m["suggested"], m["applied"]): m["count"] for m in stats["buttons"]["matrix"]} == dict(
        matrix
    )
    assert stats["forecast"] == oracle.forecast()
    assert stats["memory"]["studied_cards"] == len(oracle.studied())
    assert stats["memory"]["estimated_knowledge"] == pytest.approx(
        sum(oracle.r_now(r) for r in oracle.studied()), abs=0.006
    )
    picked = {r.id for r in oracle.all_rows}
    reviews = [
        r
        for r in calibration_reviews(hcol)
        if r.card_id in picked
        and (oracle.since is None or day_of(r.reviewed_at) >= oracle.since)
        and day_of(r.reviewed_at) <= oracle.until
    ]
    assert stats["calibration"]["reviews"] == len(reviews)
    if reviews:
        want_cal = calibration_by_hand([(r.retrievability, r.rating) for r in reviews])
        assert stats["calibration"]["bins"] == want_cal["bins"]
        assert stats["calibration"]["log_loss"] == pytest.approx(want_cal["log_loss"], abs=1e-3)
    hardest = {h["key"] for h in stats["hardest"]["lowest_retrievability"]}
    assert hardest <= {r.key for r in oracle.rows}


def test_filters_that_select_nothing(hcol: Collection) -> None:
    stats = hcol.stats(tag="no-such-tag", now=NOW)
    assert set(stats["cards"].values()) == {0}
    assert stats["decks"] == [] and stats["accuracy"] == []
    assert stats["activity"]["total"] == {"scheduled": 0, "practice": 0, "seconds": 0.0}
    assert stats["calibration"]["reviews"] == 0 and stats["calibration"]["log_loss"] is None
    assert stats["memory"]["estimated_knowledge"] == 0.0
    assert stats["memory"]["average_retrievability"] is None
    # a date range before any review
    early = hcol.stats(until=date(2026, 1, 1), days=7, now=NOW)
    assert [d["scheduled"] for d in early["activity"]["days"]] == [0] * 7
    assert early["buttons"]["override_rate"] is None


def test_unknown_deck_is_a_key_error(hcol: Collection) -> None:
    with pytest.raises(KeyError, match="no deck 'nope'"):
        hcol.stats(deck="nope", now=NOW)


def test_empty_collection(col: Collection) -> None:
    stats = col.stats(now=NOW)
    assert stats["version"] == 1
    assert stats["generated_at"] == NOW.isoformat()
    assert set(stats["cards"].values()) == {0}
    assert stats["decks"] == []
    assert stats["activity"]["days"] == [
        {
            "date": "2026-03-01",
            "scheduled": 0,
            "practice": 0,
            "seconds": 0.0,
            "review_answers": 0,
            "passed": 0,
        }
    ]
    assert stats["activity"]["days_studied"] == 0
    assert stats["activity"]["streak"] == {"current": 0, "longest": 0}
    for window in ("today", "7d", "30d", "365d"):
        assert stats["retention"][window] == {"answers": 0, "passed": 0, "rate": None}
    assert stats["accuracy"] == []
    assert stats["forecast"][0] == {"date": "2026-03-01", "due": 0, "overdue": 0}
    assert sum(f["due"] for f in stats["forecast"]) == 0
    mem = stats["memory"]
    assert mem["studied_cards"] == 0 and mem["estimated_knowledge"] == 0.0
    assert mem["average_retrievability"] is None
    assert all(
        b["count"] == 0 for k in ("stability", "difficulty", "retrievability") for b in mem[k]
    )
    assert stats["buttons"]["override_rate"] is None and stats["buttons"]["matrix"] == []
    cal = stats["calibration"]
    assert (cal["reviews"], cal["log_loss"], cal["rmse_bins"]) == (0, None, None)
    assert all(b["predicted"] is None and b["count"] == 0 for b in cal["bins"])
    assert stats["hardest"] == {"most_lapses": [], "lowest_retrievability": []}


def test_imported_but_never_studied(col: Collection, tmp_path: Path) -> None:
    col.import_decks([write_deck(tmp_path / "d", "alpha.yaml", ALPHA)], now=NOW)
    stats = col.stats(now=NOW)
    assert stats["cards"]["total"] == stats["cards"]["new"] == 6
    assert stats["decks"] == [
        {
            "deck": "alpha",
            "title": "Alpha deck",
            "cards": 6,
            "mature": 0,
            "mastery": 0.0,
            "review_answers": 0,
            "true_retention": None,
        }
    ]
    assert stats["memory"]["studied_cards"] == 0
    assert sum(f["due"] for f in stats["forecast"]) == 0  # new cards are not forecast


# -- undo ---------------------------------------------------------------------------------
def test_undo_leaves_no_trace_in_any_figure(history: History) -> None:
    assert history.during_undo != history.before_undo  # the answer did show up …
    assert history.after_undo == history.before_undo  # … and undo took it back out


@pytest.mark.backends("sqlite")  # copies the file; the same steps run on both in the fixture
def test_undo_after_the_whole_history(tmp_path: Path, history: History) -> None:
    """Answer and undo on a copy of the history: every figure is as before."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(history.db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with Collection.open(copy) as col:
        before = col.stats(now=NOW)
        session = col.study("beta", now=NOW)
        card = session.next_card(now=NOW)
        assert card is not None and card.key == "b3"  # the overdue card
        session.answer(card, rating=Rating.AGAIN, duration_ms=12_000, now=NOW)
        during = col.stats(now=NOW)
        assert (
            during["activity"]["total"]["scheduled"] == before["activity"]["total"]["scheduled"] + 1
        )
        assert (
            during["retention"]["today"]["answers"] == before["retention"]["today"]["answers"] + 1
        )
        assert during["cards"]["relearning"] == before["cards"]["relearning"] + 1
        assert session.undo() is not None
        assert col.stats(now=NOW) == before


# -- time zones and the day boundary ------------------------------------------------------
TWO_CARDS = """\
deck: tz
cards:
  - id: one
    front: One?
    back: one
  - id: two
    front: Two?
    back: two
  - id: three
    front: Three?
    back: three
"""


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "America/St_Johns",
    ],
)
def test_day_boundary_in_any_time_zone(col: Collection, tmp_path: Path, zone: str) -> None:
    """Answers just before and after 4:00 local time fall on two study days, even where
    4:00 is in the middle of a UTC hour (offsets of :30 and :45)."""
    from zoneinfo import ZoneInfo

    col.import_decks([write_deck(tmp_path / "d", "tz.yaml", TWO_CARDS)], now=NOW)
    col.set_setting("timezone", zone)
    local = ZoneInfo(zone)
    times = [
        datetime(2026, 3, 1, 3, 59, tzinfo=local),
        datetime(2026, 3, 1, 4, 1, tzinfo=local),
        datetime(2026, 3, 8, 4, 10, tzinfo=local),  # the US change to summer time
    ]
    for at in times:
        at = at.astimezone(UTC)
        session = col.study("tz", now=at)
        card = session.next_card(now=at)
        assert card is not None
        session.answer(card, rating=Rating.EASY, now=at)
    now = datetime(2026, 3, 8, 12, tzinfo=local).astimezone(UTC)
    days = {d["date"]: d["scheduled"] for d in col.stats(now=now)["activity"]["days"]}
    assert days["2026-02-28"] == 1 and days["2026-03-01"] == 1 and days["2026-03-08"] == 1
    assert sum(days.values()) == 3
    assert col.stats(now=now)["activity"]["streak"] == {"current": 1, "longest": 2}


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    zone=st.sampled_from(
        ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
    ),
    hour=st.integers(0, 23),
    answers=st.lists(
        # (day, minutes from that day's local start hour): most land near a boundary
        st.tuples(st.integers(0, 40), st.integers(-45, 45) | st.integers(-720, 720)),
        min_size=1,
        max_size=10,
    ),
)
def test_activity_days_match_local_study_days(
    sql_card_db: Path | str, zone: str, hour: int, answers: list[Any]
) -> None:
    """Answers around the day boundary (in March, across daylight-saving changes) land
    on the study day zoneinfo gives them, and the streak equals the deck list's."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    with Collection.open(sql_card_db) as col:
        with col.store.write() as s:
            s.execute(reviews_t.delete())
            s.execute(
                update(cards_t).values(
                    state=0,
                    step=None,
                    stability=None,
                    difficulty=None,
                    due=None,
                    last_review=None,
                    reps=0,
                    lapses=0,
                )
            )
        col.set_setting("timezone", zone)
        col.set_setting("day_start_hour", hour)
        card_id = col.card_id("tz", "one")
        seed = repo.collection_seed(col.store)
        expected: Counter[date] = Counter()
        moments = sorted(
            (datetime(2026, 3, 1, hour, tzinfo=local) + timedelta(days=d, minutes=m)).astimezone(
                UTC
            )
            for d, m in answers
        )
        for at in moments:
            repo.answer_card(
                col.store,
                card_id,
                expected_reps=None,
                mode="scheduled",
                response=None,
                rating=3,
                duration_ms=1000,
                now=at,
                seed=seed,
            )
            expected[(at.astimezone(local) - timedelta(hours=hour)).date()] += 1
        now = moments[-1] + timedelta(minutes=1)
        stats = col.stats(now=now)
        got = {d["date"]: d["scheduled"] for d in stats["activity"]["days"] if d["scheduled"]}
        assert got == {d.isoformat(): n for d, n in expected.items()}
        streak = col.streak(now=now)
        assert stats["activity"]["streak"] == {"current": streak.current, "longest": streak.longest}
        assert col.current_streak(now=now) == streak.current


# -- the SQL functions ----------------------------------------------------------------------
@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    stability=st.floats(0.01, 40000, allow_nan=False),
    last_us=st.integers(0, 10**15),
    elapsed_us=st.one_of(
        st.integers(0, 3 * 10**13),
        # a hair before and after whole days, where truncation errors show
        st.tuples(st.integers(0, 400), st.integers(-1_000_000, 1_000_000)).map(
            lambda t: max(0, t[0] * 86_400_000_000 + t[1])
        ),
    ),
    decay_param=st.sampled_from([0.1542, 0.5, 0.1]),
)
def test_sql_retrievability_equals_fsrs(
    sql_card_db: Path | str,
    stability: float,
    last_us: int,
    elapsed_us: int,
    decay_param: float,
) -> None:
    """``retrievability_at`` in SQL gives fsrs's number, to the last bit, for stored cards."""
    from quizzer.store.sqlfuncs import retrievability_at

    last = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=last_us)
    now = last + timedelta(microseconds=elapsed_us)
    params = list(StudySettings().parameters or scheduler_for(StudySettings()).parameters)
    params[20] = decay_param
    study = StudySettings(parameters=tuple(params))
    decay = -decay_param
    factor = 0.9 ** (1 / decay) - 1
    db = sql_card_db
    with Collection.open(db) as col:
        card_id = col.card_id("tz", "one")
        with col.store.write() as s:
            s.execute(
                update(cards_t)
                .where(cards_t.c.id == card_id)
                .values(state=2, stability=stability, difficulty=5.0, last_review=last, due=now)
            )
        with col.store.read() as s:
            got = s.execute(
                select(
                    retrievability_at(
                        cards_t.c.stability, cards_t.c.last_review, now.timestamp(), decay, factor
                    )
                ).where(cards_t.c.id == card_id)
            ).scalar_one()
    want = retrievability(MemoryState(2, None, stability, 5.0, now, last), now, study)
    assert got == want


@pytest.fixture(scope="module")
def sql_card_db(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Path | str]:
    """A collection with two cards, shared by the hypothesis tests of the module."""
    base = tmp_path_factory.mktemp("sqlfuncs")
    with pgdb.database(backend, base / "sql.db") as db:
        with Collection.open(db) as col:
            col.import_decks([write_deck(base / "d", "tz.yaml", TWO_CARDS)], now=NOW)
        yield db


def test_sql_retrievability_over_the_history(history: History, hcol: Collection) -> None:
    """The statistics' recall of every studied card (through SQL) is fsrs's."""
    stats = hcol.stats(now=NOW)
    oracle = Oracle(history, card_rows(hcol))
    by_key = {r.key: oracle.r_now(r) for r in oracle.studied()}
    for h in stats["hardest"]["lowest_retrievability"]:
        assert h["retrievability"] == round(by_key[h["key"]], 4)
    for days_later in (0, 1, 7, 30, 400):
        now = NOW + timedelta(days=days_later, seconds=1)
        recall = [retrievability(memory(r), now, UTC_SETTINGS) for r in oracle.studied()]
        assert hcol.stats(now=now)["memory"]["estimated_knowledge"] == pytest.approx(
            sum(recall), abs=0.006
        )


# -- a real review log ----------------------------------------------------------------------
REAL_LOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "review_logs_josh.csv"


def real_log() -> list[dict[str, Any]]:
    """The rows of the real log (12,580 reviews of 1,205 cards), oldest first."""
    if not REAL_LOG.is_file():
        pytest.skip(f"the real review log is not available at {REAL_LOG}")
    with REAL_LOG.open(newline="", encoding="utf-8") as handle:
        rows = [
            {
                "card": r["card_id"],
                "rating": int(r["review_rating"]),
                "at": datetime.fromisoformat(r["review_time"]),
                "duration": int(r["review_duration"]),
            }
            for r in csv.DictReader(handle)
        ]
    rows.sort(key=lambda r: r["at"])
    return rows


def replay_real_log(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    """Import one basic card per card of ``rows``, replay every review through the study
    engine, and check the statistics are those of the log."""
    cards = sorted({r["card"] for r in rows})
    deck = "deck: josh\ntitle: Josh\ncards:\n" + "".join(
        f"  - id: c{c}\n    front: card {c}\n    back: answer {c}\n" for c in cards
    )
    col = Collection.open(tmp_path / "josh.db")
    col.import_decks([write_deck(tmp_path / "decks", "josh.yaml", deck)], now=rows[0]["at"])
    col.set_setting("timezone", "UTC")
    ids = {key: col.card_id("josh", key) for key in (f"c{c}" for c in cards)}
    seed = repo.collection_seed(col.store)
    started = time.perf_counter()
    for r in rows:
        repo.answer_card(
            col.store,
            ids[f"c{r['card']}"],
            expected_reps=None,
            mode="scheduled",
            response=None,
            rating=r["rating"],
            duration_ms=r["duration"],
            now=r["at"],
            seed=seed,
        )
    replay_s = time.perf_counter() - started
    now = rows[-1]["at"] + timedelta(minutes=1)
    stats = col.stats(now=now)
    print(f"replayed {len(rows)} reviews in {replay_s:.1f} s")  # shown with -s

    # cards and activity are the log's
    assert stats["cards"]["total"] == len(cards) and stats["cards"]["new"] == 0
    activity = stats["activity"]
    per_day = Counter(day_of(r["at"]) for r in rows)
    assert {d["date"]: d["scheduled"] for d in activity["days"] if d["scheduled"]} == {
        d.isoformat(): n for d, n in per_day.items()
    }
    assert activity["total"]["scheduled"] == len(rows) and activity["total"]["practice"] == 0
    assert activity["total"]["seconds"] == pytest.approx(
        sum(r["duration"] for r in rows) / 1000, abs=0.05 * len(activity["days"])
    )
    assert activity["days_studied"] == len(per_day)
    # the streak, from the log's days
    days = sorted(per_day)
    longest = run = 1
    for previous, following in itertools.pairwise(days):
        run = run + 1 if (following - previous).days == 1 else 1
        longest = max(longest, run)
    assert activity["streak"]["longest"] == longest
    assert 1 <= activity["streak"]["current"] <= longest  # studied on the last day
    # retention: plausible, and the 365-day window covers the whole log
    review_answers = sum(d["review_answers"] for d in activity["days"])
    assert stats["retention"]["365d"]["answers"] == review_answers > 0
    assert 0.5 <= stats["retention"]["365d"]["rate"] <= 1.0
    (deck_row,) = stats["decks"]
    assert deck_row["review_answers"] == review_answers
    assert 0.5 <= deck_row["true_retention"] <= 1.0
    # answer buttons: every rating of the log, no suggestions (basic cards)
    assert stats["buttons"]["applied"] == {
        str(k): sum(r["rating"] == k for r in rows) for k in range(1, 5)
    }
    assert stats["buttons"]["override_rate"] is None
    # calibration: a sane fit, the bins cover every review it counts
    cal = stats["calibration"]
    assert cal["reviews"] == sum(b["count"] for b in cal["bins"]) > 0
    assert 0.2 <= cal["log_loss"] <= 0.7, cal
    assert 0 <= cal["rmse_bins"] <= 0.25
    for b in cal["bins"]:
        if b["count"]:
            assert b["from"] <= b["predicted"] <= b["to"] and 0 <= b["actual"] <= 1
    # forecast and memory: every studied card is somewhere (leeches are suspended)
    rows_now = card_rows(col)
    active = [r for r in rows_now if not r.suspended]
    assert stats["cards"]["suspended"] == stats["cards"]["leech"] == len(rows_now) - len(active)
    horizon = day_start(day_of(now) + timedelta(days=30))
    assert sum(f["due"] for f in stats["forecast"]) == sum(r.due < horizon for r in active)
    assert stats["forecast"][0]["overdue"] == sum(r.due < day_start(day_of(now)) for r in active)
    mem = stats["memory"]
    assert mem["studied_cards"] == len(cards)
    recall = [retrievability(memory(r), now, StudySettings(timezone="UTC")) for r in rows_now]
    assert mem["estimated_knowledge"] == pytest.approx(sum(recall), abs=0.006)
    assert 0 < mem["estimated_knowledge"] < len(cards)
    # the review export gives the log back, in the FSRS optimizer's layout
    import io

    from quizzer.stats.export import export_reviews

    out = io.StringIO()
    assert export_reviews(col.store, out) == len(rows)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    key_of = {v: k for k, v in ids.items()}
    assert [
        (
            key_of[int(e["card_id"])],
            int(e["review_time"]),
            int(e["review_rating"]),
            int(e["review_duration"]),
        )
        for e in exported
    ] == [
        (
            f"c{r['card']}",
            (r["at"] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1),
            r["rating"],
            r["duration"],
        )
        for r in rows
    ]
    col.close()


def test_real_review_log_subset(tmp_path: Path) -> None:
    """The complete histories of the first cards of the real log, about 2,000 reviews."""
    rows = real_log()
    per_card = Counter(r["card"] for r in rows)
    picked: set[str] = set()
    total = 0
    for card in sorted(per_card):
        if total >= 2000:
            break
        picked.add(card)
        total += per_card[card]
    replay_real_log(tmp_path, [r for r in rows if r["card"] in picked])


@pytest.mark.slow
def test_real_review_log_full(tmp_path: Path) -> None:
    """All 12,580 reviews of 1,205 cards (about 30 s: one transaction per answer)."""
    rows = real_log()
    assert len(rows) == 12_580 and len({r["card"] for r in rows}) == 1_205
    replay_real_log(tmp_path, rows)


def test_imported_history_is_not_forecast(tmp_path: Path) -> None:
    """History cards from import-reviews count in memory figures but are never due."""
    from quizzer.history import import_reviews

    col = Collection.open(tmp_path / "h.db")
    log = tmp_path / "log.csv"
    start = NOW - timedelta(days=40)
    rows = ["card_id,review_time,review_rating,review_duration"]
    for card in (1, 2):
        for n, rating in enumerate((3, 3, 1)):
            rows.append(f"{card},{(start + timedelta(days=4 * n)).isoformat()},{rating},3000")
    log.write_text("\n".join(rows) + "\n")
    import_reviews(col.store, log, now=NOW)
    stats = col.stats(now=NOW)
    assert stats["memory"]["studied_cards"] == 2
    assert sum(f["due"] for f in stats["forecast"]) == 0


@pytest.mark.backends
def test_an_answer_in_the_last_instant_of_a_study_day_belongs_to_it(
    col: Collection, tmp_path: Path
) -> None:
    """SQLite reads the fraction of a second to the millisecond, rounding: an answer at
    03:59:59.9996 counted on the next study day there (and not on PostgreSQL)."""
    from quizzer.study.types import Rating

    deck = "deck: edge\ntitle: Edge\ncards:\n  - id: x\n    front: X?\n    back: X\n"
    path = write_deck(tmp_path / "decks", "edge.yaml", deck)
    col.import_decks([path], now=NOW - timedelta(days=9))
    col.set_setting("timezone", "UTC")
    col.set_setting("day_start_hour", 4)
    when = datetime(2026, 3, 2, 3, 59, 59, 999600, tzinfo=UTC)  # still 1 March's day
    session = col.study("edge", now=when)
    session.answer(session.next_card(now=when), rating=Rating.GOOD, now=when)
    later = datetime(2026, 3, 2, 12, tzinfo=UTC)
    days = {d["date"]: d["scheduled"] for d in col.stats(now=later)["activity"]["days"]}
    assert days.get("2026-03-01") == 1 and not days.get("2026-03-02")
    assert col.current_streak(now=later) == 1  # yesterday's, today not yet studied
    assert col.streak(now=later).current == 1
