"""Keys that arrive together are applied in order in the app's text inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from quizzer.tui.widgets.ordered_input import OrderedInput


class Typing(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield OrderedInput(id="typed")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)


def burst(app: App[None], keys: list[str]) -> None:
    """Post ``keys`` at once, as a terminal delivers a burst: no waiting between them."""
    for key in keys:
        character = key if len(key) == 1 else {"enter": "\r", "backspace": "\x7f"}.get(key)
        app.post_message(events.Key(key, character))


@pytest.mark.parametrize(
    ("keys", "value"),
    [
        (["b", "a", "backspace", "c"], "bc"),
        (["a", "b", "left", "x", "end", "y"], "axby"),
        (["w", "o", "r", "d", "ctrl+w", "o", "k"], "ok"),
    ],
)
async def test_editing_keys_in_a_burst_apply_in_order(keys: list[str], value: str) -> None:
    app = Typing()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, [*keys, "enter"])
        await pilot.pause(0.2)
        assert app.query_one(OrderedInput).value == value
        assert app.submitted == [value]  # Enter submitted what was typed before it


async def test_a_typed_answer_corrected_in_a_burst_is_graded_as_typed(
    tui_col: Any, deck_dir: Path, clock: Any
) -> None:
    """On the review screen: a stray space, then backspace, the answer and Enter all at
    once were graded without the answer's last letter (the backspace ran last)."""
    from tui_helpers import bury_until, make_app, open_review, settle

    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await bury_until(pilot, screen, "typed")
        answer = screen.card.data["answer"]
        burst(app, [" ", "backspace", *answer, "enter"])
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.grade is not None and screen.grade.correct, screen.response
        assert screen.response == answer
