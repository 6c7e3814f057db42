"""The ``quizzer`` command line.

Heavy modules load inside the commands that need them: ``quizzer --help``,
``--version`` and ``check`` never import SQLModel or Textual (a test proves it).
User errors end with a one-line message and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from quizzer import __version__

__all__ = ["cli", "main"]


def _fail(message: str, code: int = 1) -> NoReturn:
    import os

    from quizzer.text import safe_text

    label = "error: " if os.environ.get("NO_COLOR") else click.style("error: ", fg="red", bold=True)
    click.echo(label + safe_text(message), err=True)
    sys.exit(code)


def _open(ctx: click.Context) -> Any:
    """Open the collection named by ``--db`` (or the default one)."""
    from quizzer.collection import Collection

    col = Collection.open(ctx.obj.get("db"))
    ctx.find_root().obj["col"] = col
    return col


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="quizzer")
@click.option(
    "--db",
    metavar="PATH|URL",
    envvar="QUIZZER_DB",
    help="Database file or SQLAlchemy URL (default: the user data folder; env QUIZZER_DB).",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """quizzer: study plain-text YAML decks with FSRS spaced repetition.

    Run without a command to open the study app on the bundled decks and the folders
    in the config's deck_dirs (outside a terminal it imports them and lists your decks).
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is None:
        _run_app(ctx, [], import_defaults=True, open_deck=None)
    elif ctx.invoked_subcommand != "study":
        from quizzer.startup import release_gc

        release_gc()  # only the app's start-up gains from holding it (quizzer.startup)


def _run_app(
    ctx: click.Context, paths: list[Path], import_defaults: bool, open_deck: str | None
) -> None:
    col = _open(ctx)
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        from quizzer.startup import release_gc

        release_gc()
        # No terminal to draw on (a pipe, CI): import and list instead of starting the UI.
        report = col.import_default_decks() if import_defaults else col.import_decks(paths)
        if paths and import_defaults:
            report = col.import_decks(paths)
        _print_problems(report.problems)
        _print_decks(col.decks())
        return
    from quizzer.tui import create_app

    create_app(col, paths, import_defaults=import_defaults, open_deck=open_deck).run()


@cli.command()
@click.argument("targets", nargs=-1)
@click.pass_context
def study(ctx: click.Context, targets: tuple[str, ...]) -> None:
    """Open the study app on decks (by id) or deck files and folders.

    With no TARGETS it studies every deck. A deck id opens that deck's queue; paths are
    imported (and watched for changes) first.
    """
    paths = [Path(t) for t in targets if Path(t).exists()]
    decks = [t for t in targets if not Path(t).exists()]
    if len(decks) > 1:
        _fail("give at most one deck id (or several deck files)")
    open_deck = decks[0] if decks else "*"
    if paths and not decks:
        from quizzer.deck.loader import find_deck_files, read_deck

        slugs = {r.deck.id for f in find_deck_files(paths) if (r := read_deck(f, lint=False)).deck}
        open_deck = slugs.pop() if len(slugs) == 1 else "*"
    _run_app(ctx, paths, import_defaults=not paths, open_deck=open_deck)


# -- check ---------------------------------------------------------------------------
@cli.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=Path)
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text for people, github for GitHub Actions annotations, json for tools.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems, no summary.")
def check(paths: tuple[Path, ...], strict: bool, fmt: str, quiet: bool) -> None:
    """Check deck files (or folders of them) and report every problem.

    Exits 0 when clean, 1 when there are errors (or warnings with --strict), 2 on
    usage errors.
    """
    from quizzer.checkcmd import run_check

    sys.exit(run_check(list(paths), strict, fmt, quiet))


# -- import --------------------------------------------------------------------------
def _print_problems(problems: list[Any]) -> None:
    for problem in problems:
        if problem.is_error:
            click.echo(problem.format(), err=True)


