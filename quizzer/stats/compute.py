"""Progress statistics, computed in SQL at a given moment.

Every figure is an SQL aggregate; Python only folds quarter-hour buckets into study days
(so the 4:00 boundary is exact in any time zone, :30 and :45 offsets included, across
daylight-saving changes) and turns rows into the documented structure.
``docs/statistics.md`` defines every field of :func:`compute_stats`'s result (format
version :data:`STATS_VERSION`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement

from quizzer.history import HISTORY_TYPE
from quizzer.store.db import Store
from quizzer.store.models import STUDIED_STATES, card_tags_t, cards_t, decks_t, reviews_t
from quizzer.store.sqlfuncs import QUARTER_SECONDS, epoch_quarter, retrievability_at, unindexed
from quizzer.study import repo
from quizzer.study.days import DayFolder, local_zone, runs_of_days
from quizzer.study.scheduler import scheduler_for
from quizzer.study.settings import StudySettings
from quizzer.study.views import display_prompt

__all__ = ["STATS_VERSION", "StatsFilter", "compute_stats"]

STATS_VERSION = 1
MATURE_DAYS = 21
_STABILITY_BINS = [(0, 1), (1, 3), (3, 7), (7, 21), (21, 90), (90, 365), (365, None)]
_R_BINS = 10
#: The SQL buckets of time: quarter hours. Whole hours were wrong in time zones offset
#: by :30 or :45 (Asia/Kolkata, Asia/Kathmandu, America/St_Johns…), where a study
#: day's 4:00 start falls inside a UTC hour: an answer at 4:15 counted for the day
#: before. Every zone's offset is a multiple of 15 minutes.
_BUCKET_S = QUARTER_SECONDS


#: ``reviews.reviewed_at`` for bounds that keep most of the log (see ``unindexed``).
_reviewed_at_scan: Any = unindexed(reviews_t.c.reviewed_at)


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """What the statistics cover. Dates are local study days, inclusive."""

    deck: str | None = None
    tag: str | None = None
    since: date | None = None
    until: date | None = None
    days: int | None = None
    forecast_days: int = 30
    hardest: int = 10

    def to_dict(self) -> dict[str, Any]:
        """The filter as it appears in the JSON output."""
        return {
            "deck": self.deck,
            "tag": self.tag,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "days": self.days,
            "forecast_days": self.forecast_days,
        }


class _Context:
    """Settings, clock and SQL conditions shared by every statistic."""

    def day_of_bucket(self, bucket: Any) -> date:
        """The local study day of an :class:`epoch_quarter` bucket."""
        return self.days.day_of_epoch(int(bucket) * _BUCKET_S)

    def __init__(self, store: Store, flt: StatsFilter, now: datetime):
        self.store = store
        self.flt = flt
        self.now = now
        with store.read() as session:
            if (
                flt.deck is not None
                and session.execute(select(decks_t.c.id).where(decks_t.c.slug == flt.deck)).first()
                is None
            ):
                raise KeyError(f"no deck '{flt.deck}'")
            self.settings: StudySettings = repo.deck_settings(session, flt.deck)
        self.zone = local_zone(self.settings.timezone)
        self.hour = self.settings.day_start_hour
        self.days = DayFolder(self.zone, self.hour)
        self.today = self.day_of(now)
        scheduler = scheduler_for(self.settings)
        self.decay = -scheduler.parameters[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        until = flt.until or self.today
        since = flt.since
        if flt.days:
            since = until - timedelta(days=flt.days - 1)
        self.since, self.until = since, until

    def day_of(self, when: datetime) -> date:
        """The local study day of a UTC moment."""
        return self.days.day_of(when)

    def day_start(self, day: date) -> datetime:
        """The UTC moment a local study day starts."""
        return self.days.day_start(day)

    def card_filter(self) -> list[ColumnElement[bool]]:
        """Conditions on ``cards`` for the deck and tag filters."""
        out: list[ColumnElement[bool]] = []
        if self.flt.deck is not None:
            out.append(
                cards_t.c.deck_id
                == select(decks_t.c.id).where(decks_t.c.slug == self.flt.deck).scalar_subquery()
            )
        if self.flt.tag is not None:
            out.append(
                cards_t.c.id.in_(
                    select(card_tags_t.c.card_id).where(card_tags_t.c.tag == self.flt.tag)
                )
            )
        return out

    def reviews_from(self) -> Any:
        """``reviews``, joined to ``cards`` only when a card filter needs it (the join
        costs as much as the scan on a large log)."""
        if self.flt.deck is None and self.flt.tag is None:
            return reviews_t
        return reviews_t.join(cards_t, cards_t.c.id == reviews_t.c.card_id)

    def review_filter(self) -> list[ColumnElement[bool]]:
        """Card filters plus the date range, for statistics over reviews."""
        out = self.card_filter()
        if self.since is not None:
            out.append(reviews_t.c.reviewed_at >= self.day_start(self.since))
        out.append(_reviewed_at_scan < self.day_start(self.until + timedelta(days=1)))
        out.append(reviews_t.c.mode != "reset")
        return out

    def r_now(self) -> Any:
        """SQL for each card's retrievability now."""
        return retrievability_at(
            cards_t.c.stability,
            cards_t.c.last_review,
            self.now.timestamp(),
            self.decay,
            self.factor,
        )


