"""Plain data the study engine hands to front ends: ratings, cards to show, outcomes.

Nothing here is a database row: a front end can keep these objects as long as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

__all__ = [
    "CardChanged",
    "CardView",
    "DeckCounts",
    "DiffSegment",
    "Grade",
    "Outcome",
    "Rating",
    "UndoResult",
    "Verdict",
    "format_interval",
]


class Rating(IntEnum):
    """The four answer buttons; the same values as fsrs's ``Rating``."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """``Again``, ``Hard``, ``Good`` or ``Easy``."""
        return self.name.capitalize()


class Verdict(StrEnum):
    """How an auto-graded answer compared with the expected one."""

    CORRECT = "correct"
    ALMOST = "almost"
    WRONG = "wrong"
    SELF = "self-graded"


class CardChanged(Exception):
    """The card changed since it was shown (another device answered it, or an import
    retired it); the answer was not applied. Show the next card."""


@dataclass(frozen=True, slots=True)
class DiffSegment:
    """A piece of a character diff between the response and the expected answer.

    ``op`` is ``equal``, ``insert`` (missing from the response), ``delete`` (extra in
    the response) or ``replace``.
    """

    op: str
    response: str
    expected: str


@dataclass(frozen=True, slots=True)
class Grade:
    """The grading of a response, before any rating is applied.

    Attributes:
        verdict: correct, almost, wrong, or self-graded (basic and revealed cloze).
        suggested: The rating suggested, or None for self-graded cards.
        expected: The right answer, for display.
        diff: A character diff of a typed answer against the closest right answer.
        message: A short explanation (``"1 missed, 1 extra"``).
    """

    verdict: Verdict
    suggested: Rating | None
    expected: str = ""
    diff: tuple[DiffSegment, ...] = ()
    message: str = ""

    @property
    def correct(self) -> bool | None:
        """True or False for auto-graded answers, None for self-graded ones."""
        if self.verdict is Verdict.SELF:
            return None
        return self.verdict is Verdict.CORRECT


@dataclass(frozen=True, slots=True)
class CardView:
    """A card ready to show: everything a front end needs, already shuffled.

    Attributes:
        id: The card's database id.
        key: Its key in the deck (``hub-purpose/reverse``).
        deck: The deck id (slug).
        deck_title: The deck's title.
        type: basic, choice, typed, cloze or order.
        prompt: The question side as Markdown (a cloze with its active deletion blanked).
        answer: The answer side as Markdown (the back, the right options, the revealed
            cloze, the items in order).
        choices: The options in display order (choice cards).
        multiple: Whether several options are right (choice cards).
        items: The items in their shuffled display order (order cards).
        blanks: How many answers a typed cloze expects.
        input: How it is answered: reveal, choice, typed or order.
        explain: Why the answer is right.
        hint: A hint to show on request.
        source: The lesson section.
        tags: The card's tags.
        sibling: ``""``, ``reverse`` or ``c1``…; ``siblings`` counts the note's cards.
        state: 0 new, 1 learning, 2 review, 3 relearning.
        intervals: The interval each rating would give now.
        mode: scheduled, practice or ahead.
        line: The card's line in its deck file; ``path`` the file.
        shown_at: When it was drawn (for the time spent, and to detect a changed card).
    """

    id: int
    key: str
    deck: str
    deck_title: str
    type: str
    prompt: str
    answer: str
    choices: tuple[str, ...] = ()
    multiple: bool = False
    items: tuple[str, ...] = ()
    blanks: int = 0
    input: str = "reveal"
    explain: str | None = None
    hint: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    sibling: str = ""
    siblings: int = 1
    state: int = 0
    reps: int = 0
    intervals: dict[Rating, timedelta] = field(default_factory=dict)
    mode: str = "scheduled"
    line: int = 0
    path: str | None = None
    data: dict[str, Any] = field(default_factory=dict, repr=False)
    due: datetime | None = None
    last_review: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer did.

    Attributes:
        review_id: The new review row.
        grade: The grading of the response.
        suggested: The suggested rating (None for self-graded cards).
        rating: The rating applied.
        due: The card's new due date (unchanged in practice mode).
        interval: ``due`` minus the time of the answer.
        leech: True when this answer made the card a leech.
        suspended: True when the card was suspended as a leech.
        buried: The sibling cards this answer buried until tomorrow.
    """

    review_id: int
    grade: Grade
    suggested: Rating | None
    rating: Rating
    due: datetime | None
    interval: timedelta | None
    leech: bool = False
    suspended: bool = False
    buried: tuple[int, ...] = ()

    @property
    def correct(self) -> bool | None:
        """Whether the response was right (None for self-graded cards)."""
        return self.grade.correct

    @property
    def feedback(self) -> Grade:
        """The grading, with its diff and message, for display."""
        return self.grade


@dataclass(frozen=True, slots=True)
class UndoResult:
    """The review that an undo removed."""

    review_id: int
    card_id: int
    mode: str
    rating: int


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """Today's numbers for one deck (after the daily limits)."""

    deck: str
    title: str
    new: int
    learning: int
    due: int
    total: int
    suspended: int = 0
    mature: int = 0


def format_interval(value: timedelta) -> str:
    """Short form for rating buttons: ``<1m``, ``10m``, ``3h``, ``4d``, ``2.5mo``, ``1.2y``."""
    seconds = value.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        months = days / 30.44
        return f"{months:.1f}mo".replace(".0mo", "mo")
    years = days / 365.25
    return f"{years:.1f}y".replace(".0y", "y")
