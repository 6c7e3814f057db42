"""Keeping a collection safe: automatic backups, restore, and ``doctor``.

``doctor`` checks the database file (``quick_check``, ``integrity_check``,
``foreign_key_check``), replays every card's review log and repairs a stored FSRS state
that differs, and looks for orphan rows, invalid due dates and deck files that vanished.
It reports what it found and fixed; run twice, the second run finds nothing.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizzer.errors import StoreError
from quizzer.store.db import sqlite_path

if TYPE_CHECKING:
    from quizzer.collection import Collection

__all__ = [
    "DEFAULT_BACKUP_INTERVAL",
    "DoctorReport",
    "backup_dir_for",
    "backup_now",
    "check_file",
    "doctor",
    "maybe_backup",
    "restore",
    "restore_server",
]

DEFAULT_BACKUP_INTERVAL = timedelta(minutes=30)
_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def backup_dir_for(col: Collection) -> Path:
    """Where this collection's backups go."""
    from quizzer.paths import backup_dir

    return backup_dir()


def backup_now(col: Collection, reason: str = "manual", now: datetime | None = None) -> Path:
    """Back up the collection now and thin old backups; return the new backup's path.

    Raises:
        StoreError: When the backup can't be written (a full disk, a read-only folder).
    """
    from quizzer.store.backup import backup_server, backup_sqlite, thin_backups
    from quizzer.store.db import masked_url

    folder = backup_dir_for(col)
    _checkpoint(col)
    db_file = sqlite_path(col.store.url)
    try:
        if db_file is None:  # a server: an SQLite snapshot, the same format
            path = backup_server(col.store, folder, reason, now)
        else:
            path = backup_sqlite(db_file, folder, reason, now)
        thin_backups(folder, now)
    except OSError as exc:
        raise StoreError(
            f"cannot write a backup to {folder}: {exc.strerror or exc}. The "
            "collection itself is unchanged."
        ) from exc
    except sqlite3.Error as exc:
        raise StoreError(f"cannot back up {db_file or masked_url(col.store.url)}: {exc}") from exc
    return path


def _checkpoint(col: Collection) -> None:
    """Copy the WAL into the database file now (PASSIVE: never waits for anyone).

    Fix: otherwise the last connection to close did it after the backup, which made the
    file look changed since the backup (see :func:`maybe_backup`), and the next command,
    even a read-only one, backed up an unchanged collection again.
    """
    if col.store.backend != "sqlite":
        return
    with contextlib.suppress(Exception):  # only an optimisation; the backup goes on
        raw = col.store.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()


