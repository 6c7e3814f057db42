"""Check a parsed deck against the format in :mod:`quizzer.deck.spec`.

Every problem in the file is collected, not just the first: a card with a bad field
does not stop the other cards from being checked.
"""

from __future__ import annotations

import difflib
import math
import re

from quizzer.deck.cloze import ClozeError, parse_cloze
from quizzer.deck.identity import hashed_key
from quizzer.deck.model import DeckSpec, NoteSpec
from quizzer.deck.problems import Problem
from quizzer.deck.spec import (
    CARD_ID_PATTERN,
    CARD_TYPES,
    DECK_FIELDS,
    ID_MAX,
    MAX_CARDS,
    SLUG_PATTERN,
    TAG_PATTERN,
    TYPE_FIELDS,
    Field,
    card_fields,
)
from quizzer.deck.yamlsafe import Map, Node, Scalar, Seq, SourceText

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = ["validate_deck"]

_SLUG = re.compile(SLUG_PATTERN)
_CARD_ID = re.compile(CARD_ID_PATTERN)
_TAG = re.compile(TAG_PATTERN)
_DECK_FIELDS = {f.name: f for f in DECK_FIELDS}
_CARD_FIELDS = {t: card_fields(t) for t in CARD_TYPES}
_PROMPT_FIELD = {
    "basic": "front",
    "choice": "question",
    "typed": "question",
    "cloze": "text",
    "order": "question",
}
_MISSING = object()
_TYPE_FIELD = _CARD_FIELDS["basic"]["type"]
_REQUIRED = {
    t: tuple(spec.name for spec in fields.values() if spec.required)
    for t, fields in _CARD_FIELDS.items()
}


def _kind(node: Node) -> str:
    if type(node) is Scalar:
        return "text"
    return "a list" if type(node) is Seq else "a mapping"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raw(node: Node, limit: int = 40) -> str:
    """A scalar's text as written (spaces kept), cut to ``limit`` characters."""
    text = node.value if type(node) is Scalar else _kind(node)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


_WHERE = {t: f"{_article(t)} card" for t in CARD_TYPES}


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


