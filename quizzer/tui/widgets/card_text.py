"""Card text: Markdown when it needs Markdown; Statics when it is plain prose or a plain
list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Markdown, Static

from quizzer.tui.safe import plain_list, plain_paragraphs

__all__ = ["CardText"]


class CardText(Vertical):
    """A card's prompt, answer or explanation.

    Textual's Markdown parses in a thread and mounts a widget per block, a few
    milliseconds and a layout pass per card (20-30 ms for the one-line list that is a
    choice card's answer). Most cards are a plain sentence, which a single Static shows
    the same way at a fraction of the cost; a plain list (a choice card's answers, an
    ordering card's items) goes into rows of two Statics, bullet and item, kept from
    card to card. Text is shown as given: callers neutralize control characters first
    (:func:`quizzer.tui.safe.markdown`).
    """

    def compose(self) -> ComposeResult:
        yield Static(classes="card-plain", markup=False)
        yield Vertical(classes="card-list")
        yield Markdown(classes="card-markdown", open_links=False)

    async def update(self, text: str) -> None:
        """Show ``text``, read as Markdown."""
        plain = self.query_one(".card-plain", Static)
        rows = self.query_one(".card-list", Vertical)
        rich = self.query_one(".card-markdown", Markdown)
        paragraphs = plain_paragraphs(text)
        items = plain_list(text) if paragraphs is None else None
        if paragraphs is not None:
            plain.update(Text("\n\n".join(paragraphs)))
        elif items is not None:
            await self._fill(rows, items)
        else:
            await rich.update(text)
        plain.display = bool(paragraphs)
        rows.display = items is not None
        rich.display = paragraphs is None and items is None

    async def _fill(self, rows: Vertical, items: list[tuple[str, str]]) -> None:
        """One row per item (mounted only when there are more items than ever before),
        the rows left over hidden."""
        missing = len(items) - len(rows.children)
        if missing > 0:
            await rows.mount_all(
                Horizontal(
                    Static(classes="card-bullet", markup=False),
                    Static(classes="card-item", markup=False),
                    classes="card-row",
                )
                for _ in range(missing)
            )
        for index, row in enumerate(rows.children):
            row.display = index < len(items)
            if index < len(items):
                bullet, item = items[index]
                row.query_one(".card-bullet", Static).update(Text(bullet))
                row.query_one(".card-item", Static).update(Text(item))
