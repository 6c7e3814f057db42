"""Warnings about decks that are valid but could be better.

They don't stop a deck from loading; ``quizzer check --strict`` turns them into errors.
"""

from __future__ import annotations

from quizzer.deck.identity import normalize_prompt
from quizzer.deck.model import DeckSpec
from quizzer.deck.problems import Problem
from quizzer.deck.yamlsafe import SourceText

__all__ = ["LONG_PROMPT", "NEAR_DUPLICATE", "lint_deck"]

#: A prompt longer than this many characters gets a warning.
LONG_PROMPT = 500
#: Two prompts at least this similar (0..1) are reported as near-identical.
NEAR_DUPLICATE = 0.92
#: Above this many cards, only exact (normalized) duplicates are looked for, since the
#: pairwise comparison grows with the square of the deck size.
_PAIRWISE_LIMIT = 2000


def _near_duplicates(deck: DeckSpec) -> list[tuple[int, int]]:
    from difflib import SequenceMatcher

    normalized = [normalize_prompt(n.prompt) for n in deck.notes]
    pairs: list[tuple[int, int]] = []
    first: dict[str, int] = {}
    for i, text in enumerate(normalized):
        if text in first:
            pairs.append((first[text], i))
        else:
            first[text] = i
    if len(normalized) > _PAIRWISE_LIMIT:
        return pairs
    exact = set(pairs)
    for i in range(len(normalized)):
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(normalized[i])
        for j in range(i + 1, len(normalized)):
            if (i, j) in exact or normalized[i] == normalized[j]:
                continue
            a, b = len(normalized[i]), len(normalized[j])
            if not a or not b or 2 * min(a, b) / (a + b) < NEAR_DUPLICATE:
                continue
            matcher.set_seq1(normalized[j])
            if matcher.quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE:
                pairs.append((i, j))
    return pairs


def lint_deck(source: SourceText, deck: DeckSpec) -> list[Problem]:
    """Warnings for ``deck``: missing ids, near-identical prompts, give-away options and
    very long prompts."""
    warnings: list[Problem] = []

    def warn(line: int, col: int, message: str, code: str) -> None:
        warnings.append(source.problem(line, col, message, code, warning=True))

    for note in deck.notes:
        if note.id is None:
            warn(
                note.line,
                note.col,
                "card has no 'id'; editing its prompt will start its history over",
                "missing-id",
            )
        if len(note.prompt) > LONG_PROMPT:
            warn(
                note.line,
                note.col,
                f"prompt is {len(note.prompt):,} characters long; keep one fact per card",
                "long-prompt",
            )
        if note.type == "choice":
            answers = note.fields["answers"]
            for choice in note.fields["choices"]:
                if choice in answers:
                    continue
                folded = choice.casefold()
                for answer in answers:
                    if answer.casefold() in folded:
                        warn(
                            note.line,
                            note.col,
                            f"wrong option '{choice}' contains the "
                            f"answer '{answer}', which gives it away",
                            "giveaway-option",
                        )
                        break
    for i, j in _near_duplicates(deck):
        a, b = deck.notes[i], deck.notes[j]
        warn(
            b.line,
            b.col,
            f"prompt is nearly identical to the card at line {a.line}",
            "near-duplicate",
        )
    warnings.sort(key=lambda p: (p.line, p.col))
    return warnings
