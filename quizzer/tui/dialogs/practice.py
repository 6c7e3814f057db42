"""Choose what to practise: a filter and, optionally, a tag."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from quizzer.tui.safe import plain
from quizzer.tui.widgets.ordered_input import OrderedInput

__all__ = ["PracticeChoice", "PracticeDialog"]

PracticeChoice = tuple[str, str | None]

_FILTERS = [
    ("all", "Every card of the deck"),
    ("hardest:20", "The 20 hardest cards (most lapses)"),
    ("leeches", "Leeches"),
    ("due-tomorrow", "Cards due tomorrow"),
    ("new", "New cards (preview without scheduling)"),
    ("review", "Cards already studied"),
]


class PracticeDialog(ModalScreen[PracticeChoice | None]):
    """Dismisses with ``(filter, tag)`` or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="practice.cancel")]

    def __init__(self, deck_title: str):
        super().__init__()
        self.deck_title = deck_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # The whole deck title now (it was the table's cut, already safe cell): shown
            # literally, control characters made visible.
            yield Static(plain(f"Practise {self.deck_title}"), classes="dialog-title")
            yield Static("Practice never changes your schedule.", classes="dialog-detail")
            yield OptionList(
                *[Option(label, id=name) for name, label in _FILTERS], id="practice-filter"
            )
            yield OrderedInput(placeholder="only cards with this tag (optional)", id="practice-tag")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        tag = self.query_one("#practice-tag", Input).value.strip() or None
        self.dismiss((event.option.id or "all", tag))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        option_list = self.query_one(OptionList)
        index = option_list.highlighted or 0
        option = option_list.get_option_at_index(index)
        self.dismiss((option.id or "all", event.value.strip() or None))

    def action_cancel(self) -> None:
        self.dismiss(None)
