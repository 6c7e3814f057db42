"""Fitting FSRS parameters to the learner's own history, with fsrs-rs (Anki's trainer).

The review log becomes fsrs-rs *items* as fsrs-rs defines them: for each card, one item
per review that falls on a later study day than the review before it, holding the
card's history up to and including that review (with ``delta_t``, the days between
reviews); items without a long-term review are dropped. Only scheduled answers count,
and a progress reset starts a card's history over.

**The items are in review-time order**, across cards, as Anki passes them (it sorts
them by revlog id). The order is part of the definition: fsrs-rs weighs each item by
its position in the list — weight ``0.25 + 0.75·(i/(n−1))³``, so recent reviews count
up to four times as much — in ``evaluate`` (log loss and RMSE(bins)) and in training.
The same items grouped card by card give different figures (see
``docs/personal-scheduling.md``).

fsrs-rs returns its default parameters, silently, when it has fewer than
:data:`MIN_ITEMS` items; :func:`optimize` says so instead of pretending to have fitted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from quizzer.store.db import Store
from quizzer.store.models import cards_t, decks_t, reviews_t

__all__ = [
    "MIN_ITEMS",
    "Fit",
    "OptimizeResult",
    "build_items",
    "evaluate",
    "item_reviews",
    "optimize",
]

#: fsrs-rs fits nothing below this many items (it returns its defaults); found by
#: bisecting on real data, and checked in the tests.
MIN_ITEMS = 33


@dataclass(frozen=True, slots=True)
class Fit:
    """How well a set of parameters predicts the history."""

    parameters: tuple[float, ...]
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    """The current parameters' fit, the fitted ones', and whether fitting was possible."""

    items: int
    reviews: int
    current: Fit | None
    fitted: Fit | None
    enough: bool

    @property
    def better(self) -> bool:
        """Whether the fitted parameters predict the history better (lower log loss)."""
        return bool(self.fitted and self.current and self.fitted.log_loss < self.current.log_loss)


def _histories(store: Store, deck: str | None) -> dict[int, list[tuple[datetime, int, str]]]:
    query = (
        select(reviews_t.c.card_id, reviews_t.c.reviewed_at, reviews_t.c.rating, reviews_t.c.mode)
        .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
        .where(reviews_t.c.mode.in_(("scheduled", "reset")))
        .order_by(reviews_t.c.card_id, reviews_t.c.reviewed_at, reviews_t.c.id)
    )
    if deck is not None:
        query = query.join(decks_t, decks_t.c.id == cards_t.c.deck_id).where(decks_t.c.slug == deck)
    out: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    with store.read() as session:
        for card_id, when, rating, mode in session.execute(query):
            if mode == "reset":
                out[card_id] = []  # the history starts over
            else:
                out[card_id].append((when, rating, mode))
    return out


def item_reviews(
    histories: dict[Any, list[tuple[datetime, int, str]]], day_of: Any
) -> tuple[list[list[tuple[int, int]]], int]:
    """The items, as lists of ``(rating, delta_t)``, in review-time order; and the review
    count.

    ``histories`` maps a card to its answers ``(when, rating, mode)`` in time order;
    ``day_of(when)`` is the study day of an answer. Each answer on a later study day than
    the card's previous answer gives one item: the card's answers up to and including it,
    ``delta_t`` being the study days since the previous answer (0 for the first and for
    same-day answers, which stay in the history).
    """
    items: list[tuple[datetime, list[tuple[int, int]]]] = []
    count = 0
    for history in histories.values():
        reviews: list[tuple[int, int]] = []
        last: date | None = None
        for when, rating, _mode in history:
            count += 1
            day = day_of(when)
            delta = 0 if last is None else (day - last).days
            reviews.append((rating, delta))
            if delta > 0:
                items.append((when, list(reviews)))
            last = day
    items.sort(key=lambda pair: pair[0])  # fsrs-rs weighs items by position: time order
    return [item for _, item in items], count


def build_items(
    histories: dict[Any, list[tuple[datetime, int, str]]], day_of: Any
) -> tuple[list[Any], int]:
    """fsrs-rs items from per-card histories (see :func:`item_reviews`); and the review
    count."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    reviews, count = item_reviews(histories, day_of)
    items = [FSRSItem([FSRSReview(rating, delta) for rating, delta in r]) for r in reviews]
    return [item for item in items if item.long_term_review_cnt() > 0], count


def evaluate(parameters: tuple[float, ...], items: list[Any]) -> Fit:
    """Log loss and RMSE(bins) of ``parameters`` on ``items``."""
    from fsrs_rs_python import FSRS

    result = FSRS(list(parameters)).evaluate(items)
    return Fit(tuple(parameters), float(result.log_loss), float(result.rmse_bins))


def optimize(store: Store, deck: str | None = None, fit: bool = True) -> OptimizeResult:
    """Evaluate the current parameters and (with ``fit``) fit new ones."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    from quizzer.study import repo
    from quizzer.study.days import local_zone

    with store.read() as session:
        settings = repo.deck_settings(session, deck)
    zone = local_zone(settings.timezone)
    hour = settings.day_start_hour

    def day_of(when: datetime) -> date:
        return (when.astimezone(zone) - timedelta(hours=hour)).date()

    items, reviews = build_items(_histories(store, deck), day_of)
    if not items:
        return OptimizeResult(0, reviews, None, None, False)
    current_params = tuple(settings.parameters) or tuple(DEFAULT_PARAMETERS)
    current = evaluate(current_params, items)
    if not fit or len(items) < MIN_ITEMS:
        return OptimizeResult(len(items), reviews, current, None, len(items) >= MIN_ITEMS)
    fitted_params = tuple(float(p) for p in FSRS([]).compute_parameters(items))
    if all(abs(a - b) < 1e-6 for a, b in zip(fitted_params, DEFAULT_PARAMETERS, strict=False)):
        return OptimizeResult(len(items), reviews, current, None, False)
    return OptimizeResult(len(items), reviews, current, evaluate(fitted_params, items), True)
