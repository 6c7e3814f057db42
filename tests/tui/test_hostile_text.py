"""Deck text is untrusted: the app must show it literally and never act on it.

The deck in ``decks/hostile.yaml`` puts Rich/Textual markup (``[@click=app.quit]``,
``[link=...]``, ``[bold]``, unbalanced ``[``/``]``, ``[/]``) in every field. The parser
refuses escape sequences and bidi overrides in deck files, so those are written into
the database directly (the ``data`` JSON of every card, and the deck's title), to
prove the app neutralizes them too: each one must show as a visible placeholder
(``␛`` for ESC, ``<U+202E>`` for a bidi override, see :func:`quizzer.text.safe_text`)
and never reach the terminal.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from textual.widgets import DataTable, Input, OptionList
from tui_helpers import (
    FIXED_NOW,
    FIXTURES,
    compact,
    find_offset,
    make_app,
    press,
    record_notifications,
    review_screen,
    screen_text,
    settle,
    submit_right,
    widget_text,
)

from quizzer.tui.screens.review import ReviewScreen

HOSTILE = FIXTURES / "hostile.yaml"
MARKUP = "[@click=app.quit]"

#: Put before every text: an SGR colour and a right-to-left override.
PREFIX = "\x1b[31m\u202e"
PREFIX_SHOWN = "␛[31m<U+202E>"
#: Put after every text: an OSC 8 hyperlink, an OSC 52 clipboard write, a C1 CSI, NUL,
#: DEL and bidi isolates.
SUFFIX = (
    " OSC8:\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\"
    " OSC52:\x1b]52;c;ZXZpbA==\x07 C1:\x9b2J NUL:\x00 DEL:\x7f ISO:\u2066x\u2069"
)
SUFFIX_SHOWN = "␛]52;c;ZXZpbA==␇ C1:<U+009B>2J NUL:␀ DEL:␡ ISO:<U+2066>x<U+2069>"
#: Characters that must never be on screen: they would be terminal commands.
RAW = ["\x1b", "\x9b", "\x07", "\x00", "\x7f", "\u202e", "\u2066", "\u2069", "\u200f"]

#: The card fields that hold text (the others are flags, numbers and modes).
TEXT_FIELDS = ("front", "back", "question", "choices", "answers", "answer", "items", "text")
TEXT_FIELDS += ("explain", "hint", "source", "tags")


def poison(value: Any) -> Any:
    """``value`` with escape sequences around every text in it."""
    if isinstance(value, str):
        return PREFIX + value + SUFFIX
    if isinstance(value, list):
        return [poison(v) for v in value]
    return value


def inject_escapes(col: Any) -> None:
    """Write escape sequences into every text of the hostile deck, as a tampered (or
    future, less strict) database would hold them."""
    from quizzer.store.models import cards_t, decks_t

    with col.store.write() as session:
        rows = session.execute(select(cards_t.c.id, cards_t.c.data)).all()
        for card_id, data in rows:
            data = {k: poison(v) if k in TEXT_FIELDS else v for k, v in data.items()}
            session.execute(update(cards_t).where(cards_t.c.id == card_id).values(data=data))
        (title,) = session.execute(select(decks_t.c.title)).one()
        session.execute(update(decks_t).values(title=PREFIX + title + SUFFIX))


def assert_safe(app: Any) -> str:
    """The app still runs, and the screen holds no raw control character; returns the
    screen's text."""
    assert app.is_running and app.return_code is None, "the app quit"
    text = screen_text(app)
    for char in RAW:
        assert char not in text, f"raw {char!r} on screen:\n{text}"
    svg = app.export_screenshot()
    assert "\x1b" not in svg and "\u202e" not in svg
    return text


async def submit_any(pilot: Any, screen: Any) -> None:
    """Answer the card shown: right, except typed cards get a wrong "x" in every blank
    (typing the hostile answers key by key is slow, and a wrong answer shows as much)."""
    if screen.card.input != "typed":
        await submit_right(pilot, screen)
        return
    if not isinstance(pilot.app.focused, Input):
        await pilot.click("#typed-0")  # (a click elsewhere took the focus away)
    for _ in range(max(1, screen.card.blanks)):
        await pilot.press("x", "enter")
    await settle(pilot)
    assert screen.grade is not None and screen.grade.correct is False


