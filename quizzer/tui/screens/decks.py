"""The home screen: every deck with today's counts and its mastery."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from quizzer.summary import days_text
from quizzer.tui.safe import plain, short
from quizzer.tui.widgets.footer import KeyFooter
from quizzer.tui.widgets.table import SizedTable
from quizzer.tui.workers import if_current

if TYPE_CHECKING:
    from quizzer.study.types import DeckCounts
    from quizzer.tui.app import QuizzerApp

__all__ = ["DecksScreen", "mastery_bar"]

# Fix: every line fits 80 columns less the padding (72); the second one used to wrap
# mid-sentence at 80×24 ("…or press r after adding" / "deck_dirs" / "to config.toml").
EMPTY = (
    "No decks yet.\n\n"
    "• Write one:   quizzer new my-deck.yaml   (then edit it)\n"
    "• Import it:   quizzer import my-deck.yaml\n"
    "               or add its folder to deck_dirs in config.toml, press r\n"
    "• The format:  docs/deck-format.md"
)


def mastery_bar(mature: int, total: int, width: int = 8) -> Text:
    """A bar of the share of mature cards (stability of 21 days or more)."""
    share = mature / total if total else 0.0
    filled = round(share * width)
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {share:4.0%}")
    return bar


#: How long the deck list's first frame waits for the first count (seconds). The count
#: runs in a worker meanwhile, and goes on if it takes longer; waiting spares a frame of
#: empty rows, then a second layout and paint for the rows.
FIRST_COUNT_WAIT = 0.15
#: Seconds from filling the table to the work that waits for its frame: a screen-update
#: tick (1/60 s) and the frame's layout and render (≈ 10–20 ms at 80×24) fit in it.
AFTER_ROWS = 0.05


class DecksScreen(Screen[None]):
    """Deck list. Enter studies, a studies all, p practises, b browses."""

    class Counted(Message):
        """The deck list shows its counts (posted once, after the first count)."""

    BINDINGS = [
        Binding("enter", "study", "Study", id="decks.study", priority=True),
        Binding("a", "study_all", "Study all", id="decks.study_all"),
        Binding("p", "practice", "Practice", id="decks.practice"),
        Binding("b", "browse", "Browse", id="decks.browse"),
        Binding("s", "stats", "Stats", id="decks.stats"),
        Binding("r", "reimport", "Re-import", id="decks.reimport"),
        Binding("?", "app.help", "Help", id="decks.help"),
        Binding("q", "app.quit", "Quit", id="decks.quit"),
    ]

    @property
    def qapp(self) -> QuizzerApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Text("quizzer", style="bold"), id="decks-title", classes="topbar")
        # Fix: SizedTable redraws the rows once their columns are measured (see its doc).
        yield SizedTable(id="decks", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY, id="empty", markup=False)
        yield Static(id="decks-status", classes="status")
        yield KeyFooter()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Text, not str: DataTable would parse a str as markup (and load its emoji table).
        table.add_column(Text("Deck"), key="deck")
        table.add_column(Text("New", justify="right"), key="new")
        table.add_column(Text("Learn", justify="right"), key="learning")
        table.add_column(Text("Due", justify="right"), key="due")
        table.add_column(Text("Cards", justify="right"), key="total")
        table.add_column(Text("Mastery"), key="mastery")
        self.query_one("#empty").display = False
        self.titles: dict[str, str] = {}  # deck id → title, for the practice dialog
        self._status = Text()
        self._counted = False
        self._resumed = False
        # The first count starts here, and the first frame waits for it a moment: a
        # frame of empty rows, then the rows, cost a second layout and paint.
        self._first_shown = asyncio.Event()
        self.refresh_counts()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_shown.wait(), FIRST_COUNT_WAIT)

    def on_screen_resume(self) -> None:
        # Textual resumes a screen when it is first shown too: counting on mount as
        # well ran the same scan twice at start-up.
        if self._resumed:
            self.refresh_counts()
        self._resumed = True

    @work(thread=True, exclusive=True, group="deck-counts", exit_on_error=False)
    def refresh_counts(self) -> None:
        """Recount in a worker, then redraw the table; the streak follows."""
        try:
            counts = self.qapp.col.deck_counts(now=self.qapp.now())
        except Exception:
            # The start-up import waits for the first count: it must not wait forever
            # when that count fails (a server not reachable yet).
            self.app.call_from_thread(self._first_count_done)
            raise
        # Fix: a count superseded by a newer one (e.g. the one started at mount, before
        # the first import) must not arrive last and show stale rows, or "No decks yet".
        self.app.call_from_thread(if_current(self.show_counts), counts)

    @work(thread=True, exclusive=True, group="deck-streak", exit_on_error=False)
    def refresh_streak(self) -> None:
        """Find the current streak in a worker, then add it to the status line."""
        streak = self.qapp.col.current_streak(now=self.qapp.now())
        self.app.call_from_thread(if_current(self.show_streak), streak)

    def show_streak(self, streak: int) -> None:
        """Add the current streak to the status line."""
        if streak:
            status = self._status.copy()
            status.append(f"   streak {days_text(streak)}", style="dim")
            self.query_one("#decks-status", Static).update(status)

    def show_counts(self, counts: list[DeckCounts]) -> None:
        """Fill the table with ``counts``."""
        self.titles = {c.deck: c.title for c in counts}
        table = self.query_one(DataTable)
        selected = self.selected_deck()
        table.clear()
        for c in counts:
            table.add_row(
                plain(short(c.title, 34)),
                Text(str(c.new), style="blue" if c.new else "dim", justify="right"),
                Text(str(c.learning), style="red" if c.learning else "dim", justify="right"),
                Text(str(c.due), style="green" if c.due else "dim", justify="right"),
                Text(str(c.total), justify="right"),
                mastery_bar(c.mature, c.total),
                key=c.deck,
            )
        empty = not counts
        table.display = not empty
        self.query_one("#empty").display = empty
        if selected is not None and selected in {c.deck for c in counts}:
            table.move_cursor(row=table.get_row_index(selected))
        total_due = sum(c.new + c.learning + c.due for c in counts)
        self._status = Text(f"{total_due} to study today", style="bold" if total_due else "dim")
        self.query_one("#decks-status", Static).update(self._status)
        if not empty:
            table.focus()
        # What follows the table (the streak, which walks the review log, the start-up
        # import and start-up's garbage collection) waits until the rows are painted: a
        # thread started now would hold the GIL in turns with the frame that shows them.
        # A timer, not call_after_refresh: at start-up this runs inside the app's first
        # batch, whose refreshes paint nothing, and the callback came before the frame.
        self._first_shown.set()
        self.set_timer(AFTER_ROWS, self._rows_painted)

    def _rows_painted(self) -> None:
        self.refresh_streak()
        self._first_count_done()

    def _first_count_done(self) -> None:
        """Say once that the list has been counted (or tried to be)."""
        self._first_shown.set()
        if not self._counted:
            self._counted = True
            self.post_message(self.Counted())

    def selected_deck(self) -> str | None:
        """The slug of the highlighted deck."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value) if row_key.value is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted deck studies it (Enter does the same)."""
        event.stop()
        self.action_study()

    def action_study(self) -> None:
        """Study the highlighted deck."""
        deck = self.selected_deck()
        if deck is not None:
            self.qapp.start_session(deck, "scheduled")

    def action_study_all(self) -> None:
        """Study every deck."""
        self.qapp.start_session(None, "scheduled")

    def action_practice(self) -> None:
        """Ask what to practise, then drill it."""
        from quizzer.tui.dialogs.practice import PracticeDialog

        deck = self.selected_deck()
        if deck is None:
            return
        # Fix: the dialog took its title from the table's cell, cut to 34 characters
        # ("Practise Model architectures and pre-training o…"); it has room for all.
        title = self.titles.get(deck, deck)

        def chosen(choice: tuple[str, str | None] | None) -> None:
            if choice is not None:
                self.qapp.start_session(deck, "practice", filter=choice[0], tag=choice[1])

        self.app.push_screen(PracticeDialog(title), chosen)

    def action_browse(self) -> None:
        """Browse the cards (of the highlighted deck)."""
        from quizzer.tui.screens.browse import BrowseScreen

        deck = self.selected_deck()
        self.app.push_screen(BrowseScreen(f"deck:{deck}" if deck else ""))

    def action_stats(self) -> None:
        """Open the statistics (of the highlighted deck)."""
        from quizzer.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.selected_deck()))

    def action_reimport(self) -> None:
        """Re-import every deck folder."""
        self.qapp.reimport(announce=True)
