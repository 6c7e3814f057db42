"""Showing untrusted deck text in Textual without it ever being markup or a command.

Deck text may contain Rich/Textual markup (``[@click=app.quit]``), escape sequences or
bidi overrides. Everything from a deck goes through :func:`plain` (a ``Text`` that is
never parsed for markup) or :func:`markdown` (Markdown source with control characters
made visible) before it reaches a widget.
"""

from __future__ import annotations

from rich.text import Text

from quizzer.text import safe_text

__all__ = ["markdown", "plain", "short"]


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
