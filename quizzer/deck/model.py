"""Plain data for a validated deck: what the file says, before it meets the database.

A :class:`DeckSpec` holds :class:`NoteSpec` entries, one per item under ``cards:``. A
note expands to one or more :class:`StudyCard` objects (a reverse card, one card per
cloze group), which are what gets scheduled and stored.
"""

from __future__ import annotations

from quizzer.deck.record import Record

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DeckSpec", "NoteSpec", "StudyCard"]


class NoteSpec(Record):
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

    _fields = (
        "index",
        "line",
        "col",
        "type",
        "id",
        "key",
        "prompt",
        "fields",
        "tags",
        "source",
        "explain",
        "hint",
    )
    __slots__ = _fields
    index: int
    line: int
    col: int
    type: str
    id: str | None
    key: str
    prompt: str
    fields: dict[str, Any]
    tags: tuple[str, ...]
    source: str | None
    explain: str | None
    hint: str | None

    def __init__(
        self,
        index: int,
        line: int,
        col: int,
        type: str,
        id: str | None,
        key: str,
        prompt: str,
        fields: dict[str, Any],
        tags: tuple[str, ...] = (),
        source: str | None = None,
        explain: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.index = index
        self.line = line
        self.col = col
        self.type = type
        self.id = id
        self.key = key
        self.prompt = prompt
        self.fields = fields
        self.tags = tags
        self.source = source
        self.explain = explain
        self.hint = hint


class DeckSpec(Record):
    """A validated deck file."""

    _fields = ("path", "id", "title", "description", "source", "tags", "match", "input", "notes")
    __slots__ = _fields
    path: str
    id: str
    title: str
    description: str | None
    source: str | None
    tags: tuple[str, ...]
    match: str
    input: str
    notes: list[NoteSpec]

    def __init__(
        self,
        path: str,
        id: str,
        title: str,
        description: str | None = None,
        source: str | None = None,
        tags: tuple[str, ...] = (),
        match: str = "normal",
        input: str = "reveal",
        notes: list[NoteSpec] | None = None,
    ) -> None:
        self.path = path
        self.id = id
        self.title = title
        self.description = description
        self.source = source
        self.tags = tags
        self.match = match
        self.input = input
        self.notes = [] if notes is None else notes

    def study_cards(self) -> list[StudyCard]:
        """Every card the deck schedules, in deck order (siblings follow their note)."""
        from quizzer.deck.identity import expand

        return expand(self)


class StudyCard(Record):
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
        data_json: ``data`` as canonical JSON (sorted keys, compact), what is hashed.
    """

    _fields = (
        "key",
        "note_key",
        "sibling",
        "type",
        "position",
        "line",
        "data",
        "content_hash",
        "data_json",
    )
    __slots__ = _fields
    key: str
    note_key: str
    sibling: str
    type: str
    position: int
    line: int
    data: dict[str, Any]
    content_hash: str
    data_json: str

    def __init__(
        self,
        key: str,
        note_key: str,
        sibling: str,
        type: str,
        position: int,
        line: int,
        data: dict[str, Any],
        content_hash: str,
        data_json: str,
    ) -> None:
        self.key = key
        self.note_key = note_key
        self.sibling = sibling
        self.type = type
        self.position = position
        self.line = line
        self.data = data
        self.content_hash = content_hash
        self.data_json = data_json
