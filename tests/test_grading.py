"""Grading: every card type turns a response into a verdict and a suggested rating.

Pure-function tables first (``quizzer.study.grading``), then the same rules end to end
through ``session.grade`` / ``session.answer`` on an imported deck.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import NOW, write_deck
from sqlalchemy import select

from quizzer import Collection, Rating
from quizzer.store.models import reviews_t
from quizzer.study.grading import (
    edit_distance,
    grade,
    grade_choice,
    grade_order,
    grade_typed,
    near_miss_allowance,
    normalize_answer,
)
from quizzer.study.types import Verdict

C, A, W, S = Verdict.CORRECT, Verdict.ALMOST, Verdict.WRONG, Verdict.SELF
SUGGESTION = {C: Rating.GOOD, A: Rating.HARD, W: Rating.AGAIN, S: None}


def check(result, verdict: Verdict) -> None:
    """The verdict, and the rating every verdict implies."""
    assert result.verdict is verdict, result
    assert result.suggested == SUGGESTION[verdict]
    assert result.correct == (None if verdict is S else verdict is C)


# -- choice --------------------------------------------------------------------------
OPTIONS = ["Masked language modeling", "Causal language modeling", "Span corruption"]


@pytest.mark.parametrize(
    ("response", "verdict", "message"),
    [
        ("Masked language modeling", C, ""),
        (["Masked language modeling"], C, ""),
        ("Causal language modeling", W, ""),
        ("masked language modeling", W, ""),  # options are picked, not typed
        (None, W, "no option chosen"),
        ([], W, "no option chosen"),
        (["Masked language modeling", "Span corruption"], W, ""),
    ],
)
def test_choice_single(response, verdict, message) -> None:
    result = grade_choice(response, [OPTIONS[0]], multiple=False)
    check(result, verdict)
    assert result.message == message
    assert result.expected == OPTIONS[0]


RIGHT = ["GPT-3", "BLOOM", "PaLM"]


@pytest.mark.parametrize(
    ("response", "verdict", "message"),
    [
        (["GPT-3", "BLOOM", "PaLM"], C, ""),
        (["PaLM", "GPT-3", "BLOOM"], C, ""),  # order doesn't matter
        (["GPT-3", "BLOOM"], A, "1 missed"),
        (["GPT-3", "BLOOM", "PaLM", "GPT-2"], A, "1 extra"),
        (["GPT-3"], W, "2 missed"),
        (["GPT-3", "BLOOM", "GPT-2"], W, "1 missed, 1 extra"),
        (["GPT-3", "BLOOM", "PaLM", "GPT-2", "BERT-Large"], W, "2 extra"),
        ([], W, "3 missed"),
        (None, W, "3 missed"),
        ("GPT-3", W, "2 missed"),  # a single string is one pick
    ],
)
def test_choice_multiple(response, verdict, message) -> None:
    result = grade_choice(response, RIGHT, multiple=True)
    check(result, verdict)
    assert result.message == message
    assert result.expected == "GPT-3, BLOOM, PaLM"


# -- typed: normalization and matching modes -------------------------------------------
@pytest.mark.parametrize(
    ("text", "match", "folded"),
    [
        ("  Hello   World ", "normal", "hello world"),
        ("  Hello   World ", "exact", "  Hello   World "),
        ("ＡＢＣ１２３", "exact", "ABC123"),  # NFKC: full-width forms
        ("ﬁne", "exact", "fine"),  # NFKC: ligature
        ("École", "normal", "ecole"),
        ("École", "exact", "École"),
        ("Straße", "normal", "strasse"),  # casefold, not lower
        ("The sequence-to-sequence model!", "lenient", "sequence to sequence model"),
        ("An apple", "lenient", "apple"),
        ("a", "lenient", "a"),  # a lone article is the answer, not an article
        ("Theory", "lenient", "theory"),  # "the" only as a whole word
        ("שָׁלוֹם", "normal", "שלום"),  # Hebrew points are combining marks
    ],
)
def test_normalize_answer(text: str, match: str, folded: str) -> None:
    assert normalize_answer(text, match) == folded


@pytest.mark.parametrize(
    ("response", "answer", "match", "verdict"),
    [
        # case
        ("paris", "Paris", "exact", A),  # one edit on 5 characters
        ("pH", "PH", "exact", W),  # short: no typo allowance
        ("paris", "Paris", "normal", C),
        ("PARIS", "Paris", "lenient", C),
        # whitespace
        ("  Paris  ", "Paris", "normal", C),
        ("New   York", "New York", "normal", C),
        ("New\tYork", "New York", "normal", C),
        ("New   York", "New York", "exact", A),
        # NFKC
        ("ＢＥＲＴ", "BERT", "exact", C),
        ("ＢＥＲＴ", "bert", "normal", C),
        # diacritics
        ("ecole", "École", "normal", C),
        ("ECOLE", "École", "lenient", C),
        ("Ecole", "École", "exact", A),
        ("naive", "naïve", "normal", C),
        # punctuation
        ("sequence to sequence", "sequence-to-sequence", "lenient", C),
        ("sequence to sequence", "sequence-to-sequence", "normal", A),
        ("Paris.", "Paris", "lenient", C),
        ("Paris.", "Paris", "normal", A),
        ("encoder/decoder", "encoder decoder", "lenient", C),
        # leading article
        ("the Beatles", "Beatles", "lenient", C),
        ("Beatles", "The Beatles", "lenient", C),
        ("an encoder", "encoder", "lenient", C),
        ("the Beatles", "Beatles", "normal", W),
        # a right answer among several
        ("MLM", "masked language modeling", "lenient", C),
        # Unicode, emoji and right-to-left text
        ("مرحبا", "مرحبا", "normal", C),
        ("שלום", "שָׁלוֹם", "normal", C),
        ("😀 smile", "😀 smile", "exact", C),
        ("🎉 party", "🎊 party", "normal", A),
        ("日本語", "日本語", "normal", C),
        ("日本", "日本語", "normal", W),
        ("Ελλάδα", "ΕΛΛΑΔΑ", "normal", C),
    ],
)
def test_typed_matching(response: str, answer: str, match: str, verdict: Verdict) -> None:
    accept = ["MLM"] if answer == "masked language modeling" else []
    check(grade_typed(response, answer, accept, match), verdict)


def test_typed_accepts_alternatives() -> None:
    check(grade_typed("T-5", "T5", ["T-5", "Text-to-Text"]), C)
    check(grade_typed("text to text", "T5", ["T-5", "Text-to-Text"], "lenient"), C)
    check(grade_typed("T6", "T5", ["T-5"]), W)
    # A near miss of an alternative is "almost", with a diff against that alternative.
    result = grade_typed("Text-to-Tex", "T5", ["T-5", "Text-to-Text"])
    check(result, A)
    assert "".join(s.expected for s in result.diff) == "Text-to-Text"
    assert result.expected == "T5"  # the main answer is what is shown


@pytest.mark.parametrize("response", ["", "   ", "\t\n", "\u3000"])
@pytest.mark.parametrize("match", ["exact", "normal", "lenient"])
def test_empty_answer_is_wrong(response: str, match: str) -> None:
    result = grade_typed(response, "Paris", (), match)
    check(result, W)
    assert result.message == "no answer"
    assert result.expected == "Paris"


# -- typed: near misses -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("length", "allowed"),
    [(0, 0), (1, 0), (3, 0), (4, 1), (7, 1), (8, 2), (15, 2), (16, 2), (20, 3), (40, 6)],
)
def test_near_miss_allowance(length: int, allowed: int) -> None:
    assert near_miss_allowance(length) == allowed


def test_near_miss_allowance_grows_with_length() -> None:
    values = [near_miss_allowance(n) for n in range(200)]
    assert values == sorted(values)
    assert all(v == int(n * 0.15) for n, v in enumerate(values) if n >= 16)


@pytest.mark.parametrize(
    ("response", "answer", "verdict"),
    [
        ("T4", "T5", W),  # under 4 characters: any edit is another answer
        ("T55", "T5", W),
        ("cat", "car", W),
        ("GPT4", "GPT3", A),  # 4 characters: one edit allowed
        ("GPT", "GPT3", A),
        ("GP", "GPT3", W),
        ("encoer", "encoder", A),  # 7: one edit
        ("encodr2", "encoder", W),  # 7: two edits
        ("decodeer", "decoder", A),
        ("pretrainng", "pretraining", A),  # 11: two edits
        ("pretrainnig", "pretraining", A),  # 11: transposition = two edits
        ("pretrxxnng", "pretraining", W),  # 11: three edits
        ("attention is all you neeed!!", "attention is all you need", A),  # 25: three edits
        ("attention is all you neeed!!!", "attention is all you need", W),  # 25: four edits
        ("atention is al you ned", "attention is all you need", A),  # 25: three edits
        ("atention is al yu ned", "attention is all you need", W),  # 25: four edits
    ],
)
def test_near_miss_thresholds(response: str, answer: str, verdict: Verdict) -> None:
    # The length that matters is the right answer's, after normalization.
    distance = edit_distance(normalize_answer(response), normalize_answer(answer))
    expected = A if 0 < distance <= near_miss_allowance(len(answer)) else W
    assert expected is verdict, (distance, near_miss_allowance(len(answer)))
    result = grade_typed(response, answer)
    check(result, verdict)
    if verdict is A:
        plural = "s" if distance > 1 else ""
        assert result.message == f"almost: {distance} character{plural} off"


@pytest.mark.parametrize(
    ("response", "answer", "match"),
    [
        ("helo", "hello", "normal"),
        ("  Pretrainng  ", "pretraining", "normal"),
        ("decodr", "decoder", "normal"),
        ("Ecole normale", "École normale", "exact"),
        (" Ecole normale ", "École normale", "exact"),
        ("sequence to sequence", "sequence-to-sequence", "normal"),
        ("🎉 party", "🎊 party", "normal"),
        ("T4", "T5", "normal"),  # wrong answers get a diff too
        ("something else", "pretraining", "normal"),
        ("مرحبا بك", "مرحبا بكم", "normal"),
    ],
)
def test_diff_segments_rebuild_both_strings(response: str, answer: str, match: str) -> None:
    result = grade_typed(response, answer, (), match)
    assert result.verdict in (A, W)
    assert result.diff
    # The response as compared: under ``exact`` surrounding whitespace is part of it.
    compared = response if match == "exact" else response.strip()
    assert "".join(s.response for s in result.diff) == compared
    assert "".join(s.expected for s in result.diff) == answer
    for segment in result.diff:
        assert segment.op in ("equal", "insert", "delete", "replace")
        if segment.op == "equal":
            assert segment.response == segment.expected
        if segment.op == "insert":
            assert segment.response == "" and segment.expected
        if segment.op == "delete":
            assert segment.response and segment.expected == ""
    assert any(s.op != "equal" for s in result.diff)


def test_exact_match_diff_shows_surrounding_whitespace() -> None:
    # Under ``exact`` surrounding spaces count, so the diff must show them: a "wrong"
    # verdict whose diff says everything is equal would leave the learner guessing.
    result = grade_typed(" T5 ", "T5", (), "exact")
    check(result, W)
    assert any(s.op != "equal" for s in result.diff)
    assert "".join(s.expected for s in result.diff) == "T5"
    result = grade_typed("Paris ", "Paris", (), "exact")
    check(result, A)
    assert [s.op for s in result.diff] == ["equal", "delete"]


# -- typed: numbers -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        ("175", C),
        ("174", C),
        ("176", C),
        ("176.0", C),
        ("174.5", C),
        ("+175", C),
        (" 175 ", C),
        ("1,75e2", C),  # a decimal comma, with an exponent
        ("1.75e2", C),
        ("175,0", C),
        ("177", W),
        ("178", W),
        ("173.9", W),
        ("-175", W),
        ("\u2212175", W),  # a typographic minus is still a minus
        ("0", W),
    ],
)
def test_numeric_tolerance(response: str, verdict: Verdict) -> None:
    result = grade_typed(response, "175", (), "normal", tolerance=1)
    check(result, verdict)
    if verdict is W:
        assert result.message.startswith("off by ")


@pytest.mark.parametrize(
    ("response", "answer", "verdict"),
    [
        ("1,000", "1000", C),  # a thousands separator, not a decimal comma
        ("1,000,000", "1000000", C),
        ("12,500.5", "12500.5", C),
        ("-1,000", "-1000", C),
        ("1,000", "1", W),
        ("3,14", "3.14", C),  # two digits after the comma: a decimal comma
        ("0,001", "0.001", C),  # a leading zero is never grouped
        ("1,00,000", "100000", W),  # not a grouping quizzer reads
    ],
)
def test_thousands_separators(response: str, answer: str, verdict: Verdict) -> None:
    check(grade_typed(response, answer, (), "normal", tolerance=0), verdict)


def test_numeric_wrong_reports_the_difference() -> None:
    assert grade_typed("178", "175", tolerance=1).message == "off by 3"
    assert grade_typed("2.5", "3", tolerance=0.25).message == "off by 0.5"


def test_zero_tolerance_still_parses_numbers() -> None:
    check(grade_typed("175.0", "175", tolerance=0), C)
    check(grade_typed("175.01", "175", tolerance=0), W)


@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        ("a hundred and seventy-five", W),
        ("abc", W),
        ("175 billion", W),
        ("", W),
        ("one-seven-five", W),
    ],
)
def test_non_numeric_response_to_a_numeric_card(response: str, verdict: Verdict) -> None:
    result = grade_typed(response, "175", (), "normal", tolerance=1)
    check(result, verdict)
    assert result.expected == "175"


def test_numeric_card_without_tolerance_is_text() -> None:
    check(grade_typed("175", "175"), C)
    check(grade_typed("175.0", "175"), W)  # no tolerance: compared as text
    check(grade_typed("174", "175"), W)  # 3 characters: no typo allowance


# -- order --------------------------------------------------------------------------------
ITEMS = ["Scope", "Select", "Adapt", "Integrate"]


@pytest.mark.parametrize(
    ("response", "verdict", "message"),
    [
        (["Scope", "Select", "Adapt", "Integrate"], C, ""),
        (["Select", "Scope", "Adapt", "Integrate"], A, "one adjacent swap"),
        (["Scope", "Select", "Integrate", "Adapt"], A, "one adjacent swap"),
        (["Adapt", "Select", "Scope", "Integrate"], W, "2 of 4 out of place"),
        (["Integrate", "Adapt", "Select", "Scope"], W, "4 of 4 out of place"),
        (["Select", "Adapt", "Scope", "Integrate"], W, "3 of 4 out of place"),
        (["Select", "Scope", "Integrate", "Adapt"], W, "4 of 4 out of place"),
        (["Scope", "Select", "Adapt"], W, "not the same items"),
        (["Scope", "Select", "Adapt", "Integrate", "Ship"], W, "not the same items"),
        (["Scope", "Select", "Adapt", "Adapt"], W, "not the same items"),
        ([], W, "not the same items"),
    ],
)
def test_order(response, verdict, message) -> None:
    result = grade_order(response, ITEMS)
    check(result, verdict)
    assert result.message == message
    assert result.expected == "Scope → Select → Adapt → Integrate"


# -- grade(): dispatch by card type -------------------------------------------------------
CLOZE1 = {"text": "BERT uses {{masked language modeling}}.", "group": 1, "input": "typed"}
CLOZE3 = {
    "text": "Models like {{c1::BERT}} and {{c1::RoBERTa}} use {{c1::MLM}}; {{c2::GPT}} does not.",
    "group": 1,
    "input": "typed",
    "match": "normal",
}


@pytest.mark.parametrize(
    ("data", "response", "verdict", "expected"),
    [
        (CLOZE1, "masked language modeling", C, "masked language modeling"),
        (CLOZE1, "Masked Language Modelling", A, "masked language modeling"),
        (CLOZE1, "causal", W, "masked language modeling"),
        (CLOZE1, "", W, "masked language modeling"),
        (CLOZE1, ["masked language modeling"], C, "masked language modeling"),
        (CLOZE3, ["BERT", "RoBERTa", "MLM"], C, "BERT, RoBERTa, MLM"),
        (CLOZE3, ["bert", " roberta ", "mlm"], C, "BERT, RoBERTa, MLM"),
        (CLOZE3, ["BERT", "RoBERTo", "MLM"], A, "BERT, RoBERTa, MLM"),
        (CLOZE3, ["BERT", "GPT", "MLM"], W, "BERT, RoBERTa, MLM"),
        (CLOZE3, ["BERT", "RoBERTa"], W, "BERT, RoBERTa, MLM"),  # a blank left out
        (CLOZE3, "BERT", W, "BERT, RoBERTa, MLM"),
        (CLOZE3, None, W, "BERT, RoBERTa, MLM"),
        ({**CLOZE3, "group": 2}, "gpt", C, "GPT"),
    ],
)
def test_typed_cloze(data, response, verdict, expected) -> None:
    result = grade("cloze", data, response)
    check(result, verdict)
    assert result.expected == expected


def test_typed_cloze_message_counts_wrong_blanks() -> None:
    assert grade("cloze", CLOZE3, ["BERT", "x", "y"]).message == "2 of 3 wrong"
    assert grade("cloze", CLOZE3, ["BERT", "RoBERTo", "MLM"]).message == "1 of 3 almost"


def test_typed_cloze_uses_the_cards_match_mode() -> None:
    lenient = {**CLOZE1, "text": "It is {{the encoder-decoder}}.", "match": "lenient"}
    check(grade("cloze", lenient, "encoder decoder"), C)
    check(grade("cloze", {**lenient, "match": "exact"}, "encoder decoder"), W)


@pytest.mark.parametrize(
    ("card_type", "data", "expected"),
    [
        ("basic", {"front": "Q", "back": "The answer"}, "The answer"),
        ("basic", {"front": "The answer", "back": "Q", "reversed": True}, "Q"),
        ("cloze", {"text": "{{c1::a}} {{c1::b}} {{c2::c}}", "group": 1}, "a, b"),
        ("cloze", {"text": "{{a}} and {{b}}", "group": 2, "input": "reveal"}, "b"),
    ],
)
@pytest.mark.parametrize("response", [None, "anything", ["x"]])
def test_self_graded(card_type, data, expected, response) -> None:
    result = grade(card_type, data, response)
    check(result, S)
    assert result.expected == expected


def test_grade_dispatches_choice_typed_and_order() -> None:
    choice = {"answers": ["b"], "multiple": False, "choices": ["a", "b"]}
    check(grade("choice", choice, "b"), C)
    check(grade("choice", choice, "a"), W)
    check(grade("choice", {**choice, "answers": ["a", "b"], "multiple": True}, ["a"]), A)
    typed = {"answer": "175", "accept": [], "match": "normal", "tolerance": 1.0}
    check(grade("typed", typed, "176"), C)
    check(grade("typed", typed, None), W)
    check(grade("typed", {"answer": "École"}, "ecole"), C)  # normal is the default
    check(grade("order", {"items": ["1", "2", "3"]}, ["2", "1", "3"]), A)
    check(grade("order", {"items": ["1", "2", "3"]}, None), W)


# -- end to end: session.grade and session.answer ---------------------------------------------
NOTES = {
    "basic": """\
  - id: basic
    front: What do model hubs let you do?
    back: Browse curated models
