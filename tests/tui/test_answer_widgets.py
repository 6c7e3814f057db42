"""The answer slot reuses its widgets from card to card; nothing of one card reaches
the next.

The review screen keeps one widget per way of answering (choice, typed, order, the
reveal help) mounted and loads the next card of that kind into it, instead of mounting
a new one (5–15 ms a card). These tests study cards of every kind, each kind coming
back after others, and answer each one wrong first where a wrong answer leaves
something behind (an option ticked, text typed, items moved): the next card of the
kind must look and behave exactly as a fresh widget would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList, SelectionList
from tui_helpers import (
    FIXED_NOW,
    compact,
    make_app,
    press,
    review_screen,
    screen_text,
    settle,
    slow_markdown,
    submit_right,
)

from quizzer.tui.widgets.answers import ChoiceAnswer, OrderAnswer, TypedAnswer

#: Each way of answering comes back after others: one right option, several, one
#: blank, two blanks, items in order, and a card that is only revealed. one-b, with one
#: right option after several, replaces the choice widget that one-c then reuses.
DECK = """\
format: 1
deck: kinds
title: Kinds
cards:
  - id: one-a
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling, Span corruption]
    answer: Masked language modeling
    shuffle: false
  - id: typed-a
    type: typed
    question: Which model illustrates span corruption?
    answer: T5
  - id: many-a
    type: choice
    question: Which tasks suit encoder-decoder models?
    choices: [Translation, Summarization, Sentiment analysis]
    answers: [Translation, Summarization]
    shuffle: false
  - id: order-a
    type: order
    question: Put the lifecycle stages in order.
    items: [Scope, Select, Adapt, Integrate]
  - id: reveal-a
    front: What is a sentinel token?
    back: A special token that replaces a masked span.
  - id: many-b
    type: choice
    question: Which are model hubs?
    choices: [Hugging Face Hub, PyTorch Hub, Excel, TensorFlow Hub]
    answers: [Hugging Face Hub, PyTorch Hub, TensorFlow Hub]
    shuffle: false
  - id: typed-b
    type: typed
    question: Which objective predicts the next token?
    answer: causal language modeling
  - id: one-b
    type: choice
    question: Which model family is decoder-only?
    choices: [GPT, BERT, T5, BART]
    answer: GPT
    shuffle: false
  - id: order-b
    type: order
    question: Put the sizes in order, smallest first.
    items: [Small, Medium, Large]
  - id: one-c
    type: choice
    question: Which model is encoder-only?
    choices: [BERT, GPT, T5]
    answer: BERT
    shuffle: false
  - id: reveal-b
    front: What does a model card describe?
    back: A model's uses, training data and limits.
  - id: cloze-two
    type: cloze
    text: The model's {{c1::weights}} are updated to {{c1::minimize}} the loss.
    input: typed
  - id: typed-c
    type: typed
    question: Which architecture has an encoder only?
    answer: autoencoder
  - id: order-c
    type: order
    question: Put the steps of pre-training in order.
    items: [Collect text, Clean it, Tokenize, Train, Evaluate]
