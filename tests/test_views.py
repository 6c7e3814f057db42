"""A card's plain-text parts reach its Markdown answer side as written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from quizzer.study.views import literal

#: Textual's Markdown widget parses with this preset.
_PARSER = MarkdownIt("gfm-like")


def shown(source: str) -> list[str]:
    """The text of each paragraph or list item of ``source`` as Markdown shows it
    (escapes resolved, links by their text, soft breaks as newlines), or a list
    naming any other block it made."""
    out: list[str] = []
    for token in _PARSER.parse(source):
        if token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type == "softbreak":
                    parts.append("\n")
                elif child.type not in ("link_open", "link_close"):
                    parts.append(f"<{child.type}>")
            out.append("".join(parts))
        elif token.type not in (
            "paragraph_open",
            "paragraph_close",
            "bullet_list_open",
            "bullet_list_close",
            "ordered_list_open",
            "ordered_list_close",
            "list_item_open",
            "list_item_close",
        ):
            out.append(f"<{token.type}>")
    return out


#: Every ASCII mark, digits and letters for list numbers and words, spaces and tabs.
_MARKS = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()) + "ab1 \t"


@settings(max_examples=4000, deadline=None, derandomize=True)
@given(st.text(alphabet=_MARKS, min_size=1, max_size=16))
def test_literal_text_is_shown_as_written(text: str) -> None:
    """As a paragraph, a bullet or a numbered item, Markdown shows ``literal(text)`` as
    ``text`` (less the spaces Markdown drops at either end of a line)."""
    expected = text.strip(" \t")
    if not expected:
        return
    assert shown(literal(text)) == [expected], literal(text)
    assert shown(f"- {literal(text)}") == [expected]
    assert shown(f"1. {literal(text)}\n2. {literal(text)}") == [expected, expected]


@pytest.mark.parametrize(
    "text",
    ["__init__", "*args", "[Setup]: install", "- not a list", "1. not a list", "# no heading",
     "> no quote", "<b>bold</b>", "a &amp; b", "~~gone~~", "`code`", "![img](x.png)", "==="],
)  # fmt: skip
def test_literal_keeps_what_markdown_would_read(text: str) -> None:
    assert shown(f"- {literal(text)}") == [text]


def test_plain_text_is_left_alone() -> None:
    """Nothing to escape, nothing escaped: the card text stays on the review screen's
    fast path (plain prose and lists skip Textual's Markdown)."""
    for text in ("Masked language modeling", "GPT-3.5 (175B)", "T5: span corruption"):
        assert literal(text) == text
