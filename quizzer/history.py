"""Importing a review history (``quizzer import-reviews``) from a CSV file.

The layout is the FSRS optimizer's, which ``quizzer export reviews`` also writes:
``card_id``, ``review_time`` (ISO 8601 or epoch milliseconds), ``review_rating`` (1–4),
and optionally ``review_duration`` (ms) and ``review_state``. Extra columns from our
own export (``deck``, ``card_key``, ``mode``) are used when present.

Cards the collection doesn't know become *imported history* cards of one deck: they
count in statistics and for the optimizer, but never enter a study queue. With
``map_keys`` a row whose ``deck``/``card_key`` names a real card is attached to it.
Each card's FSRS state is recomputed by replaying its history. The import is one
transaction; bad rows are reported with their line numbers and nothing is imported.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from quizzer.errors import QuizzerError
from quizzer.store.db import Store
from quizzer.store.models import cards_t, decks_t, reviews_t

__all__ = ["HISTORY_TYPE", "HistoryError", "HistoryReport", "import_reviews"]

HISTORY_TYPE = "history"
_REQUIRED = ("card_id", "review_time", "review_rating")


class HistoryError(QuizzerError):
    """The file can't be imported; ``problems`` lists each bad row."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(slots=True)
class HistoryReport:
    """What an import of reviews did."""

    rows: int = 0
    reviews: int = 0
    duplicates: int = 0
    cards_created: int = 0
    cards_mapped: int = 0
    skipped: list[str] = field(default_factory=list)


def _parse_time(text: str) -> datetime:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("a time without a time zone")
    return value.astimezone(UTC)


def _read(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise HistoryError(
            f"{path}: missing column(s) {', '.join(missing)}; the layout is "
            "card_id, review_time, review_rating[, review_duration]"
        )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in reader:
        line = reader.line_num
        try:
            card = (row.get("card_id") or "").strip()
            if not card:
                raise ValueError("empty card_id")
            rating = int((row.get("review_rating") or "").strip())
            if rating not in (1, 2, 3, 4):
                raise ValueError(f"review_rating {rating} is not 1–4")
            when = _parse_time(row.get("review_time") or "")
            duration_text = (row.get("review_duration") or "").strip()
            duration = int(float(duration_text)) if duration_text else 0
            if duration < 0:
                raise ValueError("negative review_duration")
        except (ValueError, OverflowError) as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        mode = (row.get("mode") or "scheduled").strip() or "scheduled"
        if mode not in ("scheduled", "practice"):
            problems.append(f"{path}:{line}: mode {mode!r} is not scheduled or practice")
            continue
        rows.append(
            {
                "line": line,
                "card": card,
                "rating": rating,
                "time": when,
                "duration": duration,
                "mode": mode,
                "deck": (row.get("deck") or "").strip() or None,
                "key": (row.get("card_key") or "").strip() or None,
            }
        )
    return rows, problems


def import_reviews(
    store: Store,
    path: Path,
    deck: str | None = None,
    map_keys: bool = False,
    now: datetime | None = None,
) -> HistoryReport:
    """Import the review history in ``path`` (one transaction).

    Raises:
        HistoryError: For a file that can't be read or has bad rows (none imported).
    """
    from quizzer.study import repo
    from quizzer.study.scheduler import MemoryState, retrievability, review
    from quizzer.study.views import card_seed

    now = now or datetime.now(UTC)
    rows, problems = _read(path)
    if problems:
        shown = problems[:50] + ([f"… and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise HistoryError(f"{path}: {len(problems)} bad row(s); nothing was imported", shown)
    report = HistoryReport(rows=len(rows))
    slug = deck or "imported"
    seed = repo.collection_seed(store)
    by_card: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_card[row["card"]].append(row)
    with store.write() as session:
        deck_id = session.execute(select(decks_t.c.id).where(decks_t.c.slug == slug)).scalar()
        if deck_id is None:
            deck_id = session.execute(
                insert(decks_t)
                .values(
                    slug=slug,
                    title="Imported history",
                    description=f"Reviews imported from {path.name}",
                    source=None,
                    tags=[],
                    created_at=now,
                    updated_at=now,
                )
                .returning(decks_t.c.id)
            ).scalar_one()
        settings = repo.deck_settings(session, slug)
        review_rows: list[dict[str, Any]] = []
        for external, events in by_card.items():
            events.sort(key=lambda e: (e["time"], e["line"]))
            target = None
            if map_keys and events[0]["deck"] and events[0]["key"]:
                target = session.execute(
                    select(cards_t.c.id)
                    .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
                    .where(decks_t.c.slug == events[0]["deck"], cards_t.c.key == events[0]["key"])
                ).scalar()
            if target is None:
                key = f"history:{external}"
                target = session.execute(
                    select(cards_t.c.id).where(cards_t.c.deck_id == deck_id, cards_t.c.key == key)
                ).scalar()
                if target is None:
                    target = session.execute(
                        insert(cards_t)
                        .values(
                            deck_id=deck_id,
                            key=key,
                            note_key=key,
                            sibling="",
                            type=HISTORY_TYPE,
                            position=0,
                            line=0,
                            data={"front": f"Imported card {external}", "back": ""},
                            content_hash="",
                            created_at=now,
                            updated_at=now,
                            state=0,
                            reps=0,
                            lapses=0,
                            suspended=False,
                            leech=False,
                        )
                        .returning(cards_t.c.id)
                    ).scalar_one()
                    report.cards_created += 1
            else:
                report.cards_mapped += 1
            existing = {
                (r.reviewed_at, r.rating)
                for r in session.execute(
                    select(reviews_t.c.reviewed_at, reviews_t.c.rating).where(
                        reviews_t.c.card_id == target
                    )
                )
            }
            fresh = [e for e in events if (e["time"], e["rating"]) not in existing]
            report.duplicates += len(events) - len(fresh)
            if not fresh:
                continue
            if existing:
                count = session.execute(
                    select(func.count()).select_from(reviews_t).where(reviews_t.c.card_id == target)
                ).scalar_one()
                report.skipped.append(
                    f"card {external}: already has {count} review(s); its new rows were not merged"
                )
                continue
            memory = MemoryState()
            for event in fresh:
                before = memory.to_json() | {
                    "suspended": False,
                    "leech": False,
                    "buried_until": None,
                }
                predicted = (
                    retrievability(memory, event["time"], settings) if memory.state else None
                )
                review_rows.append(
                    {
                        "card_id": target,
                        "reviewed_at": event["time"],
                        "rating": event["rating"],
                        "suggested_rating": None,
                        "duration_ms": event["duration"],
                        "response": None,
                        "correct": None,
                        "mode": event["mode"],
                        "prior_state": memory.state,
                        "retrievability": predicted,
                        "state_before": before,
                    }
                )
                if event["mode"] == "scheduled":
                    memory = review(
                        memory,
                        event["rating"],
                        event["time"],
                        settings,
                        card_seed(seed, target, memory.reps),
                    )
            session.execute(
                update(cards_t)
                .where(cards_t.c.id == target)
                .values(
                    state=memory.state,
                    step=memory.step,
                    stability=memory.stability,
                    difficulty=memory.difficulty,
                    due=memory.due,
                    last_review=memory.last_review,
                    reps=memory.reps,
                    lapses=memory.lapses,
                )
            )
            report.reviews += len(fresh)
        for start in range(0, len(review_rows), 10_000):
            session.execute(insert(reviews_t), review_rows[start : start + 10_000])
    return report
