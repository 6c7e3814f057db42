"""The statistics screen: charts, a calendar heatmap, and the key tables.

Statistics are computed in a worker; the screen shows "Computing…" until they arrive
and never freezes. ``d`` switches deck, ``x`` exports JSON, CSV and Markdown files.

The "Parameters" line shows how the FSRS parameters in use fit the history (evaluated
by fsrs-rs in its own worker). ``o`` fits new ones to the shown deck's history (or the
collection's) in a worker, then asks in :class:`OptimizeDialog` whether to save them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from quizzer.summary import streak_text
from quizzer.tui.safe import plain, short
from quizzer.tui.widgets.footer import KeyFooter
from quizzer.tui.workers import if_current

if TYPE_CHECKING:
    from quizzer.optimize import OptimizeResult
    from quizzer.tui.app import QuizzerApp

__all__ = ["StatsScreen", "heatmap"]

_SHADES = ["·", "░", "▒", "▓", "█"]


def heatmap(days: list[dict[str, Any]], today: date, weeks: int = 26) -> Text:
    """A GitHub-style calendar of daily scheduled reviews: one column per week."""
    counts = {date.fromisoformat(d["date"]): d["scheduled"] for d in days}
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    peak = max([c for c in counts.values() if c] or [1])
    out = Text()
    for weekday, name in enumerate(["Mon", "", "Wed", "", "Fri", "", "Sun"]):
        out.append(f"{name:<4}", style="dim")
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if day > today:
                out.append(" ")
                continue
            count = counts.get(day, 0)
            level = 0 if not count else min(4, 1 + int(3 * count / peak))
            out.append(_SHADES[level], style="green" if count else "dim")
        out.append("\n")
    out.append("    less " + "".join(_SHADES) + " more", style="dim")
    return out


def _ticks(plt: Any, labels: list[str], count: int = 6) -> None:
    """Label about ``count`` evenly spaced x positions with ``labels``."""
    if not labels:
        return
    step = max(1, len(labels) // count)
    positions = list(range(0, len(labels), step))
    plt.xticks(positions, [labels[p] for p in positions])


#: How the ``parameters`` setting's source is named on screen.
_SOURCES = {
    "default": "FSRS-6 defaults",
    "collection": "the collection's",
    "config.toml": "config.toml's",
}


#: The fit shown on the "Parameters" line: (result, source), the reason it could not be
#: computed, or None while it is.
Fit = tuple["OptimizeResult", str] | str | None


def _fit_line(fit: Fit) -> Text:
    """The "Parameters" line: whose parameters are in use, and how they fit."""
    if fit is None:
        return Text("evaluating…", style="dim")
    if isinstance(fit, str):
        return plain(f"could not be evaluated: {fit}", "red")  # may quote a deck's name
    result, source = fit
    line = Text(_SOURCES.get(source, "this deck's own"))
    if result.current is None:
        line.append(" · no history to evaluate yet", style="dim")
        return line
    line.append(
        f" · log loss {result.current.log_loss:.4f} · RMSE(bins) "
        f"{result.current.rmse_bins:.4f} · {result.items:,} items"
    )
    return line


def _summary(stats: dict[str, Any], fit: Fit = None) -> Table:
    c, r, act, cal = stats["cards"], stats["retention"], stats["activity"], stats["calibration"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    grid.add_row(
        "Cards",
        f"{c['total']}  ({c['new']} new · {c['learning'] + c['relearning']} "
        f"learning · {c['review']} review · {c['mature']} mature)",
    )
    grid.add_row(
        "Flags",
        f"{c['suspended']} suspended · {c['buried']} buried · "
        f"{c['leech']} leeches · {c['retired']} retired",
    )
    grid.add_row("Streak", streak_text(act["streak"]["current"], act["streak"]["longest"]))
    grid.add_row(
        "True retention",
        f"today {pct(r['today']['rate'])} · 7d {pct(r['7d']['rate'])}"
        f" · 30d {pct(r['30d']['rate'])} · desired {r['desired']:.0%}",
    )
    grid.add_row(
        "Knowledge", f"{stats['memory']['estimated_knowledge']} cards recalled now (estimated)"
    )
    grid.add_row(
        "Model fit",
        f"log loss {cal['log_loss'] if cal['log_loss'] is not None else '—'}"
        f" · RMSE(bins) {cal['rmse_bins'] if cal['rmse_bins'] is not None else '—'}"
        f" · {cal['reviews']} reviews",
    )
    grid.add_row("Parameters", _fit_line(fit))
    return grid


def _tables(stats: dict[str, Any]) -> Group:
    cal = Table(title="Calibration", title_justify="left", title_style="bold", box=None)
    for name in ("predicted", "actual", "reviews"):
        cal.add_column(name, justify="right")
    for b in stats["calibration"]["bins"]:
        if b["count"]:
            cal.add_row(f"{b['predicted']:.0%}", f"{b['actual']:.0%}", str(b["count"]))
    hard = Table(title="Hardest cards", title_justify="left", title_style="bold", box=None)
    hard.add_column("prompt")
    hard.add_column("lapses", justify="right")
    hard.add_column("recall", justify="right")
    for h in stats["hardest"]["most_lapses"][:8]:
        recall = "—" if h["retrievability"] is None else f"{h['retrievability']:.0%}"
        hard.add_row(plain(short(h["prompt"], 50)), str(h["lapses"]), recall)
    states = Table(title="Cards by state", title_justify="left", title_style="bold", box=None)
    states.add_column("state")
    states.add_column("cards", justify="right")
    for key in ("new", "learning", "review", "relearning", "suspended", "leech", "mature"):
        states.add_row(key, str(stats["cards"][key]))
    parts: list[Any] = [states, Text(""), cal]
    if stats["hardest"]["most_lapses"]:
        parts += [Text(""), hard]
    return Group(*parts)


class StatsScreen(Screen[None]):
    """Statistics of all decks or one; d cycles decks, x exports, o optimizes."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="stats.back"),
        Binding("d", "next_deck", "Switch deck", id="stats.deck"),
        Binding("x", "export", "Export files", id="stats.export"),
        Binding("o", "optimize", "Optimize", id="stats.optimize"),
    ]

    def __init__(self, deck: str | None = None):
        super().__init__()
        self.deck = deck
        self.stats: dict[str, Any] | None = None
        #: The fit of the parameters in use, and the setting's source, for ``fit_deck``.
        self.fit: Fit = None
        self.fit_deck: str | None = None
        #: A fit or a save is running (the app clears it if the worker fails).
        self.busy = False

    @property
    def qapp(self) -> QuizzerApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(id="stats-title", classes="topbar")
        with VerticalScroll(id="stats-body"):
            yield Static("Computing…", id="stats-summary")
            with Horizontal(classes="charts"):
                yield PlotextPlot(id="chart-reviews")
                yield PlotextPlot(id="chart-forecast")
            with Horizontal(classes="charts"):
                yield PlotextPlot(id="chart-retention")
                yield Static(id="stats-heatmap")
            yield Static(id="stats-tables")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()
        self.load_fit(self.deck)

    def _title(self) -> Text:
        title = Text("Statistics · ", style="bold")
        title.append(plain(self.deck or "all decks", "bold"))
        return title

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def load(self) -> None:
        """Compute off the UI thread."""
        stats = self.qapp.col.stats(self.deck, days=90, now=self.qapp.now())
        self.app.call_from_thread(self.show, stats)

    def _current_fit(self) -> Fit:
        return self.fit if self.fit is not None and self.fit_deck == self.deck else None

    @work(thread=True, exclusive=True, group="stats-fit", exit_on_error=False)
    def load_fit(self, deck: str | None) -> None:
        """Evaluate the parameters in use on ``deck``'s history, off the UI thread."""
        show = if_current(self.show_fit)
        col = self.qapp.col
        fit: Fit
        try:
            source = next(s.source for s in col.settings(deck) if s.name == "parameters")
            fit = (col.optimize(deck, fit=False, apart=True), source)
        except Exception as exc:  # said on the line, not left "evaluating…" forever
            fit = str(exc) or type(exc).__name__
        self.app.call_from_thread(show, deck, fit)

    def show_fit(self, deck: str | None, fit: Fit) -> None:
        """Show the fit of ``deck``'s parameters (when that deck is still on screen)."""
        self.fit, self.fit_deck = fit, deck
        if self.stats is not None and deck == self.deck:
            self.query_one("#stats-summary", Static).update(_summary(self.stats, fit))

    def show(self, stats: dict[str, Any]) -> None:
        """Draw everything from ``stats``."""
        from textual_plotext import PlotextPlot

        self.stats = stats
        self.query_one("#stats-title", Static).update(self._title())
        self.query_one("#stats-summary", Static).update(_summary(stats, self._current_fit()))
        days = stats["activity"]["days"][-30:]
        # Numeric x positions with date tick labels: plotext would parse "11-05" as a date.
        reviews = self.query_one("#chart-reviews", PlotextPlot).plt
        reviews.clear_figure()
        reviews.title("Reviews per day (30 days)")
        if days:
            xs = list(range(len(days)))
            reviews.stacked_bar(
                xs,
                [[d["scheduled"] for d in days], [d["practice"] for d in days]],
                labels=["scheduled", "practice"],  # type: ignore[call-arg]
            )
            _ticks(reviews, [d["date"][5:] for d in days])
        forecast = self.query_one("#chart-forecast", PlotextPlot).plt
        forecast.clear_figure()
        forecast.title("Due per day (30 days)")
        fc = stats["forecast"]
        forecast.bar(list(range(len(fc))), [f["due"] for f in fc])
        _ticks(forecast, [f["date"][5:] for f in fc])
        retention = self.query_one("#chart-retention", PlotextPlot).plt
        retention.clear_figure()
        retention.title("True retention, 7-day window")
        all_days = stats["activity"]["days"]
        labels, ys = [], []
        for i in range(6, len(all_days)):
            window = all_days[i - 6 : i + 1]
            answers = sum(d["review_answers"] for d in window)
            if answers:
                labels.append(all_days[i]["date"][5:])
                ys.append(100 * sum(d["passed"] for d in window) / answers)
        if ys:
            retention.plot(list(range(len(ys))), ys)
            retention.ylim(0, 100)
            _ticks(retention, labels)
        else:
            retention.text("no reviews of review cards yet", 0.5, 0.5)
        for plot_id in ("#chart-reviews", "#chart-forecast", "#chart-retention"):
            self.query_one(plot_id, PlotextPlot).refresh()
        today = date.fromisoformat(stats["filters"]["until"])
        self.query_one("#stats-heatmap", Static).update(
            Group(Text("Daily reviews", style="bold"), heatmap(stats["activity"]["days"], today))
        )
        self.query_one("#stats-tables", Static).update(_tables(stats))

    def action_next_deck(self) -> None:
        """Cycle: all decks → each deck → all decks."""
        slugs: list[str | None] = [None, *[d.slug for d in self.qapp.col.decks()]]
        index = slugs.index(self.deck) if self.deck in slugs else 0
        self.deck = slugs[(index + 1) % len(slugs)]
        self.query_one("#stats-title", Static).update(self._title())
        self.query_one("#stats-summary", Static).update("Computing…")
        self.load()
        self.load_fit(self.deck)

    def _scope(self, deck: str | None) -> str:
        return "the whole collection" if deck is None else f"deck {deck}"

    def action_optimize(self) -> None:
        """Fit parameters to the shown deck's history (or the collection's), then ask."""
        if self.busy:
            self.notify("Already fitting; one moment.", markup=False)
            return
        self.busy = True
        self.notify(f"Fitting FSRS parameters to {self._scope(self.deck)}…", markup=False)
        self.run_optimize(self.deck)

    @work(thread=True, exclusive=True, group="stats-optimize", exit_on_error=False)
    def run_optimize(self, deck: str | None) -> None:
        """Evaluate and fit off the UI thread (no dialog if the screen has gone since)."""
        offer = if_current(self.offer)
        try:
            result = self.qapp.col.optimize(deck, apart=True)
        except Exception as exc:  # said, and "o" works again (busy stayed set before)
            self.app.call_from_thread(self._optimize_failed, str(exc) or type(exc).__name__)
            return
        self.app.call_from_thread(offer, deck, result)

    def _optimize_failed(self, reason: str) -> None:
        self.busy = False
        self.notify(
            f"Could not fit the parameters: {reason}. Nothing was changed.",
            markup=False,
            severity="error",
            timeout=10,
        )

    def offer(self, deck: str | None, result: OptimizeResult) -> None:
        """Ask to save better parameters; say plainly why not otherwise."""
        from quizzer.optimize import MIN_ITEMS
        from quizzer.tui.dialogs.optimize import OptimizeDialog

        scope = self._scope(deck)
        if not result.enough:
            self.busy = False
            self.notify(
                f"Too little history to fit {scope}: {result.items} item(s), and fsrs-rs "
                f"needs {MIN_ITEMS} (reviews on a later day than the card's previous one). "
                "Nothing was changed.",
                markup=False,
                severity="warning",
                timeout=10,
            )
            return
        if not result.better or result.fitted is None:
            self.busy = False
            current = f" ({result.current.log_loss:.4f})" if result.current else ""
            self.notify(
                f"The fitted parameters don't fit {scope}'s history better than the current "
                f"ones{current}. Nothing was changed.",
                markup=False,
                timeout=10,
            )
            return
        parameters = result.fitted.parameters

        def answered(save: bool | None) -> None:
            if save:
                self.save_parameters(deck, parameters)
            else:
                self.busy = False
                self.notify("The fitted parameters were not saved.", markup=False)

        self.app.push_screen(OptimizeDialog(result, deck), answered)

    @work(thread=True, exclusive=True, group="stats-optimize", exit_on_error=False)
    def save_parameters(self, deck: str | None, parameters: tuple[float, ...]) -> None:
        """Save the fitted parameters for ``deck`` (or the collection), off the UI thread."""
        saved = if_current(self.saved)
        self.qapp.col.set_setting("parameters", list(parameters), deck)
        self.app.call_from_thread(saved, deck)

    def saved(self, deck: str | None) -> None:
        """Say what was saved, and show the new fit."""
        self.busy = False
        whose = "the collection's" if deck is None else f"deck {deck}'s"
        self.notify(
            f"Saved as {whose} parameters; scheduling uses them from the next answer.",
            markup=False,
        )
        self.load_fit(self.deck)

    def action_export(self) -> None:
        """Write JSON, Markdown and CSV files and show where."""
        self.export_files()

    @work(thread=True, exclusive=True, group="stats-export", exit_on_error=False)
    def export_files(self) -> None:
        """Write the exports off the UI thread."""
        import json

        from quizzer.paths import data_dir
        from quizzer.stats.export import export_reviews
        from quizzer.stats.files import atomic_writer
        from quizzer.stats.report import markdown_report

        stats = self.stats or self.qapp.col.stats(self.deck, now=self.qapp.now())
        stamp = self.qapp.now().strftime("%Y%m%d-%H%M%S")
        folder = data_dir() / "exports"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            written: list[Path] = []
            for name, write in (
                ("stats.json", lambda h: json.dump(stats, h, indent=2, ensure_ascii=False)),
                ("stats.md", lambda h: h.write(markdown_report(stats) + "\n")),
                ("reviews.csv", lambda h: export_reviews(self.qapp.col.store, h, "csv", self.deck)),
            ):
                path = folder / f"quizzer-{stamp}-{name}"
                with atomic_writer(path) as handle:
                    write(handle)
                written.append(path)
        except OSError as exc:
            self.app.call_from_thread(
                self.app.notify, f"Export failed: {exc}", markup=False, severity="error"
            )
            return
        message = "Exported:\n" + "\n".join(str(p) for p in written)
        self.app.call_from_thread(self.app.notify, message, markup=False, timeout=10)

    def action_back(self) -> None:
        """Back to the decks."""
        self.app.pop_screen()
