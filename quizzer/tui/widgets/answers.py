"""How each card type is answered: options, a typed answer, or items to order.

Every widget here shows deck text as literal ``Text`` (never markup) and exposes
``response()`` in the form :meth:`quizzer.study.session.StudySession.answer` takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from quizzer.tui.safe import plain
from quizzer.tui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from quizzer.study.types import CardView

__all__ = [
    "ChoiceAnswer",
    "OrderAnswer",
    "Submitted",
    "TypedAnswer",
    "answer_kind",
    "new_answer",
]


class Submitted(Message):
    """The learner submitted a response."""

    def __init__(self, response: Any):
        super().__init__()
        self.response = response


class ChoiceAnswer(Vertical):
    """Options: arrows or number keys select, Enter submits; space toggles when several
    answers are right."""

    def __init__(self, choices: tuple[str, ...], multiple: bool):
        super().__init__(classes="answer-widget")
        self.choices = choices
        self.multiple = multiple

    def compose(self) -> ComposeResult:
        if self.multiple:
            yield Static(
                "Select every right answer: space toggles, Enter submits.", classes="answer-help"
            )
            yield SelectionList[int](*self._selections(), id="choices")
        else:
            yield OptionList(*self._options(), id="choices")

    def _selections(self) -> list[Selection[int]]:
        # Fix: the labels were numbered from 0 while the number keys (pick) and the
        # one-answer list count from 1, so "2" toggled the option labelled "1.".
        return [Selection(plain(f"{i + 1}. {c}"), i) for i, c in enumerate(self.choices)]

    def _options(self) -> list[Option]:
        return [Option(plain(f"{i}. {c}"), id=str(i)) for i, c in enumerate(self.choices, 1)]

    def on_mount(self) -> None:
        widget = self.query_one("#choices")
        widget.focus()
        if isinstance(widget, OptionList):
            widget.highlighted = 0

    def load(self, choices: tuple[str, ...]) -> None:
        """Show the options of another card (with as many right answers), as if new."""
        self.choices = choices
        widget = self.query_one("#choices", OptionList)
        widget.clear_options()
        widget.add_options(self._selections() if self.multiple else self._options())
        widget.highlighted = 0  # as a new list has it, one right answer or several
        widget.scroll_home(animate=False)
        widget.focus()

    def pick(self, number: int) -> None:
        """Select option ``number`` (from 1): toggles it when several are right."""
        if not 1 <= number <= len(self.choices):
            return
        widget = self.query_one("#choices")
        if isinstance(widget, SelectionList):
            widget.toggle(number - 1)
            widget.highlighted = number - 1
        elif isinstance(widget, OptionList):
            widget.highlighted = number - 1

    def response(self) -> Any:
        """The chosen option, or the list of selected options."""
        widget = self.query_one("#choices")
        if isinstance(widget, SelectionList):
            return [self.choices[i] for i in sorted(widget.selected)]
        assert isinstance(widget, OptionList)
        index = widget.highlighted
        return self.choices[index] if index is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(Submitted(self.response()))

    def submit(self) -> None:
        """Submit what is selected."""
        self.post_message(Submitted(self.response()))


class TypedAnswer(Vertical):
    """One input per blank; Enter submits."""

    def __init__(self, blanks: int = 1):
        super().__init__(classes="answer-widget")
        self.blanks = max(1, blanks)

    def compose(self) -> ComposeResult:
        for i in range(self.blanks):
            placeholder = (
                "type your answer, Enter to check"
                if self.blanks == 1
                else f"blank {i + 1} of {self.blanks}"
            )
            yield OrderedInput(placeholder=placeholder, classes="typed", id=f"typed-{i}")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def load(self) -> None:
        """Empty the blanks for another card (with as many blanks), as if new."""
        for field in self.query(Input):
            field.value = ""
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def response(self) -> Any:
        """The text typed (a list when there are several blanks)."""
        values = [i.value for i in self.query(Input)]
        return values[0] if len(values) == 1 else values

    def submit(self) -> None:
        """Submit what was typed; Enter in a blank whose next blank is still empty moves
        there instead."""
        # Fix: the review screen's Enter binding has priority and calls submit()
        # directly, so this "next blank first" step, kept only in on_input_submitted,
        # never ran and Enter in blank 1 of 2 graded blank 2 as empty.
        inputs = list(self.query(Input))
        focused = self.screen.focused
        if isinstance(focused, Input) and focused in inputs:
            index = inputs.index(focused)
            if index + 1 < len(inputs) and not inputs[index + 1].value:
                inputs[index + 1].focus()
                return
        self.post_message(Submitted(self.response()))


class OrderAnswer(Vertical):
    """Items to put in order: up/down select, shift+up/down (or K/J) move, Enter submits.

    The items are the options of one OptionList, which draws its lines itself: a list of
    a widget per item (a ListView) took 10-40 ms to mount for each card, and restyled
    every item on each change of focus."""

    BINDINGS = [
        Binding("shift+up,K", "move(-1)", "Move up", id="order.up"),
        Binding("shift+down,J", "move(1)", "Move down", id="order.down"),
    ]

    def __init__(self, items: tuple[str, ...]):
        super().__init__(classes="answer-widget")
        self.items = list(items)

    def compose(self) -> ComposeResult:
        yield Static(
            "Put these in order: shift+↑/↓ (or K/J) moves the selected item, Enter submits.",
            classes="answer-help",
        )
        yield OptionList(*self._labels(), id="order-items")

    def _label(self, index: int) -> Text:
        return plain(f"{index + 1}. {self.items[index]}")

    def _labels(self) -> list[Text]:
        return [self._label(index) for index in range(len(self.items))]

    def on_mount(self) -> None:
        view = self.query_one(OptionList)
        view.highlighted = 0
        view.focus()

    def load(self, items: tuple[str, ...]) -> None:
        """Show the items of another card, as if new."""
        self.items = list(items)
        view = self.query_one(OptionList)
        view.set_options(self._labels())
        view.highlighted = 0
        view.scroll_home(animate=False)
        view.focus()

    def action_move(self, delta: int) -> None:
        """Move the selected item up (-1) or down (+1)."""
        view = self.query_one(OptionList)
        index = view.highlighted or 0
        target = index + delta
        if not 0 <= target < len(self.items):
            return
        self.items[index], self.items[target] = self.items[target], self.items[index]
        for row in (index, target):
            view.replace_option_prompt_at_index(row, self._label(row))
        view.highlighted = target

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def response(self) -> list[str]:
        """The items in the learner's order."""
        return list(self.items)

    def submit(self) -> None:
        """Submit the current order."""
        self.post_message(Submitted(self.response()))


def answer_kind(card: CardView) -> tuple[Any, ...]:
    """Which widget takes ``card``'s response: its way of answering first, then its
    shape. Cards of one kind can share a widget (:meth:`ChoiceAnswer.load`,
    :meth:`TypedAnswer.load`, :meth:`OrderAnswer.load`)."""
    if card.input == "choice":
        return ("choice", card.multiple)
    if card.input == "typed":
        return ("typed", card.blanks or 1)
    if card.input == "order":
        return ("order",)
    return ("reveal",)


def new_answer(card: CardView) -> Widget:
    """A new widget to take ``card``'s response (a line of help for a revealed card)."""
    if card.input == "choice":
        return ChoiceAnswer(card.choices, card.multiple)
    if card.input == "typed":
        return TypedAnswer(card.blanks or 1)
    if card.input == "order":
        return OrderAnswer(card.items)
    return Static(
        Text("Space or Enter shows the answer.", style="dim"),
        classes="answer-help reveal-help",
    )
