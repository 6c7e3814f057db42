"""The statistics screen of the app, driven with Textual's Pilot: ``s`` on the deck list
opens it, ``d`` switches deck, ``x`` writes export files, escape goes back; deck text
with markup in it is shown literally and runs nothing."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import NOW, write_deck
from rich.console import Console

from quizzer.collection import Collection
from quizzer.study.types import Rating

TRAP = "[@click=app.quit] [bold]trap[/bold]"
ALPHA = """\
deck: alpha
title: Alpha
cards:
  - id: a1
    front: What does FSRS stand for?
    back: Free Spaced Repetition Scheduler
  - id: a2
    type: choice
    question: Which objective pre-trains BERT?
    choices: [Masked language modeling, Causal language modeling]
    answer: Masked language modeling
"""
HOSTILE = f"""\
deck: hostile
title: "[red]Hostile[/red] deck"
cards:
  - id: trap
    front: "{TRAP}"
    back: nothing happens
  - id: calm
    front: A calm question
    back: A calm answer
"""


def answer_all(col: Collection, deck: str, mode: str, rating: Rating, at: Any) -> int:
    session = col.study(deck, mode, now=at)
    count = 0
    while (card := session.next_card(now=at)) is not None and count < 20:
        response = "Masked language modeling" if card.type == "choice" else None
        session.answer(
            card,
            response=response,
            rating=None if response else rating,
            duration_ms=4000,
            now=at,
        )
        count += 1
    return count


@pytest.fixture
def studied(col: Collection, tmp_path: Path) -> tuple[Collection, Path]:
    """Two decks: the hostile one studied months ago (the trap card lapsed once), the
    other yesterday (new cards only)."""
    folder = tmp_path / "decks"
    write_deck(folder, "alpha.yaml", ALPHA)
    write_deck(folder, "hostile.yaml", HOSTILE)
    col.import_decks([folder], now=NOW - timedelta(days=300))
    col.set_setting("timezone", "UTC")
    col.set_setting("fuzz", False)
    assert answer_all(col, "hostile", "scheduled", Rating.EASY, NOW - timedelta(days=200)) == 2
    # both were due again; the trap card was forgotten: a lapse, so a "hardest" card
    then = NOW - timedelta(days=150)
    session = col.study("hostile", now=then)
    failed = False
    while (card := session.next_card(now=then)) is not None:
        rating = Rating.AGAIN if card.key == "trap" and not failed else Rating.GOOD
        failed = failed or rating == Rating.AGAIN
        session.answer(card, rating=rating, duration_ms=9000, now=then)
    assert failed
    assert answer_all(col, "alpha", "scheduled", Rating.EASY, NOW - timedelta(days=1)) >= 2
    return col, folder


def text_of(widget: Any, width: int = 118) -> str:
    """What a Static shows, as plain text."""
    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(widget.content)
    return out.getvalue()


async def settle(app: Any, pilot: Any) -> None:
    """Wait for the screen's workers; one replaced by a newer one (exclusive) is fine."""
    from textual.worker import WorkerCancelled

    for _ in range(2):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


def test_statistics_screen(studied: tuple[Collection, Path], quizzer_home: Path) -> None:
    asyncio.run(statistics_screen(studied, quizzer_home))


