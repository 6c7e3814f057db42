"""Card identity: how a card keeps its review history across edits.

A note is ``(deck id, key)``. Its key is the author's ``id`` when there is one.
Without an id it is ``#`` plus a hash of the card type and its *normalized* prompt
(case, whitespace, punctuation and Unicode forms folded), so fixing a typo in an answer
or the capitalization of a question keeps the history. Reverse cards and cloze groups
are siblings under their note's key: ``key/reverse``, and ``key/c1``, ``key/c2`` for
the groups of a cloze.
"""

from __future__ import annotations

import unicodedata

try:  # what hashlib.blake2b is, without hashlib loading OpenSSL (2 ms of every `check`)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Pythons without the builtin module
    from hashlib import blake2b

from quizzer.deck.cloze import groups, parse_cloze

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

    from quizzer.deck.model import DeckSpec, NoteSpec, StudyCard

__all__ = [
    "canonical_json",
    "content_hash",
    "expand",
    "hashed_key",
    "normalize_prompt",
    "similarity",
]

_PUNCT_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"})
_FOLDED_SYMBOLS = frozenset("{}<>|=+*~^`")


def normalize_prompt(text: str) -> str:
    """Fold a prompt for identity: NFKC, casefold, punctuation dropped, spaces collapsed.

    Cloze braces are punctuation too, so ``{{a}}`` and ``a`` normalize alike.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for char in text:
        if char.isalnum():
            out.append(char)
        elif (
            char.isspace()
            or char in _FOLDED_SYMBOLS
            or unicodedata.category(char) in _PUNCT_CATEGORIES
        ):
            out.append(" ")
        else:
            out.append(char)
    return " ".join("".join(out).split())


def hashed_key(card_type: str, prompt: str) -> str:
    """The key of an id-less note: ``#`` and 12 hex digits of its normalized prompt."""
    digest = blake2b(
        f"{card_type}\x1f{normalize_prompt(prompt)}".encode(), digest_size=6
    ).hexdigest()
    return f"#{digest}"


_encode: Any = None


def canonical_json(data: dict[str, Any]) -> str:
    """``data`` as JSON with sorted keys, no spaces and unescaped text: what
    :func:`content_hash` hashes."""
    global _encode
    if _encode is None:
        _encode = _encoder()
    return _encode(data)


def _encoder() -> Any:
    """json's own C encoder, made once with the canonical options.

    ``json.dumps(data, sort_keys=True, ...)`` builds a new encoder on every call, half
    the time of a card's hash. The output is the same: it is the function json.dumps
    ends in. A deck's data is made from a parsed tree, so it can't be circular."""
    import json
    from json import encoder

    options = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - a Python without json's C speedups
        return options.encode
    iterate = make(
        None, options.default, encoder.encode_basestring, None, ":", ",", True, False, True
    )
    return lambda data: "".join(iterate(data, 0))


def _hash(encoded: str) -> str:
    return blake2b(encoded.encode(), digest_size=10).hexdigest()


def content_hash(data: dict[str, Any]) -> str:
    """A stable hash of a card's displayed content."""
    return _hash(canonical_json(data))


def similarity(a: str, b: str) -> float:
    """How alike two prompts are, from 0 to 1, after normalization."""
    from difflib import SequenceMatcher

    na, nb = normalize_prompt(a), normalize_prompt(b)
    if na == nb:
        return 1.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


def _common(deck: DeckSpec, note: NoteSpec) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if note.explain is not None:
        data["explain"] = note.explain
    if note.hint is not None:
        data["hint"] = note.hint
    if note.source is not None:
        data["source"] = note.source
    if note.tags:
        data["tags"] = list(note.tags)
    return data


def expand(deck: DeckSpec) -> list[StudyCard]:
    """Expand each note of ``deck`` into its study cards, in deck order."""
    from quizzer.deck.model import StudyCard

    cards: list[StudyCard] = []
    position = 0

    def add(note: NoteSpec, sibling: str, data: dict[str, Any]) -> None:
        nonlocal position
        data.update(_common(deck, note))
        key = note.key if not sibling else f"{note.key}/{sibling}"
        encoded = canonical_json(data)
        cards.append(
            StudyCard(
                key,
                note.key,
                sibling,
                note.type,
                position,
                note.line,
                data,
                _hash(encoded),
                encoded,
            )
        )
        position += 1

    for note in deck.notes:
        f = note.fields
        if note.type == "basic":
            add(note, "", {"front": f["front"], "back": f["back"]})
            if f.get("reverse"):
                add(note, "reverse", {"front": f["back"], "back": f["front"], "reversed": True})
        elif note.type == "choice":
            add(
                note,
                "",
                {
                    "question": f["question"],
                    "choices": list(f["choices"]),
                    "answers": list(f["answers"]),
                    "multiple": f["multiple"],
                    "shuffle": f["shuffle"],
                },
            )
        elif note.type == "typed":
            data = {
                "question": f["question"],
                "answer": f["answer"],
                "accept": list(f.get("accept", ())),
                "match": f.get("match") or deck.match,
            }
            if f.get("tolerance") is not None:
                data["tolerance"] = f["tolerance"]
            add(note, "", data)
        elif note.type == "cloze":
            text = f["text"]
            numbers = groups(parse_cloze(text))
            for number in numbers:
                add(
                    note,
                    f"c{number}",
                    {
                        "text": text,
                        "group": number,
                        "input": f.get("input") or deck.input,
                        "match": f.get("match") or deck.match,
                    },
                )
        elif note.type == "order":
            add(note, "", {"question": f["question"], "items": list(f["items"])})
    return cards
