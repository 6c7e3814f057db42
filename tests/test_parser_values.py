"""What the deck parser makes of values: text stays text exactly as written, and card
identity (keys) follows the rules of deck format v1."""

from __future__ import annotations

import pytest

from quizzer.deck.loader import parse_deck_bytes
from quizzer.deck.model import DeckSpec, StudyCard

#: Plain scalars that a YAML 1.1 loader would turn into booleans, numbers, None or dates.
TRICKY = ["no", "yes", "1.10", "012", "~", "null", "2024-01-01", "0x1F", "1e3", ".inf", "True"]
#: More of the same, for good measure.
MORE_TRICKY = ["off", "On", "NO", "0o17", "1_000", "-.5", "+1", "0.", "12:30", "NaN", "FALSE"]


def load(text: str) -> DeckSpec:
    result = parse_deck_bytes("values.yaml", text.encode())
    assert result.deck is not None, "\n".join(p.format() for p in result.problems)
    assert result.errors == []
    return result.deck


def cards(text: str) -> list[StudyCard]:
    return load(text).study_cards()


def flow(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def block(values: list[str], indent: int = 6) -> str:
    return "".join(f"\n{' ' * indent}- {v}" for v in values)


# -- plain scalars stay strings --------------------------------------------------------
@pytest.mark.parametrize("value", TRICKY + MORE_TRICKY)
def test_choice_answer_and_choices_stay_text(value: str) -> None:
    (card,) = cards(
        f"deck: v\ncards:\n  - id: c\n    type: choice\n    question: Which?\n"
        f"    choices: [{value}, other]\n    answer: {value}\n"
    )
    assert card.data["choices"] == [value, "other"]
    assert card.data["answers"] == [value]
    assert all(type(v) is str for v in card.data["choices"] + card.data["answers"])


@pytest.mark.parametrize("value", TRICKY + MORE_TRICKY)
def test_typed_answer_stays_text(value: str) -> None:
    (card,) = cards(
        f"deck: v\ncards:\n  - id: t\n    type: typed\n    question: Which?\n    answer: {value}\n"
    )
    assert card.data["answer"] == value
    assert type(card.data["answer"]) is str


@pytest.mark.parametrize("style", ["flow", "block"])
def test_lists_of_tricky_values_stay_text(style: str) -> None:
    items = flow(TRICKY) if style == "flow" else block(TRICKY)
    deck = f"""\
deck: v
cards:
  - id: multi
    type: choice
    question: All of them?
    choices: {items}
    answers: {items}
  - id: typed
    type: typed
    question: Anything?
    answer: x
    accept: {items}
  - id: order
    type: order
    question: In order?
    items: {items}
"""
    multi, typed, order = cards(deck)
    assert multi.data["choices"] == TRICKY
    assert multi.data["answers"] == TRICKY
    assert multi.data["multiple"] is True
    assert typed.data["accept"] == TRICKY
    assert order.data["items"] == TRICKY
    for values in (multi.data["choices"], typed.data["accept"], order.data["items"]):
        assert all(type(v) is str for v in values)


def test_basic_card_fields_stay_text() -> None:
    (card,) = cards("deck: v\ncards:\n  - id: b\n    front: no\n    back: 1.10\n    hint: ~\n")
    assert card.data == {"front": "no", "back": "1.10", "hint": "~"}


def test_quoted_scalars_are_the_same_text() -> None:
    single = flow([f"'{v}'" for v in TRICKY])
    double = flow([f'"{v}"' for v in TRICKY])
    typed_single, typed_double = cards(
        f"deck: v\ncards:\n"
        f"  - id: a\n    type: typed\n    question: q1\n    answer: 'no'\n    accept: {single}\n"
        f'  - id: b\n    type: typed\n    question: q2\n    answer: "no"\n    accept: {double}\n'
    )
    assert typed_single.data["answer"] == typed_double.data["answer"] == "no"
    assert typed_single.data["accept"] == typed_double.data["accept"] == TRICKY


def test_quoted_escapes_and_spaces() -> None:
    (card,) = cards(
        "deck: v\ncards:\n  - id: q\n    front: \"tab\\there \\u00e9\"\n    back: '  it''s  '\n"
    )
    assert card.data["front"] == "tab\there é"
    # Text fields are rstripped, not lstripped.
    assert card.data["back"] == "  it's"


def test_block_scalars() -> None:
    deck = """\
deck: v
cards:
  - id: literal
    front: |
      no
      1.10
    back: >
      folded
      yes

  - id: strip-keep
    front: |-
      ~
    back: |+
      kept


  - id: folded-strip
    front: >-
      2024-01-01
      0x1F
    back: |2
        indented
      code
"""
    literal, strip_keep, folded = cards(deck)
    assert literal.data == {"front": "no\n1.10", "back": "folded yes"}
    assert strip_keep.data == {"front": "~", "back": "kept"}
    assert folded.data == {"front": "2024-01-01 0x1F", "back": "  indented\ncode"}


def test_block_scalar_keeps_code_indentation() -> None:
    (card,) = cards(
        "deck: v\ncards:\n  - id: code\n    front: |\n      ```python\n      def f():\n"
        "          return 1\n      ```\n    back: A function.\n"
    )
    assert card.data["front"] == "```python\ndef f():\n    return 1\n```"


def test_tags_stay_text() -> None:
    deck = load(
        "deck: v\ntags: [yes, 1.10, ~]\ncards:\n  - id: a\n    front: f\n    back: b\n"
        "    tags: [no, 2024-01-01]\n"
    )
    assert deck.tags == ("yes", "1.10", "~")
    assert deck.notes[0].tags == ("yes", "1.10", "~", "no", "2024-01-01")


def test_ids_stay_text() -> None:
    deck = load(
        "deck: v\ncards:\n  - id: 012\n    front: a\n    back: b\n"
        "  - id: 1e3\n    front: c\n    back: d\n  - id: 'True'\n    front: e\n    back: f\n"
    )
    assert [n.id for n in deck.notes] == ["012", "1e3", "True"]
    assert [c.key for c in deck.study_cards()] == ["012", "1e3", "True"]


def test_deck_slug_of_digits_stays_text() -> None:
    assert load("deck: 2024\ncards:\n  - id: a\n    front: f\n    back: b\n").id == "2024"


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "True ", "'true'", "1", "~"])
def test_reverse_accepts_only_true_or_false(value: str) -> None:
    data = f"deck: v\ncards:\n  - id: a\n    front: f\n    back: b\n    reverse: {value}\n"
    result = parse_deck_bytes("v.yaml", data.encode())
    if value.strip() == "True":
        assert result.errors == []
        return
    assert [p.code for p in result.problems] == ["wrong-type"]


