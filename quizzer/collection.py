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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from quizzer.store.db import Store, StoreError, resolve_url, sqlite_path

__all__ = ["Collection", "DeckInfo", "StoreError"]


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
        """Release the collection. The process's engine stays pooled for reuse."""

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

        return import_decks(self.store, paths, relink_similar=relink, now=now)

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
