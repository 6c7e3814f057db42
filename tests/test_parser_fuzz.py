"""Property tests of the deck parser: whatever the input, it returns problems and never
raises; problem positions stay inside the file; valid decks round-trip their text.

Deterministic (``derandomize=True``), so CI sees the same examples on every run.
"""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzer.deck.loader import DeckResult, parse_deck_bytes

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: YAML indicators and deck words, so random text often looks like a deck.
TOKENS = [
    "deck: d\n",
    "cards:\n",
    "  - ",
    "    ",
    "front: ",
    "back: ",
    "type: ",
    "choice",
    "cloze",
    "order",
    "typed",
    "question: ",
    "choices: ",
    "answer: ",
    "answers: ",
    "items: ",
    "text: ",
    "id: ",
    "reverse: ",
    "tolerance: ",
    "\n",
    "\r\n",
    "\t",
    ": ",
    "- ",
    "? ",
    "{{",
    "}}",
    "{",
    "}",
    "[",
    "]",
    ",",
    "*a",
    "&a ",
    "!",
    "!!str ",
    "!!python/object:os.system ",
    "!foo ",
    "<<: ",
    "|",
    "|-",
    ">",
    ">+",
    "'",
    '"',
    "#",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "~",
    "null",
    "yes",
    "1.10",
    "\\",
    "\x00",
    "\x1b[31m",
    "\x1b]52;c;eA==\x07",
    "\x9b",
    "\u202e",
    "\u2028",
    "\ufeff",
    "é",
    "😀",
]


SPECIALS = st.characters(
    categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Po", "Sm"], include_characters="{}:*&!|>-#'\"%@`"
)
ANY_CHAR = st.characters(codec="utf-8")  # every code point UTF-8 can encode


def check(result: DeckResult, text: str | None = None) -> None:
    """A result is well formed; with ``text``, positions are inside it."""
    assert isinstance(result, DeckResult)
    if result.errors:
        assert result.deck is None
    for p in result.problems:
        assert isinstance(p.message, str) and p.message
        assert p.line >= 0 and p.col >= 0
        assert isinstance(p.headline(), str)
        assert isinstance(p.format(), str)
        if text is not None:
            assert p.line <= len(text.splitlines()) + 1, p.headline()


# -- (a) arbitrary bytes ---------------------------------------------------------------
@settings(FUZZ, max_examples=1000)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check(parse_deck_bytes("fuzz.yaml", data))


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_deck_with_arbitrary_bytes_inside_never_raises(head: bytes, tail: bytes) -> None:
    data = b"deck: d\ncards:\n  - front: " + head + b"\n    back: " + tail + b"\n"
    check(parse_deck_bytes("fuzz.yaml", data))


# -- (b) arbitrary text ----------------------------------------------------------------


@settings(FUZZ, max_examples=1000)
@given(st.text(st.one_of(ANY_CHAR, SPECIALS), max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    check(parse_deck_bytes("fuzz.yaml", text.encode()))


@settings(FUZZ, max_examples=1000)
@given(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(ANY_CHAR, max_size=8)), max_size=60))
def test_token_soup_never_raises(parts: list[str]) -> None:
    text = "".join(parts)
    check(parse_deck_bytes("fuzz.yaml", text.encode()))


# -- generated decks -------------------------------------------------------------------
_BAD_CHARS = frozenset(
    "\u2028\u2029\ufeff\ufffe\uffff"
    + "".join(map(chr, range(0x202A, 0x202F)))
    + "".join(map(chr, range(0x2066, 0x206A)))
)


def _clean(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn") and char not in _BAD_CHARS


CLEAN_CHAR = st.characters(codec="utf-8").filter(_clean)
#: Text the parser accepts: no control characters, no cloze braces, not blank.
TEXT = st.text(CLEAN_CHAR, min_size=1, max_size=40).filter(
    lambda s: s.strip() and "{{" not in s and "}}" not in s
)
#: List items: the parser strips them, so they are generated stripped.
ITEM = TEXT.map(str.strip).filter(bool)
CLOZE_PART = st.text(CLEAN_CHAR.filter(lambda c: c not in "{}"), max_size=20)
CLOZE_ANSWER = st.text(CLEAN_CHAR.filter(lambda c: c not in "{}:"), min_size=1, max_size=12).filter(
    lambda s: s.strip()
)
TAG = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,10}", fullmatch=True)
SLUG = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)


@st.composite
def card(draw: Any, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["basic", "choice", "typed", "cloze", "order"]))
    out: dict[str, Any] = {"id": f"card-{index}"}
    if kind != "basic" or draw(st.booleans()):
        out["type"] = kind
    if kind == "basic":
        out["front"] = draw(TEXT)
        out["back"] = draw(TEXT)
        if draw(st.booleans()):
            out["reverse"] = draw(st.booleans())
    elif kind == "choice":
        out["question"] = draw(TEXT)
        choices = draw(st.lists(ITEM, min_size=2, max_size=5, unique=True))
        out["choices"] = choices
        if draw(st.booleans()):
            out["answer"] = draw(st.sampled_from(choices))
        else:
            picked = draw(st.lists(st.sampled_from(choices), min_size=1, unique=True))
            out["answers"] = picked
        if draw(st.booleans()):
            out["shuffle"] = draw(st.booleans())
    elif kind == "typed":
        out["question"] = draw(TEXT)
        out["answer"] = draw(TEXT)
        if draw(st.booleans()):
            out["accept"] = draw(st.lists(ITEM, max_size=3, unique=True))
        if draw(st.booleans()):
            out["match"] = draw(st.sampled_from(["exact", "normal", "lenient"]))
    elif kind == "cloze":
        parts = [draw(CLOZE_PART)]
        for _ in range(draw(st.integers(1, 3))):
            parts.append("{{" + draw(CLOZE_ANSWER) + "}}")
            parts.append(draw(CLOZE_PART))
        text = "".join(parts)
        out["text"] = text
    else:
        out["question"] = draw(TEXT)
        out["items"] = draw(st.lists(ITEM, min_size=2, max_size=5, unique=True))
    for extra in ("explain", "hint", "source"):
        if draw(st.booleans()):
            out[extra] = draw(TEXT)
    if draw(st.booleans()):
        out["tags"] = draw(st.lists(TAG, max_size=3))
    return out