""",
    "single": """\
  - id: single
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling, Span corruption]
    answer: Masked language modeling
""",
    "several": """\
  - id: several
    type: choice
    question: Which models have more than 100 billion parameters?
    choices: [BERT-Large, GPT-2, GPT-3, BLOOM, PaLM]
    answers: [GPT-3, BLOOM, PaLM]
""",
    "typed": """\
  - id: typed
    type: typed
    question: Which objective do encoder-only models use?
    answer: masked language modeling
    accept: [MLM]
    match: lenient
""",
    "number": """\
  - id: number
    type: typed
    question: About how many billion parameters does GPT-3 have?
    answer: "175"
    tolerance: 1
""",
    "school": """\
  - id: school
    type: typed
    question: French for school?
    answer: École
""",
    "rtl": """\
  - id: rtl
    type: typed
    question: Arabic for hello?
    answer: مرحبا
""",
    "emoji": """\
  - id: emoji
    type: typed
    question: Which emoji means party?
    answer: "🎉"
""",
    "typed-cloze/c1": """\
  - id: typed-cloze
    type: cloze
    text: Encoder-only models such as {{c1::BERT}} and {{c1::RoBERTa}} are bidirectional.
    input: typed
""",
    "one-blank/c1": """\
  - id: one-blank
    type: cloze
    text: Encoder-only models are {{bidirectional}}.
    input: typed
