"""The end of a session: what was done, how well, and what comes tomorrow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from quizzer.summary import streak_text
from quizzer.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from quizzer.study.session import StudySession
    from quizzer.summary import SessionSummary
    from quizzer.tui.app import QuizzerApp

__all__ = ["SummaryScreen", "render_summary"]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def render_summary(summary: SessionSummary) -> Table:
    """The summary as a Rich table (numbers only; no deck text)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Cards studied", str(summary.cards))
    table.add_row("Time", _duration(summary.seconds))
    if summary.cards:
        table.add_row("Per card", f"{summary.seconds / summary.cards:.1f} s")
    for kind, (right, graded) in sorted(summary.accuracy.items()):
        table.add_row(f"Accuracy ({kind})", f"{right}/{graded}  {right / graded:.0%}")
    if summary.ratings:
        names = {0: "Reset", 1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
        table.add_row(
            "Ratings", "  ".join(f"{names[r]} {n}" for r, n in sorted(summary.ratings.items()))
        )
    table.add_row("Due tomorrow", str(summary.due_tomorrow))
    streak = summary.streak
    table.add_row(
        "Streak",
        streak_text(streak.current, streak.longest),
    )
    return table


class SummaryScreen(Screen[None]):
    """Shown when a session ends; Enter or Escape goes back to the decks."""

    BINDINGS = [Binding("enter,escape,q", "close", "Back to decks", id="summary.close")]

    def __init__(self, session: StudySession):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(id="summary"):
            yield Static(Text("Session complete", style="bold"), classes="screen-title")
            yield Static("Counting…", id="summary-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def compute(self) -> None:
        """Summarise off the UI thread."""
        app: QuizzerApp = self.app  # type: ignore[assignment]
        summary = app.col.summary(self.session, now=app.now())
        self.app.call_from_thread(
            self.query_one("#summary-body", Static).update, render_summary(summary)
        )

    def action_close(self) -> None:
        """Back to the deck list (refreshed)."""
        self.app.pop_screen()