def _print_decks(decks: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from quizzer.text import safe_text

    table = Table(title="Decks", title_justify="left")
    table.add_column("deck")
    table.add_column("title")
    table.add_column("cards", justify="right")
    table.add_column("retired", justify="right")
    for deck in decks:
        table.add_row(
            Text(safe_text(deck.slug)),
            Text(safe_text(deck.title)),
            str(deck.cards),
            str(deck.retired or ""),
        )
    if not decks:
        click.echo(
            "No decks yet. Import some with `quizzer import PATH`, or write one with "
            "`quizzer new my-deck.yaml`."
        )
        return
    Console(highlight=False).print(table)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--relink",
    is_flag=True,
    help="Carry review history over to edited id-less cards that look alike.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], relink: bool, as_json: bool) -> None:
    """Import deck files or folders into the collection.

    The database is made to match the files in one transaction. Cards removed from a
    file are retired (their history is kept) and come back with it if they return.
    """
    from quizzer.text import safe_text

    col = _open(ctx)
    report = col.import_decks(paths, relink=relink)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        sys.exit(1 if report.errors else 0)
    _print_problems(report.problems)
    for f in report.files:
        if f.status == "error":
            click.echo(
                f"{safe_text(f.path)}: not imported (see the errors above); the "
                "database keeps its last good version",
                err=True,
            )
            continue
        if f.status == "unchanged":
            continue
        parts = [
            f"{n} {name}"
            for name in ("added", "updated", "retired", "restored")
            if (n := getattr(f, name))
        ]
        verb = "removed from disk" if f.status == "removed" else ", ".join(parts) or "no changes"
        click.echo(f"{safe_text(f.path)} ({safe_text(f.deck or '?')}): {verb}")
    for c in report.relinked:
        click.echo(
            f"relinked {c.old_key} → {c.new_key} in {safe_text(c.deck)}: "
            f"{safe_text(_short(c.new_prompt))!r} keeps {c.reviews} review(s)"
        )
    if report.candidates:
        click.echo("\nThese edited cards look like retired cards that have history:")
        for c in report.candidates:
            click.echo(
                f"  {safe_text(c.deck)}: {c.old_key} {safe_text(_short(c.old_prompt))!r}"
                f" ({c.reviews} reviews) → {c.new_key} "
                f"{safe_text(_short(c.new_prompt))!r} [{c.similarity:.0%} alike]"
            )
        click.echo(
            "Carry their history over with `quizzer import --relink PATH`, or one by "
            "one with `quizzer relink DECK OLD NEW`."
        )
    totals = ", ".join(
        f"{report.total(n)} {n}" for n in ("added", "updated", "unchanged", "retired", "restored")
    )
    click.echo(f"{len(report.files)} file(s): {totals}")
    sys.exit(1 if report.errors else 0)


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cli.command()
@click.argument("deck")
@click.argument("old")
@click.argument("new")
@click.pass_context
def relink(ctx: click.Context, deck: str, old: str, new: str) -> None:
    """Carry the review history of retired card OLD over to card NEW in DECK.

    OLD and NEW are card keys, as `quizzer import` prints them (an id, or # and a hash).
    """
    from quizzer.importer import RelinkError

    col = _open(ctx)
    try:
        col.relink(deck, old, new)
    except RelinkError as exc:
        _fail(str(exc))
    click.echo(f"relinked {old} → {new} in {deck}")


@cli.command()
@click.pass_context
def decks(ctx: click.Context) -> None:
    """List the decks in the collection."""
    _print_decks(_open(ctx).decks())


# -- statistics and export ----------------------------------------------------------
def _parse_day(value: str | None, name: str) -> Any:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-03-01", param_hint=name
        ) from None


_TABLE_NAMES = [
    "cards",
    "decks",
    "activity",
    "retention",
    "accuracy",
    "forecast",
    "stability",
    "difficulty",
    "retrievability",
    "buttons",
    "calibration",
    "hardest",
]