""",
    "reveal-cloze/c1": """\
  - id: reveal-cloze
    type: cloze
    text: T5 uses {{span corruption}}.
""",
    "order": """\
  - id: order
    type: order
    question: Put the lifecycle in order.
    items: [Scope, Select, Adapt, Integrate]
""",
}


def one_card(col: Collection, folder: Path, key: str, mode: str = "practice"):
    """A collection holding only note ``key``'s card, and a session showing it."""
    text = "deck: grading\ntitle: Grading\ncards:\n" + NOTES[key]
    col.import_decks([write_deck(folder, "grading.yaml", text)], now=NOW)
    session = col.study(deck="grading", mode=mode, now=NOW)
    card = session.next_card(now=NOW)
    assert card is not None and card.key == key
    return session, card


@pytest.mark.parametrize(
    ("key", "response", "verdict"),
    [
        ("single", "Masked language modeling", C),
        ("single", "Span corruption", W),
        ("single", None, W),
        ("several", ["GPT-3", "BLOOM", "PaLM"], C),
        ("several", ["GPT-3", "BLOOM"], A),
        ("several", ["GPT-3", "BLOOM", "PaLM", "GPT-2"], A),
        ("several", ["GPT-3", "GPT-2"], W),
        ("typed", "The masked-language modeling.", C),
        ("typed", "mlm", C),
        ("typed", "masked languag modeling", A),
        ("typed", "causal language modeling", W),
        ("typed", "  ", W),
        ("number", "175", C),
        ("number", "174", C),
        ("number", "176.0", C),
        ("number", "178", W),
        ("number", "lots", W),
        ("school", "ECOLE", C),
        ("rtl", "مرحبا", C),
        ("emoji", "🎉", C),
        ("emoji", "🎊", W),
        ("typed-cloze/c1", ["BERT", "RoBERTa"], C),
        ("typed-cloze/c1", ["BERT", "RoBERT"], A),
        ("typed-cloze/c1", ["BERT"], W),
        ("one-blank/c1", "bidirectional", C),
        ("one-blank/c1", "bidirectionl", A),
        ("order", ["Scope", "Select", "Adapt", "Integrate"], C),
        ("order", ["Select", "Scope", "Adapt", "Integrate"], A),
        ("order", ["Integrate", "Select", "Adapt", "Scope"], W),
    ],
)
def test_session_grades_and_records_the_suggestion(col, tmp_path, key, response, verdict) -> None:
    session, card = one_card(col, tmp_path / "decks", key)
    check(session.grade(card, response), verdict)
    outcome = session.answer(card, response=response, duration_ms=4200, now=NOW)
    check(outcome.grade, verdict)
    assert outcome.feedback is outcome.grade
    assert outcome.correct == (verdict is C)
    assert outcome.suggested == SUGGESTION[verdict]
    assert outcome.rating == SUGGESTION[verdict]  # no rating: the suggestion applies
    with col.store.read() as s:
        row = s.execute(select(reviews_t).where(reviews_t.c.id == outcome.review_id)).one()
    assert row.rating == int(SUGGESTION[verdict])
    assert row.suggested_rating == int(SUGGESTION[verdict])
    assert row.correct == (verdict is C)
    assert row.duration_ms == 4200
    assert row.mode == "practice"
    assert row.response == (list(response) if isinstance(response, list) else response)


