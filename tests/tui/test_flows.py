"""The study app driven with Textual's pilot, checked through the public API afterwards.

Each test runs the real app (workers, screens, dialogs) on a small deck with one card
of each type, with a fixed clock, and then reads the database through ``Collection``
(``history``, ``browse``, ``deck_counts``), never through the widgets alone. They run on
SQLite and on PostgreSQL (where ``QUIZZER_TEST_PG_URL`` names a server): the app is the
same code on both.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, SelectionList
from tui_helpers import (
    DEMO_DECK,
    DEMO_KEYS,
    FAKE_EDITOR,
    FIXED_NOW,
    HeldAnswers,
    answer_right,
    bury_until,
    compact,
    make_app,
    open_review,
    press,
    put_in_order,
    record_notifications,
    review_screen,
    screen_text,
    settle,
    squash,
    submit_right,
    widget_text,
)

from quizzer.study.types import Rating

pytestmark = pytest.mark.backends


def card_ids(col: Any) -> dict[str, int]:
    """Card key → id for the demo deck."""
    return {row.key: row.id for row in col.browse("deck:tui-demo", now=FIXED_NOW)}


def row_of(col: Any, card_id: int, query: str = "") -> Any:
    """The browse row of one card."""
    rows = [r for r in col.browse(query, now=FIXED_NOW) if r.id == card_id]
    assert len(rows) == 1, rows
    return rows[0]


# -- browse helpers ------------------------------------------------------------------
async def type_filter(pilot: Any, query: str) -> None:
    """Replace the browse filter with ``query`` by typing it, then Enter."""
    await pilot.press("slash", "home", "ctrl+k")
    await pilot.press(*query)
    await press(pilot, "enter")


async def set_filter(pilot: Any, query: str) -> None:
    """Put ``query`` in the browse filter at once (typing every query is slow: each
    key runs a search), then Enter."""
    await pilot.press("slash")
    pilot.app.screen.query_one("#filter", Input).value = query
    await press(pilot, "enter")


def table_keys(app: Any) -> list[str]:
    screen = app.screen
    table = screen.query_one("#cards", DataTable)
    return [screen.rows[str(key.value)].key for key in table.rows]


# -- answering -------------------------------------------------------------------------
async def test_answer_every_card_type(tui_col, deck_dir, clock):
    """Right and wrong answers of every input kind, each stored as it was given."""
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "TUI demo" in screen_text(app)
        await press(pilot, "enter")  # study the highlighted (only) deck
        screen = review_screen(app)

        # basic: reveal with space, rate Good with 3 (self-graded: no suggestion)
        assert screen.card.key == "basic-rev"
        assert "What is a sentinel token?" in screen_text(app)
        await press(pilot, "space")
        text = screen_text(app)
        assert "A special token that replaces a masked span." in text
        assert "3 Good  10m ◆" in text  # a self-graded card suggests Good
        assert "Space or Enter shows the answer." not in text
        await press(pilot, "3")

        # one right option: pick the wrong one with its number, Enter submits, Enter
        # again takes the suggestion (Again)
        assert screen.card.key == "choice-one"
        wrong = screen.card.choices.index("Causal language modeling") + 1
        await press(pilot, str(wrong), "enter")
        text = screen_text(app)
        assert "✗ Incorrect" in text
        assert "You answered: Causal language modeling" in text
        assert "BERT is encoder-only." in text  # the explanation
        await press(pilot, "enter")

        # several right options: a number toggles one, space toggles the highlighted one
        assert screen.card.key == "choice-many"
        assert isinstance(app.focused, SelectionList)
        assert "1. Translation" in screen_text(app)  # numbered as the keys count
        await press(pilot, "1")  # Translation (shuffle: false keeps the order)
        await press(pilot, "down", "space")  # Summarization
        assert sorted(app.focused.selected) == [0, 1]
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)
        await press(pilot, "4")  # Easy instead of the suggested Good

        # typed: digits and letters go into the input, not to the rating keys
        assert screen.card.key == "typed"
        assert isinstance(app.focused, Input)
        await press(pilot, "t", "5")
        assert app.focused.value == "t5"
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)
        await press(pilot, "enter")

        # cloze revealed with Enter, rated Again with 1
        assert screen.card.key == "cloze-reveal/c1"
        assert "Masked language modeling is a [...] objective." in screen_text(app)
        await press(pilot, "enter")
        assert "Masked language modeling is a denoising objective." in screen_text(app)
        await press(pilot, "1")

        # typed cloze with two blanks: Enter in the first blank moves to the second
        assert screen.card.key == "cloze-typed/c1"
        await press(pilot, *"weight", "enter")
        assert screen.grade is None, "Enter in the first blank submitted the card"
        assert app.focused.id == "typed-1"
        await press(pilot, *"minimize", "enter")
        text = screen_text(app)
        assert "≈ Almost" in text
        assert "You answered: weight, minimize" in text  # no diff for several blanks
        await press(pilot, "enter")

        # order: move the items with K until they are right
        assert screen.card.key == "order"
        assert app.focused is screen.query_one("#order-items", OptionList)
        await put_in_order(pilot, screen, ["Scope", "Select", "Adapt", "Integrate"])
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)
        await press(pilot, "enter")

        # every new card was seen once; the Again cards come back (learn-ahead)
        assert screen.card.key in ("choice-one", "cloze-reveal/c1")
        await press(pilot, "escape")
        text = squash(screen_text(app))
        assert "Session complete" in text
        assert "Cards studied 7" in text

    ids = card_ids(col)
    expected = {
        # key: (rating, suggested, correct, response)
        "basic-rev": (3, None, None, None),
        "choice-one": (1, 1, False, "Causal language modeling"),
        "choice-many": (4, 3, True, ["Translation", "Summarization"]),
        "typed": (3, 3, True, "t5"),
        "cloze-reveal/c1": (1, None, None, None),
        "cloze-typed/c1": (2, 2, False, ["weight", "minimize"]),
        "order": (3, 3, True, ["Scope", "Select", "Adapt", "Integrate"]),
    }
    for key, (rating, suggested, correct, response) in expected.items():
        history = col.history(ids[key])
        assert len(history) == 1, key
        review = history[0]
        assert (review.rating, review.suggested, review.correct) == (
            rating,
            suggested,
            correct,
        ), key
        assert review.response == response, key
        assert review.mode == "scheduled", key
        assert review.reviewed_at == FIXED_NOW, key
        assert review.duration_ms >= 0, key
    # the reverse card was never shown: its sibling buried it until tomorrow
    assert col.history(ids["basic-rev/reverse"]) == []
    assert [r.key for r in col.browse("is:buried", now=FIXED_NOW)] == ["basic-rev/reverse"]
    (counts,) = col.deck_counts(now=FIXED_NOW)
    assert (counts.new, counts.learning, counts.due, counts.total) == (0, 6, 0, 8)
    # Easy on a new card skips learning: choice-many is a review card now
    assert row_of(col, ids["choice-many"]).state == "review"


async def test_wrong_order_and_typed_show_what_was_given(tui_col, deck_dir, clock):
    """A wrong typed answer is stored as typed; an order submitted as shown is wrong."""
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await bury_until(pilot, screen, "typed")
        await press(pilot, *"GPT", "enter")
        text = screen_text(app)
        assert "✗ Incorrect" in text
        assert "You answered: GPT" in text
        await press(pilot, "enter")
        await bury_until(pilot, screen, "order")
        shown = list(screen.card.items)
        assert shown != ["Scope", "Select", "Adapt", "Integrate"]  # never already right
        await press(pilot, "enter")
        assert screen.grade is not None and screen.grade.correct is False
        await press(pilot, "2")  # Hard, whatever was suggested
    ids = card_ids(col)
    (typed,) = col.history(ids["typed"])
    assert (typed.rating, typed.suggested, typed.correct, typed.response) == (
        1,
        1,
        False,
        "GPT",
    )
    (order,) = col.history(ids["order"])
    assert order.rating == 2 and order.correct is False and order.response == shown
    assert order.suggested in (1, 2)


async def test_typed_answer_sent_in_one_burst_is_graded_whole(tui_col, deck_dir, clock):
    """Keys that arrive together (fast typing, a paste, one terminal read) are all in the
    answer before Enter submits it: Enter used to overtake the keys still queued for
    the input, and "GPT-3" + Enter graded "GP"."""
    from textual import events

    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await bury_until(pilot, screen, "typed")
        for key in [*"GPT-3", "enter"]:  # queued at once, as the driver does for one read
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await settle(pilot)
        assert "You answered: GPT-3" in screen_text(app)
        await press(pilot, "enter")
    (typed,) = col.history(card_ids(col)["typed"])
    assert typed.response == "GPT-3"


async def test_a_blank_answer_is_no_answer_not_a_blank_line(tui_col, deck_dir, clock):
    """Only spaces typed: the verdict says there was no answer, with no empty "You
    answered:" line under it."""
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await bury_until(pilot, screen, "typed")
        await press(pilot, "space", "space", "enter")
        text = screen_text(app)
        assert "✗ Incorrect" in text and "no answer" in text
        assert "You answered" not in text