@cli.command()
@click.option("--deck", help="Only this deck.")
@click.option("--tag", help="Only cards with this tag.")
@click.option("--since", help="First study day of the reviews counted (YYYY-MM-DD).")
@click.option("--until", help="Last study day of the reviews counted (YYYY-MM-DD).")
@click.option("--days", type=click.IntRange(1, 36500), help="The last N study days.")
@click.option(
    "--forecast-days",
    type=click.IntRange(1, 3650),
    default=30,
    show_default=True,
    help="How far the forecast looks.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(_TABLE_NAMES),
    help="For CSV: which table (repeatable; several need --output DIR).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write to this file (for several CSV tables: a folder).",
)
@click.pass_context
def stats(
    ctx: click.Context,
    deck: str | None,
    tag: str | None,
    since: str | None,
    until: str | None,
    days: int | None,
    forecast_days: int,
    fmt: str,
    tables: tuple[str, ...],
    output: Path | None,
) -> None:
    """Show progress statistics, or export them as JSON, CSV or Markdown.

    JSON holds everything (docs/statistics.md defines every field); CSV writes one table
    per --table; Markdown is a report to paste into notes.
    """
    from quizzer.stats.files import atomic_writer

    col = _open(ctx)
    try:
        data = col.stats(
            deck,
            tag,
            _parse_day(since, "--since"),
            _parse_day(until, "--until"),
            days,
            forecast_days,
        )
    except KeyError as exc:
        _fail(str(exc.args[0]))
    if fmt == "table":
        from rich.console import Console

        from quizzer.stats.report import rich_report

        console = Console(highlight=False)
        for part in rich_report(data):
            console.print(part)
            console.print()
        return
    if fmt == "json":
        with atomic_writer(output) as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    elif fmt == "markdown":
        from quizzer.stats.report import markdown_report

        with atomic_writer(output) as handle:
            handle.write(markdown_report(data) + "\n")
    else:
        from quizzer.stats.files import write_csv
        from quizzer.stats.report import table_rows

        names = list(tables) or ["activity"]
        if len(names) > 1:
            if output is None or not output.is_dir():
                _fail("several --table need --output pointing at an existing folder")
            for name in names:
                with atomic_writer(output / f"{name}.csv") as handle:
                    write_csv(handle, *table_rows(data, name))
            click.echo(f"wrote {len(names)} tables to {output}", err=True)
            return
        with atomic_writer(output) as handle:
            write_csv(handle, *table_rows(data, names[0]))
    if output is not None:
        click.echo(f"wrote {output}", err=True)


@cli.group()
def export() -> None:
    """Export the review log or the cards (CSV or JSON Lines)."""


