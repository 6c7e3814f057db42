"""Helpers for the Textual app tests: a fixed clock, a deck with every card type, and
functions to build the app, drive it and read what it shows (importable as
``tui_helpers``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import delete, insert
from textual.widgets import Input, OptionList, SelectionList
from textual.worker import WorkerCancelled

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "decks"
FAKE_EDITOR = HERE / "fake_editor.py"

#: The fixed "now" of every TUI test: 2026-03-01 12:00 UTC (a Sunday).
FIXED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: The collection seed: it decides the shuffle of choices and order items.
SEED = "tui-tests"
#: An async test that runs longer than this fails (it is stuck, e.g. on a dialog).
ASYNC_TIMEOUT = 60.0

#: One card of each type. Written in this order, a scheduled session shows them in
#: this order (the reverse card is a sibling and gets buried once the front is done).
DEMO_DECK = """\
format: 1
deck: tui-demo
title: TUI demo
description: One card of every type.
source: "Lesson › Section one"
tags: [demo]
cards:
  - id: basic-rev
    front: What is a sentinel token?
    back: A special token that replaces a masked span.
    reverse: true
    hint: Think of T5.
  - id: choice-one
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Causal language modeling, Masked language modeling, Span corruption]
    answer: Masked language modeling
    explain: BERT is encoder-only.
  - id: choice-many
    type: choice
    question: Which tasks suit encoder-decoder models?
    choices: [Translation, Summarization, Sentiment analysis]
    answers: [Translation, Summarization]
    shuffle: false
  - id: typed
    type: typed
    question: Which model illustrates span corruption?
    answer: T5
    tags: [models]
  - id: cloze-reveal
    type: cloze
    text: Masked language modeling is a {{denoising}} objective.
  - id: cloze-typed
    type: cloze
    text: The model's {{c1::weights}} are updated to {{c1::minimize}} the loss.
    input: typed
  - id: order
    type: order
    question: Put the lifecycle stages in order.
    items: [Scope, Select, Adapt, Integrate]
"""

#: The keys of DEMO_DECK's cards, in deck order.
DEMO_KEYS = (
    "basic-rev",
    "basic-rev/reverse",
    "choice-one",
    "choice-many",
    "typed",
    "cloze-reveal/c1",
    "cloze-typed/c1",
    "order",
)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = FIXED_NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


def prepare_collection(col: Any) -> None:
    """UTC days, no fuzz, and a fixed seed, so every number and shuffle is stable."""
    from quizzer.store.models import settings_t

    col.set_setting("timezone", "UTC")
    col.set_setting("fuzz", False)
    with col.store.write() as session:
        session.execute(
            delete(settings_t).where(settings_t.c.scope == "", settings_t.c.key == "seed")
        )
        session.execute(insert(settings_t).values(scope="", key="seed", value=SEED))


# -- building and driving the app ------------------------------------------------------
def make_app(
    col: Any,
    paths: list[Path] | tuple[Path, ...] = (),
    clock: Clock | None = None,
    *,
    watch: bool = False,
    open_deck: str | None = None,
) -> Any:
    """The app as the CLI builds it, on ``paths`` only, with a fixed clock."""
    from quizzer.tui import create_app

    return create_app(
        col,
        list(paths),
        clock=clock or Clock(),
        import_defaults=False,
        open_deck=open_deck,
        watch=watch,
    )


async def settle(pilot: Any, rounds: int = 5) -> None:
    """Let workers finish and the messages they post be handled. A worker's result may
    start another worker from the UI thread, hence the rounds until none is running."""
    app = pilot.app
    await pilot.pause()
    for _ in range(rounds):
        # (a worker that has not started yet is pending, not running: wait for it too)
        if all(worker.is_finished for worker in app.workers):
            break
        with contextlib.suppress(WorkerCancelled):  # superseded by a newer exclusive one
            await app.workers.wait_for_complete()
        await pilot.pause()
    # Wait until the screen stops changing, so that a busy machine doesn't catch a
    # half-drawn frame (a DataTable sizes its columns when it is next idle).
    shown = screen_text(app)
    for _ in range(rounds):
        await pilot.pause()
        shown, previous = screen_text(app), shown
        if shown == previous:
            break


async def press(pilot: Any, *keys: str) -> None:
    """Press ``keys``, then settle."""
    await pilot.press(*keys)
    await settle(pilot)


def screen_text(app: Any) -> str:
    """What the terminal shows now, as plain text (modal screens over their background),
    exactly as :meth:`App.export_screenshot` composes it."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text(styles=False)


def widget_text(app: Any, widget: Any) -> str:
    """The part of the screen that ``widget`` covers, as plain text (to read a dialog
    without the screen behind it)."""
    region = widget.content_region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right].rstrip() for line in lines)


def compact(text: str) -> str:
    """``text`` without any whitespace, to find text that wrapped on screen."""
    return "".join(text.split())


def record_notifications(app: Any) -> list[str]:
    """Collect the message of every notification the app shows (toasts expire, this
    list doesn't)."""
    messages: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        messages.append(str(message))
        original(message, *args, **kwargs)

    app.notify = notify
    return messages


