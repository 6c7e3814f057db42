"""Import: make the database match the deck files, keeping every card's history.

One run is one transaction: either every good file is imported or nothing changes.
Files with errors are reported and left out, so the database keeps the last good
version of their decks. Files whose content hash is unchanged since the last import
are skipped without being parsed.

A card removed from its file is *retired*: it leaves the study queue but keeps its
reviews, and is *restored* with them if it comes back. When an id-less card's prompt
is edited, its identity changes; the import then finds the retired card with history
and the new card that look alike, and :func:`relink` carries the history over.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, select, type_coerce, update
from sqlmodel import Session

from quizzer.deck.loader import find_deck_files, parse_deck_bytes
from quizzer.deck.model import DeckSpec, StudyCard
from quizzer.deck.problems import Problem
from quizzer.store.db import Store
from quizzer.store.direct import Prepared, run_many
from quizzer.store.models import Card, card_tags_t, cards_t, deck_sources_t, decks_t, reviews_t
from quizzer.store.types import EncodedJSON

__all__ = ["ImportReport", "RelinkCandidate", "RelinkError", "import_decks", "relink"]

#: Prompts at least this similar (0..1, after normalization) are offered for relinking.
RELINK_SIMILARITY = 0.6

#: What a new card starts with, besides what its deck file gives it.
_NEW_CARD_STATE = {"state": 0, "reps": 0, "lapses": 0, "suspended": False, "leech": False}
#: The columns of a new card: its StudyCard's (``data`` as ``data_json``), its deck,
#: its timestamps and its starting state.
_NEW_CARD_COLUMNS = (
    *(name for name in StudyCard._fields if name not in ("data", "data_json")),
    "deck_id",
    "created_at",
    "updated_at",
    *_NEW_CARD_STATE,
)
#: A new card's data goes in as the canonical JSON its content hash was made from, not
#: serialized a second time by the column's type. ``inline()``: no RETURNING of the new
#: ids on PostgreSQL, which an executemany would fetch and throw away.
_INSERT_CARDS = Prepared(
    insert(cards_t).inline().values(data=type_coerce(bindparam("data_json"), EncodedJSON())),
    _NEW_CARD_COLUMNS,
)
_INSERT_TAGS = Prepared(insert(card_tags_t).inline(), ("card_id", "tag"))


class RelinkError(Exception):
    """A relink that can't be done; the message says why."""


@dataclass(slots=True)
class RelinkCandidate:
    """A retired note with history that looks like a new note without any."""

    deck: str
    old_key: str
    new_key: str
    old_prompt: str
    new_prompt: str
    similarity: float
    reviews: int


@dataclass(slots=True)
class FileReport:
    """What happened to one file."""

    path: str
    deck: str | None = None
    status: str = "imported"  # imported | unchanged | error | removed
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0