def _zone_name(now: datetime) -> str:
    """This machine's time zone, by name where the system gives one."""
    import os

    name = os.environ.get("TZ", "")
    if name:
        return name
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return now.astimezone().tzname() or "local"


def _rate(passed: int, total: int) -> float | None:
    return round(passed / total, 4) if total else None


def _cards(ctx: _Context, session: Any) -> dict[str, Any]:
    c = cards_t.c
    active = c.retired_at.is_(None)
    buried = and_(c.buried_until.is_not(None), c.buried_until > ctx.now)
    row = session.execute(
        select(
            func.count().filter(active),
            func.count().filter(active, c.state == 0),
            func.count().filter(active, c.state == 1),
            func.count().filter(active, c.state == 2),
            func.count().filter(active, c.state == 3),
            func.count().filter(active, c.suspended.is_(True)),
            func.count().filter(active, buried),
            func.count().filter(active, c.leech.is_(True)),
            func.count().filter(c.retired_at.is_not(None)),
            func.count().filter(active, c.stability >= MATURE_DAYS),
        ).where(*ctx.card_filter())
    ).one()
    names = (
        "total",
        "new",
        "learning",
        "review",
        "relearning",
        "suspended",
        "buried",
        "leech",
        "retired",
        "mature",
    )
    return dict(zip(names, (int(v or 0) for v in row), strict=True))


def _decks(ctx: _Context, session: Any) -> list[dict[str, Any]]:
    c = cards_t.c
    rows = session.execute(
        select(
            decks_t.c.slug,
            decks_t.c.title,
            func.count(c.id),
            func.count(c.id).filter(c.stability >= MATURE_DAYS),
        )
        .select_from(decks_t)
        .join(cards_t, and_(c.deck_id == decks_t.c.id, c.retired_at.is_(None)), isouter=True)
        .where(*ctx.card_filter())
        .group_by(decks_t.c.id)
        .order_by(decks_t.c.title)
    ).all()
    retention = dict(
        (slug, (int(total), int(passed)))
        for slug, total, passed in session.execute(
            select(decks_t.c.slug, func.count(), func.count().filter(reviews_t.c.rating != 1))
            .select_from(reviews_t)
            .join(cards_t, c.id == reviews_t.c.card_id)
            .join(decks_t, decks_t.c.id == c.deck_id)
            .where(
                reviews_t.c.mode == "scheduled", reviews_t.c.prior_state == 2, *ctx.review_filter()
            )
            .group_by(decks_t.c.slug)
        ).all()
    )
    out = []
    for slug, title, total, mature in rows:
        reviews, passed = retention.get(slug, (0, 0))
        out.append(
            {
                "deck": slug,
                "title": title,
                "cards": int(total),
                "mature": int(mature),
                "mastery": _rate(int(mature), int(total)),
                "review_answers": reviews,
                "true_retention": _rate(passed, reviews),
            }
        )
    return out