def find_offset(app: Any, needle: str) -> tuple[int, int]:
    """The (x, y) screen offset of the first occurrence of ``needle``."""
    for y, line in enumerate(screen_text(app).splitlines()):
        x = line.find(needle)
        if x >= 0:
            return x, y
    raise AssertionError(f"{needle!r} is not on screen:\n{screen_text(app)}")


# -- answering cards ------------------------------------------------------------------
def review_screen(app: Any) -> Any:
    from quizzer.tui.screens.review import ReviewScreen

    screen = app.screen
    assert isinstance(screen, ReviewScreen), f"not reviewing: {screen!r}"
    return screen


async def open_review(pilot: Any, app: Any) -> Any:
    """Start studying the highlighted deck and return the review screen."""
    await settle(pilot)
    await press(pilot, "enter")
    return review_screen(app)


async def bury_until(pilot: Any, screen: Any, key: str) -> None:
    """Bury cards on the review screen until the card with ``key`` is shown."""
    while screen.card.key != key:
        screen.action_bury()
        await settle(pilot)


async def put_in_order(pilot: Any, screen: Any, wanted: list[str]) -> None:
    """Reorder an order card's items with the keyboard (up/down select, K moves up)."""
    from quizzer.tui.widgets.answers import OrderAnswer

    order = screen.query_one(OrderAnswer)
    view = order.query_one("#order-items", OptionList)
    for target, item in enumerate(wanted):
        current = order.items.index(item)
        if current != target:
            selected = view.highlighted or 0
            moves = ["up"] * selected + ["down"] * current + ["K"] * (current - target)
            await pilot.press(*moves)
    await settle(pilot)
    assert order.items == wanted


async def submit_right(pilot: Any, screen: Any) -> None:
    """Answer the card shown correctly with the keyboard (reveal a self-graded one), and
    stop at the verdict, before rating."""
    from quizzer.study.grading import cloze_answers

    card = screen.card
    data = card.data
    if card.input == "reveal":
        await press(pilot, "space")
        assert screen.grade is not None
        return
    if card.input == "choice":
        if card.multiple:  # start from nothing selected (a click may have toggled one)
            screen.query_one(SelectionList).deselect_all()
        for answer in data["answers"]:
            await pilot.press(str(card.choices.index(answer) + 1))
    elif card.input == "typed":
        if not isinstance(pilot.app.focused, Input):
            await pilot.click("#typed-0")  # (a click elsewhere took the focus away)
        answers = (
            cloze_answers(data["text"], data["group"]) if card.type == "cloze" else [data["answer"]]
        )
        for i, answer in enumerate(answers):
            await pilot.press(*answer)
            if i + 1 < len(answers):
                await pilot.press("enter")
    else:
        await put_in_order(pilot, screen, list(data["items"]))
    await press(pilot, "enter")
    assert screen.grade is not None and screen.grade.correct, screen.grade


async def answer_right(pilot: Any, screen: Any, rating: str = "enter") -> None:
    """Answer the card shown correctly, then rate it (``enter`` takes the suggestion;
    self-graded cards get Good)."""
    self_graded = screen.card.input == "reveal"
    await submit_right(pilot, screen)
    await press(pilot, "3" if self_graded and rating == "enter" else rating)


def squash(text: str) -> str:
    """``text`` with every run of spaces made one space (tables align with padding)."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


# -- slow work, to catch keys in the middle of it ---------------------------------------
class HeldAnswers:
    """Answers held inside their write, as a slow server holds them: ``inside`` is set
    when one arrives, ``release`` lets them through (each waits ``timeout`` s at most),
    and ``count`` says how many were sent."""

    def __init__(self, monkeypatch: Any, timeout: float = 5.0):
        import threading

        import quizzer.study.session as session_module

        self.inside, self.release = threading.Event(), threading.Event()
        self.count = 0
        answer_card = session_module.repo.answer_card

        def held(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            self.inside.set()
            self.release.wait(timeout)
            return answer_card(*args, **kwargs)

        monkeypatch.setattr(session_module.repo, "answer_card", held)

    async def arrived(self) -> None:
        """Until an answer is being held."""
        while not self.inside.is_set():
            await asyncio.sleep(0.01)

    async def saving(self, pilot: Any, app: Any) -> Any:
        """Study the highlighted deck, reveal its first card and rate it Good; the review
        screen, once that answer is being held."""
        screen = await open_review(pilot, app)
        await press(pilot, "space")
        await pilot.press("3")
        await self.arrived()
        return screen


def slow_markdown(monkeypatch: Any, seconds: float, on: bool = True) -> dict[str, bool]:
    """Make every Markdown parse take ``seconds`` longer while the returned switch's
    ``"on"`` is True (the review screen awaits them while it puts a card together)."""
    from textual.widgets import Markdown

    parse = Markdown.update
    switch = {"on": on}

    def slow_update(self: Any, markdown: str) -> Any:
        async def run() -> None:
            if switch["on"]:
                await asyncio.sleep(seconds)
            await parse(self, markdown)

        return run()

    monkeypatch.setattr(Markdown, "update", slow_update)
    return switch
