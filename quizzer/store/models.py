"""The tables: decks, their source files, cards with their FSRS state, reviews, settings.

These SQLModel classes are the schema's source of truth; the migrations in
``quizzer/store/migrations`` create exactly this (a test compares the two). They are
used inside the store and the services only: the UI gets plain data, never these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    Table,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from quizzer.store.types import UTCDateTime

__all__ = [
    "STUDIED_STATES",
    "Card",
    "CardState",
    "CardTag",
    "Deck",
    "DeckSource",
    "Review",
    "Setting",
    "card_tags_t",
    "cards_t",
    "deck_sources_t",
    "decks_t",
    "reviews_t",
    "settings_t",
]


class CardState:
    """Values of :attr:`Card.state`. 1–3 are fsrs's own ``State`` values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class _Table(SQLModel):
    """The base of the tables. Their rows are read and written through SQLAlchemy Core
    (``cards_t`` …), never validated as pydantic models, so pydantic builds a model's
    validator only if one is ever used: building all six at import took ≈ 15 ms of
    every start-up (docs/performance.md)."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


def _utc(**kw: Any) -> Any:
    nullable = kw.pop("nullable", True)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw))


class Deck(_Table, table=True):
    """A deck, identified by the ``deck:`` slug of its file."""

    __tablename__ = "decks"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    title: str
    description: str | None = None
    source: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)


class DeckSource(_Table, table=True):
    """The file a deck was last imported from, and its content hash (for fast re-import)."""

    __tablename__ = "deck_sources"

    path: str = Field(primary_key=True)
    deck_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("decks.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    content_hash: str
    size: int
    mtime_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    imported_at: datetime = _utc(nullable=False)


class Card(_Table, table=True):
    """One schedulable card and its FSRS memory state.

    ``key`` is the card's identity in its deck (see :mod:`quizzer.deck.identity`).
    A card removed from its file gets ``retired_at`` instead of being deleted, so its
    history survives and comes back with it.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("deck_id", "key", name="uq_cards_deck_key"),
        Index("ix_cards_deck_note", "deck_id", "note_key"),
        # Also the index of due cards: a query on ``due`` names the states it wants
        # (``STUDIED_STATES``). A second index on ``due`` alone cost every answer two
        # more pages of WAL (migration 0005).
        Index("ix_cards_state_due", "state", "due"),
        # New cards only: an answer to a review card doesn't touch it. Migration 0004
        # makes it partial on both backends; the schema is only ever made by the
        # migrations. Here it says so for SQLite alone: a ``postgresql_where`` would
        # import SQLAlchemy's PostgreSQL dialect, to check the keyword, in every
        # process (30-40 ms of `quizzer` start-up, most often on SQLite).
        Index(
            "ix_cards_new_position",
            "deck_id",
            "position",
            sqlite_where=text("state = 0"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(
        sa_column=Column(Integer, ForeignKey("decks.id", ondelete="CASCADE"), nullable=False)
    )
    key: str
    note_key: str
    sibling: str = ""
    type: str
    position: int
    line: int
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    retired_at: datetime | None = _utc()
    # FSRS memory state (py-fsrs's Card), plus counters and flags
    state: int = CardState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = _utc()
    last_review: datetime | None = _utc()
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until: datetime | None = _utc()
    leech: bool = False


class Review(_Table, table=True):
    """One answer, or a progress reset (``mode == "reset"``, rating 0).

    ``mode`` is ``scheduled``, ``practice`` (drills that never touch the schedule) or
    ``reset``. ``state_before`` holds every scheduling column of the card just before
    the answer (and the siblings it buried), so undo restores the card exactly.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_card_time", "card_id", "reviewed_at"),
        Index("ix_reviews_time", "reviewed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False)
    )
    reviewed_at: datetime = _utc(nullable=False)
    rating: int
    suggested_rating: int | None = None
    duration_ms: int = 0
    response: Any | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    correct: bool | None = None
    mode: str = "scheduled"
    #: The card's FSRS state before the answer (0 new, 1 learning, 2 review, 3 relearning),
    #: kept as a column so daily limits and statistics can count without parsing JSON.
    prior_state: int = 0
    #: FSRS's predicted probability of recall at the moment of the answer (None for a
    #: new card), for calibration statistics.
    retrievability: float | None = None
    state_before: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CardTag(_Table, table=True):
    """A card's tags (the deck's and its own), kept as rows so filters run in SQL."""

    __tablename__ = "card_tags"
    __table_args__ = (Index("ix_card_tags_tag", "tag"),)

    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    )
    tag: str = Field(primary_key=True)


class Setting(_Table, table=True):
    """A setting: ``scope`` is ``""`` for the collection or a deck slug."""

    __tablename__ = "settings"

    scope: str = Field(default="", primary_key=True)
    key: str = Field(primary_key=True)
    value: Any = Field(sa_column=Column(JSON, nullable=False))


#: Every state but new: learning, review, relearning. Written as a list, a condition on
#: ``due`` finds its cards through ``ix_cards_state_due``; ``state != 0`` can't use it.
STUDIED_STATES = (CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING)

# Core tables, for queries: typed columns (``cards.c.due``) and no ORM overhead.
decks_t: Table = Deck.__table__  # type: ignore[attr-defined]
deck_sources_t: Table = DeckSource.__table__  # type: ignore[attr-defined]
cards_t: Table = Card.__table__  # type: ignore[attr-defined]
reviews_t: Table = Review.__table__  # type: ignore[attr-defined]
settings_t: Table = Setting.__table__  # type: ignore[attr-defined]
card_tags_t: Table = CardTag.__table__  # type: ignore[attr-defined]