def _activity(ctx: _Context, session: Any) -> dict[str, Any]:
    quarter = epoch_quarter(reviews_t.c.reviewed_at)
    graded = and_(reviews_t.c.mode == "scheduled", reviews_t.c.prior_state == 2)
    # One pass over the reviews: counts per quarter hour and mode, with the day's true
    # retention counted alongside.
    rows = session.execute(
        select(
            quarter,
            reviews_t.c.mode,
            func.count(),
            func.sum(reviews_t.c.duration_ms),
            func.count().filter(graded),
            func.count().filter(graded, reviews_t.c.rating != 1),
        )
        .select_from(ctx.reviews_from())
        .where(*ctx.review_filter())
        .group_by(quarter, reviews_t.c.mode)
    ).all()
    per_day: dict[date, dict[str, float]] = defaultdict(
        lambda: {"scheduled": 0, "practice": 0, "seconds": 0.0, "review_answers": 0, "passed": 0}
    )
    scheduled_quarters: set[int] = set()
    for bucket, mode, count, duration, answers, passed in rows:
        day = ctx.day_of_bucket(bucket)
        per_day[day][mode] += int(count)
        per_day[day]["seconds"] += (duration or 0) / 1000
        per_day[day]["review_answers"] += int(answers)
        per_day[day]["passed"] += int(passed)
        if mode == "scheduled":
            scheduled_quarters.add(int(bucket))
    start = ctx.since or (min(per_day) if per_day else ctx.until)
    days: list[dict[str, Any]] = []
    day = start
    while day <= ctx.until:
        values = per_day.get(day) or {
            "scheduled": 0,
            "practice": 0,
            "seconds": 0.0,
            "review_answers": 0,
            "passed": 0,
        }
        days.append(
            {
                "date": day.isoformat(),
                "scheduled": int(values["scheduled"]),
                "practice": int(values["practice"]),
                "seconds": round(values["seconds"], 1),
                "review_answers": int(values["review_answers"]),
                "passed": int(values["passed"]),
            }
        )
        day += timedelta(days=1)
    # The streak looks at the whole history, whatever the date range; without a range,
    # the rows above already cover it.
    newest = session.execute(select(func.max(reviews_t.c.reviewed_at))).scalar()
    if ctx.since is None and ctx.until >= ctx.today and (newest is None or newest <= ctx.now):
        all_quarters: Any = scheduled_quarters
    else:
        all_quarters = (
            session.execute(
                select(quarter)
                .select_from(ctx.reviews_from())
                .where(
                    reviews_t.c.mode == "scheduled",
                    _reviewed_at_scan <= ctx.now,
                    *ctx.card_filter(),
                )
                .group_by(quarter)
            )
            .scalars()
            .all()
        )
    current, longest = runs_of_days({ctx.day_of_bucket(h) for h in all_quarters}, ctx.today)
    return {
        "days": days,
        "total": {
            "scheduled": sum(d["scheduled"] for d in days),
            "practice": sum(d["practice"] for d in days),
            "seconds": round(sum(d["seconds"] for d in days), 1),
        },
        "days_studied": len([d for d in days if d["scheduled"]]),
        "streak": {"current": current, "longest": longest},
    }


