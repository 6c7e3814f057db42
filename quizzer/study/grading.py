"""Grading: each card type turns a response into a verdict and a suggested rating.

The suggestion is only a suggestion: the learner confirms it or picks another rating.

Typed answers are compared after normalization, which depends on the ``match`` mode:

* ``exact``: Unicode NFKC only;
* ``normal``: also case, surrounding and repeated whitespace, and diacritics;
* ``lenient``: also punctuation (replaced by spaces) and a leading article
  (the, a, an).

A response within :func:`near_miss_allowance` edits of a right answer is "almost"
(Hard), shown with a character diff. Numeric answers with a ``tolerance`` are right
when within it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from quizzer.deck.cloze import parse_cloze
from quizzer.study.types import DiffSegment, Grade, Rating, Verdict

__all__ = [
    "edit_distance",
    "grade",
    "grade_choice",
    "grade_order",
    "grade_typed",
    "near_miss_allowance",
    "normalize_answer",
]

_ARTICLES = re.compile(r"^(?:the|a|an)\s+")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
#: Thousands grouped with commas ("1,000", "12,500.5"): read as a thousands separator,
#: not as a decimal comma, since "1,000" meaning 1.0 would be nobody's intent.
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")


def normalize_answer(text: str, match: str = "normal") -> str:
    """Fold ``text`` for comparison under ``match`` (exact, normal or lenient)."""
    text = unicodedata.normalize("NFKC", text)
    if match == "exact":
        return text
    decomposed = unicodedata.normalize("NFD", text.casefold())
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if match == "lenient":
        text = "".join(" " if unicodedata.category(c).startswith(("P", "S")) else c for c in text)
        text = " ".join(text.split())
        text = _ARTICLES.sub("", text)
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def near_miss_allowance(length: int) -> int:
    """How many edits still count as "almost" for an answer of ``length`` characters.

    0 below 4 characters (``T5`` vs ``T4`` is a different answer), 1 up to 7, 2 up to
    15, then 15 % of the length.
    """
    if length < 4:
        return 0
    if length < 8:
        return 1
    if length < 16:
        return 2
    return int(length * 0.15)


def _parse_number(text: str) -> float | None:
    text = text.strip().replace("\u2212", "-").replace(" ", "").replace("_", "")
    if _GROUPED.match(text):
        return float(text.replace(",", ""))
    if not _NUMBER.match(text):
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _diff(response: str, expected: str) -> tuple[DiffSegment, ...]:
    matcher = difflib.SequenceMatcher(None, response, expected, autojunk=False)
    return tuple(
        DiffSegment(op, response[i1:i2], expected[j1:j2])
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    )


def grade_typed(
    response: str,
    answer: str,
    accept: Sequence[str] = (),
    match: str = "normal",
    tolerance: float | None = None,
) -> Grade:
    """Grade a typed ``response`` against ``answer`` and the ``accept`` alternatives."""
    if not response.strip():
        return Grade(Verdict.WRONG, Rating.AGAIN, answer, message="no answer")
    if tolerance is not None:
        given, expected = _parse_number(response), _parse_number(answer)
        if given is not None and expected is not None:
            if abs(given - expected) <= tolerance + 1e-9:
                return Grade(Verdict.CORRECT, Rating.GOOD, answer)
            return Grade(
                Verdict.WRONG, Rating.AGAIN, answer, message=f"off by {abs(given - expected):g}"
            )
    folded = normalize_answer(response, match)
    # The diff shows the response as it was compared: under ``exact`` surrounding
    # whitespace counts, so stripping it here gave a "wrong" verdict whose diff said
    # every character was equal.
    shown = response if match == "exact" else response.strip()
    candidates = [answer, *accept]
    best: tuple[int, str] | None = None
    for candidate in candidates:
        target = normalize_answer(candidate, match)
        if folded == target:
            return Grade(Verdict.CORRECT, Rating.GOOD, answer)
        distance = edit_distance(folded, target)
        if distance <= near_miss_allowance(len(target)) and (best is None or distance < best[0]):
            best = (distance, candidate)
    if best is not None:
        return Grade(
            Verdict.ALMOST,
            Rating.HARD,
            answer,
            _diff(shown, best[1]),
            f"almost: {best[0]} character{'s' if best[0] > 1 else ''} off",
        )
    closest = max(
        candidates,
        key=lambda c: difflib.SequenceMatcher(None, folded, normalize_answer(c, match)).ratio(),
    )
    return Grade(Verdict.WRONG, Rating.AGAIN, answer, _diff(shown, closest))


def grade_choice(response: Any, answers: Sequence[str], multiple: bool) -> Grade:
    """Grade the option(s) chosen: a string, or a list of strings when ``multiple``."""
    chosen = [response] if isinstance(response, str) else list(response or [])
    expected = ", ".join(answers)
    if not multiple:
        if len(chosen) == 1 and chosen[0] == answers[0]:
            return Grade(Verdict.CORRECT, Rating.GOOD, expected)
        return Grade(
            Verdict.WRONG, Rating.AGAIN, expected, message="no option chosen" if not chosen else ""
        )
    right = set(answers)
    picked = set(chosen)
    missed = len(right - picked)
    extra = len(picked - right)
    parts = [f"{missed} missed" if missed else "", f"{extra} extra" if extra else ""]
    message = ", ".join(p for p in parts if p)
    if not missed and not extra:
        return Grade(Verdict.CORRECT, Rating.GOOD, expected)
    if missed + extra == 1:
        return Grade(Verdict.ALMOST, Rating.HARD, expected, message=message)
    return Grade(Verdict.WRONG, Rating.AGAIN, expected, message=message)


def grade_order(response: Sequence[str], items: Sequence[str]) -> Grade:
    """Grade an ordering: exact → Good, one adjacent swap → Hard, else Again."""
    given = list(response)
    expected = list(items)
    shown = " → ".join(expected)
    if given == expected:
        return Grade(Verdict.CORRECT, Rating.GOOD, shown)
    if sorted(given) == sorted(expected) and len(given) == len(expected):
        wrong = [i for i, (a, b) in enumerate(zip(given, expected, strict=True)) if a != b]
        if len(wrong) == 2 and wrong[1] == wrong[0] + 1:
            return Grade(Verdict.ALMOST, Rating.HARD, shown, message="one adjacent swap")
        return Grade(
            Verdict.WRONG,
            Rating.AGAIN,
            shown,
            message=f"{len(wrong)} of {len(expected)} out of place",
        )
    return Grade(Verdict.WRONG, Rating.AGAIN, shown, message="not the same items")


def cloze_answers(text: str, group: int) -> list[str]:
    """The hidden answers of cloze ``group``, in reading order."""
    return [d.answer for d in parse_cloze(text) if d.group == group]


def grade(card_type: str, data: dict[str, Any], response: Any) -> Grade:
    """Grade ``response`` for a card of ``card_type`` with content ``data``."""
    if card_type == "choice":
        return grade_choice(response, data["answers"], data["multiple"])
    if card_type == "typed":
        return grade_typed(
            str(response or ""),
            data["answer"],
            data.get("accept", ()),
            data.get("match", "normal"),
            data.get("tolerance"),
        )
    if card_type == "order":
        return grade_order(list(response or []), data["items"])
    if card_type == "cloze" and data.get("input") == "typed":
        answers = cloze_answers(data["text"], data["group"])
        given = [response] if isinstance(response, str) else list(response or [])
        given += [""] * (len(answers) - len(given))
        grades = [
            grade_typed(str(g), a, (), data.get("match", "normal"))
            for g, a in zip(given, answers, strict=False)
        ]
        expected = ", ".join(answers)
        if len(grades) == 1:
            return grades[0]
        if all(g.verdict is Verdict.CORRECT for g in grades):
            return Grade(Verdict.CORRECT, Rating.GOOD, expected)
        if all(g.verdict is not Verdict.WRONG for g in grades):
            # Says which part was off: the verdict line already says "Almost".
            near = sum(g.verdict is Verdict.ALMOST for g in grades)
            return Grade(
                Verdict.ALMOST, Rating.HARD, expected, message=f"{near} of {len(grades)} almost"
            )
        wrong = sum(g.verdict is Verdict.WRONG for g in grades)
        return Grade(
            Verdict.WRONG, Rating.AGAIN, expected, message=f"{wrong} of {len(grades)} wrong"
        )
    # basic, reverse, and revealed cloze: the learner grades themselves
    if card_type == "cloze":
        return Grade(Verdict.SELF, None, ", ".join(cloze_answers(data["text"], data["group"])))
    return Grade(Verdict.SELF, None, str(data.get("back", "")))