async def test_number_keys_pick_options_before_grading(tui_col, deck_dir, clock):
    """Before grading, 1–9 choose an option (they don't rate); Enter submits it."""
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        for _ in range(2):  # the basic card and its reverse
            screen.action_bury()
            await settle(pilot)
        assert screen.card.key == "choice-one"
        right = screen.card.choices.index("Masked language modeling") + 1
        await press(pilot, str(right))
        assert screen.grade is None
        assert app.focused.highlighted == right - 1
        assert col.history(screen.card.id) == []
        await press(pilot, "enter")
        assert "✓ Correct" in screen_text(app)
        assert "3 Good" in screen_text(app) and "◆" in screen_text(app)
        await press(pilot, "enter")
    (review,) = col.history(col.card_id("tui-demo", "choice-one"))
    assert (review.rating, review.suggested, review.correct) == (3, 3, True)
    assert review.response == "Masked language modeling"


# -- undo ------------------------------------------------------------------------------
async def test_header_counts_follow_every_answer(tui_col, deck_dir, clock):
    """The header's counts are drawn a frame after the card they go with (the card is
    not kept waiting for the count of learning cards), and are then the session's own
    counts: after every answer, the card sent to learning included."""
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        learning_seen = set()
        for _ in range(6):
            new, learning, due = screen.session.counts(now=clock())
            learning_seen.add(learning)
            header = " ".join(screen_text(app).splitlines()[0].split())
            expected = f"{new} new · {learning} learning · {due} due done {screen.session.answered}"
            assert expected in header, header
            await answer_right(pilot, screen, rating="1")  # Again: back to learning
            if app.screen is not screen:
                break
        assert len(learning_seen) > 1  # the counts moved, and the header with them


