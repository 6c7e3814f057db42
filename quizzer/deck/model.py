"""Plain data for a validated deck: what the file says, before it meets the database.

A :class:`DeckSpec` holds :class:`NoteSpec` entries, one per item under ``cards:``. A
note expands to one or more :class:`StudyCard` objects (a reverse card, one card per
cloze group), which are what gets scheduled and stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DeckSpec", "NoteSpec", "StudyCard"]


@dataclass(slots=True)
class NoteSpec:
    """One entry under ``cards:``, validated.

    Attributes:
        index: Position in the deck, from 0.
        line: 1-based line where the entry starts.
        col: 1-based column where the entry starts.
        type: basic, choice, typed, cloze or order.
        id: The author's id, or None.
        key: The identity of the note: its id, or ``#`` and a hash of its prompt.
        prompt: The text that identifies an id-less note (front, question or cloze text).
        fields: The type's own fields (``front``, ``choices``...), defaults filled in.
        tags: Deck tags followed by the card's own.
        source: The lesson section, from the card or the deck.
        explain: Why the answer is right.
        hint: A hint to show on request.
    """

    index: int
    line: int
    col: int
    type: str
    id: str | None
    key: str
    prompt: str
    fields: dict[str, Any]
    tags: tuple[str, ...] = ()
    source: str | None = None
    explain: str | None = None
    hint: str | None = None


@dataclass(slots=True)
class DeckSpec:
    """A validated deck file."""

    path: str
    id: str
    title: str
    description: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    match: str = "normal"
    input: str = "reveal"
    notes: list[NoteSpec] = field(default_factory=list)

    def study_cards(self) -> list[StudyCard]:
        """Every card the deck schedules, in deck order (siblings follow their note)."""
        from quizzer.deck.identity import expand

        return expand(self)


@dataclass(slots=True)
class StudyCard:
    """One schedulable card, as stored in the database.

    Attributes:
        key: Identity within the deck: the note key, plus ``/reverse`` or ``/c2`` for
            siblings.
        note_key: The identity of the note it comes from; siblings share it.
        sibling: ``""`` for the main card, ``reverse`` or ``cN`` for siblings.
        type: The card type.
        position: Order in the deck, used for introducing new cards.
        line: 1-based line of its note in the file.
        data: Everything needed to show and grade it (JSON-serialisable).
        content_hash: A hash of ``data``; an edit changes it.
    """

    key: str
    note_key: str
    sibling: str
    type: str
    position: int
    line: int
    data: dict[str, Any]
    content_hash: str