"""


def shown_answer(screen: Any) -> Any:
    """The one answer widget on show; any other in the slot is hidden."""
    shown = [w for w in screen.query("#answer-slot > *") if w.display]
    assert len(shown) == 1, shown
    return shown[0]


def assert_fresh(app: Any, screen: Any) -> Any:
    """The shown card's answer widget is as a new one would be: its own card's content,
    nothing chosen, typed or moved, enabled, with the focus where a new one puts it."""
    card = screen.card
    widget = shown_answer(screen)
    focused = app.focused
    text = compact(screen_text(app))
    if card.input == "choice":
        assert isinstance(widget, ChoiceAnswer) and widget.choices == card.choices
        options = widget.query_one("#choices", OptionList)
        assert not options.disabled and focused is options
        assert options.option_count == len(card.choices)
        for choice in card.choices:
            assert compact(choice) in text
        if card.multiple:
            assert isinstance(options, SelectionList) and options.selected == []
        else:
            assert options.highlighted == 0
    elif card.input == "typed":
        assert isinstance(widget, TypedAnswer)
        fields = list(widget.query(Input))
        assert len(fields) == max(1, card.blanks)
        assert all(f.value == "" and not f.disabled for f in fields)
        assert focused is fields[0]
    elif card.input == "order":
        assert isinstance(widget, OrderAnswer) and widget.items == list(card.items)
        view = widget.query_one("#order-items", OptionList)
        assert not view.disabled and focused is view and view.highlighted == 0
        assert view.option_count == len(card.items)
        for item in card.items:
            assert compact(item) in text
    else:
        assert "Space or Enter shows the answer." in screen_text(app)
        # Nothing holds the focus: the screen's keys scroll the card, and no focus
        # change restyles the card area and all it holds (10-35 ms a card).
        assert focused is None
    return widget


def state_of(widget: Any) -> tuple[Any, ...]:
    """What a learner can see or act on in an answer widget beyond its text: the
    highlight, the ticks, the cursor, the scroll. A reused widget must match a new one."""
    if isinstance(widget, ChoiceAnswer):
        options = widget.query_one("#choices", OptionList)
        ticked = options.selected if isinstance(options, SelectionList) else None
        return (options.highlighted, ticked, options.scroll_y)
    if isinstance(widget, TypedAnswer):
        return tuple((f.value, f.cursor_position, f.scroll_x) for f in widget.query(Input))
    if isinstance(widget, OrderAnswer):
        view = widget.query_one("#order-items", OptionList)
        return (view.highlighted, view.scroll_y)
    return ()


async def answer_wrong(pilot: Any, screen: Any) -> None:
    """Leave something behind in the widget, submit, and rate Again."""
    card = screen.card
    if card.input == "choice":
        await press(pilot, str(len(card.choices)))  # the last option: wrong in each
    elif card.input == "typed":  # every blank: Enter in one moves to the next empty one
        for _ in range(max(1, card.blanks) - 1):
            await press(pilot, *"nope", "enter")
        await pilot.press(*"nope")
    elif card.input == "order":
        await press(pilot, "down", "K")  # the second item up to first
    else:
        await press(pilot, "space")
        await press(pilot, "1")
        return
    await press(pilot, "enter")
    assert screen.grade is not None and not screen.grade.correct, screen.grade
    await press(pilot, "1")


async def test_each_kind_of_answer_is_fresh_on_its_next_card(tui_col: Any, tmp_path: Path):
    """Fourteen cards of six kinds, each kind after others: the first card of a kind is
    answered wrong, leaving options ticked, text typed or items moved; the next card of
    the kind shows none of it, takes the right answer, and is the same widget (loaded,
    not mounted again) when it has the same shape (as many blanks, one right option or
    several)."""
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "kinds.yaml").write_text(DECK, encoding="utf-8")
    tui_col.set_setting("new_per_day", 100)
    app = make_app(tui_col, [folder])
    seen: dict[tuple[str, bool, int], Any] = {}
    fresh: dict[tuple[str, bool, int], tuple[Any, ...]] = {}
    reused = 0
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = review_screen(app)
        keys = []
        while screen.card is not None and screen.card.key not in keys:
            card = screen.card
            keys.append(card.key)
            widget = assert_fresh(app, screen)
            shape = (card.input, card.multiple, card.blanks)
            if shape in seen:
                assert widget is seen[shape], f"{card.key}: a new widget for a seen shape"
                assert state_of(widget) == fresh[shape], card.key
                reused += 1
                await submit_right(pilot, screen)
                await press(pilot, "3")
            else:
                for other in [s for s in seen if s[0] == card.input]:
                    del seen[other]  # one widget per way of answering: replaced
                seen[shape] = widget
                fresh[shape] = state_of(widget)
                await answer_wrong(pilot, screen)
            if app.screen is not screen:
                break
    assert keys == [
        "one-a", "typed-a", "many-a", "order-a", "reveal-a", "many-b", "typed-b",
        "one-b", "order-b", "one-c", "reveal-b", "cloze-two/c1", "typed-c", "order-c",
    ]  # fmt: skip
    # many-b, typed-b, order-b, one-c, reveal-b and order-c reuse their kind's widget
    # (order-b with an item fewer than order-a, order-c with two more); one-b (one right
    # option after several), cloze-two (two blanks after one) and typed-c (one blank
    # after two) replace it.
    assert reused == 6
    ids = {row.key: row.id for row in tui_col.browse("deck:kinds", now=FIXED_NOW)}
    for key in ("many-b", "typed-b", "order-b", "one-c", "order-c"):
        assert [h.correct for h in tui_col.history(ids[key])] == [True], key
    for key in ("one-a", "typed-a", "many-a", "order-a", "one-b", "cloze-two/c1", "typed-c"):
        assert [h.correct for h in tui_col.history(ids[key])] == [False], key


#: Self-graded cards and choice cards in turn; choice-b and md have Markdown prompts,
#: which the review screen awaits while it puts them together.
KEYS_DECK = """\
format: 1
deck: d
title: D
cards:
  - id: plain
    front: What is a sentinel token?
    back: A special token.
  - id: choice-a
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling]
    answer: Masked language modeling
    shuffle: false
  - id: plain-2
    front: What does a model card describe?
    back: A model's uses and limits.
  - id: choice-b
    type: choice
    question: "Which model is **decoder-only**?"
    choices: [GPT, BERT]
    answer: GPT
    shuffle: false
  - id: md
    front: "What does `mask` do in **T5**?"
    back: It hides a span.
