"""The deck format, declared once.

These field declarations drive both the validator (:mod:`quizzer.deck.validate`) and
the JSON Schema that editors use for completion (:func:`json_schema`), so the two can
never disagree. ``docs/deck-format.md`` is the prose reference for the same fields.
"""

from __future__ import annotations

from quizzer.deck.record import FrozenRecord

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any, Literal

    Kind = Literal[
        "text", "slug", "card_id", "tag", "bool", "number", "enum", "texts", "tags", "int"
    ]

__all__ = [
    "CARD_TYPES",
    "COMMON_CARD_FIELDS",
    "DECK_FIELDS",
    "FORMAT_VERSION",
    "MAX_CARDS",
    "TYPE_FIELDS",
    "Field",
    "card_fields",
    "json_schema",
]

FORMAT_VERSION = 1
MAX_CARDS = 100_000

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"
CARD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TAG_PATTERN = r"^[^\s,]+$"
ID_MAX = 64


class Field(FrozenRecord):
    """One field of a deck or card.

    Attributes:
        name: The YAML key.
        kind: What its value must be.
        description: Shown by editors on hover, and in the docs.
        required: Whether it must be present.
        choices: Allowed values, for ``enum`` fields.
        min_items: Minimum length, for list fields.
        example: An example value, used in the JSON Schema.
    """

    _fields = ("name", "kind", "description", "required", "choices", "min_items", "example")
    __slots__ = _fields
    name: str
    kind: Kind
    description: str
    required: bool
    choices: tuple[str, ...]
    min_items: int
    example: Any

    def __init__(
        self,
        name: str,
        kind: Kind,
        description: str,
        required: bool = False,
        choices: tuple[str, ...] = (),
        min_items: int = 0,
        example: Any = None,
    ) -> None:
        self._set(
            name=name,
            kind=kind,
            description=description,
            required=required,
            choices=choices,
            min_items=min_items,
            example=example,
        )


MATCH_MODES = ("exact", "normal", "lenient")
INPUT_MODES = ("reveal", "typed")
CARD_TYPES = ("basic", "choice", "typed", "cloze", "order")

DECK_FIELDS: tuple[Field, ...] = (
    Field("format", "int", "Deck format version. Only 1 exists; omit it or write 1."),
    Field(
        "deck",
        "slug",
        "Stable deck id: lowercase letters, digits and - _ . (for example `model-hubs`). "
        "Review history is tied to it, so don't change it.",
        required=True,
        example="model-hubs",
    ),
    Field("title", "text", "Human-readable deck title. Defaults to the deck id."),
    Field("description", "text", "What the deck teaches, in a sentence or two (Markdown)."),
    Field(
        "source",
        "text",
        "Default lesson section for every card, e.g. "
        "'Pretraining large language models › Model hubs'.",
    ),
    Field("tags", "tags", "Tags given to every card of the deck."),
    Field(
        "match",
        "enum",
        "Default matching of typed answers: exact, normal (the default: folds case, "
        "whitespace and diacritics) or lenient (also ignores punctuation and articles).",
        choices=MATCH_MODES,
    ),
    Field(
        "input",
        "enum",
        "Default way to answer cloze cards: reveal (self-graded, the default) or typed.",
        choices=INPUT_MODES,
    ),
    Field("cards", "texts", "The cards of the deck.", required=True, min_items=1),
)

COMMON_CARD_FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        "card_id",
        "Card id, unique in the deck. Keeps the card's review history when its text is "
        "edited. Letters, digits and - _ . ; strongly recommended.",
        example="bert-objective",
    ),
    Field("type", "enum", "Card type; basic when omitted.", choices=CARD_TYPES),
    Field("tags", "tags", "Tags of this card, added to the deck's tags."),
    Field("source", "text", "Lesson section this card comes from; defaults to the deck's."),
    Field("explain", "text", "Why the answer is right, shown after answering (Markdown)."),
    Field("hint", "text", "A hint the learner can ask for before answering (Markdown)."),
)

