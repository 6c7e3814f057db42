"""Help: every key binding, generated from the bindings themselves so it never drifts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen", "binding_table"]


def _keys(binding: Binding, app: App[object]) -> str:
    # The keys in force: config.toml's [keys] (the app's keymap, by binding id) replace
    # the defaults, and Help must show what the learner actually presses.
    keymap: dict[str, str] = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return ", ".join(
        app.get_key_display(Binding(key.strip(), binding.action)) for key in keys.split(",")
    )


def binding_table(title: str, bindings: list[Binding], app: App[object]) -> Table:
    """A table of ``bindings``: keys and what they do."""
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, 2),
        show_header=False,
    )
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for binding in bindings:
        description = binding.description or binding.action.replace("_", " ")
        table.add_row(_keys(binding, app), description)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys of every screen; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        from quizzer.tui.app import QuizzerApp
        from quizzer.tui.screens.browse import BrowseScreen
        from quizzer.tui.screens.decks import DecksScreen
        from quizzer.tui.screens.review import ReviewScreen
        from quizzer.tui.screens.stats import StatsScreen
        from quizzer.tui.widgets.answers import OrderAnswer

        sections: list[tuple[str, list[Binding]]] = [
            ("Everywhere", [b for b in QuizzerApp.BINDINGS if isinstance(b, Binding)]),
            ("Decks", [b for b in DecksScreen.BINDINGS if isinstance(b, Binding)]),
            ("Review", [b for b in ReviewScreen.BINDINGS if isinstance(b, Binding)]),
            ("Ordering cards", [b for b in OrderAnswer.BINDINGS if isinstance(b, Binding)]),
            ("Browse", [b for b in BrowseScreen.BINDINGS if isinstance(b, Binding)]),
            ("Statistics", [b for b in StatsScreen.BINDINGS if isinstance(b, Binding)]),
        ]
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(Text("Keys", style="bold"), classes="dialog-title")
            for title, bindings in sections:
                yield Static(binding_table(title, bindings, self.app))
            yield Static(
                Text(
                    "Choice cards: 1–9 pick an option (space toggles when several "
                    "are right). After answering: 1–4 rate, Enter takes the "
                    "highlighted suggestion. ctrl+p opens the command palette.",
                    style="dim",
                )
            )

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