@export.command("reviews")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--deck", help="Only this deck.")
@click.option("--scheduled-only", is_flag=True, help="Leave out practice reviews.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
@click.pass_context
def export_reviews_cmd(
    ctx: click.Context, fmt: str, deck: str | None, scheduled_only: bool, output: Path | None
) -> None:
    """Write every review. The CSV begins with the FSRS optimizer's columns."""
    from quizzer.stats.export import export_reviews
    from quizzer.stats.files import atomic_writer

    col = _open(ctx.find_root())
    with atomic_writer(output) as handle:
        count = export_reviews(col.store, handle, fmt, deck, scheduled_only)
    if output is not None:
        click.echo(f"wrote {count} reviews to {output}", err=True)


@export.command("cards")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--deck", help="Only this deck.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
@click.pass_context
def export_cards_cmd(ctx: click.Context, fmt: str, deck: str | None, output: Path | None) -> None:
    """Write the current state of every card."""
    from quizzer.stats.export import export_cards
    from quizzer.stats.files import atomic_writer

    col = _open(ctx.find_root())
    with atomic_writer(output) as handle:
        count = export_cards(col.store, handle, fmt, deck)
    if output is not None:
        click.echo(f"wrote {count} cards to {output}", err=True)


# -- personal scheduling --------------------------------------------------------------
@cli.command("import-reviews")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deck", help="Deck for cards the collection doesn't know (default: imported).")
@click.option(
    "--map-keys",
    is_flag=True,
    help="Attach rows whose deck and card_key columns name a real card to it.",
)
@click.pass_context
def import_reviews_cmd(ctx: click.Context, file: Path, deck: str | None, map_keys: bool) -> None:
    """Import a review history (FSRS optimizer CSV layout, as `export reviews` writes).

    Unknown cards become imported-history cards: they count in statistics and for the
    optimizer, but are never studied. One transaction; bad rows are listed with their
    line numbers and nothing is imported.
    """
    from quizzer.history import HistoryError, import_reviews

    col = _open(ctx)
    try:
        report = import_reviews(col.store, file, deck, map_keys)
    except HistoryError as exc:
        for line in exc.problems:
            click.echo(f"error: {line}", err=True)
        _fail(str(exc))
    for line in report.skipped:
        click.echo(f"skipped: {line}", err=True)
    click.echo(
        f"{report.rows} rows: {report.reviews} reviews imported, {report.duplicates} "
        f"already there; {report.cards_created} history cards created, "
        f"{report.cards_mapped} mapped to deck cards"
    )


def _fit_table(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Fit on {result.items} items ({result.reviews} reviews)", title_justify="left"
    )
    for name in ("parameters", "log loss", "RMSE (bins)"):
        table.add_column(name)
    if result.current:
        table.add_row(
            "current", f"{result.current.log_loss:.4f}", f"{result.current.rmse_bins:.4f}"
        )
    if result.fitted:
        table.add_row("fitted", f"{result.fitted.log_loss:.4f}", f"{result.fitted.rmse_bins:.4f}")
    Console(highlight=False).print(table)


def _check_deck(col: Any, deck: str | None) -> None:
    if deck is not None and deck not in {d.slug for d in col.decks()}:
        _fail(f"no deck '{deck}'")


def _fit_json(f: Any) -> Any:
    if f is None:
        return None
    return {"parameters": list(f.parameters), "log_loss": f.log_loss, "rmse_bins": f.rmse_bins}


def _retention_json(s: Any, parameters: str) -> dict[str, Any]:
    from dataclasses import asdict

    def workload(w: Any) -> dict[str, Any]:
        return {**asdict(w), "minutes_per_card": w.minutes_per_card}

    return {
        "suggested": s.suggested,
        "current": s.current,
        "parameters": parameters,
        "at_bound": s.at_bound,
        "at_suggested": workload(s.at_suggested),
        "at_current": workload(s.at_current),
        "simulator": asdict(s.inputs),
        "seconds": round(s.seconds, 3),
    }


def _trade_off(s: Any) -> str:
    """One line: what the suggestion costs and gains against the current retention."""
    sug, cur = s.at_suggested, s.at_current
    if s.suggested == s.current:
        return (
            f"Your desired retention, {s.current:.2f}, is already the suggestion: "
            f"{sug.minutes_per_day:.1f} min a day, {sug.remembered:,.0f} cards remembered "
            f"after {sug.days} days."
        )

    def change(new: float, old: float, less: str, more: str) -> str:
        if not old:
            return f"no {less}"
        ratio = (new - old) / old
        return f"{abs(ratio):.0%} {less if ratio < 0 else more}"

    return (
        f"{s.suggested:.2f} takes "
        f"{change(sug.minutes_per_day, cur.minutes_per_day, 'less', 'more')} study time a "
        f"day than {s.current:.2f}, for "
        f"{change(sug.remembered, cur.remembered, 'fewer', 'more')} cards remembered after "
        f"{sug.days} days."
    )


def _print_retention(s: Any, parameters: str) -> None:
    from quizzer.optimize import RETENTION_RANGE

    inputs = s.inputs
    click.echo(
        f"Suggested desired retention: {s.suggested:.2f} (now {s.current:.2f}), "
        f"for the {parameters} parameters"
    )
    for w in (s.at_suggested, s.at_current)[: 1 if s.suggested == s.current else 2]:
        reviews = f"{w.reviews_per_day:.{0 if w.reviews_per_day >= 10 else 1}f}"
        click.echo(
            f"  at {w.retention:.2f}: {w.minutes_per_day:.1f} min and {reviews} reviews a day, "
            f"{w.remembered:,.0f} cards remembered after {w.days} days "
            f"({w.minutes_per_card:.1f} min each)"
        )
    click.echo(_trade_off(s))
    if s.at_bound:
        low, high = RETENTION_RANGE
        end, side = ("lowest", "below") if s.suggested <= low + 0.005 else ("highest", "above")
        click.echo(
            f"{s.suggested:.2f} is the {end} retention fsrs-rs tries (it searches "
            f"{low:.2f}–{high:.2f}); the optimum may lie {side}."
        )
    measured = sum(map(sum, inputs.measured_costs))
    click.echo(
        f"Simulated: {inputs.deck_size:,} cards, {inputs.new_per_day} new and at most "
        f"{inputs.reviews_per_day} reviews a day, for {inputs.days} days ({s.seconds:.1f} s)."
    )
    click.echo(
        f"Answer times from your log ({inputs.timed_answers:,} timed answers) for {measured} of "
        "12 kinds (state × rating), fsrs-rs's defaults for the rest."
    )


@cli.command()
@click.option("--deck", help="Fit this deck's history (saved as the deck's parameters).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--yes", is_flag=True, help="Save without asking.")
@click.option(
    "--reschedule", is_flag=True, help="Recompute every card's due date with what was saved."
)
@click.option(
    "--retention",
    is_flag=True,
    help="Also suggest a desired retention from fsrs-rs's workload simulation.",
)
@click.pass_context
def optimize(
    ctx: click.Context,
    deck: str | None,
    as_json: bool,
    yes: bool,
    reschedule: bool,
    retention: bool,
) -> None:
    """Fit FSRS parameters to your review history (fsrs-rs, the trainer Anki uses).

    Prints log loss and RMSE(bins) of the current and the fitted parameters on the same
    data, and saves the fitted ones only if they fit better and you confirm. With
    --retention, then suggests the desired retention that costs the least study time
    per card remembered, for the parameters you keep, and offers to save it.
    """
    from quizzer.errors import QuizzerError
    from quizzer.optimize import MIN_ITEMS, SLOW_SIMULATION

    col = _open(ctx)
    _check_deck(col, deck)
    scope = f" for {deck}" if deck else ""
    result = col.optimize(deck)
    payload: dict[str, Any] = {
        "items": result.items,
        "reviews": result.reviews,
        "enough": result.enough,
        "current": _fit_json(result.current),
        "fitted": _fit_json(result.fitted),
        "better": result.better,
    }
    if as_json and not retention:
        click.echo(json.dumps(payload, indent=2))
    elif not as_json and result.current is not None:
        _fit_table(result)
    if not result.enough:
        click.echo(
            f"Too little history to fit: {result.items} item(s), and fsrs-rs needs "
            f"{MIN_ITEMS} (a review on a later day than the card's previous one). "
            "Nothing was changed.",
            err=True,
        )
        if retention:
            click.echo(
                "No desired retention suggested either: the simulation would run on "
                "default parameters, not on yours.",
                err=True,
            )
            if as_json:
                click.echo(json.dumps({**payload, "retention": None}, indent=2))
        return
    assert result.current is not None
    parameters, which = result.current.parameters, "current"
    saved = False
    if not result.better:
        click.echo("The fitted parameters don't fit better; they were not saved.", err=True)
    else:
        assert result.fitted is not None
        # the questions go to stderr, so that --json output stays parseable
        if yes or click.confirm("Save the fitted parameters?", default=True, err=True):
            col.set_setting("parameters", list(result.fitted.parameters), deck)
            parameters, which, saved = result.fitted.parameters, "fitted", True
            click.echo(
                f"saved the fitted parameters{scope}; scheduling uses them from the next answer",
                err=True,
            )
    if retention:

        def starting(inputs: Any) -> None:
            click.echo(
                f"Simulating {inputs.days} days of study with fsrs-rs to find the retention "
                "that costs the least time per card remembered…",
                err=True,
            )
            if inputs.learnt > SLOW_SIMULATION:
                click.echo(
                    f"{inputs.learnt:,} new cards to simulate: this can take a minute or more "
                    "(see docs/personal-scheduling.md).",
                    err=True,
                )

        try:
            suggestion = col.suggest_retention(deck, parameters, starting)
        except QuizzerError as exc:
            _fail(f"cannot suggest a desired retention: {exc}")
        if as_json:
            payload["retention"] = _retention_json(suggestion, which)
            click.echo(json.dumps(payload, indent=2))
        else:
            _print_retention(suggestion, which)
        if suggestion.suggested != suggestion.current and (
            yes
            or click.confirm(
                f"Save desired_retention = {suggestion.suggested:.2f}{scope}?",
                default=False,
                err=True,
            )
        ):
            col.set_setting("desired_retention", suggestion.suggested, deck)
            saved = True
            click.echo(
                f"saved desired_retention = {suggestion.suggested:.2f}{scope}; new intervals "
                "use it from the next answer",
                err=True,
            )
    if reschedule and saved:
        from quizzer.maintenance import doctor as run_doctor

        report = run_doctor(col)
        click.echo(f"rescheduled: {'; '.join(report.fixed) or 'nothing to change'}", err=True)


@cli.command()
@click.option("--deck", help="Only this deck's history.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, deck: str | None, as_json: bool) -> None:
    """How well the current parameters fit your history: log loss, RMSE(bins) and the
    calibration table."""
    col = _open(ctx)
    _check_deck(col, deck)
    result = col.optimize(deck, fit=False)
    calibration = col.stats(deck)["calibration"]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "items": result.items,
                    "reviews": result.reviews,
                    "log_loss": result.current.log_loss if result.current else None,
                    "rmse_bins": result.current.rmse_bins if result.current else None,
                    "calibration": calibration,
                },
                indent=2,
            )
        )
        return
    if result.current is None:
        click.echo("No review history to evaluate yet.")
        return
    _fit_table(result)
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="Calibration (predicted recall at review time against actual)", title_justify="left"
    )
    for name in ("predicted range", "predicted", "actual", "reviews"):
        table.add_column(name)
    for b in calibration["bins"]:
        if b["count"]:
            table.add_row(
                f"{b['from']:.0%}–{b['to']:.0%}",
                f"{b['predicted']:.1%}",
                f"{b['actual']:.1%}",
                str(b["count"]),
            )
    Console(highlight=False).print(table)


