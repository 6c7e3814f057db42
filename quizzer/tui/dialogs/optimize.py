"""Asks whether to save newly fitted FSRS parameters, showing how both sets fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from quizzer.tui.dialogs.confirm import ConfirmDialog
from quizzer.tui.safe import plain

if TYPE_CHECKING:
    from quizzer.optimize import OptimizeResult

__all__ = ["OptimizeDialog"]


class OptimizeDialog(ConfirmDialog):
    """Current against fitted log loss and RMSE(bins); dismisses with True to save
    (y, or Enter on Save, which has the focus) or False (n, Escape, Cancel)."""

    FOCUS = "#yes"  # saving is the expected answer here

    def __init__(self, result: OptimizeResult, deck: str | None):
        """``result`` is an :class:`~quizzer.optimize.OptimizeResult` with a better fit;
        ``deck`` the deck whose parameters would be saved (None: the collection's)."""
        super().__init__("Save the fitted FSRS parameters?", yes="Save")
        self.result = result
        self.deck = deck

    def _scope(self) -> Text:
        text = Text()
        if self.deck is None:
            text.append("Fitted to the whole collection's history. Saved as the collection's ")
            text.append("parameters: every deck without its own uses them.")
        else:
            text.append("Fitted to the history of deck ")
            text.append_text(plain(self.deck, "bold"))
            text.append(". Saved as that deck's own parameters.")
        text.append(" Scheduling uses them from the next answer; due dates already set stay.")
        return text

    def _table(self) -> Group:
        result = self.result
        table = Table(box=None, padding=(0, 2))
        table.add_column("parameters")
        table.add_column("log loss", justify="right")
        table.add_column("RMSE(bins)", justify="right")
        for name, fit in (("current", result.current), ("fitted", result.fitted)):
            if fit is not None:
                table.add_row(name, f"{fit.log_loss:.4f}", f"{fit.rmse_bins:.4f}")
        note = f"on the same {result.items:,} items ({result.reviews:,} reviews); lower is better"
        return Group(table, Text(note))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            yield Static(self._table(), classes="dialog-detail")
            yield Static(self._scope(), classes="dialog-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button("Cancel", id="no")