class _Checker:
    """Collects problems while converting nodes to values."""

    def __init__(self, source: SourceText):
        self.source = source
        self.problems: list[Problem] = []

    def error(self, node: Node | Scalar, message: str, code: str) -> None:
        if node.bad:  # already reported by the YAML reader
            return
        self.problems.append(self.source.problem(node.line, node.col, message, code))

    # -- scalars ------------------------------------------------------------------
    def text(self, node: Node, name: str, what: str = "text") -> str | None:
        if node.bad:
            return None
        if type(node) is not Scalar:
            self.error(node, f"'{name}' must be {what}, not {_kind(node)}", "wrong-type")
            return None
        value = node.value.rstrip()
        if not value.strip():
            self.error(node, f"'{name}' is empty", "empty-value")
            return None
        return value

    def _item(self, node: Node, name: str) -> str | None:
        """``text`` for an item of list ``name``, without making its name for a message
        unless there is a problem to report."""
        if type(node) is Scalar and not node.bad:
            value = node.value.rstrip()
            if value:
                return value
        return self.text(node, f"{name} item")

    def value(self, spec: Field, node: Node) -> Any:
        """Convert ``node`` for field ``spec``; return _MISSING after reporting a problem."""
        kind = spec.kind
        if kind == "text" and type(node) is Scalar and not node.bad:
            written = node.value.rstrip()
            if written:  # the usual field: its text, with no problem to look for
                return written
        name = spec.name
        if type(node) is Scalar and node.is_null and not node.bad:
            self.error(node, f"'{name}' has no value", "empty-value")
            return _MISSING
        if kind in ("text", "slug", "card_id", "enum"):
            value = self.text(node, name)
            if value is None:
                return _MISSING
            if kind == "slug" and (len(value) > ID_MAX or not _SLUG.match(value)):
                self.error(
                    node,
                    f"'{name}' must be a slug of lowercase letters, digits and - _ . "
                    f"(at most {ID_MAX}); found '{_raw(node)}'",
                    "bad-id",
                )
                return _MISSING
            if kind == "card_id" and (len(value) > ID_MAX or not _CARD_ID.match(value)):
                self.error(
                    node,
                    f"card id must be letters, digits and - _ . (at most {ID_MAX}), "
                    f"starting with a letter or digit; found '{_raw(node)}'",
                    "bad-id",
                )
                return _MISSING
            if kind == "enum" and value not in spec.choices:
                close = difflib.get_close_matches(value, spec.choices, n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.error(
                    node,
                    f"'{name}' must be one of {', '.join(spec.choices)}; found "
                    f"'{_short(value)}'{hint}",
                    "bad-value",
                )
                return _MISSING
            return value
        if kind == "bool":
            if type(node) is Scalar and node.plain and node.value.lower() in ("true", "false"):
                return node.value.lower() == "true"
            shown = node.value if type(node) is Scalar else _kind(node)
            self.error(
                node, f"'{name}' must be true or false; found '{_short(shown)}'", "wrong-type"
            )
            return _MISSING
        if kind in ("number", "int"):
            raw = node.value if type(node) is Scalar else None
            try:
                if raw is None or not node.plain:  # type: ignore[union-attr]
                    raise ValueError
                number = int(raw) if kind == "int" else float(raw)
                if number != number or number < 0 or number in (float("inf"),):
                    raise ValueError
            except ValueError:
                want = "the number 1" if kind == "int" else "a number of 0 or more"
                if raw is not None and not node.plain:  # type: ignore[union-attr]
                    self.error(
                        node,
                        f"'{name}' must be {want}, not the quoted text "
                        f'"{_raw(node)}"; remove the quotes',
                        "wrong-type",
                    )
                    return _MISSING
                shown = raw if raw is not None else _kind(node)
                self.error(node, f"'{name}' must be {want}; found '{_short(shown)}'", "wrong-type")
                return _MISSING
            if kind == "int" and number != 1:
                self.error(
                    node,
                    f"unsupported deck format {number}; this quizzer reads format 1",
                    "bad-format",
                )
                return _MISSING
            return number
        # lists
        if type(node) is not Seq:
            if node.bad:
                return _MISSING
            hint = " (write [a, b] or one '- item' per line)" if type(node) is Scalar else ""
            self.error(node, f"'{name}' must be a list, not {_kind(node)}{hint}", "wrong-type")
            return _MISSING
        if kind == "tags":
            tags = []
            for item in node.items:
                tag = self._item(item, name)
                if tag is None:
                    continue
                if not _TAG.match(tag):
                    self.error(
                        item, f"tag '{_short(tag)}' may not contain spaces or commas", "bad-tag"
                    )
                    continue
                tags.append(tag)
            return tuple(tags)
        values: list[str] = []
        for item in node.items:
            text = self._item(item, name)
            if text is not None:
                values.append(text.strip())
        if len(node.items) < spec.min_items:
            self.error(
                node,
                f"'{name}' needs at least {spec.min_items} item{'s' if spec.min_items > 1 else ''}",
                "too-few",
            )
            return _MISSING
        if len(values) != len(node.items):
            return _MISSING
        seen: dict[str, int] = {}
        for item, value in zip(node.items, values, strict=True):
            if value in seen:
                self.error(item, f"'{_short(value)}' appears twice in '{name}'", "duplicate-item")
                return _MISSING
            seen[value] = 1
        return values

    # -- mappings -----------------------------------------------------------------
    def unknown(
        self, key: Scalar, allowed: dict[str, Field], where: str, card_type: str | None = None
    ) -> None:
        name = key.value
        if card_type is not None:
            owners = [t for t in CARD_TYPES if t != card_type and name in TYPE_FIELDS_BY_NAME[t]]
            if owners:
                self.error(
                    key,
                    f"'{_short(name)}' is not a field of {card_type} cards; it belongs to "
                    f"{_either(owners)} cards (add 'type: {owners[0]}'?)",
                    "unknown-field",
                )
                return
        close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.error(key, f"unknown field '{_raw(key)}' in {where}{hint}", "unknown-field")

    def fields(
        self,
        node: Map,
        allowed: dict[str, Field],
        where: str,
        card_type: str | None = None,
        skip: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.pairs:
            name = key.value
            if name in skip:
                continue
            spec = allowed.get(name)
            if spec is None:
                self.unknown(key, allowed, where, card_type)
                continue
            converted = self.value(spec, value)
            if converted is not _MISSING:
                out[name] = converted
        return out


TYPE_FIELDS_BY_NAME = {t: {f.name for f in TYPE_FIELDS[t]} for t in CARD_TYPES}


def _check_card(ck: _Checker, deck: DeckSpec, node: Node, index: int) -> NoteSpec | None:
    if type(node) is not Map:
        if not node.bad:
            ck.error(
                node, f"each card must be a mapping of fields, not {_kind(node)}", "wrong-type"
            )
        return None
    if node.bad:
        return None  # its problem (a merge key, an anchor) is reported; more would mislead
    card_type = "basic"
    type_node = node.get("type")
    if type_node is not None:
        value = ck.value(_TYPE_FIELD, type_node)
        if value is _MISSING:
            return None
        card_type = value
    allowed = _CARD_FIELDS[card_type]
    where = _WHERE[card_type]
    before = len(ck.problems)
    f = ck.fields(node, allowed, where, card_type, skip=("type",))
    for name in _REQUIRED[card_type]:
        if name not in f and node.get(name) is None:
            ck.error(node, f"{where} needs '{name}'", "missing-field")
    # A field whose value was refused (here, or already by the YAML reader: a tag, an
    # anchor, an over-long text) is absent from ``f``; the card can't be built without it.
    # When every field but the type is in ``f``, none was (the usual case, counted).
    refused = len(f) + (type_node is not None) != len(node.pairs) and any(
        k.value in allowed and k.value != "type" and k.value not in f for k, _ in node.pairs
    )
    if ck.problems[before:] or node.bad or refused:
        return None

    if card_type == "choice":
        choices: list[str] = f["choices"]
        has_one, has_many = "answer" in f, "answers" in f
        if has_one and has_many:
            ck.error(
                node.key("answers") or node,
                "a choice card has 'answer' or 'answers', not both",
                "answer-conflict",
            )
            return None
        if not has_one and not has_many:
            ck.error(
                node,
                "a choice card needs 'answer' (one right option) or 'answers' (several)",
                "missing-field",
            )
            return None
        answers = [f["answer"].strip()] if has_one else f["answers"]
        answer_node = node.get("answer" if has_one else "answers")
        assert answer_node is not None
        for i, answer in enumerate(answers):
            if answer not in choices:
                close = difflib.get_close_matches(answer, choices, n=1, cutoff=0.6)
                hint = f"; did you mean '{_short(close[0])}'?" if close else ""
                at = answer_node.items[i] if type(answer_node) is Seq else answer_node
                ck.error(
                    at,
                    f"answer '{_short(answer)}' is not among the choices{hint}",
                    "answer-not-in-choices",
                )
        if ck.problems[before:]:
            return None
        f["answers"] = answers
        f.pop("answer", None)
        f["multiple"] = has_many
        f.setdefault("shuffle", True)
    elif card_type == "cloze":
        try:
            deletions = parse_cloze(f["text"])
        except ClozeError as exc:
            ck.error(node.get("text") or node, f"bad cloze text: {exc}", "bad-cloze")
            return None
        if not deletions:
            ck.error(
                node.get("text") or node,
                "a cloze text needs at least one {{deletion}}",
                "bad-cloze",
            )
            return None
    elif card_type == "typed":
        tolerance = f.get("tolerance")
        if tolerance is not None:
            try:
                if not math.isfinite(float(f["answer"])):
                    raise ValueError
            except ValueError:
                ck.error(
                    node.get("tolerance") or node, "'tolerance' needs a numeric answer", "bad-value"
                )
                return None
        f["answer"] = f["answer"].strip()
    elif card_type == "basic":
        f.setdefault("reverse", False)

    card_id = f.pop("id", None)
    tags = f.pop("tags", ())
    source = f.pop("source", None) or deck.source
    explain = f.pop("explain", None)
    hint = f.pop("hint", None)
    prompt = f[_PROMPT_FIELD[card_type]]
    key = card_id if card_id is not None else hashed_key(card_type, prompt)
    all_tags = tuple(dict.fromkeys((*deck.tags, *tags)))
    return NoteSpec(
        index,
        node.line,
        node.col,
        card_type,
        card_id,
        key,
        prompt,
        f,
        all_tags,
        source,
        explain,
        hint,
    )


def validate_deck(source: SourceText, root: Map) -> tuple[DeckSpec | None, list[Problem]]:
    """Turn the root mapping of a deck file into a :class:`DeckSpec`.

    Returns the deck (None when it has errors) and every problem found.
    """
    ck = _Checker(source)
    top = ck.fields(root, _DECK_FIELDS, "the deck", skip=("cards",))
    cards_node = root.get("cards")
    if root.get("deck") is None:
        ck.error(root, "the deck needs 'deck:', a stable id such as 'model-hubs'", "missing-field")
    if cards_node is None:
        ck.error(root, "the deck needs 'cards:', a list of cards", "missing-field")
    deck_id = top.get("deck", "")
    deck = DeckSpec(
        path=source.path,
        id=deck_id,
        title=top.get("title") or deck_id,
        description=top.get("description"),
        source=top.get("source"),
        tags=top.get("tags", ()),
        match=top.get("match", "normal"),
        input=top.get("input", "reveal"),
    )
    if cards_node is not None and not cards_node.bad:
        if type(cards_node) is Scalar and cards_node.is_null:
            ck.error(
                cards_node, "'cards' has no value; a deck needs a list of cards", "empty-value"
            )
        elif type(cards_node) is not Seq:
            hint = "" if type(cards_node) is not Scalar else " (start each card with '- ')"
            ck.error(
                cards_node, f"'cards' must be a list, not {_kind(cards_node)}{hint}", "wrong-type"
            )
        elif not cards_node.items:
            ck.error(cards_node, "'cards' is empty; a deck needs at least one card", "too-few")
        elif len(cards_node.items) > MAX_CARDS:
            ck.error(
                cards_node,
                f"the deck has {len(cards_node.items):,} cards; the limit is "
                f"{MAX_CARDS:,} per deck",
                "too-many-cards",
            )
        else:
            ids: dict[str, int] = {}
            keys: dict[str, int] = {}
            for index, item in enumerate(cards_node.items):
                id_node = item.get("id") if type(item) is Map else None
                raw_id = id_node.value.strip() if type(id_node) is Scalar else None
                duplicate = bool(raw_id) and raw_id in ids
                note = _check_card(ck, deck, item, index)  # its own problems count too
                if duplicate:
                    assert id_node is not None and raw_id is not None
                    ck.error(
                        id_node,
                        f"duplicate card id '{_short(raw_id)}' (first used at line {ids[raw_id]})",
                        "duplicate-id",
                    )
                    continue
                if raw_id:
                    ids[raw_id] = item.line
                if note is None:
                    continue
                if note.id is None:
                    if note.key in keys:
                        ck.error(
                            item,
                            f"same prompt as the card at line {keys[note.key]}; "
                            "cards without an id are known by their prompt, so give one "
                            "an 'id'",
                            "duplicate-prompt",
                        )
                        continue
                    keys[note.key] = note.line
                deck.notes.append(note)
    errors = [p for p in ck.problems if p.is_error]
    return (None if errors else deck), ck.problems