# -- settings and card actions -------------------------------------------------------
@cli.group(invoke_without_command=True)
@click.option("--deck", help="Show the settings of this deck (with its overrides).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def config(ctx: click.Context, deck: str | None, as_json: bool) -> None:
    """Show the effective study settings and where each comes from.

    Sources, strongest first: the deck's own value, the collection's, the [study] table
    of config.toml, the default. Change them with `quizzer config set`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from quizzer.config import load_config
    from quizzer.paths import config_file

    col = _open(ctx)
    try:
        rows = col.settings(deck)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    if deck and deck not in {d.slug for d in col.decks()}:
        _fail(f"no deck '{deck}'")
    if as_json:
        click.echo(
            json.dumps({r.name: {"value": r.value, "source": r.source} for r in rows}, indent=2)
        )
        return
    from rich.console import Console
    from rich.table import Table

    from quizzer.store.db import masked_url

    table = Table(title=f"Study settings{' for ' + deck if deck else ''}", title_justify="left")
    for name in ("setting", "value", "from", "meaning"):
        table.add_column(name)
    for r in rows:
        value = (
            ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r.value)
            if isinstance(r.value, list)
            else str(r.value)
        )
        table.add_row(r.name, value or "—", r.source, r.help)
    console = Console(highlight=False)
    console.print(table)
    loaded = load_config()
    console.print(f"database: {masked_url(col.store.url)}", markup=False)
    console.print(
        f"config file: {loaded.path or config_file()} "
        f"({'found' if loaded.path else 'not present'})",
        markup=False,
    )


@config.command("set")
@click.argument("name")
@click.argument("value", nargs=-1, required=True)
@click.option("--deck", help="Set it for this deck only.")
@click.pass_context
def config_set(ctx: click.Context, name: str, value: tuple[str, ...], deck: str | None) -> None:
    """Set a study setting, e.g. `quizzer config set desired_retention 0.85` or
    `quizzer config set learning_steps 1m 10m 1h --deck my-deck`."""
    from quizzer.study.settings import SettingError

    col = _open(ctx.find_root())
    raw: object = " ".join(value)
    try:
        parsed = col.set_setting(name, raw, deck)
    except SettingError as exc:
        _fail(str(exc))
    except KeyError as exc:
        _fail(str(exc.args[0]))
    from quizzer.study.settings import to_stored

    shown = to_stored(name, parsed)
    shown = " ".join(map(str, shown)) if isinstance(shown, list) else shown
    click.echo(f"{name} = {shown}" + (f" for deck {deck}" if deck else ""))


@config.command("unset")
@click.argument("name")
@click.option("--deck", help="Remove the deck's own value.")
@click.pass_context
def config_unset(ctx: click.Context, name: str, deck: str | None) -> None:
    """Remove a stored setting, so the next source applies."""
    from quizzer.study.settings import SettingError

    col = _open(ctx.find_root())
    try:
        removed = col.unset_setting(name, deck)
    except SettingError as exc:
        _fail(str(exc))
    click.echo(f"{name}: {'removed' if removed else 'was not set'}")


def _card_ids(col: Any, deck: str, keys: tuple[str, ...]) -> list[int]:
    try:
        if not keys:
            return list(col.deck_card_ids(deck))
        return [col.card_id(deck, key) for key in keys]
    except KeyError as exc:
        _fail(str(exc.args[0]))


def _card_action(name: str, help_text: str, needs_confirm: bool = False) -> None:
    @cli.command(name, help=help_text)
    @click.argument("deck")
    @click.argument("keys", nargs=-1)
    @click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
    @click.pass_context
    def command(ctx: click.Context, deck: str, keys: tuple[str, ...], yes: bool) -> None:
        col = _open(ctx)
        ids = _card_ids(col, deck, keys)
        if needs_confirm and not yes:
            what = f"{len(ids)} card(s) of {deck}" if keys else f"every card of {deck}"
            click.confirm(f"Reset the progress of {what}? Their history is kept.", abort=True)
        count = getattr(col, name)(ids)
        click.echo(f"{name}: {count} card(s)")


_card_action("suspend", "Suspend cards of DECK (by KEY, or all of them) until unsuspended.")
_card_action("unsuspend", "Unsuspend cards of DECK (by KEY, or all of them).")
_card_action("bury", "Hide cards of DECK (by KEY, or all of them) until the next study day.")
_card_action("unbury", "Show buried cards of DECK again today.")
_card_action(
    "reset", "Make cards of DECK new again (their history is kept; undoable).", needs_confirm=True
)


@cli.command()
@click.pass_context
def undo(ctx: click.Context) -> None:
    """Undo the newest review (or reset) in the collection; repeat to go further back."""
    result = _open(ctx).undo()
    if result is None:
        click.echo("nothing to undo")
        return
    click.echo(f"undid {result.mode} review {result.review_id} of card {result.card_id}")


# -- reliability ----------------------------------------------------------------------
@cli.command()
@click.pass_context
def backup(ctx: click.Context) -> None:
    """Back up the collection now (old backups are thinned)."""
    from quizzer.maintenance import backup_now

    path = backup_now(_open(ctx), "manual")
    click.echo(f"backed up to {path}")


@cli.command()
@click.pass_context
def backups(ctx: click.Context) -> None:
    """List the backups with their date, size and counts."""
    from rich.console import Console
    from rich.table import Table

    from quizzer.paths import backup_dir
    from quizzer.store.backup import list_backups

    found = list_backups(backup_dir(), counts=True)
    if not found:
        click.echo(f"no backups in {backup_dir()}")
        return
    table = Table(title=f"Backups in {backup_dir()}", title_justify="left")
    for name in ("#", "date (local)", "reason", "size", "cards", "reviews", "file"):
        table.add_column(name)
    for i, b in enumerate(found, 1):
        table.add_row(
            str(i),
            b.created.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            b.reason,
            f"{b.size / 1024:.0f} KiB",
            str(b.cards if b.cards is not None else "?"),
            str(b.reviews if b.reviews is not None else "?"),
            b.path.name,
        )
    Console(highlight=False).print(table)


@cli.command()
@click.argument("backup_file", required=False)
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@click.pass_context
def restore(ctx: click.Context, backup_file: str | None, yes: bool) -> None:
    """Restore BACKUP_FILE (a path, a file name or a number from `quizzer backups`), or the
    newest sound backup. The current state is backed up first."""
    from quizzer.maintenance import restore as do_restore
    from quizzer.paths import backup_dir
    from quizzer.store.backup import list_backups

    chosen: Path | None = None
    if backup_file is not None:
        found = list_backups(backup_dir())
        if backup_file.isdigit() and 1 <= int(backup_file) <= len(found):
            chosen = found[int(backup_file) - 1].path
        elif Path(backup_file).exists():
            chosen = Path(backup_file)
        elif (backup_dir() / backup_file).exists():
            chosen = backup_dir() / backup_file
        else:
            _fail(f"no backup {backup_file!r}; `quizzer backups` lists them")
    from quizzer.store.db import masked_url, resolve_url, sqlite_path

    url = resolve_url(ctx.obj.get("db"))
    db = sqlite_path(url)
    if not yes:
        click.confirm(
            f"Replace the collection{'' if db else ' on ' + masked_url(url)} with "
            f"{chosen or 'the newest backup'}? The current state is backed up first.",
            abort=True,
        )
    if db is None:  # a server: the backup's rows replace the collection's
        from quizzer.maintenance import restore_server

        restored, before = restore_server(url, chosen)
    else:
        restored, before = do_restore(db, chosen)
    click.echo(f"restored {restored}\nthe state before is kept in {before}")


@cli.command()
@click.option("--check-only", is_flag=True, help="Report problems without repairing them.")
@click.pass_context
def doctor(ctx: click.Context, check_only: bool) -> None:
    """Check the database and every card's state against its review log; repair."""
    from quizzer.maintenance import check_file
    from quizzer.maintenance import doctor as run_doctor
    from quizzer.store.db import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(ctx.obj.get("db")))
    if path is not None and path.exists():
        problem = check_file(path)
        if problem is not None:
            _explain_damage(path, problem)
    report = run_doctor(_open(ctx), repair=not check_only)
    if report.damaged:
        _explain_damage(path, report.damaged)  # type: ignore[arg-type]
    for line in report.found[:20]:
        click.echo(f"found: {line}")
    if len(report.found) > 20:
        click.echo(f"found: … and {len(report.found) - 20} more")
    for line in report.fixed:
        click.echo(f"fixed: {line}")
    if report.clean:
        click.echo("no problems found")
    sys.exit(1 if report.found and check_only else 0)