"""


async def until_shown(screen: Any, key: str) -> None:
    """Until the screen has taken card ``key`` (it may still be putting it together)."""
    while screen.card is None or screen.card.key != key:
        await asyncio.sleep(0.005)


async def test_keys_while_the_next_card_is_put_together(tui_col, tmp_path: Path, monkeypatch):
    """A key handled while the next card is being put on screen (a double-tapped Enter,
    keys typed ahead) does nothing to it; once the card is whole, keys act on it. Such
    a key had crashed the app (Enter submitting a choice widget not yet composed),
    graded a choice card with an earlier card's option (the reused widget, not yet
    loaded), and revealed a self-graded card that the rest of the showing then hid
    again, so that the next Enter rated it unseen. Markdown parsing is slowed to widen
    the window."""
    from textual import events

    from quizzer.tui.screens.review import ReviewScreen

    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "d.yaml").write_text(KEYS_DECK, encoding="utf-8")
    mount = ReviewScreen._mount_answer
    enter_on_mount = {"on": False}

    async def mount_answer(self, card):
        if enter_on_mount["on"]:
            enter_on_mount["on"] = False
            self.app.post_message(events.Key("enter", None))  # as the driver sends it
        await mount(self, card)

    slow_markdown(monkeypatch, 0.3)
    monkeypatch.setattr(ReviewScreen, "_mount_answer", mount_answer)
    app = make_app(tui_col, [folder])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = review_screen(app)
        assert screen.card.key == "plain"
        await press(pilot, "space")
        # An Enter as choice-a's widget (the first choice widget) is mounted: dropped,
        # or handled once the card is whole, on its own options; never a crash.
        enter_on_mount["on"] = True
        await press(pilot, "3")
        assert app.is_running and screen.card.key == "choice-a" and not enter_on_mount["on"]
        if screen.grade is None:
            await press(pilot, "1", "enter")
        assert screen.response == "Masked language modeling" and screen.grade.correct
        await press(pilot, "3")
        await press(pilot, "space")  # plain-2
        await pilot.press("3")  # not settled: choice-b is on its way
        await until_shown(screen, "choice-b")
        await pilot.press("enter")  # while choice-b's prompt is parsed
        await settle(pilot)
        assert screen.card.key == "choice-b" and screen.grade is None, screen.response
        await press(pilot, "1", "enter")
        assert screen.response == "GPT" and screen.grade.correct
        await pilot.press("3")
        await until_shown(screen, "md")
        await pilot.press("enter")  # while md's prompt is parsed
        await settle(pilot)
        assert screen.card.key == "md" and screen.grade is None
        assert "It hides a span." not in screen_text(app)
        await press(pilot, "space")
        assert screen.grade is not None and "It hides a span." in screen_text(app)
        assert screen.query_one("#answer").display and screen.query_one("#ratings").visible


async def test_a_second_enter_while_the_verdict_is_shown(tui_col, tmp_path: Path, monkeypatch):
    """Enter, Enter on a choice card with an explanation: the first submits; the second,
    handled while the answer and explanation are put on screen, is dropped (it had
    rated the card meanwhile, and the rest of the verdict then went onto the next
    card, which crashed the app). The next Enter rates, and the next card is whole."""
    deck = KEYS_DECK.replace(
        "    answer: Masked language modeling\n",
        "    answer: Masked language modeling\n    explain: BERT is **encoder-only**.\n",
    )
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "d.yaml").write_text(deck, encoding="utf-8")
    slow = slow_markdown(monkeypatch, 0.2, on=False)
    app = make_app(tui_col, [folder])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = review_screen(app)
        await press(pilot, "space", "3")  # plain
        assert screen.card.key == "choice-a"
        slow["on"] = True
        await pilot.press("1", "enter", "enter")
        await asyncio.sleep(0.6)
        await settle(pilot)
        assert app.is_running and screen.card.key == "choice-a"
        assert screen.grade is not None and screen.grade.correct
        assert "encoder-only" in screen_text(app) and screen.query_one("#ratings").visible
        await press(pilot, "enter")
        assert screen.card.key == "plain-2" and screen.grade is None
        assert not screen.query_one("#ratings").visible


@contextlib.asynccontextmanager
async def studying(col: Any, tmp_path: Path, deck: str) -> AsyncIterator[tuple[Any, Any, Any]]:
    """The app studying ``deck`` at 80×24: (the app, the pilot, the review screen)."""
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "d.yaml").write_text(deck, encoding="utf-8")
    app = make_app(col, [folder])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        yield app, pilot, review_screen(app)


async def test_graded_answer_widgets_take_no_keys(tui_col: Any, tmp_path: Path):
    """Once graded, the answer widgets are hidden and hold no focus: Tab finds none of
    them (only the rating buttons), and typed letters and arrows change nothing in them.
    They are not disabled as well: that restyled them twice a card."""
    async with studying(tui_col, tmp_path, DECK) as (app, pilot, screen):
        seen = set()
        while screen.card is not None and screen.card.input in ("choice", "typed", "order"):
            widget = shown_answer(screen)
            await answer_wrong_unrated(pilot, screen)
            before, grade = state_of(widget), screen.grade
            await press(pilot, "tab", "tab", "x", "y", "down", "up", "K", "J")
            # Tab reaches the rating buttons, never the hidden slot.
            slot = screen.query_one("#answer-slot")
            assert app.focused is None or slot not in app.focused.ancestors_with_self
            assert state_of(widget) == before and screen.grade is grade
            seen.add(screen.card.input)
            await press(pilot, "1")
        assert seen == {"choice", "typed", "order"}


async def answer_wrong_unrated(pilot: Any, screen: Any) -> None:
    """As :func:`answer_wrong`, without the rating: the verdict stays on screen."""
    card = screen.card
    if card.input == "choice":
        await press(pilot, str(len(card.choices)))
    elif card.input == "typed":
        for _ in range(max(1, card.blanks) - 1):
            await press(pilot, *"nope", "enter")
        await pilot.press(*"nope")
    else:
        await press(pilot, "down", "K")
    await press(pilot, "enter")
    assert screen.grade is not None and not screen.grade.correct, screen.grade


LONG_BACK = "\n".join(f"      Line {i} of a long answer." for i in range(60))
LONG_DECK = f"""\
format: 1
deck: long
title: Long
cards:
  - id: long-1
    front: A card with a long answer
    back: |
{LONG_BACK}
  - id: typed
    type: typed
    question: Which model illustrates span corruption?
    answer: T5
  - id: long-2
    front: Another card with a long answer
    back: |
{LONG_BACK}
"""


async def test_the_keyboard_scrolls_a_long_answer(tui_col: Any, tmp_path: Path):
    """Revealed or graded, a card longer than the screen scrolls with PageDown/PageUp,
    the arrows, End and Home, with the focus on nothing (the card area takes none: a
    focus change restyled it and every line of the card). (An answer widget with the
    focus keeps its own arrows: the ordering tests select items with them.)"""
    async with studying(tui_col, tmp_path, LONG_DECK) as (app, pilot, screen):
        area = screen.query_one("#card-area")
        assert not area.focusable
        for key in ("long-1", "typed", "long-2"):
            assert screen.card.key == key
            if key == "typed":
                assert isinstance(app.focused, Input)
                await pilot.press(*"nope")
                await press(pilot, "enter")
            else:
                assert app.focused is None
                await press(pilot, "space")
            assert screen.grade is not None and app.focused is None
            await press(pilot, "pagedown")
            if key == "typed":  # a short answer: nothing to scroll
                assert area.scroll_y == 0
                await press(pilot, "3")
                continue
            assert area.scroll_y > 0, key
            await press(pilot, "pageup")
            assert area.scroll_y == 0
            await press(pilot, "down", "down")
            assert area.scroll_y == 2
            await press(pilot, "up")
            assert area.scroll_y == 1
            await press(pilot, "end")
            assert area.scroll_y == area.max_scroll_y > 2
            await press(pilot, "home")
            assert area.scroll_y == 0
            await press(pilot, "3")


async def test_no_rating_button_takes_the_focus_back_from_help(tui_col: Any, tmp_path: Path):
    """Back from the help screen with a card graded, nothing has the focus (Textual's
    default gives it to the first widget that can take it, a rating button), and
    PageDown still scrolls the card."""
    async with studying(tui_col, tmp_path, LONG_DECK) as (app, pilot, screen):
        await press(pilot, "space")
        assert screen.grade is not None and app.focused is None
        await press(pilot, "question_mark")
        assert app.screen is not screen
        await press(pilot, "escape")
        assert app.screen is screen and app.focused is None
        await press(pilot, "pagedown")
        assert screen.query_one("#card-area").scroll_y > 0


async def test_focus_given_back_mid_grade_skips_the_hidden_field(
    tui_col: Any, tmp_path: Path, monkeypatch
):
    """The terminal loses the focus while a typed card's verdict is put on screen, and
    gets it back: Textual gives it to the field that had it, hidden by then. The field
    passes it on (to nothing), so 3 rates the card rather than being typed into the field."""
    from textual import events

    from quizzer.tui.widgets.card_text import CardText

    async with studying(tui_col, tmp_path, LONG_DECK) as (app, pilot, screen):
        await press(pilot, "space", "3")
        assert screen.card.key == "typed"
        update = CardText.update

        async def blurred_meanwhile(self: CardText, text: str) -> None:
            if self.id == "answer":
                app.post_message(events.AppBlur())
                await asyncio.sleep(0.05)
            await update(self, text)

        monkeypatch.setattr(CardText, "update", blurred_meanwhile)
        await pilot.press(*"nope")
        await press(pilot, "enter")
        monkeypatch.setattr(CardText, "update", update)
        assert screen.grade is not None
        app.post_message(events.AppFocus())
        await settle(pilot)
        field = screen.query_one("#typed-0", Input)
        assert app.focused is None
        await press(pilot, "3")
        assert screen.card.key == "long-2" and screen.grade is None
        assert field.value == "nope"


MARKED_DECK = """\
format: 1
deck: marked
title: Marked
cards:
  - id: dunder
    type: choice
    question: Which method builds an instance?
    choices: [__init__, __call__, "*args"]
    answer: __init__
    shuffle: false
  - id: steps
    type: order
    question: Put the steps in order.
    items: ["[Setup]: install", "*Train* it", "1. evaluate"]
  - id: typed
    type: typed
    question: Which keyword argument collects the rest?
    answer: "**kwargs"
"""


async def test_answers_show_options_and_items_as_written(tui_col: Any, tmp_path: Path):
    """The verdict's answer shows a right option, each item and a typed answer exactly
    as the deck wrote them (and as the options were shown): Markdown read `__init__` as
    bold "init", `*Train*` as italics, and `[Setup]: install` as a link definition,
    which it does not show at all."""
    async with studying(tui_col, tmp_path, MARKED_DECK) as (app, pilot, screen):
        expected = {
            "dunder": ["__init__"],
            "steps": ["1. [Setup]: install", "2. *Train* it", "3. 1. evaluate"],
            "typed": ["**kwargs"],
        }
        seen = set()
        while screen.card is not None and screen.card.key not in seen:
            key = screen.card.key
            seen.add(key)
            await submit_right(pilot, screen)
            text = screen_text(app)
            for line in expected[key]:
                assert line in text, (key, line)
            await press(pilot, "3")
        assert seen == set(expected)
