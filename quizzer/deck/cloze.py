"""Cloze deletions: ``{{answer}}``, ``{{answer::hint}}`` and ``{{c1::answer::hint}}``.

Each deletion without a group number is a card of its own, numbered in reading order.
Deletions that share a group number (``{{c1::...}}``) are hidden together on one card.
Numbered and unnumbered deletions can't be mixed in one text, because the numbering of
one would silently shift the other.
"""

from __future__ import annotations

import re

from quizzer.deck.record import FrozenRecord

__all__ = ["ClozeError", "Deletion", "groups", "parse_cloze", "render_cloze"]

_GROUP = re.compile(r"^c(\d{1,3})$")


class ClozeError(ValueError):
    """A cloze text is malformed; the message says how."""


class Deletion(FrozenRecord):
    """One ``{{...}}`` in a cloze text.

    Attributes:
        group: The card it belongs to, from 1.
        answer: The hidden text.
        hint: The hint shown in place of ``...``, if any.
        start: Offset of ``{{`` in the text.
        end: Offset just after ``}}``.
    """

    _fields = ("group", "answer", "hint", "start", "end")
    __slots__ = _fields
    group: int
    answer: str
    hint: str | None
    start: int
    end: int

    def __init__(self, group: int, answer: str, hint: str | None, start: int, end: int):
        self._set(group=group, answer=answer, hint=hint, start=start, end=end)


def parse_cloze(text: str) -> list[Deletion]:
    """Find every deletion in ``text``.

    Raises:
        ClozeError: When a ``{{`` is unclosed, a deletion is empty, or numbered and
            unnumbered deletions are mixed.
    """
    deletions: list[Deletion] = []
    pos = 0
    numbered = unnumbered = False
    auto = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            raise ClozeError("a '{{' is never closed with '}}'")
        inner = text[start + 2 : end]
        if "{{" in inner:
            raise ClozeError("a '{{' opens inside another deletion")
        parts = inner.split("::")
        match = _GROUP.match(parts[0]) if len(parts) > 1 else None
        if match:
            group = int(match.group(1))
            if group < 1:
                raise ClozeError("cloze group numbers start at c1")
            parts = parts[1:]
            numbered = True
        else:
            auto += 1
            group = auto
            unnumbered = True
        if len(parts) > 2:
            raise ClozeError("a deletion is {{answer}} or {{answer::hint}}; found extra '::'")
        answer = parts[0].strip()
        if not answer:
            raise ClozeError("a deletion has no answer: write {{answer}}")
        hint = parts[1].strip() if len(parts) == 2 and parts[1].strip() else None
        deletions.append(Deletion(group, answer, hint, start, end + 2))
        pos = end + 2
    if numbered and unnumbered:
        raise ClozeError("mix of numbered ({{c1::...}}) and unnumbered ({{...}}) deletions")
    return deletions


def groups(deletions: list[Deletion]) -> list[int]:
    """The distinct group numbers, in order of first appearance."""
    seen: dict[int, None] = {}
    for deletion in deletions:
        seen.setdefault(deletion.group, None)
    return list(seen)


def render_cloze(text: str, group: int, reveal: bool = False) -> str:
    """The text with ``group``'s deletions blanked (``[...]`` or ``[hint]``) or revealed.

    Deletions of other groups always show their answer.
    """
    out: list[str] = []
    pos = 0
    for deletion in parse_cloze(text):
        out.append(text[pos : deletion.start])
        if deletion.group == group and not reveal:
            out.append(f"[{deletion.hint or '...'}]")
        else:
            out.append(deletion.answer)
        pos = deletion.end
    out.append(text[pos:])
    return "".join(out)
