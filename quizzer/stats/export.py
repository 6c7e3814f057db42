"""Exporting the review log and the cards, as CSV or JSON Lines.

The review CSV starts with the FSRS optimizer's columns (``card_id``, ``review_time``
in epoch milliseconds, ``review_rating``, ``review_state``, ``review_duration``), so
other FSRS tools read it as it is; quizzer's own columns follow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select

from quizzer.errors import QuizzerError
from quizzer.stats.files import write_csv
from quizzer.store.db import Store
from quizzer.store.models import card_tags_t, cards_t, decks_t, reviews_t
from quizzer.study.views import display_prompt

__all__ = ["CARD_COLUMNS", "REVIEW_COLUMNS", "UnknownDeck", "export_cards", "export_reviews"]

REVIEW_COLUMNS = [
    "card_id",
    "review_time",
    "review_rating",
    "review_state",
    "review_duration",
    "deck",
    "card_key",
    "mode",
    "correct",
    "suggested_rating",
    "retrievability",
    "review_id",
]
CARD_COLUMNS = [
    "card_id",
    "deck",
    "card_key",
    "type",
    "prompt",
    "state",
    "due",
    "last_review",
    "stability",
    "difficulty",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
    "retired",
    "tags",
]
_BATCH = 5000


class UnknownDeck(QuizzerError, KeyError):
    """``deck`` is not a deck of the collection. A ``KeyError`` like ``Collection.stats``
    raises, and a :class:`QuizzerError`, so the CLI prints one line and exits 1."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _check_deck(store: Store, deck: str | None) -> None:
    # An unknown --deck used to export an empty file and exit 0, hiding a typo;
    # ``quizzer stats --deck`` refuses it, and so do the exports now.
    if deck is None:
        return
    with store.read() as session:
        if session.execute(select(decks_t.c.id).where(decks_t.c.slug == deck)).first() is None:
            raise UnknownDeck(f"no deck '{deck}'")


def _review_rows(
    store: Store, deck: str | None, scheduled_only: bool, include_resets: bool
) -> Iterator[list[Any]]:
    query = (
        select(
            reviews_t.c.card_id,
            reviews_t.c.reviewed_at,
            reviews_t.c.rating,
            reviews_t.c.prior_state,
            reviews_t.c.duration_ms,
            decks_t.c.slug,
            cards_t.c.key,
            reviews_t.c.mode,
            reviews_t.c.correct,
            reviews_t.c.suggested_rating,
            reviews_t.c.retrievability,
            reviews_t.c.id,
        )
        .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
        .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
        .order_by(reviews_t.c.id)
    )
    if deck is not None:
        query = query.where(decks_t.c.slug == deck)
    if scheduled_only:
        query = query.where(reviews_t.c.mode == "scheduled")
    elif not include_resets:
        query = query.where(reviews_t.c.mode != "reset")
    with store.read() as session:
        result = session.execute(query.execution_options(yield_per=_BATCH))
        for row in result:
            yield [
                row[0],
                int(row[1].timestamp() * 1000),
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                None if row[8] is None else int(row[8]),
                row[9],
                None if row[10] is None else round(row[10], 6),
                row[11],
            ]


def export_reviews(
    store: Store,
    handle: IO[str],
    fmt: str = "csv",
    deck: str | None = None,
    scheduled_only: bool = False,
) -> int:
    """Write the review log to ``handle``; returns the number of reviews written.

    Resets (rating 0) are left out of CSV, which FSRS tools would misread; JSON Lines
    keeps them.

    Raises:
        UnknownDeck: When ``deck`` is not a deck of the collection.
    """
    _check_deck(store, deck)
    rows = _review_rows(store, deck, scheduled_only, include_resets=fmt == "jsonl")
    if fmt == "csv":
        return write_csv(handle, REVIEW_COLUMNS, rows)
    count = 0
    for row in rows:
        handle.write(
            json.dumps(dict(zip(REVIEW_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n"
        )
        count += 1
    return count


def export_cards(store: Store, handle: IO[str], fmt: str = "csv", deck: str | None = None) -> int:
    """Write the current state of every card; returns the number of cards written.

    Raises:
        UnknownDeck: When ``deck`` is not a deck of the collection.
    """
    _check_deck(store, deck)
    states = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
    with store.read() as session:
        tags: dict[int, list[str]] = {}
        for card_id, tag in session.execute(select(card_tags_t.c.card_id, card_tags_t.c.tag)):
            tags.setdefault(card_id, []).append(tag)
        # The columns the file needs, and no more: each date column costs a parse per
        # card (created_at and updated_at doubled the time at 100,000 cards), and
        # retired_at is only asked whether it is set.
        c = cards_t.c
        query = (
            select(
                c.id,
                decks_t.c.slug,
                c.key,
                c.type,
                c.data,
                c.state,
                c.due,
                c.last_review,
                c.stability,
                c.difficulty,
                c.reps,
                c.lapses,
                c.suspended,
                c.buried_until,
                c.leech,
                c.retired_at.is_not(None),
            )
            .join(decks_t, decks_t.c.id == c.deck_id)
            .order_by(decks_t.c.title, c.position)
        )
        if deck is not None:
            query = query.where(decks_t.c.slug == deck)
        rows = []
        # Unpacked, not read by name: a Row's attribute look-ups cost ≈ 1 s more at
        # 100,000 cards (measured: 4.0-4.3 s against 4.9-5.3 s).
        for (
            card_id,
            slug,
            key,
            card_type,
            data,
            state,
            due,
            last_review,
            stability,
            difficulty,
            reps,
            lapses,
            suspended,
            buried_until,
            leech,
            retired,
        ) in session.execute(query):
            rows.append(
                [
                    card_id,
                    slug,
                    key,
                    card_type,
                    display_prompt(card_type, data),
                    states.get(state, "?"),
                    due.isoformat() if due else None,
                    last_review.isoformat() if last_review else None,
                    stability,
                    difficulty,
                    reps,
                    lapses,
                    bool(suspended),
                    buried_until.isoformat() if buried_until else None,
                    bool(leech),
                    bool(retired),
                    " ".join(tags.get(card_id, [])),
                ]
            )
    if fmt == "csv":
        return write_csv(handle, CARD_COLUMNS, rows)
    for row in rows:
        handle.write(
            json.dumps(dict(zip(CARD_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n"
        )
    return len(rows)
