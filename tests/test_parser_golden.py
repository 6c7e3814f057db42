"""Golden tests of the deck parser on a corpus of broken and malicious decks, and of
``quizzer check`` on it.

The corpus is ``tests/decks/broken/NN-name.yaml``. Next to each case is
``NN-name.expected``: exactly the ``Problem.headline()`` lines the parser must report
for it, one per line, with the file written as ``NN-name.yaml``. Two cases are made at
test time instead of being committed (see :data:`GENERATED`), but their ``.expected``
files are committed like the others.

Regenerate the golden files after an intended change of messages with::

    QUIZZER_UPDATE_GOLDEN=1 /tmp/dev/bin/python -m pytest tests/test_parser_golden.py

then read the diff: every line, column and message must still be right.

Cases in :data:`KNOWN_BUGS` show a parser bug. Their ``.expected`` files were written by
hand with the output the parser *should* give, so regenerating never overwrites them and
their golden test is a strict xfail. When the bug is fixed, the focused xfail test
further down starts passing (a strict XPASS fails the run): remove the case from
:data:`KNOWN_BUGS`, regenerate, and review its ``.expected`` file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run_env

from quizzer.deck import DeckError, Problem, load_deck, read_deck
from quizzer.deck.loader import DeckResult, parse_deck_bytes
from quizzer.text import safe_text

CORPUS = Path(__file__).resolve().parent / "decks" / "broken"
UPDATE = os.environ.get("QUIZZER_UPDATE_GOLDEN") == "1"

#: 100,000 characters on one line: five times the 20,000-character field limit.
LONG = ("spaced repetition " * 6000)[:100_000]


def _long_field(field: str) -> bytes:
    lines = ["deck: long-line", "cards:", "  - id: one"]
    lines.append(f"    front: {LONG}" if field == "front" else "    front: What is long?")
    lines.append(f"    back: {LONG}" if field == "back" else "    back: Short.")
    return ("\n".join(lines) + "\n").encode()


#: Cases generated at test time rather than committed as 100 KB files.
GENERATED: dict[str, Callable[[], bytes]] = {
    "54-long-line.yaml": lambda: _long_field("back"),
    "55-long-front.yaml": lambda: _long_field("front"),
}

#: Cases where an exception escapes the parser (none today; 55-long-front and
#: 59-tag-on-front once raised KeyError from validate._check_card).
CRASHES: dict[str, str] = {}

#: Cases whose output is wrong today; their .expected file holds the right output.
KNOWN_BUGS: dict[str, str] = {
    **CRASHES,
}

#: Cases that break the per-problem invariants of test_problem_positions_are_sane.
INVARIANT_BUGS: dict[str, str] = {
    **CRASHES,
}


def corpus_names() -> list[str]:
    on_disk = [p.name for p in CORPUS.glob("*.yaml")]
    return sorted({*on_disk, *GENERATED})


def case_bytes(name: str) -> bytes:
    if name in GENERATED:
        return GENERATED[name]()
    return (CORPUS / name).read_bytes()


def expected_path(name: str) -> Path:
    return CORPUS / (name.removesuffix(".yaml") + ".expected")


def cases(bugs: dict[str, str]) -> list:
    return [
        pytest.param(
            name,
            id=name.removesuffix(".yaml"),
            marks=[pytest.mark.xfail(strict=True, reason=bugs[name])] if name in bugs else [],
        )
        for name in corpus_names()
    ]


def parse(name: str, data: bytes | None = None) -> DeckResult:
    return parse_deck_bytes(name, case_bytes(name) if data is None else data)


# -- the corpus itself -----------------------------------------------------------------
def test_corpus_is_complete() -> None:
    names = corpus_names()
    assert len(names) >= 45
    for name in names:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.yaml", name), name
        assert expected_path(name).is_file(), f"no golden file for {name}"
    stray = {p.name.removesuffix(".expected") + ".yaml" for p in CORPUS.glob("*.expected")}
    assert stray <= set(names), f"golden files without a case: {stray - set(names)}"
    # Committed files stay small; the big ones are generated.
    for path in CORPUS.iterdir():
        assert path.stat().st_size <= 20_000, path.name


@pytest.mark.parametrize("name", cases(KNOWN_BUGS))
def test_golden(name: str) -> None:
    result = parse(name)
    got = [p.headline() for p in result.problems]
    golden = expected_path(name)
    if UPDATE and name not in KNOWN_BUGS:
        golden.write_text("".join(line + "\n" for line in got), encoding="utf-8")
    expected = golden.read_text(encoding="utf-8").splitlines()
    assert got == expected
    assert result.deck is None
    assert result.errors


@pytest.mark.parametrize("name", cases(CRASHES))
def test_case_is_fast_small_and_never_raises(name: str) -> None:
    data = case_bytes(name)
    parse(name, data)  # warm up the lazy imports
    start = time.perf_counter()
    result = parse(name, data)
    elapsed = time.perf_counter() - start
    assert isinstance(result, DeckResult)
    assert elapsed < 1.0, f"{name} took {elapsed:.2f} s"
    tracemalloc.start()
    try:
        parse(name, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024, f"{name} peaked at {peak / 1048576:.1f} MiB"


@pytest.mark.parametrize("name", cases(INVARIANT_BUGS))
def test_problem_positions_are_sane(name: str) -> None:
    data = case_bytes(name)
    lines = data.decode("utf-8", "replace").removeprefix("\ufeff").split("\n")
    problems = parse(name, data).problems
    assert problems
    assert len({p.headline() for p in problems}) == len(problems), "a problem is repeated"
    for p in problems:
        assert p.path == name
        assert "\n" not in p.headline()
        if p.line == 0:
            assert p.col == 0
            assert p.format() == safe_text(p.headline())
            continue
        assert 1 <= p.line <= len(lines), p.headline()
        text = lines[p.line - 1].rstrip("\r")
        assert 1 <= p.col <= len(text) + 1, p.headline()
        assert p.source_line is not None and p.source_line.rstrip("\r") == text


@pytest.mark.parametrize("name", [p for p in cases(CRASHES) if p.values[0] not in GENERATED])
def test_load_deck_raises_only_deck_error(name: str) -> None:
    with pytest.raises(DeckError) as info:
        load_deck(CORPUS / name)
    assert info.value.problems
    assert all(p.is_error for p in info.value.problems)
    assert str(info.value).startswith(info.value.problems[0].headline())


def test_every_problem_is_reported_not_just_the_first() -> None:
    problems = parse("58-many-errors.yaml").problems
    assert len(problems) == 13
    assert len({p.code for p in problems}) == 11
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert {p.line for p in problems} >= {1, 2, 3, 4, 9, 10, 15, 16, 21, 25, 28, 30, 32}


def test_file_over_16_mib_is_refused_without_parsing() -> None:
    result = parse_deck_bytes("huge.yaml", b"#" * (16 * 1024 * 1024 + 1))
    assert [p.code for p in result.problems] == ["file-too-large"]
    assert result.problems[0].line == 0


def test_file_too_large_message_shows_it_is_over() -> None:
    result = parse_deck_bytes("huge.yaml", b"#" * (16 * 1024 * 1024 + 1))
    assert "16.0 MiB; the limit is 16 MiB" not in result.problems[0].message


def test_too_many_cards() -> None:
    data = ("deck: many\ncards:\n" + "- a\n" * 100_001).encode()
    result = parse_deck_bytes("many.yaml", data)
    assert [p.headline() for p in result.problems] == [
        "many.yaml:3:1: error: the deck has 100,001 cards; the limit is 100,000 per deck "
        "[too-many-cards]"
    ]


# -- focused tests of the bugs in KNOWN_BUGS -------------------------------------------
# Each states the right behaviour loosely (not the exact wording), so that it flips to
# XPASS as soon as the bug is fixed.
DECK = "deck: demo\ncards:\n"
_PROMPT_CASES = {
    "basic-front": "    front: {bad}\n    back: b\n",
    "choice-question": "    type: choice\n"
    "    question: {bad}\n    choices: [a, b]\n    answer: a\n",
    "choice-choices": "    type: choice\n    question: q\n    choices: [a, {bad}]\n    answer: a\n",
    "typed-question": "    type: typed\n    question: {bad}\n    answer: a\n",
    "typed-answer": "    type: typed\n    question: q\n    answer: {bad}\n",
    "cloze-text": "    type: cloze\n    text: {bad}\n",
    "order-question": "    type: order\n    question: {bad}\n    items: [a, b]\n",
}
_BAD_NODES = {
    "python-tag": ("!!python/object/apply:os.system [echo]", "tag"),
    "str-tag": ("!!str v", "tag"),
    "anchor": ("&a v", "anchor"),
    "alias": ("*a", "alias"),
    "too-long": ("x" * 20_001, "field-too-long"),
}


@pytest.mark.parametrize("bad", list(_BAD_NODES))
@pytest.mark.parametrize("where", list(_PROMPT_CASES))
def test_rejected_node_in_a_required_field_does_not_crash(where: str, bad: str) -> None:
    text, code = _BAD_NODES[bad]
    data = DECK + "  - id: x\n" + _PROMPT_CASES[where].format(bad=text)
    result = parse_deck_bytes("d.yaml", data.encode())
    assert [p.code for p in result.problems] == [code]


@pytest.mark.parametrize("bad", list(_BAD_NODES))
def test_rejected_node_in_order_items_is_reported_once(bad: str) -> None:
    text, code = _BAD_NODES[bad]
    data = DECK + f"  - id: x\n    type: order\n    question: q\n    items: [a, {text}]\n"
    result = parse_deck_bytes("d.yaml", data.encode())
    assert [p.code for p in result.problems] == [code]


@pytest.mark.parametrize("field", ["answer: {bad}", "answers: [a, {bad}]"])
@pytest.mark.parametrize("bad", list(_BAD_NODES))
def test_rejected_answer_gets_no_missing_field_error(field: str, bad: str) -> None:
    text, code = _BAD_NODES[bad]
    data = DECK + "  - id: x\n    type: choice\n    question: q\n    choices: [a, b]\n"
    data += "    " + field.format(bad=text) + "\n"
    result = parse_deck_bytes("d.yaml", data.encode())
    assert [p.code for p in result.problems] == [code]


def test_tab_indent_is_reported_once_per_line() -> None:
    problems = parse("10-tab-indent.yaml").problems
    assert [(p.line, p.code) for p in problems] == [(n, "tab-indent") for n in (3, 4, 5)]


def test_deep_flow_nesting_is_too_deep() -> None:
    (problem,) = parse("53-deep-nesting.yaml").problems
    assert problem.code == "too-deep"
    assert (problem.line, problem.col) == (2, len("cards: ") + 16)


def test_moderately_deep_nesting_is_too_deep() -> None:
    data = DECK.replace("cards:\n", "cards: ") + "[" * 900 + "]" * 900 + "\n"
    (problem,) = parse_deck_bytes("d.yaml", data.encode()).problems
    assert problem.headline() == "d.yaml:2:23: error: nesting is deeper than 16 levels [too-deep]"


def test_unclosed_quote_points_at_the_quote() -> None:
    (problem,) = parse("56-yaml-unclosed-quote.yaml").problems
    assert (problem.line, problem.col) == (4, 12)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_lines_after_a_unicode_line_separator(separator: str) -> None:
    data = case_bytes("63-line-separator.yaml").decode().replace("\u2028", separator)
    (problem,) = parse_deck_bytes("d.yaml", data.encode()).problems
    assert problem.code == "unknown-field"
    assert problem.line == 7
    assert problem.source_line == "    bakc: typo"


def test_card_with_duplicate_id_is_still_checked() -> None:
    codes = [p.code for p in parse("60-duplicate-id-hides-card-errors.yaml").problems]
    assert "duplicate-id" in codes
    assert "unknown-field" in codes


def test_complex_keys_are_not_duplicates_of_each_other() -> None:
    codes = [p.code for p in parse("61-complex-keys.yaml").problems]
    assert codes == ["complex-key", "complex-key"]


def test_cards_without_a_value_message() -> None:
    (problem,) = parse("64-cards-no-value.yaml").problems
    assert "not text" not in problem.message


def test_bad_id_message_shows_the_id_as_written() -> None:
    problem = parse("65-bad-card-id-whitespace.yaml").problems[0]
    assert "' one'" in problem.message


def test_unknown_key_message_shows_the_key_as_written() -> None:
    (problem,) = [p for p in parse("66-key-with-trailing-space.yaml").problems if p.line == 4]
    assert "did you mean 'front'" in problem.message
    assert "'front '" in problem.message


def test_headline_of_a_duplicate_multiline_key_is_one_line() -> None:
    data = DECK + '  - id: x\n    front: f\n    back: b\n    "a\\nb": 1\n    "a\\nb": 2\n'
    for problem in parse_deck_bytes("d.yaml", data.encode()).problems:
        assert "\n" not in problem.headline()


def test_quoted_format_message_says_it_is_quoted() -> None:
    (problem,) = parse("67-format-quoted.yaml").problems
    assert "quot" in problem.message


def test_unquoted_cloze_braces_hint_to_quote() -> None:
    problems = parse("68-cloze-unquoted-braces.yaml").problems
    assert any("quote" in p.message for p in problems)


def test_merge_key_card_gets_no_follow_on_errors() -> None:
    codes = [p.code for p in parse("06-merge-key.yaml").problems]
    assert codes == ["anchor", "merge-key", "alias"]


def test_answer_conflict_points_at_answers() -> None:
    (problem,) = parse("40-answer-and-answers.yaml").problems
    assert (problem.line, problem.col) == (8, 5)


# -- quizzer check ---------------------------------------------------------------------
def quizzer(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=run_env(home),
        timeout=120,
    )


def _problems_by_file(folder: Path) -> dict[Path, list[Problem]]:
    return {path: read_deck(path).problems for path in sorted(folder.glob("*.yaml"))}


def test_check_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    out = quizzer("check", CORPUS, home=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    printed = out.stdout.splitlines()
    expected = _problems_by_file(CORPUS)
    assert len(expected) >= 45
    for path, problems in expected.items():
        assert problems, path.name
        for problem in problems:
            assert safe_text(problem.headline()) in printed
        # The text form also shows the source line and the caret.
        located = [p for p in problems if p.line]
        if located:
            assert safe_text(located[0].format()) in out.stdout
    total = sum(len(p) for p in expected.values())
    assert f"{len(expected)} files checked: {total} errors, 0 warnings" in out.stderr


def test_check_github_format(tmp_path: Path) -> None:
    out = quizzer("check", "--format", "github", CORPUS, home=tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    expected = [p for problems in _problems_by_file(CORPUS).values() for p in problems]
    assert len(lines) == len(expected)
    for line, problem in zip(lines, expected, strict=True):
        head = f"::error file={problem.path}"
        if problem.line:
            head += f",line={problem.line},col={problem.col}"
        assert line.startswith(head + ",title=quizzer " + problem.code + "::"), line
        assert "\x1b" not in line


def test_check_json_format(tmp_path: Path) -> None:
    out = quizzer("check", "--format", "json", CORPUS, home=tmp_path)
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    expected = _problems_by_file(CORPUS)
    total = sum(len(p) for p in expected.values())
    assert report["files"] == len(expected)
    assert report["errors"] == total
    assert report["warnings"] == 0
    records = [
        {
            "path": p.path,
            "line": p.line,
            "col": p.col,
            "severity": "error",
            "code": p.code,
            "message": p.message,
        }
        for problems in expected.values()
        for p in problems
    ]
    assert report["problems"] == records


def test_check_nonexistent_path_is_a_usage_error(tmp_path: Path) -> None:
    out = quizzer("check", tmp_path / "no-such-deck.yaml", home=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_check_without_paths_is_a_usage_error(tmp_path: Path) -> None:
    out = quizzer("check", home=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


VALID = """\
deck: valid
title: A valid deck
cards:
  - id: hub
    front: What do model hubs let you do?
    back: Browse curated models.
    reverse: true
  - id: bert
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling]
    answer: Masked language modeling
  - id: gpt3
    type: typed
    question: About how many billion parameters does GPT-3 have?
    answer: "175"
    tolerance: 1
  - id: clm
    type: cloze
    text: "Causal language modeling predicts the {{next token}}."
  - id: lifecycle
    type: order
    question: Put the stages in order.
    items: [Scope, Select, Adapt]
