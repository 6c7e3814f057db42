"""Card text: Markdown when it needs Markdown, one Static when it is plain prose."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from quizzer.tui.safe import plain_paragraphs

__all__ = ["CardText"]


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
