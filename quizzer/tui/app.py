"""The quizzer study app: a small shell around the screens.

Slow work (import, counts, answers, statistics) runs in thread workers; the app talks
to the core only through :class:`quizzer.collection.Collection`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding

from quizzer.tui.commands import QuizzerCommands
from quizzer.tui.state import load_ui_state, save_ui_state

if TYPE_CHECKING:
    from quizzer.collection import Collection
    from quizzer.importer import ImportReport

__all__ = ["QuizzerApp"]

#: How often deck files are checked for changes, in seconds.
RELOAD_INTERVAL = 2.0


class QuizzerApp(App[None]):
    """The terminal study app."""

    TITLE = "quizzer"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {QuizzerCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False),
    ]

    def __init__(
        self,
        col: Collection,
        deck_paths: Sequence[Path] = (),
        clock: Callable[[], datetime] | None = None,
        import_defaults: bool = True,
        open_deck: str | None = None,
        watch: bool = True,
    ):
        super().__init__()
        self.col = col
        self.deck_paths = list(deck_paths)
        self.clock = clock
        self.import_defaults = import_defaults
        self.open_deck = open_deck
        self.watch_files = watch
        self._mtimes: dict[str, int] = {}

    def now(self) -> datetime:
        """The current time (fixed in tests)."""
        return self.clock() if self.clock else datetime.now(UTC)

    def on_mount(self) -> None:
        from quizzer.tui.screens.decks import DecksScreen

        state = load_ui_state()
        if state.get("theme") in self.available_themes:
            self.theme = state["theme"]
        self.theme_changed_signal.subscribe(self, lambda theme: save_ui_state(theme=theme.name))
        self._apply_keymap()
        self.push_screen(DecksScreen())
        self.reimport(announce=False, first=True)
        if self.watch_files:
            self.set_interval(RELOAD_INTERVAL, self.check_files)

    def _apply_keymap(self) -> None:
        from quizzer.config import load_config

        keys = load_config().raw.get("keys", {})
        if isinstance(keys, dict) and keys:
            self.set_keymap({str(k): str(v) for k, v in keys.items()})

    # -- importing ---------------------------------------------------------------------
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

    @work(thread=True, exclusive=True, group="import")
    def reimport(self, announce: bool = True, first: bool = False) -> None:
        """Import every root (off the UI thread) and report what changed."""
        report = self.col.import_decks(self.import_roots(), now=self.now())
        self._remember_mtimes()
        self.call_from_thread(self.after_import, report, announce, first)

    def after_import(self, report: ImportReport, announce: bool, first: bool) -> None:
        """Tell the learner what the import did, and refresh what is on screen."""
        from quizzer.tui.dialogs.error import ErrorDialog
        from quizzer.tui.screens.decks import DecksScreen
        from quizzer.tui.screens.review import ReviewScreen

        if report.errors:
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
                self.notify(f"{Path(f.path).name}: {', '.join(parts)}", markup=False)
            if announce and not changed and not report.errors:
                self.notify("Decks are up to date.", markup=False)
        for screen in self.screen_stack:
            if isinstance(screen, DecksScreen):
                screen.refresh_counts()
        if isinstance(self.screen, ReviewScreen):
            self.run_worker(self.screen.refresh_card(), exclusive=False)
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

    @work(thread=True, exclusive=True, group="poll")
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

    # -- sessions and editing ----------------------------------------------------------
    def start_session(
        self, deck: str | None, mode: str, filter: str | None = None, tag: str | None = None
    ) -> None:
        """Open the review screen on a new session."""
        from quizzer.tui.screens.review import ReviewScreen

        try:
            session = self.col.study(deck=deck, mode=mode, filter=filter, tag=tag, now=self.now())
        except (KeyError, ValueError) as exc:
            self.notify(str(exc.args[0] if exc.args else exc), severity="error", markup=False)
            return
        if session.remaining == 0 and session.next_card(now=self.now()) is None:
            if mode == "scheduled":
                self.notify(
                    "Nothing is due. Press p to practise, or study ahead from the command palette.",
                    markup=False,
                )
            else:
                self.notify("No cards match.", markup=False)
            return
        title = (
            "All decks"
            if deck is None
            else next((d.title for d in self.col.decks() if d.slug == deck), deck)
        )
        if mode == "practice":
            title += " · practice"
        elif mode == "ahead":
            title += " · ahead"
        self.push_screen(ReviewScreen(session, title))

    async def edit_file(self, path: str, line: int) -> bool:
        """Open ``path`` at ``line`` in ``$VISUAL``/``$EDITOR``, then re-import it.

        Returns True when the editor ran and the import had no errors.
        """
        from quizzer.tui.dialogs.error import ErrorDialog

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{max(line, 1)}", path]
        try:
            if self.is_headless:
                result = subprocess.run(command, check=False)
            else:
                with self.suspend():
                    result = subprocess.run(command, check=False)
        except OSError as exc:
            self.push_screen(ErrorDialog(f"Cannot run the editor {editor!r}", str(exc)))
            return False
        if result.returncode != 0:
            self.notify(
                f"The editor exited with status {result.returncode}.",
                markup=False,
                severity="warning",
            )
        report = self.col.import_decks([Path(path)], now=self.now())
        self._remember_mtimes()
        self.after_import(report, announce=True, first=False)
        return not report.errors

    def action_help(self) -> None:
        """Show every key."""
        from quizzer.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())
