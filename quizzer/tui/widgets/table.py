"""A DataTable that redraws its rows once their columns have been measured."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

__all__ = ["SizedTable"]


class SizedTable(DataTable[Any]):
    """Fix for a Textual (8.2) DataTable glitch seen in the deck list.

    A DataTable measures its auto-width columns for new rows when its message queue is
    next idle, but it caches each rendered row and line under a key that doesn't hold
    the column widths. When the screen is drawn between ``add_row`` and that idle (a
    race, a few times in a hundred), the rows are cached as wide as the column labels
    and stay so ("TUI " for "TUI demo", a mastery bar without its percentage) until
    the cursor moves. Dropping the caches once the columns are measured redraws them.
    """

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        super()._update_dimensions(new_rows)
        self._clear_caches()
        self.refresh()

    def set_column_width(self, key: str, width: int) -> None:
        """Give column ``key`` a fixed ``width`` (cells, without padding); its cells are
        cropped to it."""
        column = self.columns[ColumnKey(key)]
        if column.width == width and not column.auto_width:
            return
        column.width = width
        column.auto_width = False
        self._update_dimensions(())  # the table's width, then a redraw (above)
