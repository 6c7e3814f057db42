"""Browsing cards: a search language, card rows for a table, and a card's history.

The query is free text (matched against the prompt, answer and key) plus any of
``deck:ID``, ``tag:NAME``, ``type:TYPE`` and ``is:due``, ``is:new``, ``is:learning``,
``is:review``, ``is:leech``, ``is:suspended``, ``is:buried``, ``is:retired``. A ``-``
before a term negates it (``-is:new``). Retired cards are shown only with
``is:retired``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from quizzer.store.db import Store
from quizzer.store.models import cards_t, decks_t, reviews_t

__all__ = ["BrowseError", "BrowseRow", "ReviewInfo", "browse", "card_history", "parse_query"]

_IS = ("due", "new", "learning", "review", "leech", "suspended", "buried", "retired")
_STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


class BrowseError(ValueError):
    """A search query that can't be understood; the message says why."""


@dataclass(frozen=True, slots=True)
class BrowseRow:
    """One card as the browser shows it."""

    id: int
    deck: str
    key: str
    type: str
    prompt: str
    state: str
    due: datetime | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    lapses: int
    reps: int
    flags: tuple[str, ...]
    line: int
    path: str | None


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    """One entry of a card's history."""

    id: int
    reviewed_at: datetime
    mode: str
    rating: int
    suggested: int | None
    correct: bool | None
    duration_ms: int
    response: Any
    prior_state: str


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query: (field, value, negated) terms and free words."""

    terms: tuple[tuple[str, str, bool], ...]
    words: tuple[tuple[str, bool], ...]


def parse_query(text: str) -> Query:
    """Parse a search query.

    Raises:
        BrowseError: For an unknown ``field:`` or ``is:`` value, or unbalanced quotes.
    """
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise BrowseError(f"cannot read the query: {exc}") from None
    terms: list[tuple[str, str, bool]] = []
    words: list[tuple[str, bool]] = []
    for part in parts:
        negated = part.startswith("-") and len(part) > 1
        body = part[1:] if negated else part
        name, sep, value = body.partition(":")
        if sep and name in ("deck", "tag", "type", "is"):
            if not value:
                raise BrowseError(f"'{name}:' needs a value")
            if name == "is" and value not in _IS:
                raise BrowseError(f"unknown 'is:{value}'; use one of {', '.join(_IS)}")
            terms.append((name, value, negated))
        else:
            words.append((body.casefold(), negated))
    return Query(tuple(terms), tuple(words))


def _prompt(data: dict[str, Any]) -> str:
    return str(data.get("front") or data.get("question") or data.get("text") or "")


def _matches(query: Query, row: Any, is_values: set[str]) -> bool:
    data = row.data
    for name, value, negated in query.terms:
        if name == "deck":
            hit = row.slug == value
        elif name == "tag":
            hit = value in data.get("tags", ())
        elif name == "type":
            hit = row.type == value
        else:
            hit = value in is_values
        if hit == negated:
            return False
    if query.words:
        haystack = " ".join(
            (_prompt(data), str(data.get("back") or data.get("answer") or ""), row.key)
        ).casefold()
        for word, negated in query.words:
            if (word in haystack) == negated:
                return False
    return True


def browse(
    store: Store, query: str = "", now: datetime | None = None, limit: int | None = None
) -> list[BrowseRow]:
    """The cards matching ``query``, in deck and file order."""
    from quizzer.study import repo
    from quizzer.study.scheduler import retrievability

    now = now or datetime.now(UTC)
    parsed = parse_query(query)
    wants_retired = any(n == "is" and v == "retired" and not neg for n, v, neg in parsed.terms)
    out: list[BrowseRow] = []
    with store.read() as session:
        q = repo.card_query().order_by(decks_t.c.title, cards_t.c.position)
        if not wants_retired:
            q = q.where(cards_t.c.retired_at.is_(None))
        settings_cache: dict[str, Any] = {}
        for row in session.execute(q):
            if row.slug not in settings_cache:
                settings_cache[row.slug] = repo.deck_settings(session, row.slug)
            settings = settings_cache[row.slug]
            day_end = repo.day_for(settings, now).end
            buried = row.buried_until is not None and row.buried_until > now
            is_values = {
                "new" if row.state == 0 else "review" if row.state == 2 else "learning",
            }
            if row.state != 0 and row.due is not None and row.due < day_end:
                is_values.add("due")
            for flag, on in (
                ("leech", row.leech),
                ("suspended", row.suspended),
                ("buried", buried),
                ("retired", row.retired_at is not None),
            ):
                if on:
                    is_values.add(flag)
            if not _matches(parsed, row, is_values):
                continue
            memory = repo.memory_of(row)
            flags = tuple(f for f in ("suspended", "buried", "leech", "retired") if f in is_values)
            out.append(
                BrowseRow(
                    row.id,
                    row.slug,
                    row.key,
                    row.type,
                    _prompt(row.data),
                    _STATE_NAMES.get(row.state, "?"),
                    row.due,
                    row.stability,
                    row.difficulty,
                    retrievability(memory, now, settings) if row.state else None,
                    row.lapses,
                    row.reps,
                    flags,
                    row.line,
                    row.path,
                )
            )
            if limit is not None and len(out) >= limit:
                break
    return out


def card_history(store: Store, card_id: int) -> list[ReviewInfo]:
    """Every review of a card, oldest first."""
    with store.read() as session:
        rows = session.execute(
            select(reviews_t).where(reviews_t.c.card_id == card_id).order_by(reviews_t.c.id)
        ).all()
    return [
        ReviewInfo(
            r.id,
            r.reviewed_at,
            r.mode,
            r.rating,
            r.suggested_rating,
            r.correct,
            r.duration_ms,
            r.response,
            _STATE_NAMES.get(r.prior_state, "?"),
        )
        for r in rows
    ]