def _retention(ctx: _Context, session: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"desired": ctx.settings.desired_retention}
    windows = (("today", 1), ("7d", 7), ("30d", 30), ("365d", 365))
    columns = []
    for _, days in windows:
        since = _reviewed_at_scan >= ctx.day_start(ctx.today - timedelta(days=days - 1))
        columns += [func.count().filter(since), func.count().filter(since, reviews_t.c.rating != 1)]
    oldest = ctx.day_start(ctx.today - timedelta(days=364))
    row = session.execute(
        select(*columns)
        .select_from(ctx.reviews_from())
        .where(
            reviews_t.c.mode == "scheduled",
            reviews_t.c.prior_state == 2,
            _reviewed_at_scan >= oldest,
            _reviewed_at_scan <= ctx.now,
            *ctx.card_filter(),
        )
    ).one()
    for index, (name, _) in enumerate(windows):
        total, passed = int(row[2 * index]), int(row[2 * index + 1])
        out[name] = {"answers": total, "passed": passed, "rate": _rate(passed, total)}
    return out


def _accuracy(ctx: _Context, session: Any) -> list[dict[str, Any]]:
    rows = session.execute(
        select(cards_t.c.type, func.count(), func.count().filter(reviews_t.c.correct.is_(True)))
        .select_from(reviews_t)
        .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
        .where(reviews_t.c.correct.is_not(None), *ctx.review_filter())
        .group_by(cards_t.c.type)
        .order_by(cards_t.c.type)
    ).all()
    return [
        {
            "type": kind,
            "graded": int(total),
            "correct": int(right),
            "rate": _rate(int(right), int(total)),
        }
        for kind, total, right in rows
    ]


def _forecast(ctx: _Context, session: Any) -> list[dict[str, Any]]:
    horizon = ctx.day_start(ctx.today + timedelta(days=ctx.flt.forecast_days))
    c = cards_t.c
    usable = [
        c.retired_at.is_(None),
        c.suspended.is_(False),
        c.type != HISTORY_TYPE,  # never studied, so never due for anyone
        c.state.in_(STUDIED_STATES),  # not != 0: the list searches ix_cards_state_due
        c.due.is_not(None),
        *ctx.card_filter(),
    ]
    overdue = session.execute(
        select(func.count()).select_from(cards_t).where(*usable, c.due < ctx.day_start(ctx.today))
    ).scalar_one()
    quarter = epoch_quarter(c.due)
    rows = session.execute(
        select(quarter, func.count())
        .where(*usable, c.due >= ctx.day_start(ctx.today), c.due < horizon)
        .group_by(quarter)
    ).all()
    per_day: dict[date, int] = defaultdict(int)
    for bucket, count in rows:
        per_day[ctx.day_of_bucket(bucket)] += int(count)
    out = []
    for offset in range(ctx.flt.forecast_days):
        day = ctx.today + timedelta(days=offset)
        due = per_day.get(day, 0) + (int(overdue) if offset == 0 else 0)
        out.append(
            {"date": day.isoformat(), "due": due, "overdue": int(overdue) if offset == 0 else 0}
        )
    return out