def _explain_damage(path: Path, problem: str) -> NoReturn:
    from quizzer.paths import backup_dir
    from quizzer.store.backup import latest_backup

    newest = latest_backup(backup_dir())
    advice = (
        f"The newest sound backup is {newest.path} ({newest.created:%Y-%m-%d %H:%M} "
        f"UTC); `quizzer restore {newest.path.name}` restores it (the damaged file is "
        "backed up first)."
        if newest
        else "There is no sound backup to restore."
    )
    _fail(f"{path} is damaged: {problem}. Nothing was changed. {advice}")


@cli.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH|URL",
    help="The empty database to copy into: an SQLite file or postgresql+psycopg://user@host/db.",
)
@click.pass_context
def migrate(ctx: click.Context, target: str) -> None:
    """Copy the whole collection (decks, cards, their states, reviews, settings) to
    another database, SQLite ⇄ PostgreSQL: the way onto a server and back.

    The target must be empty; the copy is one transaction, verified (row counts, every
    card's state, every row) before it commits. The current collection is not changed.
    """
    from quizzer.store.db import masked_url, resolve_url, sqlite_path

    col = _open(ctx)
    report = col.copy_to(target)
    url = resolve_url(target)
    shown = str(sqlite_path(url) or masked_url(url))
    click.echo(f"copied {report.summary()} to {shown}")
    click.echo("verified: row counts, every card's state and every row are equal")
    click.echo(f"use it with `quizzer --db {shown} ...`, QUIZZER_DB or database_url in config.toml")


