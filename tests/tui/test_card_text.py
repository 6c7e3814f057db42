"""CardText shows plain prose in a Static only when Markdown would show the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from quizzer.tui.safe import plain_paragraphs

_PARSER = MarkdownIt("gfm-like")


def markdown_paragraphs(text: str) -> list[str] | None:
    """The paragraphs of ``text`` as Textual's Markdown parser reads them, or None when
    it finds anything but paragraphs of plain text (soft breaks render as spaces)."""
    out: list[str] = []
    for token in _PARSER.parse(text):
        if token.type in ("paragraph_open", "paragraph_close"):
            continue
        if token.type != "inline":
            return None
        words = []
        for child in token.children or []:
            if child.type == "text":
                words.append(child.content)
            elif child.type == "softbreak":
                words.append(" ")
            else:
                return None
        out.append("".join(words))
    return out


#: Prose with the characters that make Markdown more than text, and spacing.
_ALPHABET = "abco xyz.,;:?-+=*_#>`[]()<>&!|~\\/@01)\n\t\r\x00\xa0\u3000é"


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_plain_text_is_exactly_what_markdown_would_show(text: str) -> None:
    paragraphs = plain_paragraphs(text)
    if paragraphs is not None:
        assert paragraphs == markdown_paragraphs(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does BERT mask?", ["What does BERT mask?"]),
        ("One line\nwraps on\n\nTwo", ["One line wraps on", "Two"]),
        ("  leading spaces dropped \n next", ["leading spaces dropped next"]),
        ("", []),
        ("**bold**", None),
        ("- a list", None),
        ("1. first", None),
        ("    code", None),
        ("see https://huggingface.co", None),
        ("the hub at huggingface.co", None),
        ("GPT-3.5 has 175B parameters", ["GPT-3.5 has 175B parameters"]),
        ("a &amp; b", None),
        ("hard  \nbreak", None),
        ("Heading\n===", None),
    ],
)
def test_plain_paragraphs(text: str, expected: list[str] | None) -> None:
    assert plain_paragraphs(text) == expected


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Why is its context **unidirectional**?", "Why is its context unidirectional?"),
        ("Run `pip install` from [the hub](https://hf.co)", "Run pip install from the hub"),
        ("one\ntwo\n\n- three\n- four", "one two three four"),
        ("[@click=app.quit]boom", "[@click=app.quit]boom"),
    ],
)
def test_browse_shows_a_prompts_words_without_its_markdown_marks(source, shown):
    from quizzer.tui.safe import markdown_words

    assert markdown_words(source) == shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1. -*_`#>\n[]()&:", max_size=40))
def test_browse_words_skip_the_parse_only_where_it_reads_the_same(text: str) -> None:
    """markdown_words takes plain prose as it is; markdown-it reads it the same."""
    from quizzer.tui.safe import _parsed_words, markdown_words

    assert markdown_words(text) == _parsed_words(text)
