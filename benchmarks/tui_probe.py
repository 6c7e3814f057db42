"""Headless TUI probes, each run in a fresh process by a measure in
:mod:`benchmarks.measures`; each prints one ``RESULT {json}`` line.

``python -m benchmarks.tui_probe answer DB NOW PRESSES``
    Rating key → next card painted, in the quizzer app studying the collection at
    ``DB`` with the clock at ``NOW``, and the same key → new text painted in a minimal
    Textual app that swaps one Static's text (the reference), in this one process:
    half the reference presses, then quizzer's, then the other half. Then, for the
    floor, the same keys in an app of stock widgets shaped as the review screen
    (``card_shaped_app``), without a database.

``python -m benchmarks.tui_probe rss DB NOW ANSWERS``
    Peak RSS of a session a learner would have: the app opens on the collection (the
    bundled decks imported too), shows the deck list, browses the benchmark deck, opens
    its statistics, then studies all decks for ``ANSWERS`` cards.

``python -m benchmarks.tui_probe floor``
    Peak RSS of this Python once it imported what the app needs (the reference).

"Painted" is the moment the app hands its next frame to the terminal driver: a key
press is timed from the moment it is sent to the app until the first frame composed
after the screen holds the new card (for quizzer: after ``ReviewScreen.show_card`` has
finished; for the reference: after ``Static.update``). Frames are composed exactly as
in a terminal (``Screen._compositor_refresh`` → ``App._display``); headless, the
driver only skips writing the escape codes. Each quizzer sample is then checked,
untimed, against the screen's text: the new card's prompt must be on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import random
import re
import resource
import sys
import time
from datetime import datetime
from typing import Any

SIZE = (80, 24)
#: Every prompt of the benchmark deck names its term (``term12-345678``).
TERM = re.compile(r"term\d+-\d+")


class PaintClock:
    """Notes when an app composes its next frame once :meth:`arm` has been called."""

    def __init__(self, app: Any):
        self.armed = False
        self.painted_at: float | None = None
        self.event = asyncio.Event()
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if self.armed and renderable is not None and not app._batch_count:
                self.painted_at = time.perf_counter()
                self.armed = False
                self.event.set()

        app._display = display  # the screens call app._display(...): this instance's

    def reset(self) -> None:
        """Forget the previous frame: the next one counts once armed again."""
        self.armed = False
        self.painted_at = None
        self.event.clear()

    def arm(self) -> None:
        """The screen holds what is to be painted: the next frame counts."""
        self.armed = True

    async def wait(self, timeout: float = 30.0) -> float:
        """When the frame was composed (perf_counter seconds)."""
        await asyncio.wait_for(self.event.wait(), timeout)
        assert self.painted_at is not None
        return self.painted_at


def screen_text(app: Any) -> str:
    """What the terminal shows now, as plain text."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False,
                      safe_box=False)
    console.print(app.screen._compositor.render_update(full=True,
                                                       screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen go idle."""
    from textual.worker import WorkerCancelled

    app = pilot.app
    await pilot.pause()
    for _ in range(20):
        if all(worker.is_finished for worker in app.workers):
            break
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


async def until(pilot: Any, ready: Any, timeout: float = 120.0) -> None:
    """Pause until ``ready()`` holds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not get ready: {ready}")
        await pilot.pause(0.005)


# -- the reference ----------------------------------------------------------------------
def minimal_app() -> Any:
    """One Static whose text a rating key swaps, and the clock of its frames."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Minimal(App[None]):
        BINDINGS = [(key, "swap") for key in "1234"]

        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.paint = PaintClock(self)

        def compose(self) -> ComposeResult:
            yield Static("What is term0-000000?", id="card")

        def action_swap(self) -> None:
            self.count += 1
            self.query_one(Static).update(f"What is term{self.count}-{self.count:06d}?")
            self.paint.arm()

    return Minimal()


async def app_presses(app: Any, presses: int, keys: list[str], reveal: bool = False) -> list[float]:
    """Seconds from each rating key to the new text's frame in a probe app that counts
    its swaps and has a :class:`PaintClock` (``app.paint``); with ``reveal``, each card is
    revealed first (``space``), untimed, as quizzer's are."""
    samples = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys[:presses]:
            if reveal:
                await pilot.press("space")
                await settle(pilot)
            app.paint.reset()
            start = time.perf_counter()
            await pilot.press(key)
            samples.append(await app.paint.wait() - start)
            await settle(pilot)
        if f"term{app.count}-" not in screen_text(app):
            raise AssertionError(f"{type(app).__name__} did not show its new text")
    return samples


async def reference_presses(presses: int, keys: list[str]) -> list[float]:
    """Seconds from each rating key to the swapped text's frame, in the minimal app."""
    return await app_presses(minimal_app(), presses, keys)


# -- the floor: the review screen's shape, without quizzer --------------------------------
def card_shaped_app() -> Any:
    """Stock Textual widgets laid out as the review screen is (a header, a progress bar,
    a scrolling card of meta, prompt, hint, answer line, verdict and answer, a three-line
    rating bar, a footer), whose keys do to the screen what quizzer's do: ``space``
    shows the verdict, the answer and the rating bar; a rating key puts the next card's
    text in every line and hides them again. No database, no worker, no quizzer code:
    what Textual itself takes for that change of screen."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import ProgressBar, Static

    class CardShaped(App[None]):
        CSS = """
        #header { height: 1; padding: 0 1; background: $panel; }
        #progress { height: 1; padding: 0 1; }
        #card { height: 1fr; padding: 0 2; }
        #meta { color: $text-muted; margin-bottom: 1; }
        #hint, #verdict, #answer { margin-bottom: 1; }
        #ratings { dock: bottom; height: 3; background: $panel; }
        #footer { dock: bottom; height: 1; background: $footer-background; }
        """
        BINDINGS = [("space", "reveal"), *((key, "swap") for key in "1234")]

        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.paint = PaintClock(self)

        def compose(self) -> ComposeResult:
            yield Static(id="header", markup=False)
            yield ProgressBar(total=1000, show_eta=False, show_percentage=False,
                              id="progress")
            with VerticalScroll(id="card"):
                for name in ("meta", "prompt", "hint", "slot", "verdict", "answer"):
                    yield Static(id=name, markup=False)
            yield Static(id="ratings", markup=False)
            yield Static(id="footer", markup=False)

        def on_mount(self) -> None:
            self.show_card()

        def fill(self, texts: dict[str, str], revealed: bool) -> None:
            """Put ``texts`` in their lines, and show the answer's lines or the card's."""
            with self.batch_update():
                for name, value in texts.items():
                    self.query_one(f"#{name}", Static).update(value)
                # As the review screen does: the verdict's line and the rating bar keep
                # their place while hidden, the answer and the slot leave the layout.
                for name in ("verdict", "ratings"):
                    self.query_one(f"#{name}").visible = revealed
                self.query_one("#answer").display = revealed
                self.query_one("#slot").display = not revealed

        def show_card(self) -> None:
            n = self.count
            self.query_one(ProgressBar).update(progress=n)
            self.fill({
                "header": f"All decks   {n} new · 3 learning · 40 due   done {n}",
                "meta": f"Benchmark  ·  section {n % 7}  ·  review",
                "prompt": f"What is term{n}-{n:06d}? " + "A line of prose. " * 6,
                "slot": "Space or Enter shows the answer.",
                "footer": " space Show answer  h Hint  e Edit  esc End",
            }, revealed=False)

        def action_reveal(self) -> None:
            self.fill({
                "verdict": "Answer",
                "answer": f"The answer to term{self.count}. " + "More prose. " * 8,
                "ratings": " 1 Again 1m   2 Hard 6m   3 Good 1d   4 Easy 4d",
                "footer": " 1-4 Rate  enter Good  u Undo  esc End",
            }, revealed=True)

        def action_swap(self) -> None:
            self.count += 1
            self.show_card()
            self.paint.arm()

    return CardShaped()


async def card_shaped_presses(presses: int, keys: list[str]) -> list[float]:
    """Seconds from each rating key to the next card's frame in :func:`card_shaped_app`,
    each card revealed first, untimed, as quizzer's are."""
    return await app_presses(card_shaped_app(), presses, keys, reveal=True)


# -- quizzer ---------------------------------------------------------------------------
async def open_review(app: Any, pilot: Any) -> Any:
    """From the deck list, study all decks (``a``); the review screen, a card shown."""
    from textual.widgets import DataTable

    from quizzer.tui.screens.review import ReviewScreen

    await until(pilot, lambda: app.screen.query(DataTable)
                and app.screen.query_one(DataTable).row_count)
    await settle(pilot)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                and app.screen.card is not None and not app.screen.busy)
    await settle(pilot)
    return app.screen


async def grade_shown(pilot: Any, screen: Any) -> None:
    """Untimed: reveal the card, or submit its answer widget as it is."""
    if screen.card.input == "reveal":
        await pilot.press("space")
    else:
        # The shown one: the slot keeps a hidden widget of each other kind.
        next(w for w in screen.query("#answer-slot .answer-widget") if w.display).submit()
    await until(pilot, lambda: screen.grade is not None, timeout=30)
    await settle(pilot)


def quizzer_app(db: str, now: datetime, *, defaults: bool) -> Any:
    """The app as ``quizzer`` starts it: garbage collection held until the deck list is
    painted, then what start-up made frozen (``quizzer.startup``)."""
    from quizzer.startup import hold_gc

    hold_gc()
    from quizzer.collection import Collection
    from quizzer.tui import create_app

    return create_app(Collection.open(db), clock=lambda: now, import_defaults=defaults,
                      watch=False)


async def quizzer_presses(db: str, now: datetime, presses: int,
                          keys: list[str]) -> tuple[list[float], int]:
    """Seconds from each rating key to the next card's frame, and how many samples were
    checked against the screen's text."""
    app = quizzer_app(db, now, defaults=False)
    paint = PaintClock(app)
    samples: list[float] = []
    verified = 0
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(app, pilot)
        original = screen.show_card

        async def show_card(card: Any, counts: Any = None) -> None:
            await original(card, counts)
            if card is not None:
                paint.arm()

        screen.show_card = show_card  # the worker calls self.show_card: this one
        for key in keys[:presses]:
            if app.screen is not screen or screen.card is None:
                break  # nothing left to study
            await grade_shown(pilot, screen)
            before = screen.card
            paint.reset()
            start = time.perf_counter()
            await pilot.press(key)
            try:
                painted = await paint.wait()
            except TimeoutError:
                break  # the session ended: the summary replaced the review
            samples.append(painted - start)
            await settle(pilot)
            card = screen.card
            term = TERM.search(card.prompt) if card is not None else None
            if card is not before and term and term.group() in "".join(
                    screen_text(app).split()):
                verified += 1
    return samples, verified


async def probe_answer(db: str, now: datetime, presses: int) -> dict[str, Any]:
    rng = random.Random(42)
    keys = [rng.choice("123334") for _ in range(presses)]
    half = max(1, presses // 2)
    reference = await reference_presses(half, keys)
    ours, verified = await quizzer_presses(db, now, presses, keys)
    gc.unfreeze()  # the reference's second half runs under the collector its first half had
    reference += await reference_presses(presses - half, keys[half:])
    shaped = await card_shaped_presses(presses, keys)
    return {"ours": ours, "reference": reference, "verified": verified, "card_shaped": shaped}


def maxrss_kb() -> int:
    """This process's peak RSS in KB: Linux's VmHWM, else ``ru_maxrss``.

    ``ru_maxrss`` (KB on Linux) also counts the parent's RSS at the fork before
    ``exec``: started from a runner that holds a 1M-review build, it reports the
    runner's peak, not ours. VmHWM belongs to this process's own memory map."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def probe_rss(db: str, now: datetime, answers: int) -> dict[str, Any]:
    from textual.widgets import DataTable

    app = quizzer_app(db, now, defaults=True)
    steps: dict[str, int] = {"imports": maxrss_kb()}
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.query(DataTable)
                    and app.screen.query_one(DataTable).row_count)
        await settle(pilot)
        decks = app.screen
        table = decks.query_one(DataTable)
        with contextlib.suppress(Exception):  # highlight the big deck
            table.move_cursor(row=table.get_row_index("bench"))
        steps["deck list"] = maxrss_kb()
        await pilot.press("b")
        await until(pilot, lambda: app.screen is not decks and app.screen.query("#cards")
                    and app.screen.query_one("#cards", DataTable).row_count)
        await settle(pilot)
        steps["browse"] = maxrss_kb()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is decks)
        await pilot.press("s")
        await until(pilot, lambda: app.screen is not decks)
        # the statistics and the fit of the parameters (#8) both shown, whatever it took
        stats_screen = app.screen
        await until(pilot, lambda: getattr(stats_screen, "stats", None) is not None
                    and getattr(stats_screen, "fit", None) is not None, timeout=600)
        fit = stats_screen.fit
        await settle(pilot)
        steps["stats"] = maxrss_kb()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is decks)
        await settle(pilot)
        screen = await open_review(app, pilot)
        answered = 0
        for _ in range(answers):
            if app.screen is not screen or screen.card is None:
                break
            await grade_shown(pilot, screen)
            await pilot.press("3")
            await until(pilot, lambda: not screen.busy or app.screen is not screen)
            await settle(pilot)
            answered += 1
        steps["review"] = maxrss_kb()
        await pilot.press("escape")
        await settle(pilot)
    return {"maxrss_kb": maxrss_kb(), "steps": steps, "answered": answered,
            "fit": fit if isinstance(fit, str) else f"{fit[0].items} items",
            "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main(argv: list[str]) -> int:
    if argv[:1] == ["floor"]:
        import fsrs  # noqa: F401
        import sqlmodel  # noqa: F401
        import textual.app  # noqa: F401
        import yaml  # noqa: F401

        print("RESULT " + json.dumps({"maxrss_kb": maxrss_kb()}))
        return 0
    kind, db, now, count = argv[0], argv[1], datetime.fromisoformat(argv[2]), int(argv[3])
    probe = {"answer": probe_answer, "rss": probe_rss}[kind]
    result = asyncio.run(probe(db, now, count))
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