# -- authoring -----------------------------------------------------------------------
@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to a file instead of printing it.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the deck format (for editor completion)."""
    from quizzer.deck.spec import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    _write_new(output, text, overwrite=True)
    click.echo(f"wrote {output}")


def _write_new(path: Path, text: str, overwrite: bool) -> None:
    from quizzer.stats.files import atomic_writer

    if path.exists() and not overwrite:
        _fail(f"{path} already exists; choose another name or pass --force")
    if not path.parent.is_dir():
        _fail(f"the folder {path.parent} does not exist")
    try:
        with atomic_writer(path) as handle:  # whole or not at all, even on a full disk
            handle.write(text)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(path: Path, force: bool) -> None:
    """Write a commented starter deck to PATH (it passes `quizzer check`)."""
    from quizzer.deck.starter import starter_deck

    _write_new(path, starter_deck(path.name), overwrite=force)
    click.echo(f"wrote {path}; edit it, then run `quizzer check {path}`")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``quizzer`` console script."""
    from quizzer.config import ConfigError
    from quizzer.errors import QuizzerError

    try:
        with cli.make_context("quizzer", list(sys.argv[1:] if argv is None else argv)) as ctx:
            try:
                cli.invoke(ctx)
            finally:
                col = (ctx.obj or {}).get("col")
                if col is not None:
                    from quizzer.maintenance import maybe_backup

                    maybe_backup(col)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (QuizzerError, ConfigError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:
        _fail(f"{exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}")


if __name__ == "__main__":  # pragma: no cover
    main()