async def click_every(pilot: Any, needle: str = "[@click", skip: int = 0) -> None:
    """Click ``needle`` once in each widget that shows it (below the first ``skip``
    lines); the app must not act on any."""
    app = pilot.app
    clicked = set()
    for y, line in enumerate(screen_text(app).splitlines()):
        x = line.find(needle)
        if y < skip or x < 0:
            continue
        widget, _ = app.screen.get_widget_at(x + 1, y)
        if widget in clicked:
            continue
        clicked.add(widget)
        await pilot.click(offset=(x + 1, y))
        await settle(pilot)
        assert_safe(app)


def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    shutil.copy(HOSTILE, folder / "hostile.yaml")
    return folder


async def test_every_screen_shows_hostile_text_literally(tui_col, tmp_path, clock):
    from quizzer.tui.dialogs.confirm import ConfirmDialog
    from quizzer.tui.dialogs.error import ErrorDialog
    from quizzer.tui.dialogs.practice import PracticeDialog
    from quizzer.tui.screens.browse import BrowseScreen
    from quizzer.tui.screens.help import HelpScreen
    from quizzer.tui.screens.summary import SummaryScreen

    col = tui_col
    folder = hostile_folder(tmp_path)
    report = col.import_decks([folder], now=FIXED_NOW)
    assert not report.errors and report.total("added") == 8
    inject_escapes(col)
    app = make_app(col, [folder], clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        # the decks screen: the title, cut to fit, literally
        text = assert_safe(app)
        assert f"{PREFIX_SHOWN}{MARKUP}Qui…" in text  # (cut to 34 characters)

        # the practice dialog repeats the title
        await press(pilot, "p")
        assert isinstance(app.screen, PracticeDialog)
        assert_safe(app)
        title = widget_text(app, app.screen.query_one(".dialog-title"))
        assert compact(
            f"Practise {PREFIX_SHOWN}{MARKUP}Quit[/] [link=https://evil.example]x[/link]"
        ) in compact(title)
        await press(pilot, "escape")

        # the help screen
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert_safe(app)
        await press(pilot, "escape")

        # review every card, before and after answering
        await press(pilot, "enter")
        screen = review_screen(app)
        seen = []
        while screen.card is not None and screen.card.key not in seen:
            card = screen.card
            seen.append(card.key)
            text = assert_safe(app)
            # the header has the deck title; the prompt and the options or items
            # have the escapes before and after them
            assert f"{PREFIX_SHOWN}{MARKUP}Quit[/]" in text
            assert compact(SUFFIX_SHOWN) in compact(text), card.key
            if card.key == "basic":  # the right-to-left mark written in the deck file
                assert "rlm<U+200F> end" in text
            if card.hint and card.input != "typed":  # (h would go into the input)
                await press(pilot, "h")
                assert "Hint: " + PREFIX_SHOWN + "HINT" in assert_safe(app)
            await submit_any(pilot, screen)
            text = assert_safe(app)
            if card.input == "typed":  # a wrong answer: the expected one is shown
                assert "✗ Incorrect" in text and "You answered: x" in text
            assert PREFIX_SHOWN in text
            assert compact(SUFFIX_SHOWN) in compact(text), card.key  # the answer
            if card.explain:
                assert f"{PREFIX_SHOWN}EXPLAIN" in text
            await press(pilot, "3")
            if app.screen is not screen:
                break
        assert sorted(seen) == sorted(
            ["basic", "choice", "many", "typed", "cloze/c1", "cloze-typed/c1", "order"]
        )
        if app.screen is screen:
            await press(pilot, "escape")
        assert isinstance(app.screen, SummaryScreen)
        assert "Session complete" in assert_safe(app)
        await press(pilot, "enter")

        # browse, with the detail panel of every card
        await press(pilot, "b")
        assert isinstance(app.screen, BrowseScreen)
        table = app.screen.query_one("#cards", DataTable)
        assert table.row_count == 8
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await settle(pilot)
            text = assert_safe(app)
            assert PREFIX_SHOWN in text
            assert "hostile ·" in text  # the detail panel's second line

        # the reset confirmation quotes the prompt
        await press(pilot, "r")
        assert isinstance(app.screen, ConfirmDialog)
        assert PREFIX_SHOWN in assert_safe(app)
        await press(pilot, "escape")
        await press(pilot, "escape")

        # the error dialog quotes the broken file's lines
        broken = folder / "broken.yaml"
        broken.write_text(
            "deck: broken\ncards:\n  - front: '[@click=app.quit]x'\n"
            "    '[@click=app.quit]': 1\n    back: '[/]'\n",
            encoding="utf-8",
        )
        await press(pilot, "r")
        assert isinstance(app.screen, ErrorDialog)
        text = assert_safe(app)
        detail = widget_text(app, app.screen.query_one(".dialog-detail"))
        assert compact("unknown field '[@click=app.quit]'") in compact(detail)
        assert "'[@click=app.quit]': 1" in text
        await press(pilot, "escape")
        assert_safe(app)


async def test_markup_on_screen_does_nothing_when_clicked(tui_col, tmp_path, clock):
    """Click the literal ``[@click=app.quit]`` wherever it is shown."""
    col = tui_col
    folder = hostile_folder(tmp_path)
    app = make_app(col, [folder], clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        find_offset(app, MARKUP)  # the deck's title
        await click_every(pilot)  # (a click on the highlighted row may open the deck)
        if not isinstance(app.screen, ReviewScreen):
            await click_every(pilot)
            await press(pilot, "enter")
        screen = review_screen(app)
        seen: list[str] = []
        while screen.card is not None and screen.card.key not in seen:
            # the header (the deck's title, once), the card's source, its prompt,
            # options and items
            await click_every(pilot, skip=1 if seen else 0)
            seen.append(screen.card.key)
            if screen.grade is None:  # (a click on an option may have answered it)
                await submit_any(pilot, screen)
            await click_every(pilot, skip=1)  # and the answer and the explanation
            await press(pilot, "1")
            if app.screen is not screen:
                break
        assert len(seen) == 7
        assert app.is_running


async def test_command_palette_shows_deck_titles_literally(tui_col, tmp_path, clock):
    from textual.command import CommandPalette

    col = tui_col
    folder = hostile_folder(tmp_path)
    col.import_decks([folder], now=FIXED_NOW)
    inject_escapes(col)
    app = make_app(col, [folder], clock)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Practise")
        await pilot.pause(0.5)
        await settle(pilot)
        text = assert_safe(app)
        assert f"Practise {PREFIX_SHOWN}{MARKUP}Quit[/] [link=https://evil.example]x[/link]" in (
            text
        )
        # choosing it starts practice, nothing else
        options = app.screen.query_one(OptionList)
        assert options.option_count >= 1
        await press(pilot, "enter")
        screen = review_screen(app)
        assert screen.session.mode == "practice"
        assert_safe(app)


async def test_file_names_are_shown_safely(tui_col, tmp_path, clock):
    """A deck file's name is untrusted too: it is in notifications and errors."""
    from quizzer.tui.dialogs.error import ErrorDialog

    col = tui_col
    folder = tmp_path / "decks"
    folder.mkdir()
    app = make_app(col, [folder], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        shutil.copy(HOSTILE, folder / "evil-\x1b[2J-\u202e-[@click=app.quit].yaml")
        (folder / "bad-\x1b]52;c;eA==\x07.yaml").write_text("deck: [\n", encoding="utf-8")
        await press(pilot, "r")
        assert isinstance(app.screen, ErrorDialog)
        text = assert_safe(app)
        assert "bad-␛]52;c;eA==␇.yaml:" in text
        await press(pilot, "escape")
        assert_safe(app)
    added = [n for n in notes if "added" in n]
    assert added == ["evil-␛[2J-<U+202E>-[@click=app.quit].yaml: 8 added"]
    for note in notes:
        assert not any(char in note for char in RAW), repr(note)


async def test_escapes_written_in_yaml_are_refused_or_neutralized(tui_col, tmp_path, clock):
    """YAML's double-quoted escapes (``"\\e"``, ``"\\u202E"``) make control characters
    without writing them in the file. Either the parser refuses them, or the app shows
    them as placeholders: both are safe, nothing else is."""
    col = tui_col
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "escaped.yaml").write_text(
        "deck: escaped\n"
        'title: "T \\e[31m \\u202E \\x9b"\n'
        "cards:\n"
        "  - id: a\n"
        '    front: "F \\e]8;;https://evil.example\\a \\u202E \\x9b2J \\x07"\n'
        '    back: "B \\e[2J"\n',
        encoding="utf-8",
    )
    report = col.import_decks([folder], now=FIXED_NOW)
    if report.errors:
        assert all("control" in p.format() for p in report.errors), report.errors
        return
    app = make_app(col, [folder], clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "T ␛[31m <U+202E> <U+009B>" in assert_safe(app)
        await press(pilot, "enter")
        assert "F ␛]8;;https://evil.example␇ <U+202E> <U+009B>2J ␇" in assert_safe(app)
        await press(pilot, "space")
        assert "B ␛[2J" in assert_safe(app)
