"""The collection: the one service API that the CLI, the TUI and tests all use.

>>> from quizzer.collection import Collection
>>> with Collection.open("study.db") as col:            # doctest: +SKIP
...     report = col.import_decks(["decks/"])
...     print([d.slug for d in col.decks()])

Everything it returns is plain data (dataclasses), never a live database row, so a
front end never holds a session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from quizzer.store.db import Store, StoreError, resolve_url, sqlite_path

if TYPE_CHECKING:
    from quizzer.browse import BrowseRow, ReviewInfo
    from quizzer.optimize import OptimizeResult, RetentionSuggestion, SimulatorInputs
    from quizzer.study.repo import SettingSource
    from quizzer.study.session import StudySession
    from quizzer.study.types import DeckCounts, UndoResult
    from quizzer.summary import SessionSummary, Streak

__all__ = ["Collection", "DeckInfo", "StoreError"]


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class DeckInfo:
    """A deck as the front ends show it."""

    slug: str
    title: str
    description: str | None
    path: str | None
    cards: int
    retired: int


class Collection:
    """A quizzer collection: decks, cards, their schedules and every review."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None) -> Collection:
        """Open (creating or migrating if needed) the collection at ``db``.

        Args:
            db: A file path or an SQLAlchemy URL; None uses ``QUIZZER_DB``, the config
                file's ``database_url``, or the default file in the user data folder.

        Raises:
            StoreError: When the database can't be opened, is damaged, foreign or newer.
        """
        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None:
            if db is None and not os.environ.get("QUIZZER_DB"):
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the data folder {path.parent}: {exc.strerror}"
                    ) from exc
            elif not path.parent.is_dir():
                raise StoreError(f"cannot open {path}: the folder {path.parent} does not exist")
        from quizzer.store.schema import ensure_schema

        store = Store(url)
        ensure_schema(store)
        return cls(store)

    def close(self) -> None:
        """Release the collection: its connections go back to the process's engine,
        which stays pooled for reuse."""
        self.store.release()

    def __enter__(self) -> Collection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- decks ---------------------------------------------------------------------
    def import_decks(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        relink: bool = False,
        now: datetime | None = None,
    ):  # -> ImportReport
        """Make the database match the deck files at ``paths`` (one transaction).

        See :func:`quizzer.importer.import_decks`.
        """
        from quizzer.importer import import_decks

        def backup_first() -> None:
            if sqlite_path(self.store.url) is not None:
                from quizzer.maintenance import backup_now

                backup_now(self, "before-retire")

        return import_decks(
            self.store, paths, relink_similar=relink, now=now, before_retire=backup_first
        )

    def import_default_decks(self, now: datetime | None = None):  # -> ImportReport
        """Import the bundled decks and every folder in the config's ``deck_dirs``."""
        from quizzer.config import load_config
        from quizzer.paths import bundled_decks_dir

        folders: list[Path] = [bundled_decks_dir()]
        folders += [d for d in load_config().deck_dirs if d.is_dir()]
        return self.import_decks([f for f in folders if f.is_dir()], now=now)

    def relink(self, deck: str, old_key: str, new_key: str, now: datetime | None = None) -> None:
        """Carry retired note ``old_key``'s history over to note ``new_key`` in ``deck``."""
        from quizzer.importer import relink

        relink(self.store, deck, old_key, new_key, now=now)

    def decks(self) -> list[DeckInfo]:
        """Every deck, with its file and card counts, ordered by title."""
        from sqlalchemy import case, func, select

        from quizzer.store.models import cards_t, deck_sources_t, decks_t

        with self.store.read() as session:
            rows = session.execute(
                select(
                    decks_t.c.slug,
                    decks_t.c.title,
                    decks_t.c.description,
                    deck_sources_t.c.path,
                    func.count(cards_t.c.id).filter(cards_t.c.retired_at.is_(None)),
                    func.sum(case((cards_t.c.retired_at.is_not(None), 1), else_=0)),
                )
                .outerjoin(deck_sources_t, deck_sources_t.c.deck_id == decks_t.c.id)
                .outerjoin(cards_t, cards_t.c.deck_id == decks_t.c.id)
                .group_by(decks_t.c.id, deck_sources_t.c.path)
                .order_by(decks_t.c.title)
            ).all()
        return [DeckInfo(r[0], r[1], r[2], r[3], int(r[4] or 0), int(r[5] or 0)) for r in rows]

    # -- studying ------------------------------------------------------------------
    def study(
        self,
        deck: str | None = None,
        mode: str = "scheduled",
        *,
        tag: str | None = None,
        filter: str | None = None,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> StudySession:
        """Start a study session.

        Args:
            deck: A deck id, or None for every deck.
            mode: ``scheduled`` (today's queue), ``practice`` (drill without touching the
                schedule) or ``ahead`` (review cards before they are due).
            tag: Only cards with this tag.
            filter: For practice: ``all``, ``leeches``, ``hardest[:N]``, ``due-tomorrow``,
                ``new`` or ``review``, with an optional ``:N`` limit.
            limit: Stop after this many answers.
            now: The time the session starts (UTC-aware); defaults to now.
        """
        from quizzer.study.session import StudySession

        return StudySession(self, deck, mode, tag, filter, now, limit)

    def deck_counts(self, now: datetime | None = None) -> list[DeckCounts]:
        """New, learning and due cards per deck today, after the daily limits."""
        from sqlalchemy import func, select

        from quizzer.store.models import cards_t, decks_t
        from quizzer.study import repo
        from quizzer.study.types import DeckCounts

        now = _now(now)
        with self.store.read() as session:
            decks = session.execute(
                select(decks_t.c.id, decks_t.c.slug, decks_t.c.title).order_by(decks_t.c.title)
            ).all()
            settings = repo.decks_settings(session, [slug for _, slug, _ in decks])
            # One pass over the cards for every deck whose study day is the same (all of
            # them, unless deck settings differ in time zone or start hour).
            by_day: dict[tuple[datetime, datetime], tuple[Any, list[int]]] = {}
            for deck_id, slug, _ in decks:
                day = repo.day_for(settings[slug], now)
                by_day.setdefault((day.start, day.end), (day, []))[1].append(deck_id)
            rows: dict[int, Any] = {}
            done: dict[int, tuple[int, int]] = {}
            active = repo.active(now)
            kept = cards_t.c.retired_at.is_(None)
            for day, ids in by_day.values():
                done |= repo.done_today(session, ids, day)
                today = cards_t.c.due < day.end
                for row in session.execute(
                    select(
                        cards_t.c.deck_id,
                        func.count().filter(active, cards_t.c.state == 0),
                        func.count().filter(active, cards_t.c.state.in_((1, 3)), today),
                        func.count().filter(active, cards_t.c.state == 2, today),
                        func.count().filter(kept),
                        func.count().filter(kept, cards_t.c.suspended.is_(True)),
                        func.count().filter(kept, cards_t.c.stability >= 21),
                    )
                    .where(cards_t.c.deck_id.in_(ids))
                    .group_by(cards_t.c.deck_id)
                ):
                    rows[row[0]] = row
        out = []
        for deck_id, slug, title in decks:
            deck = settings[slug]
            new_done, reviews_done = done[deck_id]
            _, new, learning, due, total, suspended, mature = rows.get(deck_id) or (0,) * 7
            out.append(
                DeckCounts(
                    slug,
                    title,
                    new=min(new, max(0, deck.new_per_day - new_done)),
                    learning=learning,
                    due=min(due, max(0, deck.reviews_per_day - reviews_done)),
                    total=total,
                    suspended=suspended,
                    mature=mature,
                )
            )
        return out

    def undo(self) -> UndoResult | None:
        """Undo the newest review in the collection (see :meth:`StudySession.undo`)."""
        from quizzer.study.repo import undo_last

        return undo_last(self.store)

    # -- cards ---------------------------------------------------------------------
    def card_id(self, deck: str, key: str) -> int:
        """The id of the card ``key`` in ``deck``.

        Raises:
            KeyError: When there is no such card.
        """
        from sqlalchemy import select

        from quizzer.store.models import cards_t, decks_t

        with self.store.read() as session:
            card_id = session.execute(
                select(cards_t.c.id)
                .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                .where(decks_t.c.slug == deck, cards_t.c.key == key)
            ).scalar()
        if card_id is None:
            raise KeyError(f"no card '{key}' in deck '{deck}'")
        return int(card_id)

    def deck_card_ids(self, deck: str) -> list[int]:
        """The ids of every card of ``deck`` still in its file."""
        from sqlalchemy import select

        from quizzer.store.models import cards_t, decks_t

        with self.store.read() as session:
            if session.execute(select(decks_t.c.id).where(decks_t.c.slug == deck)).first() is None:
                raise KeyError(f"no deck '{deck}'")
            return list(
                session.execute(
                    select(cards_t.c.id)
                    .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                    .where(decks_t.c.slug == deck, cards_t.c.retired_at.is_(None))
                ).scalars()
            )

    def suspend(self, card_ids: Iterable[int]) -> int:
        """Suspend cards: they leave every queue until unsuspended."""
        from quizzer.study.repo import set_flag

        return set_flag(self.store, card_ids, suspended=True)

    def unsuspend(self, card_ids: Iterable[int]) -> int:
        """Unsuspend cards."""
        from quizzer.study.repo import set_flag

        return set_flag(self.store, card_ids, suspended=False)

    def bury(self, card_ids: Iterable[int], now: datetime | None = None) -> int:
        """Hide cards until the next study day."""
        from sqlalchemy import select

        from quizzer.store.models import cards_t, decks_t
        from quizzer.study import repo

        now = _now(now)
        ids = list(card_ids)
        with self.store.read() as session:
            slugs = dict(
                session.execute(
                    select(cards_t.c.id, decks_t.c.slug)
                    .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                    .where(cards_t.c.id.in_(ids))
                ).all()
            )
            ends = {
                slug: repo.day_for(settings, now).end
                for slug, settings in repo.decks_settings(session, set(slugs.values())).items()
            }
        return sum(
            repo.set_flag(self.store, [i], buried_until=ends[slugs[i]]) for i in ids if i in slugs
        )

    def unbury(self, card_ids: Iterable[int]) -> int:
        """Show buried cards again today."""
        from quizzer.study.repo import set_flag

        return set_flag(self.store, card_ids, buried_until=None)

    def reset(self, card_ids: Iterable[int], now: datetime | None = None) -> int:
        """Forget the progress of cards (they become new); logged, and undoable."""
        from quizzer.study.repo import reset_cards

        return reset_cards(self.store, card_ids, _now(now))

    # -- settings ------------------------------------------------------------------
    def settings(self, deck: str | None = None) -> list[SettingSource]:
        """Every study setting for ``deck`` (or the collection) with its source."""
        from quizzer.study.repo import effective_settings

        with self.store.read() as session:
            return effective_settings(session, deck)

    def set_setting(self, name: str, value: Any, deck: str | None = None) -> Any:
        """Set a study setting for the collection or one deck (validated)."""
        from quizzer.study.repo import set_setting

        return set_setting(self.store, name, value, deck)

    def unset_setting(self, name: str, deck: str | None = None) -> bool:
        """Remove a stored setting, falling back to the next source."""
        from quizzer.study.repo import unset_setting

        return unset_setting(self.store, name, deck)

    # -- browsing and summaries ----------------------------------------------------
    def browse(
        self, query: str = "", now: datetime | None = None, limit: int | None = None
    ) -> list[BrowseRow]:
        """Cards matching a search query (see :mod:`quizzer.browse`)."""
        from quizzer.browse import browse

        return browse(self.store, query, _now(now), limit)

    def history(self, card_id: int) -> list[ReviewInfo]:
        """Every review of a card, oldest first."""
        from quizzer.browse import card_history

        return card_history(self.store, card_id)

    def streak(self, now: datetime | None = None) -> Streak:
        """The current and longest run of study days."""
        from quizzer.summary import streak

        return streak(self.store, _now(now))

    def current_streak(self, now: datetime | None = None) -> int:
        """The current run of study days alone; fast on any log (see :meth:`streak`)."""
        from quizzer.summary import current_streak

        return current_streak(self.store, _now(now))

    def summary(self, session: StudySession, now: datetime | None = None) -> SessionSummary:
        """What ``session`` achieved: cards, accuracy per type, time, due tomorrow, streak."""
        from quizzer.summary import session_summary

        return session_summary(self.store, list(session.review_ids), session.deck, _now(now))

    # -- moving ----------------------------------------------------------------------
    def copy_to(self, db: str | os.PathLike[str]) -> Any:  # -> CopyReport
        """Copy the whole collection into the empty database ``db`` (a path or URL),
        SQLite ⇄ PostgreSQL, verified before it commits (see
        :mod:`quizzer.store.transfer`). Returns a :class:`~quizzer.store.transfer.CopyReport`.

        Raises:
            StoreError: When the target can't be opened, isn't empty, or the copy differs.
        """
        from quizzer.store.transfer import copy_collection

        url = resolve_url(db)
        path = sqlite_path(url)
        if path is not None and not path.parent.is_dir():
            raise StoreError(f"cannot create {path}: the folder {path.parent} does not exist")
        return copy_collection(self.store, Store(url))

    # -- statistics ----------------------------------------------------------------
    def stats(
        self,
        deck: str | None = None,
        tag: str | None = None,
        since: Any = None,
        until: Any = None,
        days: int | None = None,
        forecast_days: int = 30,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Every statistic, as the documented structure of ``docs/statistics.md``.

        Raises:
            KeyError: When ``deck`` is not a deck of the collection.
        """
        from quizzer.stats import StatsFilter, compute_stats

        flt = StatsFilter(deck, tag, since, until, days, forecast_days)
        return compute_stats(self.store, flt, _now(now))

    # -- personal scheduling -------------------------------------------------------
    def optimize(
        self, deck: str | None = None, fit: bool = True, apart: bool = False
    ) -> OptimizeResult:
        """The fit of the current FSRS parameters to the history (of ``deck``) and, with
        ``fit``, of newly fitted ones; nothing is saved (see :mod:`quizzer.optimize`).
        With ``apart``, a large log is evaluated in a child process (for an app that
        stays open: :func:`quizzer.optimize.optimize_apart`)."""
        from quizzer.optimize import optimize, optimize_apart

        return (optimize_apart if apart else optimize)(self.store, deck, fit)

    def suggest_retention(
        self,
        deck: str | None = None,
        parameters: tuple[float, ...] | None = None,
        starting: Callable[[SimulatorInputs], None] | None = None,
    ) -> RetentionSuggestion:
        """fsrs-rs's suggested desired retention for ``parameters`` (default: the current
        ones), with the simulated workloads; nothing is saved (see
        :func:`quizzer.optimize.suggest_retention`)."""
        from quizzer.optimize import suggest_retention

        return suggest_retention(self.store, deck, parameters, starting)
