"""Showing untrusted deck text in Textual without it ever being markup or a command.

Deck text may contain Rich/Textual markup (``[@click=app.quit]``), escape sequences or
bidi overrides. Everything from a deck goes through :func:`plain` (a ``Text`` that is
never parsed for markup) or :func:`markdown` (Markdown source with control characters
made visible) before it reaches a widget.
"""

from __future__ import annotations

from rich.text import Text

from quizzer.text import safe_text

__all__ = ["markdown", "markdown_words", "plain", "short"]


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


def markdown_words(text: str) -> str:
    """The words a Markdown card text shows, without its marks (``**``, backticks,
    link targets), for places that show one line of it, such as Browse's table."""
    from markdown_it import MarkdownIt

    words: list[str] = []
    for token in MarkdownIt("commonmark").parse(text):
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
