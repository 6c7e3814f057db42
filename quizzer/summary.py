"""What a study session achieved, and the study streak, computed from the review log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from quizzer.store.db import Store
from quizzer.store.models import STUDIED_STATES, cards_t, decks_t, reviews_t

__all__ = [
    "SessionSummary",
    "Streak",
    "current_streak",
    "days_text",
    "session_summary",
    "streak",
    "streak_text",
]


@dataclass(frozen=True, slots=True)
class Streak:
    """Days in a row with at least one scheduled review."""

    current: int
    longest: int


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """The numbers shown when a session ends."""

    cards: int
    seconds: float
    accuracy: dict[str, tuple[int, int]] = field(default_factory=dict)  # type → (right, graded)
    ratings: dict[int, int] = field(default_factory=dict)
    due_tomorrow: int = 0
    streak: Streak = Streak(0, 0)


def days_text(n: int) -> str:
    """``1 day``, ``3 days``."""
    return f"{n} day" if n == 1 else f"{n} days"


def streak_text(current: int, longest: int) -> str:
    """``3 days (longest 1 day)``, as every screen and report shows a streak."""
    return f"{days_text(current)} (longest {days_text(longest)})"


def streak(store: Store, now: datetime | None = None) -> Streak:
    """The current and longest streak of study days (by the collection's day boundary).

    SQL reduces the log to the quarter hours with a scheduled review (a few thousand
    rows for a year of study, whatever the number of reviews); Python folds those into
    local days, which stays exact across daylight-saving changes.
    """
    from quizzer.store.sqlfuncs import QUARTER_SECONDS, epoch_quarter, unindexed
    from quizzer.study import repo
    from quizzer.study.days import DayFolder, local_zone, runs_of_days

    now = now or datetime.now(UTC)
    quarter = epoch_quarter(reviews_t.c.reviewed_at)
    with store.read() as session:
        settings = repo.deck_settings(session, None)
        buckets = (
            session.execute(
                select(quarter)
                .where(reviews_t.c.mode == "scheduled", unindexed(reviews_t.c.reviewed_at) <= now)
                .group_by(quarter)
            )
            .scalars()
            .all()
        )
    folder = DayFolder(local_zone(settings.timezone), settings.day_start_hour)
    studied = {folder.day_of_epoch(int(bucket) * QUARTER_SECONDS) for bucket in sorted(buckets)}
    current, longest = runs_of_days(studied, folder.day_of(now))
    return Streak(current, longest)


def current_streak(store: Store, now: datetime | None = None) -> int:
    """The current streak alone (what the deck list shows): one indexed look-up per day
    of it, walking back from today, so it costs the streak's length, not the log's."""
    from sqlalchemy import bindparam

    from quizzer.study import repo
    from quizzer.study.days import DayFolder, current_run, local_zone

    now = now or datetime.now(UTC)
    stmt = (
        select(reviews_t.c.id)
        .where(
            reviews_t.c.reviewed_at >= bindparam("start"),
            reviews_t.c.reviewed_at < bindparam("end"),
            reviews_t.c.mode == "scheduled",
        )
        .limit(1)
    )
    with store.read() as session:
        settings = repo.deck_settings(session, None)
        folder = DayFolder(local_zone(settings.timezone), settings.day_start_hour)

        def studied(day: date) -> bool:
            start = folder.day_start(day)
            end = min(folder.day_start(day + timedelta(days=1)), now + timedelta(microseconds=1))
            return session.execute(stmt, {"start": start, "end": end}).first() is not None

        return current_run(studied, folder.day_of(now))


def session_summary(
    store: Store, review_ids: list[int], deck: str | None, now: datetime | None = None
) -> SessionSummary:
    """Summarise the reviews ``review_ids`` of one session."""
    from quizzer.study import repo

    now = now or datetime.now(UTC)
    accuracy: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ratings: dict[int, int] = defaultdict(int)
    seconds = 0.0
    with store.read() as session:
        rows = (
            session.execute(
                select(
                    reviews_t.c.rating, reviews_t.c.correct, reviews_t.c.duration_ms, cards_t.c.type
                )
                .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
                .where(reviews_t.c.id.in_(review_ids))
            ).all()
            if review_ids
            else []
        )
        for rating, correct, duration, kind in rows:
            ratings[rating] += 1
            seconds += duration / 1000
            if correct is not None:
                accuracy[kind][1] += 1
                accuracy[kind][0] += bool(correct)
        settings = repo.deck_settings(session, deck)
        today = repo.day_for(settings, now)
        tomorrow = repo.day_for(settings, today.end)
        query = (
            select(func.count())
            .select_from(cards_t)
            .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
            .where(
                cards_t.c.state.in_(STUDIED_STATES),  # through ix_cards_state_due
                cards_t.c.due < tomorrow.end,
                cards_t.c.retired_at.is_(None),
                cards_t.c.suspended.is_(False),
            )
        )
        if deck is not None:
            query = query.where(decks_t.c.slug == deck)
        due_tomorrow = session.execute(query).scalar_one()
    return SessionSummary(
        len(rows),
        seconds,
        {k: (v[0], v[1]) for k, v in accuracy.items()},
        dict(ratings),
        due_tomorrow,
        streak(store, now),
    )
