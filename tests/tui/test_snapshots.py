"""SVG snapshots of every screen, at 80×24 (the size the app is built for) and 120×40.

Everything on screen is fixed: the clock, the collection's seed (the shuffle of
options and items), UTC days, no fuzz, relative deck paths, the time spent on each
card and the input cursor (no blinking). Update the baselines with

    /tmp/dev/bin/python -m pytest tests/tui/test_snapshots.py --snapshot-update

and look at the SVGs in ``tests/tui/__snapshots__/`` before committing them.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input
from tui_helpers import (
    DEMO_DECK,
    DEMO_KEYS,
    FIXED_NOW,
    make_app,
    press,
    put_in_order,
    review_screen,
    settle,
    submit_right,
)

from quizzer.study.types import Rating

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

SECOND_DECK = """\
deck: zoology
title: Zoology
description: A second deck, so that the list has more than one row.
cards:
  - id: owl
    front: Which bird is a symbol of wisdom?
    back: The owl.
  - id: legs
    type: typed
    question: How many legs does a spider have?
    answer: "8"
"""

Step = Callable[[Any], Awaitable[None]]


class FakeTime:
    """Stands in for the ``time`` module of the review screen: every card takes 6 s."""

    def __init__(self) -> None:
        self._ticks = itertools.count(step=6)

    def monotonic(self) -> float:
        return float(next(self._ticks))


@pytest.fixture
def snap(snap_compare, tui_col, tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch):
    """``snap(size, steps..., decks=True)``: run the app with the demo deck (and a
    second one), do ``steps`` (async functions of the pilot), compare the screen."""
    from quizzer.tui.screens import review

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(review, "time", FakeTime())
    folder = Path("decks")
    folder.mkdir()
    (folder / "demo.yaml").write_text(DEMO_DECK, encoding="utf-8")
    (folder / "zoology.yaml").write_text(SECOND_DECK, encoding="utf-8")

    def compare(size: tuple[int, int], *steps: Step, decks: bool = True) -> bool:
        app = make_app(tui_col, [folder] if decks else [], clock)

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            for step in steps:
                await step(pilot)
                await settle(pilot)
            for widget in pilot.app.screen.query(Input):
                widget.cursor_blink = False
            pilot.app.clear_notifications()  # toasts would hide the screen's content
            await pilot.pause()

        return snap_compare(app, terminal_size=size, run_before=run_before)

    return compare


def keys(*names: str) -> Step:
    """A step that presses ``names``."""

    async def step(pilot: Any) -> None:
        await press(pilot, *names)

    return step


def study_until(col: Any, key: str) -> Step:
    """Bury the demo deck's cards before ``key`` (through the API, before the app
    starts), so that studying the deck starts with ``key``: a step that does that."""
    col.import_decks([Path("decks")], now=FIXED_NOW)
    before = DEMO_KEYS[: DEMO_KEYS.index(key)]
    col.bury([col.card_id("tui-demo", k) for k in before], now=FIXED_NOW)

    async def step(pilot: Any) -> None:
        await press(pilot, "enter")
        assert review_screen(pilot.app).card.key == key

    return step


def right_answer() -> Step:
    async def step(pilot: Any) -> None:
        await submit_right(pilot, review_screen(pilot.app))

    return step


def typed(text: str) -> Step:
    async def step(pilot: Any) -> None:
        await pilot.press(*text)

    return step


def studied(col: Any, count: int) -> None:
    """Answer the first ``count`` cards of the demo deck through the API (Good), a day
    before FIXED_NOW, so that the screens have some history to show."""
    from datetime import timedelta

    when = FIXED_NOW - timedelta(days=1)
    col.import_decks([Path("decks")], now=when)
    session = col.study(deck="tui-demo", now=when)
    for _ in range(count):
        card = session.next_card(now=when)
        assert card is not None
        session.answer(card, rating=Rating.GOOD, duration_ms=4200, now=when)


# -- the deck list ---------------------------------------------------------------------
class TestDecks:
    @SIZES
    def test_deck_list(self, snap, tui_col, size):
        studied(tui_col, 3)
        assert snap(size)

    @SIZES
    def test_empty_state(self, snap, size):
        assert snap(size, decks=False)


# -- the review screen -----------------------------------------------------------------
class TestReviewQuestion:
    """A card before it is answered, for each way of answering."""

    @SIZES
    def test_reveal(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "basic-rev"))

    @SIZES
    def test_reveal_with_hint(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "basic-rev"), keys("h"))

    @SIZES
    def test_choice_one(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "choice-one"))

    @SIZES
    def test_choice_several(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "choice-many"), keys("1"))

    @SIZES
    def test_typed(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "typed"), typed("T"))

    @SIZES
    def test_typed_cloze_two_blanks(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "cloze-typed/c1"), typed("weights"), keys("enter"))

    @SIZES
    def test_order(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "order"))


class TestReviewGraded:
    """After answering: the verdict, the answer, the explanation and the rating bar."""

    @SIZES
    def test_revealed(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "basic-rev"), keys("space"))

    @SIZES
    def test_choice_wrong(self, snap, tui_col, size):
        async def pick_wrong(pilot: Any) -> None:
            card = review_screen(pilot.app).card
            await press(pilot, str(card.choices.index("Span corruption") + 1), "enter")

        assert snap(size, study_until(tui_col, "choice-one"), pick_wrong)

    @SIZES
    def test_typed_wrong(self, snap, tui_col, size):
        assert snap(size, study_until(tui_col, "typed"), typed("T4"), keys("enter"))

    @SIZES
    def test_order_almost(self, snap, tui_col, size):
        async def one_swap(pilot: Any) -> None:
            screen = review_screen(pilot.app)
            await put_in_order(pilot, screen, ["Scope", "Adapt", "Select", "Integrate"])
            await press(pilot, "enter")

        assert snap(size, study_until(tui_col, "order"), one_swap)

    @SIZES
    def test_practice_right(self, snap, size):
        """Practice: no intervals on the buttons, the header counts the session."""
        assert snap(size, keys("p", "enter"), right_answer())


# -- the end of a session --------------------------------------------------------------
class TestSummary:
    @SIZES
    def test_summary(self, snap, size):
        async def three_cards(pilot: Any) -> None:
            await press(pilot, "enter")
            screen = review_screen(pilot.app)
            await press(pilot, "space", "3")  # basic: Good
            card = screen.card
            await press(pilot, str(card.choices.index("Span corruption") + 1), "enter", "enter")
            await press(pilot, "1", "enter", "4")  # several: one missed (Hard), then Easy
            await press(pilot, "escape")

        assert snap(size, three_cards)


# -- browsing --------------------------------------------------------------------------
class TestBrowse:
    @SIZES
    def test_browse_with_detail(self, snap, tui_col, size):
        studied(tui_col, 2)

        async def second_row(pilot: Any) -> None:
            await press(pilot, "b")
            pilot.app.screen.query_one("#cards", DataTable).move_cursor(row=2)

        assert snap(size, second_row)

    @SIZES
    def test_browse_filter_error(self, snap, size):
        async def bad_query(pilot: Any) -> None:
            await press(pilot, "b")
            pilot.app.screen.query_one("#filter", Input).value = "is:nonsense"

        assert snap(size, bad_query)


# -- help and dialogs ------------------------------------------------------------------
class TestHelp:
    @SIZES
    def test_help(self, snap, size):
        assert snap(size, keys("question_mark"))


class TestDialogs:
    @SIZES
    def test_practice_dialog(self, snap, size):
        assert snap(size, keys("p"))

    @SIZES
    def test_error_dialog(self, snap, size):
        async def break_deck(pilot: Any) -> None:
            Path("decks", "demo.yaml").write_text(
                DEMO_DECK.replace("    back: A special", "    bak: A special"), encoding="utf-8"
            )
            await press(pilot, "r")

        assert snap(size, break_deck)

    @SIZES
    def test_confirm_reset(self, snap, tui_col, size):
        studied(tui_col, 1)
        assert snap(size, keys("b", "r"))
