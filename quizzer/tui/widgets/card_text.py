"""Card text: Markdown when it needs Markdown, one Static when it is plain prose."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

__all__ = ["CardText", "plain_paragraphs"]

#: Anything that Markdown (markdown-it's "gfm-like": CommonMark, tables, strikethrough,
#: autolinks) could read as more than text: inline marks, entities, HTML, escapes; and
#: any white space but spaces and newlines (it ends lines at carriage returns, expands
#: tabs, and trims Unicode spaces around paragraphs); control characters; and a dot
#: before a letter, as in a domain name, which it links ("huggingface.co").
_INLINE = re.compile(r"[\\`*_\[\]<>#|~&!]|[^\S \n]|[\x00-\x09\x0b-\x1f\x7f-\x9f]|\.[^\W\d_]")
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
        lines.append(line.strip(" "))
    if lines:
        paragraphs.append(" ".join(lines))
    return paragraphs


class CardText(Vertical):
    """A card's prompt, answer or explanation.

    Textual's Markdown parses in a thread and mounts a widget per block, a few
    milliseconds and a layout pass per card; most cards are a plain sentence, which a
    single Static shows the same way at a fraction of the cost (the review screen's
    rating key → next card painted). Text is shown as given: callers neutralize
    control characters first (:func:`quizzer.tui.safe.markdown`).
    """

    def compose(self) -> ComposeResult:
        yield Static(classes="card-plain", markup=False)
        yield Markdown(classes="card-markdown", open_links=False)

    async def update(self, text: str) -> None:
        """Show ``text``, read as Markdown."""
        plain = self.query_one(".card-plain", Static)
        rich = self.query_one(".card-markdown", Markdown)
        paragraphs = plain_paragraphs(text)
        if paragraphs is not None:
            plain.update(Text("\n\n".join(paragraphs)))
            plain.display = bool(paragraphs)
            rich.display = False
            return
        await rich.update(text)
        rich.display = True
        plain.display = False
