"""Showing untrusted deck text in Textual without it ever being markup or a command.

Deck text may contain Rich/Textual markup (``[@click=app.quit]``), escape sequences or
bidi overrides. Everything from a deck goes through :func:`plain` (a ``Text`` that is
never parsed for markup) or :func:`markdown` (Markdown source with control characters
made visible) before it reaches a widget.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rich.text import Text

from quizzer.text import safe_text

__all__ = ["markdown", "markdown_words", "plain", "plain_list", "plain_paragraphs", "short"]


def plain(text: object, style: str = "") -> Text:
    """``text`` as a literal ``Text``, control characters shown as placeholders."""
    return Text(safe_text(str(text), keep_newlines=True), style=style)


def markdown(text: str) -> str:
    """Markdown source safe to give the Markdown widget (which never parses markup)."""
    return safe_text(text)


def short(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters."""
    one = " ".join(safe_text(text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


@cache
def _commonmark() -> Any:
    """One parser for the process: making one costs more than parsing a prompt."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def markdown_words(text: str) -> str:
    """The words a Markdown card text shows, without its marks (``**``, backticks,
    link targets), for places that show one line of it, such as Browse's table."""
    paragraphs = plain_paragraphs(text)
    if paragraphs is not None:  # plain prose (most prompts): nothing to parse
        return " ".join(" ".join(paragraphs).split())
    return _parsed_words(text)


def _parsed_words(text: str) -> str:
    words: list[str] = []
    for token in _commonmark().parse(text):
        if token.type in ("fence", "code_block"):
            words.append(token.content)
        for child in token.children or ():
            if child.type in ("text", "code_inline", "html_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
            elif child.type == "image":
                words.append(child.content)
        words.append(" ")
    return " ".join("".join(words).split())


#: Anything that Markdown (markdown-it's "gfm-like": CommonMark, tables, strikethrough,
#: autolinks) could read as more than text: inline marks, entities, HTML, escapes; and
#: any white space but spaces and newlines (it ends lines at carriage returns, expands
#: tabs, and trims Unicode spaces around paragraphs); control characters; a dot before
#: a letter, as in a domain name, which it links ("huggingface.co"), and the other
#: starts of what it links ("http://localhost", "mailto:"); an inline link ("](")
#: and a line that defines a link label ("[label]:"). Brackets alone stay text:
#: without a definition in the text no "[label]" is a link, and a cloze card's prompt
#: shows each blank as "[...]".
_INLINE = re.compile(
    r"[\\`*_<>#|~&!]|[^\S \n]|[\x00-\x09\x0b-\x1f\x7f-\x9f]|\.[^\W\d_]|//|mailto:"
    r"|\]\(|^ {0,3}\[[^\[\]]*\]:",
    re.MULTILINE | re.IGNORECASE,
)
#: A list item that defines a link label, as a line of prose can ("[label]: target").
_LABEL = re.compile(r"\[[^\[\]]*\]:")
#: Runs of spaces inside a line, which Textual's Markdown draws as one space.
_SPACES = re.compile(r"  +")
#: Lines that start a block: lists, quotes, headings, rules, setext underlines, and
#: indented code.
_BLOCK = re.compile(r"^(?: {4}| {0,3}(?:[-+=>]|\d{1,9}[.)]))")


def plain_paragraphs(text: str) -> list[str] | None:
    """The paragraphs Markdown would make of ``text``, if it is plain prose; else None.

    Plain means Markdown would render nothing but paragraphs of the same words: line
    breaks inside a paragraph become spaces and blank lines separate paragraphs, as
    CommonMark says. Anything else (a mark, a list, a hard break) returns None.
    """
    if _INLINE.search(text):
        return None
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip(" "):
            if lines:
                paragraphs.append(" ".join(lines))
                lines = []
            continue
        if _BLOCK.match(line) or line.endswith("  "):
            return None
        lines.append(_SPACES.sub(" ", line.strip(" ")))
    if lines:
        paragraphs.append(" ".join(lines))
    return paragraphs


#: A list item of plain text: a bullet (``-`` or ``+``; ``*`` is an inline mark) or a
#: number and its delimiter, one space, then the item's first character.
_ITEM = re.compile(r"(?:([-+])|(\d{1,9})([.)])) (?=\S)(.*)")


def plain_list(text: str) -> list[tuple[str, str]] | None:
    """The rows Markdown would show for ``text``, if it is one tight list of plain
    items (a choice card's answers, an ordering card's items); else None.

    Each row is its bullet as Textual's Markdown draws it (``"• "``, or the item's
    number right-aligned with the others, ``" 1. "``), and the item's text. Only the
    plainest lists qualify: every line one item, no blank line between items, one kind
    of bullet or delimiter, no indentation, no item that starts a block of its own,
    nothing :func:`plain_paragraphs` would refuse.
    """
    if _INLINE.search(text):
        return None
    lines = text.strip("\n").split("\n")
    items: list[str] = []
    marks: set[str] = set()
    start: int | None = None
    for line in lines:
        found = _ITEM.fullmatch(line)
        if found is None or line.endswith(" "):
            return None
        bullet, number, delimiter, item = found.groups()
        if _BLOCK.match(item) or _LABEL.match(item):
            return None
        marks.add(bullet or delimiter)
        if start is None and number is not None:
            start = int(number)
        items.append(_SPACES.sub(" ", item))
    if len(marks) != 1:  # another bullet or delimiter starts another list
        return None
    if start is None:
        return [("• ", item) for item in items]
    width = max(len(f"{number}. ") for number in range(start, start + len(items)))
    return [(f"{number}. ".rjust(width + 1), item) for number, item in enumerate(items, start)]
