"""Turning a stored card into a :class:`~quizzer.study.types.CardView` to show.

Choices and ordering items are shuffled with a random source seeded by the card and
its review count, so the same card shows the same order until it is answered, and
again after an undo.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from quizzer.deck.cloze import parse_cloze, render_cloze
from quizzer.study.scheduler import MemoryState, preview
from quizzer.study.settings import StudySettings
from quizzer.study.types import CardView

__all__ = ["build_view", "card_seed", "display_prompt", "literal", "stable_shuffle"]


def card_seed(collection_seed: str, card_id: int, reps: int, purpose: str = "fuzz") -> str:
    """The seed for one random draw about one card at one point in its history."""
    return f"{collection_seed}:{purpose}:{card_id}:{reps}"


def stable_shuffle(items: Sequence[str], seed: str, avoid_identity: bool = False) -> list[str]:
    """``items`` shuffled by ``seed``; with ``avoid_identity`` never left in order."""
    out = list(items)
    random.Random(seed).shuffle(out)
    if avoid_identity and len(out) > 1 and out == list(items):
        out = out[1:] + out[:1]
    return out


def display_prompt(card_type: str, data: dict[str, Any]) -> str:
    """The question side in one string: a cloze with its own deletions blanked."""
    if card_type == "cloze" and "text" in data:
        return render_cloze(data["text"], data.get("group", 1))
    return str(data.get("front") or data.get("question") or data.get("text") or "")


#: What Markdown (CommonMark and GitHub's extensions) could read as more than text
#: anywhere in a line: escapes, code, emphasis, links and images, autolinks and HTML,
#: entities, strikethrough.
_MARKS = re.compile(r"([\\`*_\[\]<&~])")
#: The start of a line Markdown could read as a block: a heading, quote, list item,
#: rule or setext underline (its mark is escaped).
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^([-+=>#])", re.MULTILINE)
#: Anything :func:`literal` changes: a mark, a block start, a leading space or tab.
_ANY = re.compile(_MARKS.pattern + "|" + _BLOCK_START.pattern + r"|^[ \t]", re.MULTILINE)


def literal(text: str) -> str:
    """Markdown source that shows ``text`` as it is.

    A choice card's options, an ordering card's items and a typed card's answer are
    plain text: the learner picks or types them as written, and the options are shown
    as written. The answer side is Markdown, so a right option such as ``__init__`` or
    ``*args`` was shown as bold or italic text, and an item such as ``[Setup]: install``
    (a link definition to Markdown) was not shown at all. Each mark is escaped with a
    backslash, which Markdown shows as the mark itself; leading spaces, which Markdown
    drops or reads as code, are dropped.
    """
    if not _ANY.search(text):  # most options and answers: nothing to escape (≈ 1 µs)
        return text
    text = "\n".join(line.lstrip(" \t") for line in text.split("\n"))
    text = _MARKS.sub(r"\\\1", text)
    return _BLOCK_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text
    )


def _answer_list(values: Sequence[str]) -> str:
    return "\n".join(f"- {literal(v)}" for v in values)


def build_view(
    row: Any,
    deck_title: str,
    path: str | None,
    settings: StudySettings,
    collection_seed: str,
    now: Any,
    mode: str,
    siblings: int,
) -> CardView:
    """A :class:`CardView` of the card ``row`` (a Core row of the cards table)."""
    data: dict[str, Any] = row.data
    memory = MemoryState(
        row.state,
        row.step,
        row.stability,
        row.difficulty,
        row.due,
        row.last_review,
        row.reps,
        row.lapses,
    )
    shuffle_seed = card_seed(collection_seed, row.id, row.reps, "shuffle")
    choices: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    blanks = 0
    kind = row.type
    if kind == "choice":
        options = data["choices"]
        choices = tuple(
            stable_shuffle(options, shuffle_seed) if data.get("shuffle", True) else options
        )
        prompt, answer, how = data["question"], _answer_list(data["answers"]), "choice"
    elif kind == "typed":
        prompt, answer, how = data["question"], literal(data["answer"]), "typed"
    elif kind == "order":
        items = tuple(stable_shuffle(data["items"], shuffle_seed, avoid_identity=True))
        prompt = data["question"]
        answer = "\n".join(f"{i}. {literal(item)}" for i, item in enumerate(data["items"], 1))
        how = "order"
    elif kind == "cloze":
        group = data["group"]
        prompt = render_cloze(data["text"], group)
        answer = render_cloze(data["text"], group, reveal=True)
        how = "typed" if data.get("input") == "typed" else "reveal"
        blanks = sum(1 for d in parse_cloze(data["text"]) if d.group == group)
    else:
        prompt, answer, how = data["front"], data["back"], "reveal"
    intervals = {}
    if mode != "practice":
        intervals = preview(memory, now, settings, card_seed(collection_seed, row.id, row.reps))
    return CardView(
        id=row.id,
        key=row.key,
        deck=row.slug,
        deck_title=deck_title,
        type=kind,
        prompt=prompt,
        answer=answer,
        choices=choices,
        multiple=bool(data.get("multiple")),
        items=items,
        blanks=blanks,
        input=how,
        explain=data.get("explain"),
        hint=data.get("hint"),
        source=data.get("source"),
        tags=tuple(data.get("tags", ())),
        sibling=row.sibling,
        siblings=siblings,
        state=row.state,
        reps=row.reps,
        intervals=intervals,
        mode=mode,
        line=row.line,
        path=path,
        data=data,
        due=row.due,
        last_review=row.last_review,
    )
