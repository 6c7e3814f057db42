"""Browse every card: filter, sort, see a card's history, suspend, reset, edit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from quizzer.tui.safe import markdown_words, plain, short
from quizzer.tui.widgets.footer import KeyFooter
from quizzer.tui.widgets.ordered_input import OrderedInput
from quizzer.tui.widgets.table import SizedTable
from quizzer.tui.workers import if_current

if TYPE_CHECKING:
    from quizzer.browse import BrowseRow, ReviewInfo
    from quizzer.tui.app import QuizzerApp

__all__ = ["BrowseScreen"]

_RATINGS = {0: "reset", 1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
#: The prompt first and the deck last: at 80 columns, beside the detail pane, the deck's
#: name used to take the room and cut the prompt to a dozen characters.
_COLUMNS = [
    ("prompt", "Prompt"),
    ("state", "State"),
    ("due", "Due"),
    ("r", "R now"),
    ("type", "Type"),
    ("stability", "Stab."),
    ("difficulty", "Diff."),
    ("lapses", "Lapses"),
    ("flags", "Flags"),
    ("deck", "Deck"),
]
#: Room kept beside the prompt for State ("relearning") and Due (a date), padding
#: included: at 80 columns the prompt alone filled the table, and a card's state and
#: due date were off screen to the right.
_BESIDE_PROMPT = 2 * (len("relearning") + 2)
#: The prompt column's width (cells) in a narrow and in a wide table; the detail pane
#: shows the whole prompt.
_PROMPT_MIN, _PROMPT_MAX = 16, 60
#: Rows added to the table in its first pass of the event loop (a screenful), then in
#: each of the next.
_FIRST_BATCH, _BATCH = 100, 500
_COLUMN_INDEX = {key: index for index, (key, _) in enumerate(_COLUMNS)}


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _num(value: float | None, fmt: str) -> Text:
    return Text(format(value, fmt) if value is not None else "—", justify="right")


def _sort_value(cell: Any) -> tuple[int, Any]:
    """A cell's place in a sorted column: numbers by value, before text."""
    text = cell.plain if isinstance(cell, Text) else str(cell)
    try:
        return (0, float(text.rstrip("%")))
    except ValueError:
        return (1, text)


def _cells(r: BrowseRow, prompt: str) -> tuple[Any, ...]:
    """A table row's cells, in :data:`_COLUMNS` order (``prompt`` on one line)."""
    cell = plain(prompt)
    cell.no_wrap, cell.overflow = True, "ellipsis"  # cropped to the column, with …
    return (
        cell,
        r.state,
        _date(r.due),
        _num(r.retrievability, ".0%"),
        r.type,
        _num(r.stability, ".1f"),
        _num(r.difficulty, ".1f"),
        Text(str(r.lapses), justify="right"),
        " ".join(r.flags),
        plain(short(r.deck, 24)),
    )