@dataclass(slots=True)
class ImportReport:
    """The summary of one import run."""

    files: list[FileReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    candidates: list[RelinkCandidate] = field(default_factory=list)
    relinked: list[RelinkCandidate] = field(default_factory=list)

    def total(self, name: str) -> int:
        """The sum of one counter (``added``, ``updated``...) over all files."""
        return sum(getattr(f, name) for f in self.files)

    @property
    def errors(self) -> list[Problem]:
        """The errors (files that were not imported)."""
        return [p for p in self.problems if p.is_error]

    @property
    def changed(self) -> bool:
        """Whether the database changed."""
        return bool(self.relinked) or any(
            f.added or f.updated or f.retired or f.restored for f in self.files
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (used by ``quizzer import --json``)."""
        names = ("added", "updated", "unchanged", "retired", "restored")
        return {
            "summary": {n: self.total(n) for n in names}
            | {"relinked": len(self.relinked), "errors": len(self.errors)},
            "files": [asdict(f) for f in self.files],
            "problems": [
                {
                    "path": p.path,
                    "line": p.line,
                    "col": p.col,
                    "severity": p.severity.value,
                    "code": p.code,
                    "message": p.message,
                }
                for p in self.problems
            ],
            "relink_candidates": [asdict(c) for c in self.candidates],
            "relinked": [asdict(c) for c in self.relinked],
        }


@dataclass(slots=True)
class _Parsed:
    path: str
    digest: str
    size: int
    mtime_ns: int
    deck: DeckSpec
    report: FileReport
    cards: list[StudyCard]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _prompt(data: dict[str, Any]) -> str:
    return str(data.get("front") or data.get("question") or data.get("text") or "")


def _sync_deck(session: Session, parsed: _Parsed, report: FileReport, now: datetime) -> int:
    """Write one parsed deck; return its deck id."""
    spec = parsed.deck
    deck_row = session.execute(select(decks_t.c.id).where(decks_t.c.slug == spec.id)).first()
    values = {
        "title": spec.title,
        "description": spec.description,
        "source": spec.source,
        "tags": list(spec.tags),
        "updated_at": now,
    }
    if deck_row is None:
        deck_id = session.execute(
            insert(decks_t).values(slug=spec.id, created_at=now, **values).returning(decks_t.c.id)
        ).scalar_one()
    else:
        deck_id = deck_row[0]
        session.execute(update(decks_t).where(decks_t.c.id == deck_id).values(**values))

    existing = {
        row.key: row
        for row in session.execute(
            select(
                cards_t.c.id,
                cards_t.c.key,
                cards_t.c.content_hash,
                cards_t.c.retired_at,
                cards_t.c.position,
                cards_t.c.line,
            ).where(cards_t.c.deck_id == deck_id)
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: set[str] = set()
    retagged: dict[str, Any] = {}  # key → tags, for new cards and edited ones
    for card in parsed.cards:
        seen.add(card.key)
        row = existing.get(card.key)
        if row is None:
            inserts.append(
                {
                    "key": card.key,
                    "note_key": card.note_key,
                    "sibling": card.sibling,
                    "type": card.type,
                    "position": card.position,
                    "line": card.line,
                    "data_json": card.data_json,
                    "content_hash": card.content_hash,
                }
            )
            report.added += 1
            retagged[card.key] = card.data.get("tags", ())
            continue
        change: dict[str, Any] = {}
        if row.retired_at is not None:
            change["retired_at"] = None
            report.restored += 1
        elif row.content_hash != card.content_hash:
            report.updated += 1
        else:
            report.unchanged += 1
        if row.content_hash != card.content_hash:
            retagged[card.key] = card.data.get("tags", ())
            change.update(
                data=card.data, content_hash=card.content_hash, type=card.type, updated_at=now
            )
        if row.position != card.position or row.line != card.line:
            change.update(position=card.position, line=card.line)
        if change:
            change["id"] = row.id
            updates.append(change)
    gone = [row.id for key, row in existing.items() if key not in seen and row.retired_at is None]
    report.retired += len(gone)
    new_card = {"deck_id": deck_id, "created_at": now, "updated_at": now, **_NEW_CARD_STATE}
    run_many(session.connection(), _INSERT_CARDS, inserts, new_card)
    # Bulk UPDATE by primary key, one batch per distinct set of changed columns.
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for change in updates:
        by_shape[tuple(sorted(change))].append(change)
    for batch in by_shape.values():
        session.execute(update(Card), batch)
    if retagged:
        ids = dict(
            session.execute(
                select(cards_t.c.key, cards_t.c.id).where(cards_t.c.deck_id == deck_id)
            ).all()
        )
        _write_tags(
            session,
            [(ids[key], tags) for key, tags in retagged.items()],
            frozenset(ids[row["key"]] for row in inserts),
        )
    if gone:
        for start in range(0, len(gone), 500):
            session.execute(
                update(cards_t)
                .where(cards_t.c.id.in_(gone[start : start + 500]))
                .values(retired_at=now, updated_at=now)
            )
    # One file per deck: the deck now comes from this path.
    session.execute(
        delete(deck_sources_t).where(
            deck_sources_t.c.deck_id == deck_id, deck_sources_t.c.path != parsed.path
        )
    )
    source_values = {
        "deck_id": deck_id,
        "content_hash": parsed.digest,
        "size": parsed.size,
        "mtime_ns": parsed.mtime_ns,
        "imported_at": now,
    }
    known = session.execute(
        select(deck_sources_t.c.path).where(deck_sources_t.c.path == parsed.path)
    ).first()
    if known is None:
        session.execute(insert(deck_sources_t).values(path=parsed.path, **source_values))
    else:
        session.execute(
            update(deck_sources_t)
            .where(deck_sources_t.c.path == parsed.path)
            .values(**source_values)
        )
    return int(deck_id)


def _write_tags(
    session: Session, cards: list[tuple[int, Any]], new: frozenset[int] = frozenset()
) -> None:
    """Replace the ``card_tags`` rows of ``cards`` ((card id, tags) pairs). The cards in
    ``new`` were inserted by this transaction, so they have no rows to delete."""
    ids = [card_id for card_id, _ in cards if card_id not in new]
    for start in range(0, len(ids), 500):
        session.execute(
            delete(card_tags_t).where(card_tags_t.c.card_id.in_(ids[start : start + 500]))
        )
    rows = [
        {"card_id": card_id, "tag": tag} for card_id, tags in cards for tag in dict.fromkeys(tags)
    ]
    run_many(session.connection(), _INSERT_TAGS, rows)


def _retire_deck(session: Session, deck_id: int, now: datetime) -> int:
    result = session.execute(
        update(cards_t)
        .where(cards_t.c.deck_id == deck_id, cards_t.c.retired_at.is_(None))
        .values(retired_at=now, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def find_candidates(session: Session, deck_ids: Iterable[int]) -> list[RelinkCandidate]:
    """Retired id-less notes with reviews that look like new id-less notes without any."""
    from quizzer.deck.identity import similarity

    ids = list(deck_ids)
    if not ids:
        return []
    has_reviews = exists().where(reviews_t.c.card_id == cards_t.c.id)
    retired = session.execute(
        select(
            cards_t.c.deck_id, cards_t.c.note_key, cards_t.c.type, cards_t.c.data, decks_t.c.slug
        )
        .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
        .where(
            cards_t.c.deck_id.in_(ids),
            cards_t.c.retired_at.is_not(None),
            cards_t.c.note_key.startswith("#"),
            has_reviews,
        )
    ).all()
    if not retired:
        return []
    old_notes: dict[tuple[int, str], tuple[str, str, str]] = {}
    for row in retired:
        old_notes.setdefault((row.deck_id, row.note_key), (row.type, _prompt(row.data), row.slug))
    review_counts = dict(
        session.execute(
            select(cards_t.c.note_key, func.count(reviews_t.c.id))
            .join(reviews_t, reviews_t.c.card_id == cards_t.c.id)
            .where(
                cards_t.c.deck_id.in_({d for d, _ in old_notes}),
                cards_t.c.note_key.in_({k for _, k in old_notes}),
            )
            .group_by(cards_t.c.note_key)
        ).all()
    )
    fresh = session.execute(
        select(cards_t.c.deck_id, cards_t.c.note_key, cards_t.c.type, cards_t.c.data).where(
            cards_t.c.deck_id.in_({d for d, _ in old_notes}),
            cards_t.c.retired_at.is_(None),
            cards_t.c.note_key.startswith("#"),
            ~has_reviews,
        )
    ).all()
    new_notes: dict[tuple[int, str], tuple[str, str]] = {}
    for row in fresh:
        new_notes.setdefault((row.deck_id, row.note_key), (row.type, _prompt(row.data)))
    scored: list[tuple[float, tuple[int, str], tuple[int, str]]] = []
    for old, (old_type, old_prompt, _slug) in old_notes.items():
        for new, (new_type, new_prompt) in new_notes.items():
            if new[0] != old[0] or new_type != old_type:
                continue
            score = similarity(old_prompt, new_prompt)
            if score >= RELINK_SIMILARITY:
                scored.append((score, old, new))
    scored.sort(key=lambda item: -item[0])
    used_old: set[tuple[int, str]] = set()
    used_new: set[tuple[int, str]] = set()
    out = []
    for score, old, new in scored:
        if old in used_old or new in used_new:
            continue
        used_old.add(old)
        used_new.add(new)
        out.append(
            RelinkCandidate(
                old_notes[old][2],
                old[1],
                new[1],
                old_notes[old][1],
                new_notes[new][1],
                round(score, 3),
                int(review_counts.get(old[1], 0)),
            )
        )
    return out


def _apply_relink(
    session: Session, deck_id: int, old_key: str, new_key: str, now: datetime
) -> None:
    old_cards = session.execute(
        select(cards_t.c.id, cards_t.c.sibling, cards_t.c.retired_at).where(
            cards_t.c.deck_id == deck_id, cards_t.c.note_key == old_key
        )
    ).all()
    new_cards = session.execute(
        select(
            cards_t.c.id,
            cards_t.c.sibling,
            cards_t.c.key,
            cards_t.c.type,
            cards_t.c.position,
            cards_t.c.line,
            cards_t.c.data,
            cards_t.c.content_hash,
            cards_t.c.retired_at,
        ).where(cards_t.c.deck_id == deck_id, cards_t.c.note_key == new_key)
    ).all()
    if not old_cards:
        raise RelinkError(f"no card '{old_key}' in this deck")
    if not new_cards:
        raise RelinkError(f"no card '{new_key}' in this deck")
    if old_key == new_key:
        raise RelinkError("OLD and NEW are the same card")
    if any(c.retired_at is None for c in old_cards):
        raise RelinkError(
            f"'{old_key}' is still in its deck file; only a retired card's "
            "history can be carried over"
        )
    if any(c.retired_at is not None for c in new_cards):
        raise RelinkError(f"'{new_key}' is retired; relink onto a card that is in the file")
    new_ids = [c.id for c in new_cards]
    count = session.execute(
        select(func.count(reviews_t.c.id)).where(reviews_t.c.card_id.in_(new_ids))
    ).scalar_one()
    if count:
        raise RelinkError(
            f"'{new_key}' already has {count} review(s); relinking would mix two histories"
        )
    old_by_sibling = {c.sibling: c for c in old_cards}
    for card in new_cards:
        old = old_by_sibling.get(card.sibling)
        if old is None:
            continue  # a sibling the old note never had stays as it is
        session.execute(delete(cards_t).where(cards_t.c.id == card.id))
        _write_tags(session, [(old.id, card.data.get("tags", ()))])
        session.execute(
            update(cards_t)
            .where(cards_t.c.id == old.id)
            .values(
                key=card.key,
                note_key=new_key,
                type=card.type,
                position=card.position,
                line=card.line,
                data=card.data,
                content_hash=card.content_hash,
                retired_at=None,
                updated_at=now,
            )
        )


def relink(
    store: Store, deck: str, old_key: str, new_key: str, now: datetime | None = None
) -> None:
    """Carry the history of retired note ``old_key`` over to note ``new_key``.

    Raises:
        RelinkError: When the deck or either note doesn't exist, ``old_key`` is not
            retired, or ``new_key`` already has reviews.
    """
    now = now or datetime.now(UTC)
    with store.write() as session:
        deck_id = session.execute(select(decks_t.c.id).where(decks_t.c.slug == deck)).scalar()
        if deck_id is None:
            raise RelinkError(f"no deck '{deck}'")
        _apply_relink(session, deck_id, old_key, new_key, now)


def _will_retire(store: Store, parsed: list[_Parsed]) -> bool:
    """Whether importing ``parsed`` retires any card that is in the collection now."""
    with store.read() as session:
        for item in parsed:
            active = set(
                session.execute(
                    select(cards_t.c.key)
                    .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                    .where(decks_t.c.slug == item.deck.id, cards_t.c.retired_at.is_(None))
                ).scalars()
            )
            if active - {card.key for card in item.cards}:
                return True
    return False


def _folder_of(path: Path, folders: Sequence[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def import_decks(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    relink_similar: bool = False,
    now: datetime | None = None,
    before_retire: Callable[[], object] | None = None,
) -> ImportReport:
    """Import the deck files at ``paths`` (files or folders) in one transaction.

    Args:
        store: The database.
        paths: Deck files, or folders searched for ``*.yaml``/``*.yml``.
        relink_similar: Carry history over for every relink candidate found.
        now: The time to record (UTC-aware); defaults to the current time.
        before_retire: Called before writing when the import will retire cards (the
            collection backs itself up there).
    """
    import gc

    # An import makes a few objects per character of the files and frees none until it
    # ends, so the cyclic collector's passes find nothing: a fifth of a large import.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import_decks(
            store, paths, relink_similar=relink_similar, now=now, before_retire=before_retire
        )
    finally:
        if collecting:
            gc.enable()


def _import_decks(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    relink_similar: bool,
    now: datetime | None,
    before_retire: Callable[[], object] | None,
) -> ImportReport:
    now = now or datetime.now(UTC)
    report = ImportReport()
    paths = list(paths)
    folders = [Path(p).absolute() for p in paths if Path(p).is_dir()]
    with store.read() as session:
        known = {
            row.path: row
            for row in session.execute(
                select(
                    deck_sources_t.c.path,
                    deck_sources_t.c.content_hash,
                    deck_sources_t.c.deck_id,
                    decks_t.c.slug,
                ).join(decks_t, decks_t.c.id == deck_sources_t.c.deck_id)
            )
        }
    parsed: list[_Parsed] = []
    unchanged: list[tuple[FileReport, int]] = []
    slugs: dict[str, str] = {}
    found: set[str] = set()
    for file in find_deck_files(paths):
        absolute = str(file.absolute())
        found.add(absolute)
        shown = os.fspath(file)
        file_report = FileReport(shown)
        report.files.append(file_report)
        try:
            stat = file.stat()
            data = file.read_bytes() if stat.st_size <= (16 << 20) + 1 else b""
        except OSError as exc:
            file_report.status = "error"
            reason = (
                "no such file"
                if isinstance(exc, FileNotFoundError)
                else (
                    "is a folder, not a deck file"
                    if isinstance(exc, IsADirectoryError)
                    else f"cannot read: {exc.strerror}"
                )
            )
            report.problems.append(Problem(shown, 0, 0, reason, "io"))
            continue
        digest = _digest(data) if data else ""
        previous = known.get(absolute)
        if previous is not None and digest and previous.content_hash == digest:
            file_report.status = "unchanged"
            file_report.deck = previous.slug
            if previous.slug in slugs:
                file_report.status = "error"
                report.problems.append(
                    Problem(
                        shown,
                        0,
                        0,
                        f"deck id '{previous.slug}' is also used by {slugs[previous.slug]}",
                        "duplicate-deck",
                    )
                )
                continue
            slugs[previous.slug] = shown
            unchanged.append((file_report, previous.deck_id))
            continue
        if not data and stat.st_size > (16 << 20):
            result = parse_deck_bytes(shown, b"\0" * ((16 << 20) + 1), lint=False)
        else:
            result = parse_deck_bytes(shown, data, lint=False)
        report.problems.extend(result.problems)
        if result.deck is None:
            file_report.status = "error"
            continue
        file_report.deck = result.deck.id
        if result.deck.id in slugs:
            file_report.status = "error"
            report.problems.append(
                Problem(
                    shown,
                    0,
                    0,
                    f"deck id '{result.deck.id}' is also used by {slugs[result.deck.id]}",
                    "duplicate-deck",
                )
            )
            continue
        slugs[result.deck.id] = shown
        deck = result.deck
        parsed.append(
            _Parsed(
                absolute,
                digest,
                stat.st_size,
                stat.st_mtime_ns,
                deck,
                file_report,
                deck.study_cards(),
            )
        )

    vanished = [
        row
        for path, row in known.items()
        if path not in found and _folder_of(Path(path), folders) and row.slug not in slugs
    ]
    if before_retire is not None and (vanished or _will_retire(store, parsed)):
        before_retire()
    # Nothing to write (the usual start-up case): read only, so a read-only collection
    # still opens and a no-op re-import costs a couple of queries.
    needs_write = bool(parsed or vanished or relink_similar)
    session_cm = store.write() if needs_write else store.read()
    with session_cm as session:
        touched: list[int] = []
        for item in parsed:
            touched.append(_sync_deck(session, item, item.report, now))
        for row in vanished:
            removed = FileReport(row.path, row.slug, "removed")
            removed.retired = _retire_deck(session, row.deck_id, now)
            session.execute(delete(deck_sources_t).where(deck_sources_t.c.path == row.path))
            report.files.append(removed)
        if unchanged:
            counts = dict(
                session.execute(
                    select(cards_t.c.deck_id, func.count(cards_t.c.id))
                    .where(
                        cards_t.c.deck_id.in_([d for _, d in unchanged]),
                        cards_t.c.retired_at.is_(None),
                    )
                    .group_by(cards_t.c.deck_id)
                ).all()
            )
            for file_report, deck_id in unchanged:
                file_report.unchanged = int(counts.get(deck_id, 0))
        scope = touched + [d for _, d in unchanged]
        report.candidates = find_candidates(session, scope)
        if relink_similar and report.candidates:
            slug_ids = dict(session.execute(select(decks_t.c.slug, decks_t.c.id)).all())
            for candidate in report.candidates:
                _apply_relink(
                    session, slug_ids[candidate.deck], candidate.old_key, candidate.new_key, now
                )
            report.relinked, report.candidates = report.candidates, []
    return report