"""

WARNINGS = """\
deck: warnings
cards:
  - front: What is the capital of France?
    back: Paris
  - id: near
    front: What is the capital of France ?!
    back: Paris
  - id: giveaway
    type: choice
    question: Which city is the capital of France?
    choices: [Paris, Paris Hilton, Rome]
    answer: Paris
  - id: long
    front: {long}
    back: Too long.
""".format(long="word " * 110)


def test_valid_deck_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert parse_deck_bytes("valid.yaml", VALID.encode()).problems == []
    out = quizzer("check", "--strict", path, home=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 file checked: 0 errors, 0 warnings" in out.stdout


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + VALID.encode()
    result = parse_deck_bytes("bom.yaml", data)
    assert result.problems == []
    assert result.deck is not None and result.deck.id == "valid"
    assert result.deck.notes[0].line == 4
    path = tmp_path / "bom.yaml"
    path.write_bytes(data)
    assert quizzer("check", "--strict", path, home=tmp_path).returncode == 0


def test_bom_does_not_shift_columns() -> None:
    data = b"\xef\xbb\xbfdeck: bom\ntitel: x\ncards: []\n"
    problems = parse_deck_bytes("bom.yaml", data).problems
    assert [p.headline() for p in problems] == [
        "bom.yaml:2:1: error: unknown field 'titel' in the deck; did you mean 'title'? "
        "[unknown-field]",
        "bom.yaml:3:8: error: 'cards' is empty; a deck needs at least one card [too-few]",
    ]


def test_warnings_exit_0_but_1_with_strict(tmp_path: Path) -> None:
    result = parse_deck_bytes("warnings.yaml", WARNINGS.encode())
    assert result.deck is not None and not result.errors
    assert sorted(p.code for p in result.warnings) == [
        "giveaway-option",
        "long-prompt",
        "missing-id",
        "near-duplicate",
    ]
    path = tmp_path / "warnings.yaml"
    path.write_text(WARNINGS, encoding="utf-8")
    out = quizzer("check", path, home=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count(": warning: ") == 4
    assert "1 file checked: 0 errors, 4 warnings" in out.stdout
    strict = quizzer("check", "--strict", path, home=tmp_path)
    assert strict.returncode == 1
    assert strict.stdout.count(": error: ") == 4
    assert ": warning: " not in strict.stdout
    github = quizzer("check", "--strict", "--format", "github", path, home=tmp_path)
    assert github.returncode == 1
    assert all(line.startswith("::error ") for line in github.stdout.splitlines())
    report = json.loads(quizzer("check", "--format", "json", path, home=tmp_path).stdout)
    assert report["warnings"] == 4 and report["errors"] == 0


# -- Problem.format(): source line and caret -------------------------------------------
def caret_target(formatted: str) -> str:
    """The source character above the caret of a formatted problem."""
    _, source, caret = formatted.split("\n")
    assert source.index("|") == caret.index("|")
    return source[caret.index("^")]


@pytest.mark.parametrize(
    ("data", "line", "target", "code"),
    [
        pytest.param(
            b'deck: a\ncards:\n  - front: "\xc3\xa9\xc3\xa9\xc3\xa9 ?" pr\xc3\xa9cis\n',
            3,
            "pr",
            "yaml-syntax",
            id="yaml-error-after-e-acute",
        ),
        pytest.param(
            "deck: a\ncards:\n  - {id: x, front: 😀é, back: b, bakc: c}\n".encode(),
            3,
            "bakc",
            "unknown-field",
            id="unknown-field-after-emoji",
        ),
        pytest.param(
            "deck: a\ncards:\n  - id: x\n    front: éé\x01 ok\n    back: b\n".encode(),
            4,
            "\x01",
            "control-char",
            id="control-char-after-e-acute",
        ),
        pytest.param(
            'deck: a\ncards:\n  - id: x\n    front: "é \\e[31m red"\n    back: b\n'.encode(),
            4,
            '"',
            "control-char",
            id="escaped-esc-in-quotes",
        ),
        pytest.param(
            'deck: a\ncards:\n  - id: x\n    front: f\n    back: "é \\u202E"\n'.encode(),
            5,
            '"',
            "control-char",
            id="escaped-bidi-in-quotes",
        ),
        pytest.param(
            b'deck: a\ncards:\n  - id: x\n    front: f\n    back: "\\x9b"\n',
            5,
            '"',
            "control-char",
            id="escaped-c1-in-quotes",
        ),
        pytest.param(
            b"deck: a\ncards:\n  - id: x\n    front: \xc3\xa9\xc3\xa9\xff\n    back: b\n",
            4,
            "\ufffd",
            "encoding",
            id="invalid-utf8-after-e-acute",
        ),
        pytest.param(
            "deck: a\ncards:\n  - id: x\n    type: choice\n    question: q\n"
            "    choices: [Ça, Où]\n    answers: [Ça, Zoé]\n".encode(),
            7,
            "Zoé",
            "answer-not-in-choices",
            id="answer-after-c-cedilla",
        ),
        pytest.param(
            "deck: a\ntitle: ééééé: x\ncards: []\n".encode(),
            2,
            ": x",
            "yaml-syntax",
            id="colon-after-e-acute",
        ),
        pytest.param(
            (
                "deck: a\ncards:\n  - id: x\n"
                "    tags: [日本語, !!str x]\n    front: f\n    back: b\n"
            ).encode(),
            4,
            "!!str",
            "tag",
            id="tag-after-cjk",
        ),
    ],
)
def test_format_caret_counts_characters_not_bytes(
    data: bytes, line: int, target: str, code: str
) -> None:
    (problem,) = parse_deck_bytes("d.yaml", data).problems
    assert problem.code == code
    assert problem.line == line
    text = data.decode("utf-8", "replace").split("\n")[line - 1]
    assert problem.col == text.index(target) + 1, problem.headline()
    formatted = problem.format()
    head, source, _ = formatted.split("\n")
    assert head == safe_text(problem.headline())
    assert source == f"{line:>5} | {safe_text(text)}"
    assert caret_target(formatted) == safe_text(target)[0]


def test_format_of_corpus_case_with_accents() -> None:
    (problem,) = parse("72-non-ascii-before-error.yaml").problems
    assert problem.format() == (
        "72-non-ascii-before-error.yaml:4:31: error: invalid YAML: did not find expected "
        "key (check the indentation of this line and the one above) [yaml-syntax]\n"
        '    4 |     front: "Où est l\'école ?" précisément\n'
        "      |                               ^"
    )


def test_format_makes_escape_sequences_visible() -> None:
    for problem in parse("15-osc8-hyperlink.yaml").problems:
        formatted = problem.format()
        assert "\x1b" not in formatted and "\x07" not in formatted
        assert caret_target(formatted) == "\u241b"  # ␛


def test_format_of_a_long_line_keeps_the_caret_on_the_column() -> None:
    prefix = "    tags: [" + "t, " * 20_000
    data = "deck: a\ncards:\n  - id: x\n" + prefix + "&z v]\n    front: f\n    back: b\n"
    (anchor,) = parse_deck_bytes("d.yaml", data.encode()).problems
    assert anchor.code == "anchor"
    assert (anchor.line, anchor.col) == (4, len(prefix) + 1)
    formatted = anchor.format()
    _, source, _ = formatted.split("\n")
    assert len(source) <= len("    1 | ") + 120
    assert caret_target(formatted) == "&"


def test_format_of_a_whole_file_problem_has_no_caret() -> None:
    (problem,) = parse("20-empty-file.yaml").problems
    assert problem.format() == problem.headline()
    assert problem.location() == "20-empty-file.yaml"


def test_a_value_left_empty_at_the_very_end_points_at_its_key() -> None:
    # libyaml moves its line and column past the last line at the end of the stream;
    # the position comes from the character index there.
    result = parse_deck_bytes("f.yaml", b"deck: d\ncards:\n  - front: q\n    ? back")
    assert [(p.line, p.col, p.code, p.source_line) for p in result.problems] == [
        (4, 11, "empty-value", "    ? back")
    ]


def test_without_libyaml_a_character_yaml_refuses_is_a_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    from quizzer.deck import yamlsafe

    # PyYAML built without libyaml checks characters as its reader is made.
    monkeypatch.setattr(yamlsafe, "_Loader", yaml.SafeLoader)
    data = "deck: d\ncards:\n  - front: a\uffffb\n    back: c\n".encode()
    result = parse_deck_bytes("f.yaml", data)
    assert result.deck is None
    assert [p.code for p in result.problems] == ["yaml-syntax"]
    assert "unacceptable character" in result.problems[0].message
    # and an ordinary deck still parses with the pure-Python reader
    ok = parse_deck_bytes("f.yaml", b"deck: d\ncards:\n  - front: q\n    back: a\n")
    assert ok.deck is not None and not ok.errors