def _memory(ctx: _Context, session: Any) -> dict[str, Any]:
    c = cards_t.c
    studied = [c.retired_at.is_(None), c.state != 0, c.stability.is_not(None), *ctx.card_filter()]
    stability_cases = []
    for low, high in _STABILITY_BINS:
        cond = c.stability >= low if high is None else and_(c.stability >= low, c.stability < high)
        stability_cases.append(func.count().filter(cond))
    stab = session.execute(select(*stability_cases).where(*studied)).one()
    stability = [
        {"from_days": low, "to_days": high, "count": int(n)}
        for (low, high), n in zip(_STABILITY_BINS, stab, strict=True)
    ]
    difficulty_bin = func.floor(c.difficulty)
    diff_rows = dict(
        session.execute(
            select(difficulty_bin, func.count())
            .where(*studied, c.difficulty.is_not(None))
            .group_by(difficulty_bin)
        ).all()
    )
    difficulty = [{"from": d, "to": d + 1, "count": int(diff_rows.get(d, 0))} for d in range(1, 10)]
    difficulty[-1]["count"] += int(diff_rows.get(10, 0))  # D = 10 closes the last bin
    r = ctx.r_now()
    r_bin = case((r >= 1, _R_BINS - 1), else_=func.floor(r * _R_BINS))
    # one pass computes every card's recall once: the histogram, and the sums behind
    # the totals (each SQL evaluation of ``r`` is a Python call on SQLite)
    r_rows = {
        b: (int(n), float(total or 0.0))
        for b, n, total in session.execute(
            select(r_bin, func.count(), func.sum(r)).where(*studied).group_by(r_bin)
        ).all()
    }
    retrievability = [
        {"from": i / _R_BINS, "to": (i + 1) / _R_BINS, "count": r_rows.get(i, (0, 0.0))[0]}
        for i in range(_R_BINS)
    ]
    count = sum(n for n, _ in r_rows.values())
    knowledge = math.fsum(total for _, total in r_rows.values())
    average = knowledge / count if count else None
    return {
        "stability": stability,
        "difficulty": difficulty,
        "retrievability": retrievability,
        "estimated_knowledge": round(float(knowledge or 0.0), 2),
        "studied_cards": int(count),
        "average_retrievability": round(float(average), 4) if average is not None else None,
    }


def _buttons(ctx: _Context, session: Any) -> dict[str, Any]:
    rows = session.execute(
        select(reviews_t.c.suggested_rating, reviews_t.c.rating, func.count())
        .select_from(ctx.reviews_from())
        .where(reviews_t.c.mode == "scheduled", *ctx.review_filter())
        .group_by(reviews_t.c.suggested_rating, reviews_t.c.rating)
    ).all()
    applied = {str(r): 0 for r in range(1, 5)}
    suggested = {str(r): 0 for r in range(1, 5)}
    followed = overridden = 0
    matrix = []
    for suggestion, rating, count in rows:
        applied[str(rating)] = applied.get(str(rating), 0) + int(count)
        if suggestion is not None:
            suggested[str(suggestion)] += int(count)
            if suggestion == rating:
                followed += int(count)
            else:
                overridden += int(count)
        matrix.append({"suggested": suggestion, "applied": rating, "count": int(count)})
    # In a fixed order on every backend (self-graded answers, suggesting nothing, first):
    # a GROUP BY promises none, and PostgreSQL's changed with its planner statistics.
    matrix.sort(key=lambda m: (m["suggested"] is not None, m["suggested"] or 0, m["applied"]))
    return {
        "applied": applied,
        "suggested": suggested,
        "followed": followed,
        "overridden": overridden,
        "override_rate": _rate(overridden, followed + overridden),
        "matrix": matrix,
    }


def _calibration(ctx: _Context, session: Any) -> dict[str, Any]:
    # Reviews of cards seen before, on a later day (as the FSRS optimizer counts them).
    # An answer less than a whole day after the card's previous one has a predicted
    # recall of exactly 1 (fsrs counts whole days elapsed): those were counted too, so
    # every same-day relearning failure added -log(1e-4) ≈ 9.2 to the log loss (1.29
    # instead of 0.46 on a real 12,580-review log). ``< 1`` leaves exactly them out.
    base = [
        reviews_t.c.mode == "scheduled",
        reviews_t.c.retrievability.is_not(None),
        reviews_t.c.retrievability < 1,
        reviews_t.c.prior_state.in_((2, 3)),
        *ctx.review_filter(),
    ]
    fine = func.round(reviews_t.c.retrievability * 1000)
    rows = session.execute(
        select(fine, func.count(), func.count().filter(reviews_t.c.rating != 1))
        .select_from(ctx.reviews_from())
        .where(*base)
        .group_by(fine)
    ).all()
    bins = [[0.0, 0, 0] for _ in range(_R_BINS)]  # sum of predictions, count, recalled
    loss = 0.0
    total = 0
    for bucket, count, recalled in rows:
        p = min(max(float(bucket) / 1000, 1e-4), 1 - 1e-4)
        count, recalled = int(count), int(recalled)
        index = min(int(p * _R_BINS), _R_BINS - 1)
        bins[index][0] += p * count
        bins[index][1] += count
        bins[index][2] += recalled
        loss -= recalled * math.log(p) + (count - recalled) * math.log(1 - p)
        total += count
    out_bins = []
    squared = 0.0
    for i, (p_sum, count, recalled) in enumerate(bins):
        predicted = p_sum / count if count else None
        actual = recalled / count if count else None
        if count:
            squared += count * (predicted - actual) ** 2  # type: ignore[operator]
        out_bins.append(
            {
                "from": i / _R_BINS,
                "to": (i + 1) / _R_BINS,
                "predicted": round(predicted, 4) if predicted is not None else None,
                "actual": round(actual, 4) if actual is not None else None,
                "count": count,
            }
        )
    return {
        "bins": out_bins,
        "reviews": total,
        "log_loss": round(loss / total, 4) if total else None,
        "rmse_bins": round(math.sqrt(squared / total), 4) if total else None,
    }