@pytest.mark.parametrize("value", ["true", "false", "True", "FALSE"])
def test_reverse_booleans(value: str) -> None:
    data = f"deck: v\ncards:\n  - id: a\n    front: f\n    back: b\n    reverse: {value}\n"
    assert len(cards(data)) == (2 if value.lower() == "true" else 1)


def test_tolerance_is_a_number() -> None:
    (card,) = cards(
        "deck: v\ncards:\n  - id: a\n    type: typed\n    question: q\n    answer: 1e3\n"
        "    tolerance: .5\n"
    )
    assert card.data["answer"] == "1e3"
    assert card.data["tolerance"] == 0.5


@pytest.mark.parametrize("answer", ["nan", "inf", "-Infinity"])
def test_tolerance_needs_a_finite_number(answer: str) -> None:
    data = (
        f"deck: v\ncards:\n  - id: a\n    type: typed\n    question: q\n    answer: {answer}\n"
        "    tolerance: 1\n"
    )
    result = parse_deck_bytes("v.yaml", data.encode())
    assert [p.code for p in result.problems] == ["bad-value"]


# -- identity --------------------------------------------------------------------------
def one_card_deck(front: str, back: str = "Paris", extra: str = "") -> str:
    return f"deck: v\ncards:\n  - front: {front}\n    back: {back}\n{extra}"


def key_of(text: str) -> str:
    (note,) = load(text).notes
    return note.key


@pytest.mark.parametrize(
    "variant",
    [
        "what is the capital of france?",
        "WHAT IS THE CAPITAL OF FRANCE",
        "'What is the capital of France ?!'",
        "What   is the\tcapital of France...",
        '"What is the capital-of-France?"',
        "'  What is the capital of France?  '",
        "|\n      What is\n      the capital of France?",
        "What is the capital of France\uff1f",
    ],
)
def test_prompt_case_punctuation_and_whitespace_keep_the_key(variant: str) -> None:
    base = key_of(one_card_deck("What is the capital of France?"))
    assert base.startswith("#") and len(base) == 13
    assert key_of(one_card_deck(variant)) == base


