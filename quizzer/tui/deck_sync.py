"""Importing decks into the running app, and live reload when their files change.

The base of :class:`quizzer.tui.app.QuizzerApp`, which sets ``col``, ``deck_paths``,
``import_defaults`` and ``open_deck`` and provides ``now()`` and ``start_session()``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App

from quizzer.text import safe_text

if TYPE_CHECKING:
    from quizzer.importer import ImportReport

__all__ = ["RELOAD_INTERVAL", "DeckSync"]

#: How often deck files are checked for changes, in seconds.
RELOAD_INTERVAL = 2.0


class DeckSync(App[None]):
    """The app's deck handling: import at start, on request, after an edit, and when
    deck files change."""

    _mtimes: dict[str, int]
    col: Any
    deck_paths: list[Path]
    import_defaults: bool
    open_deck: str | None

    def now(self) -> datetime:
        """The current time; the app overrides it."""
        raise NotImplementedError

    def start_session(
        self, deck: str | None, mode: str, filter: str | None = None, tag: str | None = None
    ) -> None:
        """Open a study session; the app overrides it."""
        raise NotImplementedError

    def watch_deck_files(self) -> None:
        """Poll the deck files every :data:`RELOAD_INTERVAL` seconds."""
        self.set_interval(RELOAD_INTERVAL, self.check_files)

    def import_roots(self) -> list[Path]:
        """Folders and files imported at start and watched for changes."""
        from quizzer.config import load_config
        from quizzer.paths import bundled_decks_dir

        roots: list[Path] = []
        if self.import_defaults:
            roots.append(bundled_decks_dir())
            roots += [d for d in load_config().deck_dirs if d.is_dir()]
        roots += self.deck_paths
        return [r for r in roots if r.exists()]

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def reimport(self, announce: bool = True, first: bool = False) -> None:
        """Import every root (off the UI thread) and report what changed."""
        report = self.col.import_decks(self.import_roots(), now=self.now())
        self._remember_mtimes()
        self.call_from_thread(self.after_import, report, announce, first)

    def after_import(self, report: ImportReport, announce: bool, first: bool) -> None:
        """Tell the learner what the import did, and refresh what is on screen."""
        from quizzer.tui.screens.decks import DecksScreen

        if report.errors:
            from quizzer.tui.dialogs.error import ErrorDialog

            detail = "\n\n".join(p.format() for p in report.errors)
            self.push_screen(
                ErrorDialog("Some deck files have errors; their last good version is kept.", detail)
            )
        changed = [f for f in report.files if f.added or f.updated or f.retired or f.restored]
        if announce or (changed and not first):
            for f in changed or report.files[:0]:
                parts = [
                    f"{n} {name}"
                    for name in ("added", "updated", "retired", "restored")
                    if (n := getattr(f, name))
                ]
                # Fix: a file name is untrusted text too (it may hold ESC or a bidi
                # override), and markup=False alone passes it raw to the terminal.
                name = safe_text(Path(f.path).name, keep_newlines=False)
                self.notify(f"{name}: {', '.join(parts)}", markup=False)
            if announce and not changed and not report.errors:
                self.notify("Decks are up to date.", markup=False)
        # Files skipped as unchanged leave the counts as they are (the deck list counted
        # them when shown): at start-up, a second count would cost a scan for nothing.
        # Anything else recounts: a new or retitled deck changes the list with no card
        # added, and so does a relink.
        touched = report.relinked or any(f.status != "unchanged" for f in report.files)
        if touched or announce or report.errors:
            for screen in self.screen_stack:
                if isinstance(screen, DecksScreen):
                    screen.refresh_counts()
        # Not isinstance(ReviewScreen): importing the review screen (and Markdown) here
        # cost every start-up ~40 ms, before any card is studied.
        refresh_card = getattr(self.screen, "refresh_card", None)
        if refresh_card is not None:
            self.run_worker(refresh_card(), exclusive=False)
        if first and self.open_deck is not None:
            deck, self.open_deck = self.open_deck, None
            self.start_session(None if deck == "*" else deck, "scheduled")

    def _deck_files(self) -> list[Path]:
        from quizzer.deck.loader import find_deck_files

        return list(find_deck_files(self.import_roots()))

    def _remember_mtimes(self) -> None:
        mtimes = {}
        for file in self._deck_files():
            try:
                mtimes[str(file)] = file.stat().st_mtime_ns
            except OSError:
                continue
        self._mtimes = mtimes

    def check_files(self) -> None:
        """Re-import when a deck file was added, changed or removed (live reload)."""
        self.poll_files()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def poll_files(self) -> None:
        """Compare modification times off the UI thread."""
        current = {}
        for file in self._deck_files():
            try:
                current[str(file)] = file.stat().st_mtime_ns
            except OSError:
                continue
        if current != self._mtimes:
            self._mtimes = current
            self.call_from_thread(self.reimport, False, False)