class BrowseScreen(Screen[None]):
    """A sortable table of cards with a filter box and a detail panel."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="browse.back"),
        Binding("slash", "focus_filter", "Filter", id="browse.filter"),
        Binding("s", "toggle_suspend", "Suspend/unsuspend", id="browse.suspend"),
        Binding("r", "reset", "Reset", id="browse.reset"),
        Binding("e", "edit", "Edit", id="browse.edit"),
    ]

    def __init__(self, query: str = ""):
        super().__init__()
        self.initial_query = query
        self.rows: dict[str, BrowseRow] = {}
        self.sort_key: str | None = None
        self.sort_reverse = False
        self._filling = 0  # which search's rows are being added

    @property
    def qapp(self) -> QuizzerApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield OrderedInput(
            value=self.initial_query,
            id="filter",
            placeholder="filter: words, deck:ID tag:T type:choice is:due|new|leech|"
            "suspended|retired",
        )
        with Horizontal(id="browse-main"):
            # Fix: SizedTable redraws the rows once their columns are measured (see its doc).
            yield SizedTable(id="cards", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="detail"):
                yield Static(id="detail-body")
        yield Static(id="browse-status", classes="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in _COLUMNS:
            table.add_column(label, key=key)
        self.search(self.initial_query)
        table.focus()

    def on_resize(self) -> None:
        """Fit the prompt column to the table, leaving State and Due in view."""
        table = self.query_one(SizedTable)
        if "prompt" not in table.columns:  # not mounted yet: on_mount adds the columns
            return
        room = table.scrollable_content_region.width - _BESIDE_PROMPT - 2 * table.cell_padding
        table.set_column_width("prompt", max(_PROMPT_MIN, min(_PROMPT_MAX, room)))

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        """Run the search and go to the table."""
        self.search(event.value)
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Search as the learner types."""
        self.search(event.value)

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def search(self, query: str) -> None:
        """Query off the UI thread."""
        from quizzer.browse import BrowseError

        # Fix: if_current drops the result of a search superseded meanwhile (typing
        # starts one per key); it used to arrive late and replace the newer one.
        try:
            rows = self.qapp.col.browse(query, now=self.qapp.now(), limit=5000)
        except BrowseError as exc:
            self.app.call_from_thread(if_current(self.show_status), str(exc), True)
            return
        # The prompts' words and the cells are made here, not on the UI thread: 5,000
        # rows of Markdown and Text.
        cells = [_cells(r, short(markdown_words(r.prompt), _PROMPT_MAX)) for r in rows]
        # Sorted here too, as the table would sort them: the rows go in a batch at a
        # time, and a sort after the last one moved other cards under the cursor.
        order = (self.sort_key, self.sort_reverse)
        if self.sort_key:
            column = _COLUMN_INDEX[self.sort_key]
            pairs = sorted(
                zip(rows, cells, strict=True),
                key=lambda pair: _sort_value(pair[1][column]),
                reverse=self.sort_reverse,
            )
            rows, cells = [r for r, _ in pairs], [c for _, c in pairs]
        self.app.call_from_thread(if_current(self.show_rows), rows, cells, order)

    def show_status(self, message: str, error: bool = False) -> None:
        """A line under the table."""
        self.query_one("#browse-status", Static).update(
            plain(message, "bold red" if error else "dim")
        )

    def show_rows(
        self,
        rows: list[BrowseRow],
        cells: list[tuple[Any, ...]],
        order: tuple[str | None, bool] = (None, False),
    ) -> None:
        """Fill the table with ``rows`` (``cells``: each one's cells, from :func:`_cells`;
        ``order``: the sort they are in, column and reverse)."""
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {str(r.id): r for r in rows}
        self._filling += 1
        self._add_rows(self._filling, rows, cells, 0, order)
        shown = f"{len(rows)} card{'s' if len(rows) != 1 else ''}"
        self.show_status(shown + (" (first 5000)" if len(rows) >= 5000 else ""))
        if rows:
            self.show_detail(rows[0].id)
        else:
            self.query_one("#detail-body", Static).update("")

    def _add_rows(
        self,
        filling: int,
        rows: list[BrowseRow],
        cells: list[tuple[Any, ...]],
        start: int,
        order: tuple[str | None, bool],
    ) -> None:
        """Add rows ``start`` onwards, a batch per pass of the event loop: a DataTable
        takes ~0.1 ms a row, so 5,000 at once held the screen and the keyboard for half a
        second. The first batch fills the screen. The rows come sorted (``order``);
        if another sort was chosen meanwhile, the table is sorted after the last."""
        if filling != self._filling:
            return  # a newer search has replaced these rows
        table = self.query_one(DataTable)
        end = start + (_FIRST_BATCH if start == 0 else _BATCH)
        for r, row in zip(rows[start:end], cells[start:end], strict=True):
            table.add_row(*row, key=str(r.id))
        if end < len(rows):
            self.call_after_refresh(self._add_rows, filling, rows, cells, end, order)
        elif self.sort_key and (self.sort_key, self.sort_reverse) != order:
            self._sort()

    def _sort(self) -> None:
        """Sort the table by the chosen column; the cursor stays on its card (sorting
        alone keeps the cursor's row number, so another card came under it while the
        detail pane still showed the first)."""
        table = self.query_one(DataTable)
        current = None
        if table.row_count:
            current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        assert self.sort_key is not None
        table.sort(self.sort_key, key=_sort_value, reverse=self.sort_reverse)
        if current is not None:
            table.move_cursor(row=table.get_row_index(current), animate=False)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Sort by the clicked column; again to reverse."""
        key = str(event.column_key.value)
        self.sort_reverse = not self.sort_reverse if self.sort_key == key else False
        self.sort_key = key
        self._sort()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_detail(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def show_detail(self, card_id: int) -> None:
        """Load the card's history off the UI thread."""
        history = self.qapp.col.history(card_id)
        self.app.call_from_thread(if_current(self.render_detail), card_id, history)

    def render_detail(self, card_id: int, history: list[ReviewInfo]) -> None:
        """Show a card and its reviews."""
        row = self.rows.get(str(card_id))
        if row is None:
            return
        head = Text()
        head.append(plain(markdown_words(row.prompt), "bold"))
        head.append("\n")
        head.append(plain(f"{row.deck} · {row.key} · {row.type} · line {row.line}", "dim"))
        table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
        for name in ("when", "mode", "rating", "ok", "time"):
            table.add_column(name)
        for review in history:
            ok = "—" if review.correct is None else ("✓" if review.correct else "✗")
            table.add_row(
                review.reviewed_at.strftime("%Y-%m-%d %H:%M"),
                review.mode,
                _RATINGS.get(review.rating, str(review.rating)),
                ok,
                f"{review.duration_ms / 1000:.0f}s",
            )
        from rich.console import Group

        body = Group(head, Text(""), table if history else Text("No reviews yet.", style="dim"))
        self.query_one("#detail-body", Static).update(body)

    def selected(self) -> BrowseRow | None:
        """The highlighted card."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.rows.get(str(row_key.value))

    def action_focus_filter(self) -> None:
        """Jump to the filter box."""
        self.query_one("#filter", Input).focus()

    def action_toggle_suspend(self) -> None:
        """Suspend or unsuspend the highlighted card."""
        row = self.selected()
        if row is None:
            return
        if "suspended" in row.flags:
            self.qapp.col.unsuspend([row.id])
            self.notify("Unsuspended.", markup=False)
        else:
            self.qapp.col.suspend([row.id])
            self.notify("Suspended.", markup=False)
        self.search(self.query_one("#filter", Input).value)

    def action_reset(self) -> None:
        """Reset the highlighted card's progress, after confirmation."""
        from quizzer.tui.dialogs.confirm import ConfirmDialog

        row = self.selected()
        if row is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.qapp.col.reset([row.id], now=self.qapp.now())
                self.notify("Progress reset (undo with u in a study session).", markup=False)
                self.search(self.query_one("#filter", Input).value)

        self.app.push_screen(
            ConfirmDialog(
                "Reset this card's progress?",
                short(row.prompt, 70) + "\nIts history is kept.",
                yes="Reset",
            ),
            confirmed,
        )

    async def action_edit(self) -> None:
        """Open the highlighted card in $EDITOR."""
        row = self.selected()
        if row is None or not row.path:
            return
        if await self.qapp.edit_file(row.path, row.line):
            self.search(self.query_one("#filter", Input).value)

    def action_back(self) -> None:
        """Back to the decks."""
        self.app.pop_screen()
