"""Deck files: the YAML format, its validation, linting and card identity.

Nothing here touches the database or imports Textual.
"""

from quizzer.deck.loader import DeckResult, find_deck_files, load_deck, read_deck
from quizzer.deck.model import DeckSpec, NoteSpec, StudyCard
from quizzer.deck.problems import DeckError, Problem, Severity

__all__ = [
    "DeckError",
    "DeckResult",
    "DeckSpec",
    "NoteSpec",
    "Problem",
    "Severity",
    "StudyCard",
    "find_deck_files",
    "load_deck",
    "read_deck",
]
