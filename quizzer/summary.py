"""What a study session achieved, and the study streak, computed from the review log."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from quizzer.store.db import Store
from quizzer.store.models import cards_t, decks_t, reviews_t

__all__ = ["SessionSummary", "Streak", "session_summary", "streak"]


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


def streak(store: Store, now: datetime | None = None) -> Streak:
    """The current and longest streak of study days (by the collection's day boundary)."""
    from quizzer.study import repo

    now = now or datetime.now(UTC)
    with store.read() as session:
        settings = repo.deck_settings(session, None)
        times = (
            session.execute(
                select(reviews_t.c.reviewed_at)
                .where(reviews_t.c.mode == "scheduled")
                .order_by(reviews_t.c.reviewed_at)
            )
            .scalars()
            .all()
        )
    from quizzer.study.days import local_zone

    zone = local_zone(settings.timezone)
    hour = settings.day_start_hour
    days: set[date] = set()
    for when in times:
        local = when.astimezone(zone)
        days.add((local - timedelta(hours=hour)).date())
    if not days:
        return Streak(0, 0)
    ordered = sorted(days)
    longest = run = 1
    for previous, following in itertools.pairwise(ordered):
        run = run + 1 if following - previous == timedelta(days=1) else 1
        longest = max(longest, run)
    today = (now.astimezone(zone) - timedelta(hours=hour)).date()
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return Streak(current, longest)


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
                cards_t.c.state != 0,
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