TYPE_FIELDS: dict[str, tuple[Field, ...]] = {
    "basic": (
        Field("front", "text", "The question side (Markdown).", required=True),
        Field("back", "text", "The answer side (Markdown).", required=True),
        Field("reverse", "bool", "Also make a back→front card (a sibling). true or false."),
    ),
    "choice": (
        Field("question", "text", "The question (Markdown).", required=True),
        Field(
            "choices",
            "texts",
            "The options, 2 or more, all different (plain text, shown as written).",
            min_items=2,
            required=True,
        ),
        Field("answer", "text", "The one right option, written exactly as in `choices`."),
        Field(
            "answers",
            "texts",
            "Several right options (the learner selects all of them). Use instead of `answer`.",
            min_items=1,
        ),
        Field("shuffle", "bool", "Shuffle the options at each review (default true)."),
    ),
    "typed": (
        Field("question", "text", "The question (Markdown).", required=True),
        Field(
            "answer", "text", "The expected answer (plain text, shown as written).", required=True
        ),
        Field("accept", "texts", "Other answers that also count as right."),
        Field("match", "enum", "How typed answers are compared.", choices=MATCH_MODES),
        Field(
            "tolerance",
            "number",
            "For numeric answers: how far off an answer may be and still be right.",
        ),
    ),
    "cloze": (
        Field(
            "text",
            "text",
            "Text with deletions: {{answer}}, {{answer::hint}}, or {{c1::answer}} to group "
            "deletions into one card. Each group is its own card.",
            required=True,
        ),
        Field("input", "enum", "reveal (self-graded) or typed.", choices=INPUT_MODES),
        Field("match", "enum", "How typed answers are compared.", choices=MATCH_MODES),
    ),
    "order": (
        Field("question", "text", "The instruction (Markdown).", required=True),
        Field(
            "items",
            "texts",
            "The items in their correct order; shown shuffled (plain text, shown as written).",
            min_items=2,
            required=True,
        ),
    ),
}


def card_fields(card_type: str) -> dict[str, Field]:
    """All fields allowed on a card of ``card_type``, by name."""
    fields = {f.name: f for f in COMMON_CARD_FIELDS}
    fields.update({f.name: f for f in TYPE_FIELDS[card_type]})
    return fields


def _field_schema(spec: Field) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", "minLength": 1}
    schema: dict[str, Any]
    match spec.kind:
        case "text":
            schema = dict(text)
        case "slug":
            schema = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": ID_MAX}
        case "card_id":
            schema = {"type": "string", "pattern": CARD_ID_PATTERN, "maxLength": ID_MAX}
        case "tag":
            schema = {"type": "string", "pattern": TAG_PATTERN}
        case "tags":
            schema = {"type": "array", "items": {"type": "string", "pattern": TAG_PATTERN}}
        case "bool":
            schema = {"type": "boolean"}
        case "number":
            schema = {"type": "number", "minimum": 0}
        case "int":
            schema = {"type": "integer", "const": FORMAT_VERSION}
        case "enum":
            schema = {"type": "string", "enum": list(spec.choices)}
        case "texts":
            schema = {"type": "array", "items": text}
            if spec.min_items:
                schema["minItems"] = spec.min_items
    schema["description"] = spec.description
    if spec.example is not None:
        schema["examples"] = [spec.example]
    return schema


def _card_schema(card_type: str) -> dict[str, Any]:
    fields = card_fields(card_type)
    props = {name: _field_schema(f) for name, f in fields.items()}
    props["type"] = {
        "const": card_type,
        "description": f"Card type: {card_type}."
        + (" May be omitted." if card_type == "basic" else ""),
    }
    required = [name for name, f in fields.items() if f.required]
    if card_type != "basic":
        required.insert(0, "type")
    schema: dict[str, Any] = {
        "type": "object",
        "title": f"{card_type} card",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    if card_type == "choice":
        schema["oneOf"] = [{"required": ["answer"]}, {"required": ["answers"]}]
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of deck format v1, built from the declarations above."""
    props = {f.name: _field_schema(f) for f in DECK_FIELDS}
    props["cards"] = {
        "type": "array",
        "description": "The cards of the deck.",
        "minItems": 1,
        "maxItems": MAX_CARDS,
        "items": {"oneOf": [_card_schema(t) for t in CARD_TYPES]},
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://quizzer.invalid/schema/deck-v1.json",
        "title": "quizzer deck (format 1)",
        "description": "One YAML file is one deck of flashcards and quiz cards for quizzer.",
        "type": "object",
        "properties": props,
        "required": [f.name for f in DECK_FIELDS if f.required],
        "additionalProperties": False,
    }