async def test_header_counts_wait_for_the_card_frame(tui_col, deck_dir, clock, monkeypatch):
    """The count of learning cards runs once the new card's frame is painted: run at
    once, it held the interpreter while the UI thread laid the card out."""
    from quizzer.study.session import StudySession
    from quizzer.tui.screens.review import ReviewScreen

    events: list[str] = []
    counts, show_card = StudySession.counts, ReviewScreen.show_card

    def counted(self, now=None):
        events.append("counts")
        return counts(self, now)

    async def shown(self, card, *args):
        await show_card(self, card, *args)
        events.append("shown")

    monkeypatch.setattr(StudySession, "counts", counted)
    monkeypatch.setattr(ReviewScreen, "show_card", shown)
    app = make_app(tui_col, [deck_dir], clock)
    display = app._display

    def painted(screen, renderable):
        display(screen, renderable)
        if renderable is not None:
            events.append("frame")

    app._display = painted
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        for _ in range(4):
            await answer_right(pilot, screen, rating="3")
            if app.screen is not screen:
                break
    shown_then_counted = [
        events[events.index("shown", start) : events.index("counts", start) + 1]
        for start, event in enumerate(events)
        if event == "shown" and "counts" in events[start:]
    ]
    assert len(shown_then_counted) >= 3, events
    assert all("frame" in between for between in shown_then_counted), events


async def test_nothing_but_the_card_moves_from_question_to_answer(tui_col, deck_dir, clock):
    """The rating bar keeps its place while it is hidden: the card area is the same size
    before and after the answer is shown, and the header, progress bar and footer stay
    where they are. (Taken out of the layout, the bar shifted the paint order of every
    widget on the screen when it came back, and each new card repainted all of them:
    ≈ 1 ms of the frame after every rating.)"""
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)

        def regions() -> dict[str, Any]:
            return {
                name: screen.query_one(name).region
                for name in ("#review-header", "#progress", "#card-area", "KeyFooter")
            }

        first = regions()
        assert not screen.query_one("#ratings").visible
        for _ in range(3):
            await submit_right(pilot, screen)
            ratings = screen.query_one("#ratings")
            assert ratings.visible
            assert ratings.region.y == first["#card-area"].bottom and ratings.region.height == 3
            assert regions() == first
            await press(pilot, "3")
            if app.screen is not screen:
                break
            assert not screen.query_one("#ratings").visible
            assert regions() == first


async def test_header_keeps_its_title_when_the_counts_fail(tui_col, deck_dir, clock, monkeypatch):
    """The counts follow the card; if the server can't be reached for them, the card
    stays, and the header still names the deck and what was done (it was left blank)."""
    from quizzer.errors import ServerUnreachable
    from quizzer.study.session import StudySession

    def unreachable(self, now=None):
        raise ServerUnreachable("could not connect to server")

    monkeypatch.setattr(StudySession, "counts", unreachable)
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        assert screen.card.key == "basic-rev"
        header = " ".join(screen_text(app).splitlines()[0].split())
        assert header == "TUI demo done 0", header


async def test_undo_twice_brings_both_cards_back(tui_col, deck_dir, clock):
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await press(pilot, "space", "3")  # basic-rev, Good
        right = screen.card.choices.index("Masked language modeling") + 1
        await press(pilot, str(right), "enter", "enter")  # choice-one, Good
        assert screen.card.key == "choice-many"
        ids = card_ids(col)
        assert len(col.history(ids["basic-rev"])) == 1
        assert len(col.history(ids["choice-one"])) == 1
        assert [r.key for r in col.browse("is:buried", now=FIXED_NOW)] == ["basic-rev/reverse"]

        await press(pilot, "u")
        assert screen.card.key == "choice-one"
        assert "Which objective pre-trains BERT?" in screen_text(app)
        assert col.history(ids["choice-one"]) == []
        assert "done 1" in screen_text(app)

        # the keys still work while the first undo's card is shown
        await press(pilot, "u")
        assert screen.card.key == "basic-rev"
        assert "What is a sentinel token?" in screen_text(app)
        assert col.history(ids["basic-rev"]) == []
        assert "done 0" in screen_text(app)
        # undo restored the sibling it had buried
        assert col.browse("is:buried", now=FIXED_NOW) == []

        await press(pilot, "u")  # nothing left to undo
        assert screen.card.key == "basic-rev"
    assert notes.count("Undone.") == 2
    assert "Nothing to undo." in notes
    (counts,) = col.deck_counts(now=FIXED_NOW)
    assert (counts.new, counts.learning, counts.due) == (8, 0, 0)
    for key in ("basic-rev", "choice-one"):
        row = row_of(col, ids[key])
        assert (row.state, row.reps, row.due) == ("new", 0, None)


# -- suspend and bury ------------------------------------------------------------------
async def test_suspend_and_bury_from_the_review_screen(tui_col, deck_dir, clock):
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await press(pilot, "s")
        # suspending doesn't bury siblings (only an answer does): the reverse is next
        assert screen.card.key == "basic-rev/reverse"
        await press(pilot, "b")
        assert screen.card.key == "choice-one"
        assert "done 0" in screen_text(app)
    ids = card_ids(col)
    assert [r.id for r in col.browse("is:suspended", now=FIXED_NOW)] == [ids["basic-rev"]]
    assert [r.id for r in col.browse("is:buried", now=FIXED_NOW)] == [ids["basic-rev/reverse"]]
    assert col.history(ids["basic-rev"]) == [] and col.history(ids["basic-rev/reverse"]) == []
    (counts,) = col.deck_counts(now=FIXED_NOW)
    assert counts.suspended == 1 and counts.new == 6


# -- hint ------------------------------------------------------------------------------
async def test_hint(tui_col, deck_dir, clock):
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "h")
        assert "Hint: Think of T5." in screen_text(app)
        await press(pilot, "s", "s")  # the basic card and its reverse; then a card
        assert "Hint:" not in screen_text(app)  # the last card's hint went with it
        await press(pilot, "h")  # with no hint
        assert "This card has no hint." in screen_text(app)


