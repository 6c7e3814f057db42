"""The Again / Hard / Good / Easy bar, each button with its next interval."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button

from quizzer.study.types import Rating, format_interval

__all__ = ["RatingBar"]


class RatingBar(Horizontal):
    """Four buttons; the suggested rating is highlighted. Posts :class:`Rated`."""

    class Rated(Message):
        """The learner picked a rating with the mouse."""

        def __init__(self, rating: Rating):
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        for rating in Rating:
            yield Button(
                Text(f"{int(rating)} {rating.label}"),
                id=f"rate-{int(rating)}",
                classes=f"rating rating-{rating.name.lower()}",
            )

    def show(self, intervals: dict[Rating, timedelta], suggested: Rating | None) -> None:
        """Label each button with its interval and mark the suggestion."""
        for rating in Rating:
            button = self.query_one(f"#rate-{int(rating)}", Button)
            interval = intervals.get(rating)
            label = f"{int(rating)} {rating.label}"
            if interval is not None:
                label += f"  {format_interval(interval)}"
            if rating == suggested:
                label += " ◆"
            button.label = Text(label)
            button.set_class(rating == suggested, "-suggested")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id and event.button.id.startswith("rate-"):
            self.post_message(self.Rated(Rating(int(event.button.id[5:]))))