def test_card_view_of_each_type(col, tmp_path) -> None:
    _, card = one_card(col, tmp_path / "a", "typed-cloze/c1")
    assert card.input == "typed" and card.blanks == 2 and "[...]" in card.prompt
    _, card = one_card(col, tmp_path / "b", "order")
    assert card.input == "order"
    assert sorted(card.items) == sorted(["Scope", "Select", "Adapt", "Integrate"])
    assert list(card.items) != ["Scope", "Select", "Adapt", "Integrate"]  # never in order
    _, card = one_card(col, tmp_path / "c", "several")
    assert card.input == "choice" and card.multiple
    assert sorted(card.choices) == sorted(["BERT-Large", "GPT-2", "GPT-3", "BLOOM", "PaLM"])


def test_learner_can_override_the_suggestion(col, tmp_path) -> None:
    session, card = one_card(col, tmp_path / "decks", "typed")
    outcome = session.answer(card, response="nope", rating=Rating.EASY, now=NOW)
    assert outcome.suggested == Rating.AGAIN
    assert outcome.rating == Rating.EASY
    assert outcome.correct is False


@pytest.mark.parametrize("key", ["basic", "reveal-cloze/c1"])
@pytest.mark.parametrize("mode", ["scheduled", "practice"])
def test_self_graded_cards_need_a_rating(col, tmp_path, key, mode) -> None:
    session, card = one_card(col, tmp_path / "decks", key, mode)
    assert card.input == "reveal"
    result = session.grade(card, None)
    check(result, S)
    assert result.suggested is None
    with pytest.raises(ValueError, match="rating"):
        session.answer(card, now=NOW)
    with pytest.raises(ValueError, match="rating"):
        session.answer(card, response="I knew it", now=NOW)
    with col.store.read() as s:
        assert s.execute(select(reviews_t.c.id)).first() is None  # nothing recorded
    outcome = session.answer(card, rating=Rating.GOOD, now=NOW)
    assert outcome.suggested is None
    assert outcome.correct is None
    assert outcome.rating == Rating.GOOD
    with col.store.read() as s:
        row = s.execute(select(reviews_t)).one()
    assert row.suggested_rating is None and row.correct is None and row.rating == 3