def _changed_at(path: Path) -> float:
    """When the collection's content last changed on disk, as far as file times tell."""
    times = []
    for file in (path, Path(f"{path}-wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:  # the WAL goes when the last connection closes
            continue
        # Fix: every connection creates an empty WAL when it opens, so a read-only
        # command made the collection look changed. Only a WAL with frames counts.
        if file == path or stat.st_size > 0:
            times.append(stat.st_mtime)
    return max(times, default=0.0)


def _backup_interval() -> timedelta:
    from quizzer.config import load_config

    minutes = load_config().raw.get("backup_interval_minutes")
    if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes >= 0:
        return timedelta(minutes=minutes)
    return DEFAULT_BACKUP_INTERVAL


def maybe_backup(col: Collection, now: datetime | None = None) -> Path | None:
    """Back up when the collection changed since the newest backup and that backup is
    older than the interval (30 minutes, or ``backup_interval_minutes`` in config.toml).
    Never raises: a failed automatic backup must not stop anyone studying."""
    from quizzer.config import ConfigError
    from quizzer.store.backup import latest_backup

    path = sqlite_path(col.store.url)
    if path is None or not path.exists():
        return None
    moment = now or datetime.now(UTC)
    # Fix: a vanished WAL (FileNotFoundError between exists() and stat()), an unreadable
    # backup folder or a broken config.toml raised from here, so a command that had
    # worked ended with an error and the app's periodic check failed.
    try:
        newest = latest_backup(backup_dir_for(col), sound=False)
        if newest is not None:
            if newest.created.timestamp() >= _changed_at(path):
                return None  # nothing changed since
            if moment - newest.created < _backup_interval():
                return None
        # The caller's ``now`` (None in real use): the backup's time is then taken after
        # its checkpoint, so that checkpoint doesn't count as a later change.
        return backup_now(col, "auto", now)
    except (StoreError, OSError, sqlite3.Error, ConfigError):
        return None


def _sound_backup(folder: Path, backup: Path | None) -> Path:
    """``backup``, or the newest sound backup in ``folder``; refused when not sound."""
    from quizzer.store.backup import latest_backup, verify_backup

    if backup is None:
        info = latest_backup(folder)
        if info is None:
            raise StoreError(f"no sound backup in {folder}")
        backup = info.path
    problem = verify_backup(backup)
    if problem is not None:
        raise StoreError(f"{backup} can't be restored: {problem}")
    return backup


def restore(db: Path, backup: Path | None = None, now: datetime | None = None) -> tuple[Path, Path]:
    """Restore ``backup`` (or the newest sound one) into the SQLite file ``db``, after
    keeping the current state as a backup (a raw copy if the file is damaged). Works on
    a database too damaged to open.

    Returns (the backup restored, the copy of the state before).

    Raises:
        StoreError: When there is no sound backup, or it can't be restored.
    """
    import shutil

    from quizzer.paths import backup_dir
    from quizzer.store.backup import backup_sqlite, restore_sqlite
    from quizzer.store.db import dispose_engines

    folder = backup_dir()
    backup = _sound_backup(folder, backup)
    dispose_engines()
    moment = now or datetime.now(UTC)
    try:
        if db.exists() and check_file(db) is None:
            before = backup_sqlite(db, folder, "before-restore", moment)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            before = folder / f"quizzer-{moment:%Y%m%dT%H%M%S%f}Z-damaged.db"
            if db.exists():
                shutil.copy2(db, before)
            for suffix in ("-wal", "-shm"):
                extra = Path(f"{db}{suffix}")
                if extra.exists():
                    shutil.copy2(extra, Path(f"{before}{suffix}"))
                    extra.unlink()
            db.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(
            f"cannot keep a copy of the current state before restoring: {exc}; nothing was changed"
        ) from exc
    try:
        restore_sqlite(backup, db)
    except sqlite3.Error as exc:
        raise StoreError(
            f"restoring {backup} failed: {exc}; the state before is kept in {before}"
        ) from exc
    return backup, before


def restore_server(
    url: str, backup: Path | None = None, now: datetime | None = None
) -> tuple[Path, Path]:
    """Restore ``backup`` (or the newest sound one) into the server collection at
    ``url``: its rows replace the collection's in one transaction, verified before it
    commits, after the current state is kept as a backup (an SQLite snapshot).

    Returns (the backup restored, the copy of the state before).

    Raises:
        StoreError: When there is no sound backup, or it can't be restored.
    """
    from quizzer.paths import backup_dir
    from quizzer.store.backup import backup_server
    from quizzer.store.db import Store, dispose_engine
    from quizzer.store.schema import ensure_schema
    from quizzer.store.transfer import copy_collection

    folder = backup_dir()
    backup = _sound_backup(folder, backup)
    target = Store(url)
    ensure_schema(target)
    try:
        before = backup_server(target, folder, "before-restore", now)
    except OSError as exc:
        raise StoreError(
            f"cannot keep a copy of the current state before restoring: {exc}; nothing was changed"
        ) from exc
    source_url = f"sqlite:///file:{backup.absolute()}?mode=ro&uri=true"
    try:
        copy_collection(Store(source_url), target, replace=True)
    finally:
        dispose_engine(source_url)
    return backup, before


@dataclass(slots=True)
class DoctorReport:
    """What ``doctor`` found and what it fixed."""

    found: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    damaged: str | None = None
    backup: Path | None = None

    @property
    def clean(self) -> bool:
        """Nothing was found."""
        return not self.found and self.damaged is None


def check_file(path: Path) -> str | None:
    """None when the SQLite file at ``path`` is sound, else what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        for pragma in ("quick_check", "integrity_check"):
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
            if rows != [("ok",)]:
                return f"{pragma}: " + "; ".join(str(r[0]) for r in rows[:5])
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            return f"foreign_key_check: {len(problems)} row(s) point at missing rows"
        return None
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _wrong_states(
    session: Any, seed: str, card_ids: list[int] | None = None
) -> list[tuple[int, str, list[str], Any]]:
    """(card id, key, fields that differ, the replayed state) of each card (of
    ``card_ids``, else every card) whose stored state isn't the replay of its log."""
    from sqlalchemy import select

    from quizzer.store.models import cards_t, decks_t, reviews_t
    from quizzer.study import repo
    from quizzer.study.scheduler import replay
    from quizzer.study.views import card_seed

    decks = session.execute(select(decks_t.c.id, decks_t.c.slug)).all()
    by_slug = repo.decks_settings(session, [slug for _, slug in decks])
    settings_by_deck = {deck_id: by_slug[slug] for deck_id, slug in decks}
    logs_query = select(
        reviews_t.c.card_id, reviews_t.c.mode, reviews_t.c.rating, reviews_t.c.reviewed_at
    ).order_by(reviews_t.c.id)
    # The card's id, key, deck and memory state, and no more: its text (a JSON parse
    # per card) and its other dates took a tenth of the check at 100,000 cards.
    cards_query = select(
        cards_t.c.id, cards_t.c.key, cards_t.c.deck_id, *(cards_t.c[f] for f in _FIELDS)
    )
    if card_ids is None:
        chunks = [(logs_query, cards_query)]
    else:  # a bound parameter per id: a few hundred at a time
        chunks = [
            (
                logs_query.where(reviews_t.c.card_id.in_(card_ids[i : i + 500])),
                cards_query.where(cards_t.c.id.in_(card_ids[i : i + 500])),
            )
            for i in range(0, len(card_ids), 500)
        ]
    out = []
    for logs_in, cards_in in chunks:
        if card_ids is not None:
            # The cards first, locked (FOR UPDATE on PostgreSQL, where answers don't
            # take doctor's lock): an answer can't land between reading a log and
            # repairing its card from it.
            # In id order, as answers lock a note's cards, so neither waits on the other
            # in a circle.
            cards_in = cards_in.order_by(cards_t.c.id).with_for_update()
        rows = session.execute(cards_in).all()
        logs: dict[int, list[tuple[str, int, datetime]]] = {}
        for card_id, mode, rating, when in session.execute(logs_in):
            logs.setdefault(card_id, []).append((mode, rating, when))
        for row in rows:
            settings = settings_by_deck.get(row.deck_id)
            if settings is None:
                continue
            expected = replay(
                logs.get(row.id, []),
                settings,
                lambda reps, card_id=row.id: card_seed(seed, card_id, reps),
            )
            stored = repo.memory_of(row)
            wrong = [f for f in _FIELDS if not _same(getattr(stored, f), getattr(expected, f))]
            if wrong:
                out.append((row.id, row.key, wrong, expected))
    return out


def doctor(col: Collection, repair: bool = True, now: datetime | None = None) -> DoctorReport:
    """Check (and repair) the collection; see the module docstring."""
    from sqlalchemy import delete, select, update

    from quizzer.store.models import card_tags_t, cards_t, deck_sources_t, decks_t
    from quizzer.study import repo

    report = DoctorReport()
    path = sqlite_path(col.store.url)
    if path is not None:
        problem = check_file(path)
        if problem is not None:
            from quizzer.store.backup import latest_backup

            report.damaged = problem
            newest = latest_backup(backup_dir_for(col))
            report.backup = newest.path if newest else None
            return report
    seed = repo.collection_seed(col.store)
    # Replaying every card's log takes seconds on a big collection (17 s at 100,000
    # cards and 200,000 reviews), so it runs in a read, without the write lock: studying
    # goes on meanwhile (it held the lock, and answers waited, then failed as busy).
    # Only the cards found wrong are read and replayed again, inside the write.
    with col.store.read() as session:
        suspects = [found[0] for found in _wrong_states(session, seed)]
    with col.store.write() as session:
        repaired = 0
        for card_id, key, wrong, expected in _wrong_states(session, seed, suspects):
            report.found.append(
                f"card {card_id} ({key}): stored {', '.join(wrong)} differ from its review log"
            )
            if repair:
                session.execute(
                    update(cards_t)
                    .where(cards_t.c.id == card_id)
                    .values(**{f: getattr(expected, f) for f in _FIELDS})
                )
                repaired += 1
        if repaired:
            report.fixed.append(f"recomputed the state of {repaired} card(s) from their log")
        invalid = session.execute(
            select(cards_t.c.id, cards_t.c.key).where(
                ((cards_t.c.state != 0) & cards_t.c.due.is_(None))
                | ((cards_t.c.state == 0) & (cards_t.c.reps != 0))
            )
        ).all()
        for card_id, key in invalid:
            report.found.append(f"card {card_id} ({key}) has an invalid due date or state")
        orphan_tags = (
            session.execute(
                select(card_tags_t.c.card_id).where(
                    ~card_tags_t.c.card_id.in_(select(cards_t.c.id))
                )
            )
            .scalars()
            .all()
        )
        if orphan_tags:
            report.found.append(f"{len(orphan_tags)} tag row(s) of missing cards")
            if repair:
                session.execute(delete(card_tags_t).where(card_tags_t.c.card_id.in_(orphan_tags)))
                report.fixed.append(f"removed {len(orphan_tags)} orphan tag row(s)")
        for source_path, deck_id, slug in session.execute(
            select(deck_sources_t.c.path, deck_sources_t.c.deck_id, decks_t.c.slug).join(
                decks_t, decks_t.c.id == deck_sources_t.c.deck_id
            )
        ).all():
            if Path(source_path).exists():
                continue
            report.found.append(f"deck {slug}: its file {source_path} is gone")
            if repair:
                moment = now or datetime.now(UTC)
                session.execute(
                    update(cards_t)
                    .where(cards_t.c.deck_id == deck_id, cards_t.c.retired_at.is_(None))
                    .values(retired_at=moment, updated_at=moment)
                )
                session.execute(delete(deck_sources_t).where(deck_sources_t.c.path == source_path))
                report.fixed.append(
                    f"deck {slug}: retired its cards (history kept; "
                    "importing the file again restores them)"
                )
    return report