def test_changed_answer_keeps_the_key_but_changes_the_content() -> None:
    before = cards(one_card_deck("What is the capital of France?", "Paris"))[0]
    after = cards(one_card_deck("What is the capital of France?", "Paris, on the Seine"))[0]
    assert before.key == after.key
    assert before.content_hash != after.content_hash


def test_changed_words_change_the_key() -> None:
    a = key_of(one_card_deck("What is the capital of France?"))
    assert key_of(one_card_deck("What is the capital of Italy?")) != a
    assert key_of(one_card_deck("What is the capital of Frances?")) != a


def test_card_type_is_part_of_the_key() -> None:
    basic = key_of(one_card_deck("What is BERT?"))
    typed = key_of("deck: v\ncards:\n  - type: typed\n    question: What is BERT?\n    answer: a\n")
    assert basic != typed


def test_id_is_the_key_and_survives_prompt_edits() -> None:
    a = key_of("deck: v\ncards:\n  - id: capital\n    front: Capital of France?\n    back: P\n")
    b = key_of("deck: v\ncards:\n  - id: capital\n    front: France's capital city?\n    back: P\n")
    assert a == b == "capital"


def test_reverse_gives_a_sibling() -> None:
    main, rev = cards(one_card_deck("Sentinel token", "A placeholder token", "    reverse: true\n"))
    assert rev.key == f"{main.key}/reverse"
    assert rev.note_key == main.note_key == main.key
    assert (main.sibling, rev.sibling) == ("", "reverse")
    assert rev.data["front"] == "A placeholder token"
    assert rev.data["back"] == "Sentinel token"
    assert rev.data["reversed"] is True
    with_id = cards(
        "deck: v\ncards:\n  - id: sentinel\n    front: f\n    back: b\n    reverse: true\n"
    )
    assert [c.key for c in with_id] == ["sentinel", "sentinel/reverse"]


def test_reverse_false_gives_no_sibling() -> None:
    assert len(cards(one_card_deck("Sentinel token", "b", "    reverse: false\n"))) == 1


def cloze(text: str, card_id: str | None = None) -> str:
    head = f"  - id: {card_id}\n    type: cloze\n" if card_id else "  - type: cloze\n"
    return f'deck: v\ncards:\n{head}    text: "{text}"\n'


def test_unnumbered_deletions_are_one_card_each() -> None:
    c1, c2 = cards(cloze("{{a}} and {{b::hint}}"))
    note = c1.note_key
    assert (c1.key, c2.key) == (f"{note}/c1", f"{note}/c2")
    assert (c1.data["group"], c2.data["group"]) == (1, 2)
    assert c1.sibling == "c1" and c2.sibling == "c2"


def test_shared_group_is_a_single_card() -> None:
    (card,) = cards(cloze("{{c1::a}} and {{c1::b}}", "grouped"))
    assert card.key == "grouped/c1"
    assert card.data["group"] == 1


def test_numbered_groups_follow_first_appearance() -> None:
    found = cards(cloze("{{c2::x}} {{c1::y}} {{c2::z}}", "g"))
    assert [c.key for c in found] == ["g/c2", "g/c1"]


@pytest.mark.parametrize("text", ["{{c1::a}} and {{b}}", "{{a}} and {{c2::b}}"])
def test_mixing_numbered_and_unnumbered_is_an_error(text: str) -> None:
    result = parse_deck_bytes("v.yaml", cloze(text, "mixed").encode())
    assert result.deck is None
    assert [p.code for p in result.problems] == ["bad-cloze"]
    assert "mix of numbered" in result.problems[0].message


def test_cloze_key_ignores_braces_and_case() -> None:
    a = cards(cloze("The {{capital}} of France is Paris."))[0].note_key
    b = cards(cloze("the capital of france is {{Paris}}"))[0].note_key
    assert a == b


def test_duplicate_normalized_prompts_are_an_error() -> None:
    data = one_card_deck("What is BERT?") + "  - front: what is bert!!\n    back: other\n"
    result = parse_deck_bytes("v.yaml", data.encode())
    assert [p.code for p in result.problems] == ["duplicate-prompt"]
    assert result.problems[0].line == 5