@st.composite
def deck(draw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"deck": draw(SLUG)}
    for extra in ("title", "description", "source"):
        if draw(st.booleans()):
            out[extra] = draw(TEXT)
    if draw(st.booleans()):
        out["tags"] = draw(st.lists(TAG, max_size=3))
    count = draw(st.integers(1, 5))
    out["cards"] = [draw(card(i)) for i in range(count)]
    return out


def dump(data: dict[str, Any], unicode: bool = True) -> str:
    return yaml.safe_dump(data, allow_unicode=unicode, sort_keys=False, width=60)


# -- (c) near-valid decks, mutated -----------------------------------------------------
MUTATIONS = [
    "delete-line",
    "duplicate-line",
    "insert-tab",
    "indent-tab",
    "swap",
    "truncate",
    "insert-token",
    "token-as-value",
]


@st.composite
def mutated(draw: Any) -> str:
    text = dump(draw(deck()))
    # Positions come from a seeded Random: Hypothesis' own integers lean towards 0, which
    # would mostly delete the first line.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    for _ in range(rng.randint(1, 3)):
        lines = text.split("\n")
        kind = rng.choice(MUTATIONS)
        at = rng.randrange(len(text) + 1)
        if kind == "delete-line":
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif kind == "duplicate-line":
            row = rng.randrange(len(lines))
            lines.insert(row, lines[row])
            text = "\n".join(lines)
        elif kind == "insert-tab":
            text = text[:at] + "\t" + text[at:]
        elif kind == "indent-tab":
            row = rng.randrange(len(lines))
            lines[row] = "\t" + lines[row]
            text = "\n".join(lines)
        elif kind == "swap" and len(text) >= 2:
            i, j = rng.randrange(len(text)), rng.randrange(len(text))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
        elif kind == "truncate":
            text = text[:at]
        elif kind == "insert-token":
            text = text[:at] + rng.choice(TOKENS) + text[at:]
        elif kind == "token-as-value" and ": " in text:
            # Right after a key, where tags, anchors, aliases and flow collections bite.
            at = text.find(": ", at)
            at = text.find(": ") if at < 0 else at
            text = text[: at + 2] + rng.choice(TOKENS) + text[at + 2 :]
    return text


@FUZZ
@given(mutated())
def test_mutated_decks_never_raise_and_positions_stay_in_the_file(text: str) -> None:
    result = parse_deck_bytes("fuzz.yaml", text.encode())
    check(result, text)
    lines = text.split("\n")
    for p in result.problems:
        if p.line == 0:
            assert p.col == 0
            continue
        assert p.col >= 1
        if p.line <= len(lines):
            assert p.col <= len(lines[p.line - 1]) + 1, p.headline()


# -- (d) valid decks round-trip --------------------------------------------------------
def texts_of(data: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(f"card {c['id']}", k, v) for c in data["cards"] for k, v in c.items()]


@FUZZ
@given(deck(), st.booleans())
def test_valid_decks_round_trip(data: dict[str, Any], unicode: bool) -> None:
    text = dump(data, unicode)
    result = parse_deck_bytes("fuzz.yaml", text.encode())
    assert result.errors == [], "\n".join(p.format() for p in result.errors) + "\n" + text
    spec = result.deck
    assert spec is not None
    assert spec.id == data["deck"]
    for field in ("title", "description", "source"):
        if field in data:
            assert getattr(spec, field) == data[field].rstrip()
    assert spec.tags == tuple(data.get("tags", ()))
    assert len(spec.notes) == len(data["cards"])
    for note, raw in zip(spec.notes, data["cards"], strict=True):
        assert note.id == raw["id"] == note.key
        assert note.type == raw.get("type", "basic")
        for field in ("explain", "hint"):
            if field in raw:
                assert getattr(note, field) == raw[field].rstrip()
        if "source" in raw:
            assert note.source == raw["source"].rstrip()
        f = note.fields
        for field in ("front", "back", "question", "text"):
            if field in raw:
                assert f[field] == raw[field].rstrip(), field
        if note.type == "typed":
            # The typed answer is stripped on both sides.
            assert f["answer"] == raw["answer"].strip()
            assert f.get("accept", []) == raw.get("accept", [])
        for field in ("choices", "items"):
            if field in raw:
                assert f[field] == raw[field]
        if note.type == "choice":
            assert f["answers"] == raw.get("answers", [raw.get("answer")])
            assert f["multiple"] is ("answers" in raw)
            assert f["shuffle"] is raw.get("shuffle", True)
        if note.type == "basic":
            assert f["reverse"] is raw.get("reverse", False)
    cards = spec.study_cards()
    assert len({c.key for c in cards}) == len(cards)
