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
from quizzer.store.models import (
    STUDIED_STATES,
    card_tags_t,
    cards_t,
    deck_sources_t,
    decks_t,
    reviews_t,
)

__all__ = ["BrowseError", "BrowseRow", "ReviewInfo", "browse", "card_history", "parse_query"]

_IS = ("due", "new", "learning", "review", "leech", "suspended", "buried", "retired")
_STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
#: The columns :func:`quizzer.study.repo.memory_of` reads.
_MEMORY_COLUMNS = (
    *("state", "step", "stability", "difficulty"),
    *("due", "last_review", "reps", "lapses"),
)


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
    return _has_words(query.words, data, row.key)


def _has_words(words: tuple[tuple[str, bool], ...], data: dict[str, Any], key: str) -> bool:
    """Whether the card's prompt, answer and key hold each word (and none negated)."""
    if not words:
        return True
    haystack = " ".join(
        (_prompt(data), str(data.get("back") or data.get("answer") or ""), key)
    ).casefold()
    return all((word in haystack) != negated for word, negated in words)


def _plain_word(word: str) -> bool:
    """A word that appears as itself in the JSON text of any string holding it, when
    that text is ASCII without ``\\u`` escapes: no space (a match can't span two
    fields), quote, backslash, control or non-ASCII character."""
    return word.isascii() and word.isprintable() and not any(c in word for c in ' "\\')


def _may_have_words(words: tuple[tuple[str, bool], ...], text: str, key: str) -> bool:
    """False only if the card whose data is the JSON ``text`` can't hold ``words``:
    a test on the text as stored, which is most of the time enough to rule a card
    out without decoding it (:func:`_has_words` decides for the rest)."""
    if not text.isascii() or "\\u" in text or not key.isascii():
        return True  # casefolding what an escape stands for may give ASCII ("K" → "k")
    lowered = None
    for word, negated in words:
        if negated or not _plain_word(word):
            continue
        if lowered is None:
            lowered = text.lower()
        if word not in lowered and word not in key.lower():
            return False
    return True


def _conditions(query: Query, now: datetime, day_ends: dict[int, datetime]) -> list[Any]:
    """The query's terms as SQL that decides them exactly as :func:`_matches` does (free
    words are left to it), so that the database returns the matching cards rather than
    every card for Python to sift: ``is:due`` over 100,000 cards took 2.7 s.
    ``day_ends``: the end of today per deck id. No condition can be NULL, so negating
    one keeps exactly the cards it doesn't hold for."""
    from sqlalchemy import and_, false, not_, or_

    out = []
    for name, value, negated in query.terms:
        if name == "deck":
            condition = decks_t.c.slug == value
        elif name == "type":
            condition = cards_t.c.type == value
        elif name == "is" and value == "new":
            condition = cards_t.c.state == 0
        elif name == "is" and value == "review":
            condition = cards_t.c.state == 2
        elif name == "is" and value == "learning":
            condition = cards_t.c.state.not_in((0, 2))
        elif name == "is" and value == "due":
            # One term per end of day, not per deck: decks mostly share one, and SQLite
            # refuses an expression nested deeper than 1,000 (a chain of ORs nests).
            by_end: dict[datetime, list[int]] = {}
            for deck_id, end in day_ends.items():
                by_end.setdefault(end, []).append(deck_id)
            condition = or_(
                false(),
                *(
                    and_(
                        cards_t.c.deck_id.in_(ids),
                        cards_t.c.state.in_(STUDIED_STATES),
                        cards_t.c.due.is_not(None),
                        cards_t.c.due < end,
                    )
                    for end, ids in by_end.items()
                ),
            )
        elif name == "is" and value in ("leech", "suspended"):
            condition = cards_t.c[value].is_(True)
        elif name == "is" and value == "buried":
            condition = and_(cards_t.c.buried_until.is_not(None), cards_t.c.buried_until > now)
        elif name == "is" and value == "retired":
            condition = cards_t.c.retired_at.is_not(None)
        elif name == "tag":  # card_tags holds each card's data["tags"] (written together)
            condition = cards_t.c.id.in_(
                select(card_tags_t.c.card_id).where(card_tags_t.c.tag == value)
            )
        else:
            continue  # left to the Python check
        out.append(not_(condition) if negated else condition)
    return out


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
        decks = session.execute(select(decks_t.c.id, decks_t.c.slug)).all()
        settings = repo.decks_settings(session, [slug for _, slug in decks])
        day_ends = {slug: repo.day_for(settings[slug], now).end for _, slug in decks}
        q = (
            select(
                cards_t.c.id,
                cards_t.c.key,
                cards_t.c.type,
                cards_t.c.line,
                cards_t.c.data,
                cards_t.c.retired_at,
                *(cards_t.c[name] for name in _MEMORY_COLUMNS),
                cards_t.c.suspended,
                cards_t.c.buried_until,
                cards_t.c.leech,
                decks_t.c.slug,
                deck_sources_t.c.path.label("path"),
            )
            .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
            .outerjoin(deck_sources_t, deck_sources_t.c.deck_id == cards_t.c.deck_id)
            .where(*_conditions(parsed, now, {i: day_ends[slug] for i, slug in decks}))
            # Total: decks may share a title, and cards a position (retired ones, imported
            # history); the word search picks ids in this order and reads them again.
            .order_by(decks_t.c.title, cards_t.c.deck_id, cards_t.c.position, cards_t.c.id)
        )
        if not wants_retired:
            q = q.where(cards_t.c.retired_at.is_(None))
        rows: Any
        if not parsed.words:
            rows = session.execute(q)
        else:
            ids = _with_words(session, q, parsed.words, limit)
            # In chunks, in the query's order (which the ids are in): a bound parameter
            # per id, and SQLite takes at most 32,766 in one statement.
            rows = (
                row
                for start in range(0, len(ids), 500)
                for row in session.execute(q.where(cards_t.c.id.in_(ids[start : start + 500])))
            )
        for row in rows:
            buried = row.buried_until is not None and row.buried_until > now
            is_values = {
                "new" if row.state == 0 else "review" if row.state == 2 else "learning",
            }
            if row.state != 0 and row.due is not None and row.due < day_ends[row.slug]:
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
                    retrievability(repo.memory_of(row), now, settings[row.slug])
                    if row.state
                    else None,
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


def _with_words(
    session: Any, query: Any, words: tuple[tuple[str, bool], ...], limit: int | None
) -> list[int]:
    """The ids of the cards of ``query`` that hold ``words``, the first ``limit`` in its
    order. Only id, key and the stored JSON text are read, and most cards are ruled out
    on that text without decoding it: a word over 100,000 cards took 3.8 s."""
    import json

    from sqlalchemy import Text, cast

    ids: list[int] = []
    # As text: not decoded by the column's type (nor by psycopg, which decodes json).
    only = query.with_only_columns(
        cards_t.c.id, cards_t.c.key, cast(cards_t.c.data, Text).label("text")
    )
    for card_id, key, text in session.execute(only):
        if not _may_have_words(words, text, key):
            continue
        if _has_words(words, json.loads(text), key):
            ids.append(card_id)
            if limit is not None and len(ids) >= limit:
                break
    return ids


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