# -- edit ------------------------------------------------------------------------------
@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set $VISUAL to the fake editor; returns a function that sets the edit to make
    and a function that reads the editor's calls."""
    log = tmp_path / "editor.log"
    monkeypatch.setenv("VISUAL", f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_EDITOR))}")
    monkeypatch.setenv("FAKE_EDITOR_LOG", str(log))

    def will_replace(find: str, replace: str) -> None:
        monkeypatch.setenv("FAKE_EDITOR_FIND", find)
        monkeypatch.setenv("FAKE_EDITOR_REPLACE", replace)

    def calls() -> list[list[str]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    return will_replace, calls


async def test_edit_in_review_reloads_the_card(tui_col, deck_dir, clock, fake_editor):
    col = tui_col
    will_replace, calls = fake_editor
    will_replace("What is a sentinel token?", "What does a sentinel token stand for?")
    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        card_id = screen.card.id
        assert "What is a sentinel token?" in screen_text(app)
        await press(pilot, "e")
        # the editor was started at the card's line of its file
        path = str(deck_dir / "demo.yaml")
        assert calls() == [[f"+{screen.card.line}", path]]
        assert DEMO_DECK.splitlines()[screen.card.line - 1].strip() == "- id: basic-rev"
        # the same card, with its new text, still unanswered
        assert screen.card.id == card_id
        assert screen.grade is None
        text = screen_text(app)
        assert "What does a sentinel token stand for?" in text
        assert "What is a sentinel token?" not in text
        # and it can be answered as usual
        await press(pilot, "space", "3")
    assert "demo.yaml: 2 updated" in notes  # the card and its reverse
    row = row_of(col, card_id)
    assert row.prompt == "What does a sentinel token stand for?"
    assert row.key == "basic-rev"
    assert len(col.history(card_id)) == 1
    # the reverse card's back is the edited front too
    reverse = row_of(col, col.card_id("tui-demo", "basic-rev/reverse"))
    assert reverse.prompt == "A special token that replaces a masked span."


async def test_no_edit_while_an_answer_is_saved(tui_col, deck_dir, clock, fake_editor, monkeypatch):
    """While an answer is being saved (a slow server), e does nothing: the card on
    screen is about to go, and editing it had the screen wait on the session until the
    answer was in (up to 7.7 s of retries when the server is gone). Once the next card
    is shown, e edits it."""
    _, calls = fake_editor
    held = HeldAnswers(monkeypatch)
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await held.saving(pilot, app)
        started = time.monotonic()
        await pilot.press("e")
        await pilot.pause()
        assert time.monotonic() - started < 2 and calls() == []
        held.release.set()
        await settle(pilot)
        assert screen.card.key == "choice-one"
        await press(pilot, "e")
        assert len(calls()) == 1


async def test_a_failing_background_job_leaves_a_save_under_way_alone(
    tui_col, deck_dir, clock, fake_editor, monkeypatch
):
    """A re-import failing (the server gone) while an answer is being saved shows its
    error, but the review screen stays busy until the answer is in: it had let every
    key work again mid-save, so e froze the screen on the session until the save ended,
    and 3 could send a second answer."""
    from quizzer.errors import ServerUnreachable

    _, calls = fake_editor
    held = HeldAnswers(monkeypatch)

    def unreachable(*args, **kwargs):
        raise ServerUnreachable("could not connect to server")

    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await held.saving(pilot, app)
        with monkeypatch.context() as gone:
            gone.setattr(app.col, "import_decks", unreachable)
            app.reimport(announce=False)  # as the file poll does
            while type(app.screen).__name__ != "ErrorDialog":
                await asyncio.sleep(0.02)
        assert screen.busy
        await pilot.press("escape")  # the dialog
        started = time.monotonic()
        await pilot.press("e", "3")
        await pilot.pause()
        assert time.monotonic() - started < 2 and calls() == []
        held.release.set()
        await settle(pilot)
        assert held.count == 1 and screen.card.key == "choice-one"


async def test_end_while_an_answer_is_saved_counts_it(tui_col, deck_dir, clock, monkeypatch):
    """Escape right after a rating, while the answer is still being saved (a slow
    server): the summary comes once the answer is in, and counts it. It had come up at
    once, before the save, one card short ("Cards studied 0")."""
    held = HeldAnswers(monkeypatch)
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await held.saving(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # still saving
        held.release.set()
        await settle(pilot)
        assert type(app.screen).__name__ == "SummaryScreen"
        assert "Cards studied 1" in squash(screen_text(app))


async def test_edit_from_browse(tui_col, deck_dir, clock, fake_editor):
    col = tui_col
    will_replace, calls = fake_editor
    will_replace("Put the lifecycle stages in order.", "Order the lifecycle stages.")
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        await type_filter(pilot, "type:order")
        await press(pilot, "e")
        assert len(calls()) == 1
        assert "Order the lifecycle stages." in screen_text(app)
    (row,) = col.browse("type:order", now=FIXED_NOW)
    assert row.prompt == "Order the lifecycle stages."
    assert row.id == col.card_id("tui-demo", "order")


async def test_editor_that_fails_keeps_the_card(tui_col, deck_dir, clock, fake_editor, monkeypatch):
    col = tui_col
    monkeypatch.setenv("FAKE_EDITOR_STATUS", "2")
    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await press(pilot, "e")
        assert screen.card.key == "basic-rev"
        assert app.is_running
    assert "The editor exited with status 2." in notes


async def test_missing_editor_shows_an_error(tui_col, deck_dir, clock, monkeypatch):
    from quizzer.tui.dialogs.error import ErrorDialog

    monkeypatch.setenv("VISUAL", "/nonexistent/editor-for-tests")
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        await press(pilot, "e")
        assert isinstance(app.screen, ErrorDialog)
        assert "Cannot run the editor '/nonexistent/editor-for-tests'" in screen_text(app)
        await press(pilot, "escape")
        assert review_screen(app).card.key == "basic-rev"


# -- live reload -----------------------------------------------------------------------
async def test_live_reload_and_a_broken_edit(tui_col, deck_dir, clock):
    """watch=True: a changed file is re-imported within the 2 s poll; a broken one shows
    the error dialog with file:line:col and the last good version stays."""
    from quizzer.tui.dialogs.error import ErrorDialog

    col = tui_col
    path = deck_dir / "demo.yaml"
    app = make_app(col, [deck_dir], clock, watch=True)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        card_id = screen.card.id
        assert "What is a sentinel token?" in screen_text(app)

        path.write_text(
            DEMO_DECK.replace("What is a sentinel token?", "What is a sentinel, in T5?"),
            encoding="utf-8",
        )
        await pilot.pause(2.5)
        await settle(pilot)
        assert "demo.yaml: 2 updated" in notes  # the card and its reverse
        assert screen.card.id == card_id
        assert "What is a sentinel, in T5?" in screen_text(app)
        assert row_of(col, card_id).prompt == "What is a sentinel, in T5?"

        # a broken edit: an unknown field on line 9
        broken = DEMO_DECK.replace("    back: A special", "    bak: A special")
        path.write_text(broken, encoding="utf-8")
        await pilot.pause(2.5)
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        text = screen_text(app)
        assert "their last good version is kept" in text
        # every problem, as path:line:col (the long path wraps on screen)
        assert f"{path}:10:5: error: unknown field 'bak'" in app.screen.detail
        detail = compact(widget_text(app, app.screen.query_one(".dialog-detail")))
        assert compact(f"{path}:8:5: error: a basic card needs 'back'") in detail
        assert compact(f"{path}:10:5: error: unknown field 'bak' in a basic card;") in detail
        assert "bak: A special token" in text  # the line itself, with a caret
        await press(pilot, "escape")
        # the last good version is still there, and still studied
        assert review_screen(app) is screen and screen.card.id == card_id
        assert "What is a sentinel, in T5?" in screen_text(app)
        await press(pilot, "space", "3")
        assert app.is_running
    row = row_of(col, card_id)
    assert row.prompt == "What is a sentinel, in T5?"
    assert len(col.history(card_id)) == 1


# -- browse ----------------------------------------------------------------------------
OTHER_DECK = """\
deck: other
title: Zoology
cards:
  - id: owl
    front: Which bird is a symbol of wisdom?
    back: The owl.
"""


async def test_browse_filters_and_suspend(tui_col, deck_dir, clock):
    col = tui_col
    (deck_dir / "other.yaml").write_text(OTHER_DECK, encoding="utf-8")
    col.import_decks([deck_dir], now=FIXED_NOW)
    # study one card so that new and not-new cards differ
    session = col.study(deck="tui-demo", now=FIXED_NOW)
    card = session.next_card(now=FIXED_NOW)
    assert card is not None and card.key == "basic-rev"
    session.answer(card, rating=Rating.GOOD, duration_ms=1000, now=FIXED_NOW)

    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "b")  # browse the highlighted deck (Zoology sorts last)
        assert app.screen.query_one("#filter", Input).value == "deck:tui-demo"
        assert table_keys(app) == list([r.key for r in col.browse("deck:tui-demo", now=FIXED_NOW)])
        assert len(table_keys(app)) == 8
        assert "8 cards" in screen_text(app)

        for query, expected in [
            ("is:new", [k for k in DEMO_KEYS if k != "basic-rev"] + ["owl"]),
            ("type:choice", ["choice-one", "choice-many"]),
            ("deck:other", ["owl"]),
            ("-deck:tui-demo", ["owl"]),
            ("sentinel", ["basic-rev", "basic-rev/reverse"]),
            ("tag:models", ["typed"]),
            ("is:learning", ["basic-rev"]),
            ("is:buried", ["basic-rev/reverse"]),
        ]:
            await set_filter(pilot, query)
            assert sorted(table_keys(app)) == sorted(expected), query
            api = [r.key for r in col.browse(query, now=FIXED_NOW)]
            assert table_keys(app) == api, query

        # a bad query explains itself instead of failing
        await set_filter(pilot, "is:nonsense")
        assert "unknown 'is:nonsense'" in screen_text(app)

        # the detail panel shows the highlighted card and its history
        await set_filter(pilot, "is:learning")
        text = screen_text(app)
        assert "tui-demo · basic-rev · basic · line 8" in text
        assert "scheduled" in text and "Good" in text

        # suspend the typed card, find it with is:suspended, unsuspend it
        await type_filter(pilot, "type:typed")
        await press(pilot, "s")
        assert "Suspended." in notes
        await set_filter(pilot, "is:suspended")
        assert table_keys(app) == ["typed"]
        await press(pilot, "s")
        assert "Unsuspended." in notes
        assert table_keys(app) == []
    assert col.browse("is:suspended", now=FIXED_NOW) == []


async def test_browse_keeps_state_and_due_in_view_at_80_columns(tui_col, deck_dir, clock):
    """The prompt column fits the table: a card's state and due date stay on screen
    beside it at 80 columns (the prompt alone used to fill the table), and the prompt
    gets the room back when the terminal is wider."""
    col = tui_col
    col.import_decks([deck_dir], now=FIXED_NOW)
    session = col.study(deck="tui-demo", now=FIXED_NOW)
    card = session.next_card(now=FIXED_NOW)
    assert card is not None
    session.answer(card, rating=Rating.GOOD, duration_ms=1000, now=FIXED_NOW)
    (row,) = [r for r in col.browse("deck:tui-demo", now=FIXED_NOW) if r.id == card.id]
    due = row.due.strftime("%Y-%m-%d")
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        shown = table.get_row(str(card.id))
        assert shown[1] == "learning" and shown[2] == due
        header = next(line for line in screen_text(app).splitlines() if "Prompt" in line)
        assert "State" in header and "Due" in header
        narrow = table.columns["prompt"].width
        assert narrow >= 16
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        assert table.columns["prompt"].width > narrow
        assert "learning" in screen_text(app)


def hold_study(col: Any, monkeypatch: Any) -> tuple[threading.Event, list[threading.Thread]]:
    """Make ``col.study`` wait until the returned event is set; the list gets the
    thread each call ran in."""
    original = col.study
    release = threading.Event()
    threads: list[threading.Thread] = []

    def study(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(col, "study", study)
    return release, threads


async def test_a_session_is_built_off_the_ui_thread(tui_col, deck_dir, clock, monkeypatch):
    """Building the queue reads every due card (tens of milliseconds at 100,000 cards):
    it runs in a worker, so the app keeps drawing and answering keys meanwhile, and the
    review screen opens once the session is ready."""
    from quizzer.tui.screens.decks import DecksScreen
    from quizzer.tui.screens.review import ReviewScreen

    release, threads = hold_study(tui_col, monkeypatch)
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert threads and threads[0] is not threading.main_thread()
        assert isinstance(app.screen, DecksScreen)
        await pilot.press("question_mark")  # the app still answers keys
        await pilot.pause(0.05)
        assert "Help" in screen_text(app)
        await pilot.press("escape")
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.card is not None


def long_deck(tmp_path: Path, cards: int) -> Path:
    """A folder holding a deck of ``cards`` cards c0000… ("Question 0000"…)."""
    folder = tmp_path / "long"
    folder.mkdir()
    lines = ["deck: long", "title: Long", "cards:"]
    for i in range(cards):
        lines += [f"  - id: c{i:04d}", f"    front: Question {i:04d}", "    back: Answer"]
    (folder / "long.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


async def browse_all(pilot: Any) -> None:
    """Open Browse and wait for every batch of rows."""
    await settle(pilot)
    await press(pilot, "b")
    await settle(pilot, rounds=20)


async def test_browse_fills_a_long_table_in_batches(tui_col, tmp_path, clock):
    """Rows go into the table a batch per pass of the event loop (5,000 at once held
    the screen for half a second): every row arrives, and a sort chosen before a
    search applies to all of them once the last batch is in."""
    app = make_app(tui_col, [long_deck(tmp_path, 700)], clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await browse_all(pilot)
        assert len(table_keys(app)) == 700
        assert table_keys(app)[:2] == ["c0000", "c0001"]
        assert "700 cards" in screen_text(app)
        app.screen.sort_key, app.screen.sort_reverse = "prompt", True
        await set_filter(pilot, "question")
        await settle(pilot, rounds=20)
        table = app.screen.query_one("#cards", DataTable)
        shown = [app.screen.rows[str(row.key.value)].key for row in table.ordered_rows]
        assert len(shown) == 700 and shown[:2] == ["c0699", "c0698"] and shown[-1] == "c0000"


async def test_browse_sort_keeps_the_cursor_on_its_card(tui_col, tmp_path, clock):
    """Sorting moves the rows, not the card under the cursor: it stayed on its row
    number, so another card came under it while the detail pane (and s, r, e) still
    meant the first."""
    app = make_app(tui_col, [long_deck(tmp_path, 300)], clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await browse_all(pilot)
        await press(pilot, "down", "down", "down")
        table = app.screen.query_one("#cards", DataTable)

        def under_cursor() -> str:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            return app.screen.rows[str(key)].key

        assert under_cursor() == "c0003"
        for _ in range(2):  # Prompt's header: ascending, then descending
            await pilot.click("#cards", offset=(3, 0))
            await settle(pilot)
        assert app.screen.sort_key == "prompt" and app.screen.sort_reverse
        first = table.ordered_rows[0].key.value
        assert app.screen.rows[str(first)].key == "c0299"
        assert under_cursor() == "c0003"
        assert "Question 0003" in widget_text(app, app.screen.query_one("#detail-body"))


async def test_a_session_ready_after_leaving_the_deck_list_stays_closed(
    tui_col, deck_dir, clock, monkeypatch
):
    """The session is built in a worker: if the learner has gone to another screen by
    the time it is ready, it doesn't open over that screen."""
    from quizzer.tui.screens.browse import BrowseScreen

    release, _ = hold_study(tui_col, monkeypatch)
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause(0.05)
        await pilot.press("b")
        await pilot.pause(0.05)
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert [type(s).__name__ for s in app.screen_stack][-2:] == ["DecksScreen", "BrowseScreen"]


async def test_browse_shows_the_newest_search_only(tui_col, deck_dir, clock, monkeypatch):
    """Searches run in threads; a slow, superseded one must not overwrite the table."""
    col = tui_col
    original = col.browse
    release = threading.Event()

    def browse(query: str, **kwargs: Any) -> Any:
        if query == "is:new":
            release.wait(10)  # slow: it finishes after the next search
        return original(query, **kwargs)

    monkeypatch.setattr(col, "browse", browse)
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        box = app.screen.query_one("#filter", Input)
        box.value = "is:new"
        await pilot.pause()
        box.value = "type:order"
        await settle(pilot)
        assert table_keys(app) == ["order"]
        release.set()
        await pilot.pause(0.3)
        await settle(pilot)
        assert table_keys(app) == ["order"]
        assert "1 card" in screen_text(app)


async def test_browse_reset_asks_first(tui_col, deck_dir, clock):
    from quizzer.tui.dialogs.confirm import ConfirmDialog

    col = tui_col
    col.import_decks([deck_dir], now=FIXED_NOW)
    session = col.study(deck="tui-demo", now=FIXED_NOW)
    card = session.next_card(now=FIXED_NOW)
    session.answer(card, rating=Rating.GOOD, duration_ms=1000, now=FIXED_NOW)

    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        await type_filter(pilot, "is:learning")
        await press(pilot, "r")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Reset this card's progress?" in screen_text(app)
        await press(pilot, "escape")  # no
        assert row_of(col, card.id).state == "learning"
        await press(pilot, "r")
        await press(pilot, "y")
        assert table_keys(app) == []  # no longer learning
    row = row_of(col, card.id)
    assert (row.state, row.reps) == ("new", 0)
    history = col.history(card.id)
    assert [h.mode for h in history][-1] == "reset"
    assert len(history) == 2  # the answer is kept


# -- practice --------------------------------------------------------------------------
async def test_practice_leaves_the_schedule_alone(tui_col, deck_dir, clock):
    from quizzer.tui.dialogs.practice import PracticeDialog

    col = tui_col
    col.import_decks([deck_dir], now=FIXED_NOW)
    before = {r.id: r for r in col.browse("deck:tui-demo", now=FIXED_NOW)}
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        assert isinstance(app.screen, PracticeDialog)
        assert "Practise TUI demo" in screen_text(app)
        options = app.screen.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        for _ in range(names.index("new")):
            await pilot.press("down")
        await press(pilot, "enter")
        screen = review_screen(app)
        assert screen.session.mode == "practice"
        assert "practice" in screen_text(app)
        assert "8 left" in screen_text(app)
        first = screen.card
        assert first.mode == "practice" and first.intervals == {}
        await answer_right(pilot, screen, "4")
        assert screen.session.answered == 1
        assert "7 left" in screen_text(app)
        await press(pilot, "escape")
        assert "Cards studied 1" in squash(screen_text(app))
    (review,) = col.history(first.id)
    assert review.mode == "practice" and review.rating == 4
    after = {r.id: r for r in col.browse("deck:tui-demo", now=FIXED_NOW)}
    assert after == before  # no card row changed: still new, nothing due
    assert col.deck_counts(now=FIXED_NOW)[0].new == 8


async def test_practice_dialog_tag_and_cancel(tui_col, deck_dir, clock):
    from quizzer.tui.dialogs.practice import PracticeDialog

    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        await press(pilot, "escape")
        assert not isinstance(app.screen, PracticeDialog)
        await press(pilot, "p")
        await press(pilot, "tab", *"models", "enter")  # the tag box, filter "all"
        screen = review_screen(app)
        assert screen.card.key == "typed"
        assert "1 left" in screen_text(app)
        await press(pilot, *"T5", "enter", "enter")
        assert "Session complete" in screen_text(app)
    (review,) = col.history(col.card_id("tui-demo", "typed"))
    assert review.mode == "practice" and review.correct is True


# -- empty state, help, summary --------------------------------------------------------
async def test_empty_state(tui_col, clock):
    app = make_app(tui_col, [], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "No decks yet." in text
        assert "quizzer new my-deck.yaml" in text
        assert "0 to study today" in text
        assert not app.screen.query_one("#decks", DataTable).display
        await press(pilot, "enter")  # nothing to study: no crash, no session
        await press(pilot, "a")
        await press(pilot, "p")
        await press(pilot, "b")
        await press(pilot, "escape")
        assert "No decks yet." in screen_text(app)
    assert any("Nothing is due" in n for n in notes)


async def test_deck_list_is_redrawn_once_measured(tui_col, deck_dir, clock):
    """A frame drawn after rows are added but before the table measures them must not
    stay on screen with the columns as wide as their labels."""
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#decks", DataTable)
        table.clear(columns=True)
        table.add_column("Deck", key="deck")
        table.add_column("Cards", key="total")
        table.add_row("A deck with a long title", "8", key="tui-demo")
        screen_text(app)  # draws (and caches) the rows before they are measured
        await settle(pilot)
        assert "A deck with a long title" in screen_text(app)


async def test_help_lists_every_binding(tui_col, deck_dir, clock):
    from quizzer.tui.app import QuizzerApp
    from quizzer.tui.screens.browse import BrowseScreen
    from quizzer.tui.screens.decks import DecksScreen
    from quizzer.tui.screens.help import HelpScreen
    from quizzer.tui.screens.review import ReviewScreen
    from quizzer.tui.widgets.answers import OrderAnswer

    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(120, 100)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for owner in (QuizzerApp, DecksScreen, ReviewScreen, OrderAnswer, BrowseScreen):
            for binding in owner.BINDINGS:
                assert binding.description in text, (owner.__name__, binding.description)
        for description in ("Submit / rate ◆", "Suspend/unsuspend", "Move up"):
            assert description in text
        assert "shift+↑" in text or "shift+up" in text
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)
        # it opens from the review screen too
        await press(pilot, "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "question_mark")
        assert review_screen(app)


async def test_summary_counts_the_session(tui_col, deck_dir, clock):
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        await press(pilot, "space", "3")  # basic: Good
        wrong = screen.card.choices.index("Span corruption") + 1
        await press(pilot, str(wrong), "enter", "enter")  # choice: Again
        await press(pilot, "escape")
        text = squash(screen_text(app))
        assert "Session complete" in text
        assert "Cards studied 2" in text
        assert "Accuracy (choice) 0/1 0%" in text
        assert "Ratings Again 1 Good 1" in text
        assert "Due tomorrow 2" in text
        assert "Streak 1 day (longest 1 day)" in text
        await press(pilot, "enter")
        text = screen_text(app)
        assert "TUI demo" in text and "7 to study today" in text
        assert "streak 1 day" in text


async def test_bundled_decks(tui_col, clock):
    """import_defaults=True: the bundled decks are listed, studied and practised."""
    from quizzer.tui import create_app
    from quizzer.tui.dialogs.practice import PracticeDialog

    app = create_app(tui_col, [], clock=clock, import_defaults=True, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = sorted(d.title for d in tui_col.decks())
        assert len(titles) == 4
        text = screen_text(app)
        for title in titles:
            assert title[:20] in text
        # the practice dialog names the whole deck, however long its title
        table = app.screen.query_one("#decks", DataTable)
        longest = max(titles, key=len)
        table.move_cursor(row=titles.index(longest))
        await press(pilot, "p")
        assert isinstance(app.screen, PracticeDialog)
        assert compact(f"Practise {longest}") in compact(
            widget_text(app, app.screen.query_one(".dialog-title"))
        )
        await press(pilot, "escape", "a")  # study every deck
        screen = review_screen(app)
        assert screen.card is not None and screen.session.deck is None
        assert screen.card.deck_title in screen_text(app)  # all decks: the deck is named
        await submit_right(pilot, screen)
        await press(pilot, "enter")
        assert screen.session.answered == 1


async def test_open_deck_starts_a_session(tui_col, deck_dir, clock):
    app = make_app(tui_col, [deck_dir], clock, open_deck="tui-demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert review_screen(app).card.key == "basic-rev"
        await press(pilot, "escape", "enter")
        assert "TUI demo" in screen_text(app)


async def test_quit_key(tui_col, deck_dir, clock):
    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running or app.return_code is not None


async def test_footer_lists_the_keys_that_act_and_a_click_presses_one(tui_col, deck_dir, clock):
    """The one-line footer follows the screen's bindings (Show answer goes once the card
    is revealed) and a click on a key runs it."""
    from quizzer.tui.screens.browse import BrowseScreen
    from quizzer.tui.widgets.footer import KeyFooter

    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        text = str(footer.render())
        assert "b Browse" in text and "^p palette" in text
        column = text.index(" b Browse")
        await pilot.click(KeyFooter, offset=(column + 2, 0))
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        await press(pilot, "escape", "enter")  # back, then study: a self-graded card first
        footer = app.screen.query_one(KeyFooter)
        assert "space Show answer" in str(footer.render())
        await press(pilot, "space")
        assert "Show answer" not in str(footer.render())
        assert "Submit / rate ◆" in str(footer.render())
        # What is painted, not only what render() would say: lines are kept per set of
        # keys, and the next card brings back a set drawn before, with its click spans.
        assert "Submit / rate ◆" in footer.render_line(0).text
        await press(pilot, "3", "u")  # rated, then undone: the same card to answer again
        assert app.screen.card.input == "reveal" and app.screen.grade is None
        line = footer.render_line(0).text
        assert "space Show answer" in line
        await pilot.click(KeyFooter, offset=(line.index(" space Show") + 2, 0))
        await settle(pilot)
        assert app.screen.grade is not None  # the click revealed the card
        assert "Submit / rate ◆" in footer.render_line(0).text


async def test_help_shows_the_keys_of_the_keymap(tui_col, deck_dir, clock):
    """Keys remapped in config.toml's [keys] (the app's keymap) are the ones Help lists."""
    from quizzer.tui.screens.help import HelpScreen

    app = make_app(tui_col, [deck_dir], clock)
    async with app.run_test(size=(120, 100)) as pilot:
        await settle(pilot)
        app.set_keymap({"review.undo": "z", "decks.browse": "B"})
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        lines = [line.replace("█", " ") for line in screen_text(app).splitlines()]
        assert any(line.split() == ["z", "Undo"] for line in lines)
        assert not any(line.split() == ["u", "Undo"] for line in lines)
        assert any(line.split() == ["B", "Browse"] for line in lines)


async def test_live_reload_of_a_retitled_deck_updates_the_list(tui_col, deck_dir, clock):
    """A change that adds or updates no card (the deck's title) still redraws the deck
    list after a reload: only files skipped as unchanged leave the counts alone."""
    app = make_app(tui_col, [deck_dir], clock, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "TUI demo" in screen_text(app)
        path = deck_dir / "demo.yaml"
        path.write_text(DEMO_DECK.replace("title: TUI demo", "title: Renamed demo"), "utf-8")
        await pilot.pause(2.5)
        await settle(pilot)
        assert "Renamed demo" in screen_text(app)


async def test_all_decks_study_names_a_deck_titled_as_its_source_once(tui_col, tmp_path, clock):
    """The bundled decks' source is their own title: "Title · Title · new" said it twice."""
    folder = tmp_path / "same"
    folder.mkdir()
    (folder / "same.yaml").write_text(
        "deck: same\ntitle: Model hubs\nsource: Lesson › Model hubs\ncards:\n"
        "  - front: What is a model hub?\n    back: A place to share models.\n",
        encoding="utf-8",
    )
    tui_col.import_decks([folder])
    app = make_app(tui_col, [folder], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")  # study all decks
        await settle(pilot)
        text = screen_text(app)
        assert "What is a model hub?" in text
        assert text.count("Model hubs") == 1, text