def _hardest(ctx: _Context, session: Any) -> dict[str, Any]:
    c = cards_t.c
    r = ctx.r_now()
    columns = (
        c.id,
        decks_t.c.slug,
        c.key,
        c.type,
        c.data,
        c.lapses,
        c.reps,
        c.stability,
        c.difficulty,
        r.label("r"),
    )
    active = [c.retired_at.is_(None), c.state != 0, *ctx.card_filter()]

    def rows(order: Any, extra: list[Any]) -> list[dict[str, Any]]:
        result = session.execute(
            select(*columns)
            .join(decks_t, decks_t.c.id == c.deck_id)
            .where(*active, *extra)
            .order_by(*order)
            .limit(ctx.flt.hardest)
        ).all()
        return [
            {
                "card_id": row.id,
                "deck": row.slug,
                "key": row.key,
                "type": row.type,
                # display_prompt blanks a cloze's deletions: the raw text gave the
                # answer away ("a {{sentinel}} token"), unlike the card export.
                "prompt": display_prompt(row.type, row.data),
                "lapses": row.lapses,
                "reviews": row.reps,
                "stability": round(row.stability, 3) if row.stability is not None else None,
                "difficulty": round(row.difficulty, 3) if row.difficulty is not None else None,
                "retrievability": round(row.r, 4) if row.r is not None else None,
            }
            for row in result
        ]

    return {
        "most_lapses": rows([c.lapses.desc(), c.difficulty.desc(), c.id], [c.lapses > 0]),
        "lowest_retrievability": rows([r.asc(), c.id], [c.stability.is_not(None)]),
    }


def compute_stats(
    store: Store, flt: StatsFilter | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Every statistic for the cards and reviews ``flt`` selects, at ``now``.

    Raises:
        KeyError: When ``flt.deck`` is not a deck of the collection.
    """
    flt = flt or StatsFilter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ctx = _Context(store, flt, now)
    with store.read() as session:
        return {
            "version": STATS_VERSION,
            "generated_at": now.isoformat(),
            "filters": flt.to_dict()
            | {
                "since": ctx.since.isoformat() if ctx.since else None,
                "until": ctx.until.isoformat(),
            },
            "settings": {
                "desired_retention": ctx.settings.desired_retention,
                "day_start_hour": ctx.hour,
                "timezone": ctx.settings.timezone or _zone_name(ctx.now),
            },
            "cards": _cards(ctx, session),
            "decks": _decks(ctx, session),
            "activity": _activity(ctx, session),
            "retention": _retention(ctx, session),
            "accuracy": _accuracy(ctx, session),
            "forecast": _forecast(ctx, session),
            "memory": _memory(ctx, session),
            "buttons": _buttons(ctx, session),
            "calibration": _calibration(ctx, session),
            "hardest": _hardest(ctx, session),
        }