async def statistics_screen(studied: tuple[Collection, Path], quizzer_home: Path) -> None:
    from textual.widgets import Static

    from quizzer.tui import create_app
    from quizzer.tui.screens.stats import StatsScreen

    col, folder = studied
    app = create_app(col, [folder], clock=lambda: NOW, import_defaults=False, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        decks_screen = app.screen
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        first = screen.deck
        assert first in ("alpha", "hostile")  # the highlighted deck of the list
        title = text_of(screen.query_one("#stats-title", Static))
        assert title.strip() == f"Statistics · {first}"
        # the summary shows the figures of the collection
        expected = col.stats(first, days=90, now=NOW)
        assert screen.stats == expected
        summary = text_of(screen.query_one("#stats-summary", Static))
        cards = expected["cards"]
        assert "Computing" not in summary
        assert f"{cards['total']}  ({cards['new']} new" in summary
        streak = expected["activity"]["streak"]
        days = {n: f"{n} day" if n == 1 else f"{n} days" for n in streak.values()}
        assert f"{days[streak['current']]} (longest {days[streak['longest']]})" in summary
        assert str(expected["memory"]["estimated_knowledge"]) in summary

        # d cycles: this deck → the next → … → all decks; the title follows
        seen = [first]
        for _ in range(3):
            await pilot.press("d")
            await settle(app, pilot)
            seen.append(screen.deck)
            shown = text_of(screen.query_one("#stats-title", Static)).strip()
            assert shown == f"Statistics · {screen.deck or 'all decks'}"
            assert screen.stats == col.stats(screen.deck, days=90, now=NOW)
        assert set(seen) == {None, "alpha", "hostile"}
        while screen.deck != "hostile":
            await pilot.press("d")
            await settle(app, pilot)

        # the trap card's prompt is listed among the hardest cards, literally
        assert [h["prompt"] for h in screen.stats["hardest"]["most_lapses"]] == [TRAP]
        tables = text_of(screen.query_one("#stats-tables", Static))
        assert TRAP in tables
        assert "[bold]trap[/bold]" in tables  # the markup is text, not style
        assert app.is_running and app.screen is screen

        # x writes JSON, Markdown and the review log under QUIZZER_HOME/exports
        await pilot.press("d")  # → all decks
        await settle(app, pilot)
        assert screen.deck is None
        await pilot.press("d")  # → alpha
        await settle(app, pilot)
        deck = screen.deck
        assert deck == "alpha"
        await pilot.press("x")
        await settle(app, pilot)
        exports = quizzer_home / "exports"
        stamp = NOW.strftime("%Y%m%d-%H%M%S")
        names = sorted(p.name for p in exports.iterdir())
        assert names == [
            f"quizzer-{stamp}-reviews.csv",
            f"quizzer-{stamp}-stats.json",
            f"quizzer-{stamp}-stats.md",
        ]
        data = json.loads((exports / f"quizzer-{stamp}-stats.json").read_text(encoding="utf-8"))
        assert data == col.stats(deck, days=90, now=NOW)
        markdown = (exports / f"quizzer-{stamp}-stats.md").read_text(encoding="utf-8")
        assert markdown.startswith(f"# quizzer progress — deck `{deck}`")
        with (exports / f"quizzer-{stamp}-reviews.csv").open(newline="", encoding="utf-8") as f:
            reviews = list(csv.DictReader(f))
        assert reviews and {r["deck"] for r in reviews} == {deck}
        assert len(reviews) == sum(len(col.history(i)) for i in col.deck_card_ids(deck))
        assert not [p for p in exports.iterdir() if p.name.endswith(".tmp")]

        # escape goes back to the deck list
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is decks_screen
        assert app.is_running


def test_hostile_text_everywhere_on_the_screen(studied: tuple[Collection, Path]) -> None:
    """Open the hostile deck's statistics directly; clicking around runs no markup."""
    asyncio.run(hostile_text(studied))


async def hostile_text(studied: tuple[Collection, Path]) -> None:
    from textual.widgets import Static

    from quizzer.tui import create_app
    from quizzer.tui.screens.stats import StatsScreen

    col, folder = studied
    app = create_app(col, [folder], clock=lambda: NOW, import_defaults=False, watch=False)
    async with app.run_test(size=(120, 100)) as pilot:
        await settle(app, pilot)
        await app.push_screen(StatsScreen("hostile"))
        await settle(app, pilot)
        screen = app.screen
        tables = screen.query_one("#stats-tables", Static)
        lines = text_of(tables, width=tables.size.width).splitlines()
        (row,) = [i for i, line in enumerate(lines) if TRAP in line]
        assert "[bold]" in lines[row]  # not turned into style either
        tables.scroll_visible(animate=False)
        await pilot.pause()
        # click along the trap's line: a [@click=…] in deck text would fire here
        for x in range(0, len(TRAP) + 2, 2):
            await pilot.click(tables, offset=(x, row))
        await pilot.pause()
        assert app.is_running and app.screen is screen


def test_retention_chart_with_recent_reviews(studied: tuple[Collection, Path]) -> None:
    """Review cards answered in the screen's 90 days: the 7-day retention chart is drawn
    and every figure shows. (Plotting it with "MM-DD" strings as x values made plotext
    raise ValueError('Date Form should be: %d/%m/%Y'), so the screen never loaded.)"""
    col, folder = studied
    now = NOW - timedelta(hours=2)
    session = col.study("hostile", now=now)
    answered = 0
    while (card := session.next_card(now=now)) is not None:
        assert card.state == 2  # overdue review cards
        session.answer(card, rating=Rating.GOOD, now=now)
        answered += 1
    assert answered == 2
    expected = col.stats("hostile", days=90, now=NOW)
    assert expected["activity"]["days"][-1]["review_answers"] == 2

    async def run() -> None:
        from textual.widgets import Static

        from quizzer.tui import create_app
        from quizzer.tui.screens.stats import StatsScreen

        app = create_app(col, [folder], clock=lambda: NOW, import_defaults=False, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await app.push_screen(StatsScreen("hostile"))
            await settle(app, pilot)
            screen = app.screen
            assert screen.stats == expected
            assert "Computing" not in text_of(screen.query_one("#stats-summary", Static))
            assert TRAP in text_of(screen.query_one("#stats-tables", Static))
            assert app.is_running

    asyncio.run(run())
