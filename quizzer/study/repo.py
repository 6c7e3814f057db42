"""The study engine's database work: settings, queues, answers, undo and card actions.

Every function that writes does so in one transaction. Answers read and lock the rows
of the card's note first (``SELECT ... FOR UPDATE`` where the database has it; SQLite's
``BEGIN IMMEDIATE`` serializes writers anyway), and refuse with :class:`CardChanged`
when the card moved on since it was shown. The statements of the study loop (showing
and answering cards) are prepared once and run on the driver (:mod:`quizzer.store.direct`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from quizzer.store.db import Store
from quizzer.store.direct import Direct, Prepared
from quizzer.store.models import cards_t, deck_sources_t, decks_t, reviews_t, settings_t
from quizzer.study.days import StudyDay, local_zone, study_day
from quizzer.study.settings import SETTINGS, StudySettings, parse_setting, to_stored
from quizzer.study.types import CardChanged, Grade, Outcome, Rating, UndoResult

# The scheduler (and fsrs), grading and views are imported where an answer needs them:
# the deck list's counts use this module too, on the way to the first painted frame.
if TYPE_CHECKING:
    from quizzer.study.scheduler import MemoryState

__all__ = [
    "LEARN_AHEAD",
    "SettingSource",
    "active",
    "answer_card",
    "collection_seed",
    "deck_settings",
    "effective_settings",
    "undo_last",
]

#: When nothing else is left, learning cards due this soon are shown early (as Anki).
LEARN_AHEAD = timedelta(minutes=20)

_CARD_COLUMNS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "leech",
    "buried_until",
)


def active(now: datetime | BindParameter[Any]) -> Any:
    """The condition for a card that can be studied now: in its file, not suspended,
    not buried. ``now`` may be a bound parameter, for a statement built once."""
    return and_(
        cards_t.c.retired_at.is_(None),
        cards_t.c.type != "history",  # imported history is never studied
        cards_t.c.suspended.is_(False),
        or_(cards_t.c.buried_until.is_(None), cards_t.c.buried_until <= now),
    )


# -- settings ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SettingSource:
    """One effective setting: its value and where it came from."""

    name: str
    value: Any
    source: str
    help: str


def _stored_settings(session: Session, scope: str) -> dict[str, Any]:
    rows = session.execute(
        select(settings_t.c.key, settings_t.c.value).where(settings_t.c.scope == scope)
    ).all()
    return {k: v for k, v in rows if k in SETTINGS}


def effective_settings(session: Session, deck: str | None) -> list[SettingSource]:
    """Every setting for ``deck`` (or the collection), with its source."""
    stored = {"": _stored_settings(session, "")}
    if deck:
        stored[deck] = _stored_settings(session, deck)
    return _sources(_config_layer(), stored, deck)


def _config_layer() -> dict[str, Any]:
    from quizzer.config import load_config

    study = load_config().raw.get("study", {})
    return {k: v for k, v in study.items() if k in SETTINGS} if isinstance(study, dict) else {}


def _sources(
    config: dict[str, Any], stored: dict[str, dict[str, Any]], deck: str | None
) -> list[SettingSource]:
    """Each setting's value and source: defaults, then config.toml, then the
    collection's stored settings (``stored[""]``), then the deck's (``stored[deck]``)."""
    layers = [("config.toml", config), ("collection", stored.get("", {}))]
    if deck:
        layers.append((f"deck {deck}", stored.get(deck, {})))
    defaults = StudySettings()
    out = []
    for name, spec in SETTINGS.items():
        value, source = getattr(defaults, name), "default"
        for label, values in layers:
            if name in values:
                value, source = parse_setting(name, values[name]), label
        out.append(SettingSource(name, spec.show(value), source, spec.help))
    return out


def deck_settings(session: Session, deck: str | None) -> StudySettings:
    """The effective :class:`StudySettings` for ``deck``."""
    values = {s.name: s.value for s in effective_settings(session, deck)}
    return StudySettings().with_values(values)


def decks_settings(session: Session, decks: Iterable[str]) -> dict[str, StudySettings]:
    """:func:`deck_settings` of each of ``decks``, from one read of the stored settings
    (two statements a deck took a second with 1,200 decks)."""
    stored: dict[str, dict[str, Any]] = {}
    for scope, key, value in session.execute(
        select(settings_t.c.scope, settings_t.c.key, settings_t.c.value)
    ):
        if key in SETTINGS:
            stored.setdefault(scope, {})[key] = value
    config = _config_layer()
    return {
        deck: StudySettings().with_values({s.name: s.value for s in _sources(config, stored, deck)})
        for deck in decks
    }


def set_setting(store: Store, name: str, value: Any, deck: str | None = None) -> Any:
    """Store a setting for the collection or one deck; returns the parsed value."""
    parsed = parse_setting(name, value)
    stored = to_stored(name, parsed)
    scope = deck or ""
    with store.write() as session:
        if (
            deck
            and session.execute(select(decks_t.c.id).where(decks_t.c.slug == deck)).first() is None
        ):
            raise KeyError(f"no deck '{deck}'")
        session.execute(
            delete(settings_t).where(settings_t.c.scope == scope, settings_t.c.key == name)
        )
        session.execute(insert(settings_t).values(scope=scope, key=name, value=stored))
    return parsed


def unset_setting(store: Store, name: str, deck: str | None = None) -> bool:
    """Remove a stored setting; returns whether there was one."""
    parse_setting(name, getattr(StudySettings(), name))  # validates the name
    with store.write() as session:
        result = session.execute(
            delete(settings_t).where(settings_t.c.scope == (deck or ""), settings_t.c.key == name)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def collection_seed(store: Store) -> str:
    """The collection's random seed for fuzz and shuffles, created on first use."""
    with store.read() as session:
        seed = session.execute(
            select(settings_t.c.value).where(settings_t.c.scope == "", settings_t.c.key == "seed")
        ).scalar()
    if seed is not None:
        return str(seed)
    with store.write() as session:
        seed = session.execute(
            select(settings_t.c.value).where(settings_t.c.scope == "", settings_t.c.key == "seed")
        ).scalar()
        if seed is None:
            seed = secrets.token_hex(8)
            session.execute(insert(settings_t).values(scope="", key="seed", value=seed))
    return str(seed)


def day_for(settings: StudySettings, now: datetime) -> StudyDay:
    """The study day of ``now`` under ``settings``."""
    return study_day(now, settings.day_start_hour, local_zone(settings.timezone))


# -- rows ----------------------------------------------------------------------------
#: The card columns the study loop reads: all but the import's bookkeeping (its times
#: and content hash), which would be converted for every card shown and answered.
STUDY_COLUMNS = tuple(
    column for column in cards_t.c if column.key not in ("created_at", "updated_at", "content_hash")
)


def card_query() -> Any:
    """A select of the card's columns the study loop reads (:data:`STUDY_COLUMNS`) plus
    the deck slug, title and file path."""
    return (
        select(
            *STUDY_COLUMNS,
            decks_t.c.slug,
            decks_t.c.title.label("deck_title"),
            deck_sources_t.c.path.label("path"),
        )
        .join(decks_t, decks_t.c.id == cards_t.c.deck_id)
        .outerjoin(deck_sources_t, deck_sources_t.c.deck_id == cards_t.c.deck_id)
    )


def card_view_query() -> Any:
    """:func:`card_query` plus ``siblings``: how many cards of the card's note are still
    in its file (shown with each card), counted in the same statement."""
    other = cards_t.alias("other")
    siblings = (
        select(func.count())
        .where(
            other.c.deck_id == cards_t.c.deck_id,
            other.c.note_key == cards_t.c.note_key,
            other.c.retired_at.is_(None),
        )
        .scalar_subquery()
    )
    return card_query().add_columns(siblings.label("siblings"))


def _note_rows(*columns: Any) -> Any:
    """A select of ``columns`` over every card of the note of card ``card_id`` (a bound
    parameter), in id order, locked (``FOR UPDATE``, where the database has it) until
    the transaction ends, so two transactions locking notes never wait in a circle."""
    card = cards_t.alias("card")

    def of_card(name: str) -> Any:
        return select(card.c[name]).where(card.c.id == bindparam("card_id")).scalar_subquery()

    return (
        select(*columns)
        .where(cards_t.c.deck_id == of_card("deck_id"), cards_t.c.note_key == of_card("note_key"))
        .order_by(cards_t.c.id)
        .with_for_update(of=cards_t)
    )


# The statements run for every card shown and answered are compiled once and run on
# the driver's cursor (quizzer.store.direct): SQLAlchemy's per-execution work costs
# several times what SQLite takes to run them, and on a server each is a round trip.
_CARD_ROW = Prepared(card_view_query().where(cards_t.c.id == bindparam("card_id")))
#: The answered card's note, locked, with its deck's slug: the card to answer and the
#: siblings it may bury, in one statement.
_NOTE_ROWS = Prepared(
    _note_rows(*STUDY_COLUMNS, decks_t.c.slug).join(decks_t, decks_t.c.id == cards_t.c.deck_id)
)
_BURY = Prepared(
    update(cards_t).where(cards_t.c.id == bindparam("sibling_id")), column_keys=["buried_until"]
)
_REVIEW_COLUMNS = (
    "card_id",
    "reviewed_at",
    "rating",
    "suggested_rating",
    "duration_ms",
    "response",
    "correct",
    "mode",
    "prior_state",
    "retrievability",
    "state_before",
)
_INSERT_REVIEW = Prepared(insert(reviews_t).returning(reviews_t.c.id), _REVIEW_COLUMNS)
#: Sets every scheduling column of the answered card (``answered_id``).
_UPDATE_CARD = Prepared(
    update(cards_t).where(cards_t.c.id == bindparam("answered_id")),
    (*_CARD_COLUMNS[:8], "suspended", "leech"),
)
_SENT_REVIEW = Prepared(
    select(reviews_t.c.id, reviews_t.c.rating, reviews_t.c.mode).where(
        reviews_t.c.card_id == bindparam("card_id"), reviews_t.c.reviewed_at == bindparam("at")
    )
)


def memory_of(row: Any) -> MemoryState:
    """The :class:`MemoryState` of a card row."""
    from quizzer.study.scheduler import MemoryState

    return MemoryState(
        row.state,
        row.step,
        row.stability,
        row.difficulty,
        row.due,
        row.last_review,
        row.reps,
        row.lapses,
    )


def snapshot(row: Any) -> dict[str, Any]:
    """Every scheduling column of a card row, JSON-ready (for ``state_before``)."""
    out = memory_of(row).to_json()
    out["suspended"] = bool(row.suspended)
    out["leech"] = bool(row.leech)
    out["buried_until"] = row.buried_until.isoformat() if row.buried_until else None
    return out


def restore_values(state: dict[str, Any]) -> dict[str, Any]:
    """Column values from a :func:`snapshot`."""
    from quizzer.study.scheduler import MemoryState

    memory = MemoryState.from_json(state)
    buried = state.get("buried_until")
    return {
        "state": memory.state,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due,
        "last_review": memory.last_review,
        "reps": memory.reps,
        "lapses": memory.lapses,
        "suspended": state.get("suspended", False),
        "leech": state.get("leech", False),
        "buried_until": datetime.fromisoformat(buried) if buried else None,
    }


def done_today(
    session: Session, deck_ids: Sequence[int], day: StudyDay
) -> dict[int, tuple[int, int]]:
    """Per deck: (new cards introduced, reviews of review cards) today, from the log."""
    rows = session.execute(
        select(cards_t.c.deck_id, reviews_t.c.prior_state, func.count())
        .join(cards_t, cards_t.c.id == reviews_t.c.card_id)
        .where(
            # "+ 0" keeps SQLite off ix_cards_deck_note here (its documented way to
            # disqualify an index): it walked every card of the deck and looked up each
            # one's reviews, 50 ms at 100,000 cards, instead of today's few reviews by
            # ix_reviews_time and their cards by id (0.2 ms).
            (cards_t.c.deck_id + 0).in_(deck_ids),
            reviews_t.c.mode == "scheduled",
            reviews_t.c.reviewed_at >= day.start,
            reviews_t.c.reviewed_at < day.end,
            reviews_t.c.prior_state.in_((0, 2)),
        )
        .group_by(cards_t.c.deck_id, reviews_t.c.prior_state)
    ).all()
    out: dict[int, tuple[int, int]] = {d: (0, 0) for d in deck_ids}
    for deck_id, prior, count in rows:
        new, rev = out[deck_id]
        out[deck_id] = (new + count, rev) if prior == 0 else (new, rev + count)
    return out


# -- answering -----------------------------------------------------------------------
def lock_note(session: Session, card_id: int) -> None:
    """Lock the rows of ``card_id`` and of its siblings (``SELECT ... FOR UPDATE``) until
    the transaction ends, in id order, so that two transactions locking cards never wait
    for each other in a circle. Nothing on SQLite, whose writers are serialized anyway."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(_note_rows(cards_t.c.id), {"card_id": card_id}).all()


#: How often an answer is tried again when PostgreSQL gave it up for a deadlock.
_CONFLICT_TRIES = 5


def answer_card(
    store: Store,
    card_id: int,
    *,
    expected_reps: int | None,
    mode: str,
    response: Any,
    rating: Rating | int | None,
    duration_ms: int,
    now: datetime,
    seed: str,
    settings: StudySettings | None = None,
    expected_state: int | None = None,
    resend: bool = False,
) -> Outcome:
    """Grade and record one answer in one transaction; update the card unless practising.

    ``resend`` marks the same answer sent again after the connection was lost: when
    the first try did commit (only its acknowledgement was lost), its review (the same
    card and the same ``now``) is found and returned instead of being applied twice.

    The card's row (and its siblings') is locked first, so two machines answering the
    same card are serialized: the second sees the first's answer and is refused with
    :class:`CardChanged` (``expected_reps``/``expected_state`` are what the session
    showed), never applied on top of it. ``settings`` are the deck's settings as the
    session read them (so the interval previewed is the one applied); when None they
    are read now.

    Raises:
        CardChanged: The card was retired, or answered elsewhere since it was shown.
        ValueError: A self-graded card was answered without a rating.
    """
    from quizzer.store.db import retry_conflicts

    if settings is None:  # read before the answer's transaction, on a connection of its own
        with store.read() as session:
            slug = session.execute(
                select(decks_t.c.slug)
                .join(cards_t, cards_t.c.deck_id == decks_t.c.id)
                .where(cards_t.c.id == card_id)
            ).scalar()
            settings = deck_settings(session, slug) if slug is not None else None

    def attempt() -> Outcome:
        with store.direct(write=True) as db:
            note = db.rows(_NOTE_ROWS, {"card_id": card_id})
            row = next((r for r in note if r.id == card_id), None)
            if row is None or row.retired_at is not None:
                raise CardChanged("this card is no longer in its deck")
            if resend:
                sent = _already_sent(db, row, now, response)
                if sent is not None:
                    return sent
            if mode != "practice" and (
                (expected_reps is not None and row.reps != expected_reps)
                or (expected_state is not None and row.state != expected_state)
            ):
                raise CardChanged("this card was answered on another device")
            from quizzer.study import scheduler
            from quizzer.study.grading import grade as grade_response
            from quizzer.study.views import card_seed

            grade: Grade = grade_response(row.type, row.data, response)
            applied = Rating(int(rating)) if rating is not None else grade.suggested
            if applied is None:
                raise ValueError("self-graded cards need a rating (1–4)")
            before = snapshot(row)
            deck = settings
            if deck is None:  # the card was not there when its deck's settings were read
                raise CardChanged("this card is no longer in its deck")
            predicted = scheduler.retrievability(memory_of(row), now, deck) if row.state else None
            review = {
                "card_id": card_id,
                "reviewed_at": now,
                "rating": int(applied),
                "suggested_rating": int(grade.suggested) if grade.suggested else None,
                "duration_ms": max(0, int(duration_ms)),
                "response": _json_response(response),
                "correct": grade.correct,
                "mode": "practice" if mode == "practice" else "scheduled",
                "prior_state": row.state,
                "retrievability": predicted,
                "state_before": before,
            }
            if mode == "practice":
                review_id = db.scalar(_INSERT_REVIEW, review)
                return Outcome(review_id, grade, grade.suggested, applied, row.due, None)
            memory = scheduler.review(
                memory_of(row), applied, now, deck, card_seed(seed, card_id, row.reps)
            )
            values: dict[str, Any] = {
                "state": memory.state,
                "step": memory.step,
                "stability": memory.stability,
                "difficulty": memory.difficulty,
                "due": memory.due,
                "last_review": memory.last_review,
                "reps": memory.reps,
                "lapses": memory.lapses,
            }
            leech = suspended = False
            if (
                memory.lapses > row.lapses
                and memory.lapses >= deck.leech_threshold
                and not row.leech
            ):
                leech = True
                suspended = deck.leech_action == "suspend"
            values["leech"] = bool(row.leech) or leech
            values["suspended"] = bool(row.suspended) or suspended
            # Siblings wait for tomorrow, so one note isn't asked twice in a day.
            day = day_for(deck, now)
            buried = [
                r
                for r in note
                if r.id != card_id
                and r.retired_at is None
                and r.state in (0, 2)
                and (r.buried_until is None or r.buried_until < day.end)
            ]
            if buried:
                before["buried"] = [
                    [b.id, b.buried_until.isoformat() if b.buried_until else None] for b in buried
                ]
                for sibling in buried:
                    db.run(_BURY, {"sibling_id": sibling.id, "buried_until": day.end})
            db.run(_UPDATE_CARD, {"answered_id": card_id, **values})
            review_id = db.scalar(_INSERT_REVIEW, review)
        assert memory.due is not None
        return Outcome(
            review_id,
            grade,
            grade.suggested,
            applied,
            memory.due,
            memory.due - now,
            leech,
            suspended,
            tuple(b.id for b in buried),
        )

    return retry_conflicts(attempt, _CONFLICT_TRIES)


def _already_sent(db: Direct, row: Any, now: datetime, response: Any) -> Outcome | None:
    """The outcome of the answer to card ``row`` made at ``now``, if it is in the log."""
    review = db.first(_SENT_REVIEW, {"card_id": row.id, "at": now})
    if review is None:
        return None
    from quizzer.study.grading import grade as grade_response

    grade: Grade = grade_response(row.type, row.data, response)
    practice = review.mode == "practice"
    due = row.due
    return Outcome(
        review.id,
        grade,
        grade.suggested,
        Rating(review.rating),
        due,
        None if practice or due is None else due - now,
    )


def _json_response(response: Any) -> Any:
    if response is None or isinstance(response, str | int | float | bool):
        return response
    if isinstance(response, list | tuple):
        return [str(r) for r in response]
    return str(response)


def undo_last(store: Store, review_id: int | None = None) -> UndoResult | None:
    """Undo the newest review (or ``review_id``, which must be the card's newest).

    The card gets back every scheduling column it had, the siblings it buried are
    unburied, and the review row is deleted, so it leaves every count and statistic.
    """
    with store.write() as session:
        query = select(reviews_t).order_by(reviews_t.c.id.desc()).limit(1)
        if review_id is not None:
            query = select(reviews_t).where(reviews_t.c.id == review_id)
        review = session.execute(query).first()
        if review is None:
            return None
        lock_note(session, review.card_id)
        newer = session.execute(
            select(func.count())
            .select_from(reviews_t)
            .where(reviews_t.c.card_id == review.card_id, reviews_t.c.id > review.id)
        ).scalar_one()
        if newer:
            raise ValueError("only a card's newest review can be undone")
        if review.mode != "practice":
            state = review.state_before
            session.execute(
                update(cards_t)
                .where(cards_t.c.id == review.card_id)
                .values(**restore_values(state))
            )
            for sibling_id, until in state.get("buried", []):
                session.execute(
                    update(cards_t)
                    .where(cards_t.c.id == sibling_id)
                    .values(buried_until=datetime.fromisoformat(until) if until else None)
                )
        session.execute(delete(reviews_t).where(reviews_t.c.id == review.id))
    return UndoResult(review.id, review.card_id, review.mode, review.rating)


# -- card actions --------------------------------------------------------------------
def set_flag(store: Store, card_ids: Iterable[int], **values: Any) -> int:
    """Set columns (``suspended``, ``buried_until``) on cards; returns how many changed."""
    ids = list(card_ids)
    if not ids:
        return 0
    with store.write() as session:
        result = session.execute(update(cards_t).where(cards_t.c.id.in_(ids)).values(**values))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reset_cards(store: Store, card_ids: Iterable[int], now: datetime) -> int:
    """Make cards new again. Each reset is logged (and can be undone); history stays."""
    ids = list(card_ids)
    count = 0
    with store.write() as session:
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(cards_t)
                .where(cards_t.c.id.in_(ids[start : start + 500]))
                .order_by(cards_t.c.id)
                .with_for_update()
            ).all()
            for row in rows:
                if row.state == 0 and not row.leech and row.reps == 0:
                    continue
                session.execute(
                    insert(reviews_t).values(
                        card_id=row.id,
                        reviewed_at=now,
                        rating=0,
                        duration_ms=0,
                        mode="reset",
                        prior_state=row.state,
                        state_before=snapshot(row),
                    )
                )
                session.execute(
                    update(cards_t)
                    .where(cards_t.c.id == row.id)
                    .values(
                        state=0,
                        step=None,
                        stability=None,
                        difficulty=None,
                        due=None,
                        last_review=None,
                        reps=0,
                        lapses=0,
                        leech=False,
                    )
                )
                count += 1
    return count


def card_row(db: Direct, card_id: int) -> Any | None:
    """One card with its deck slug, title, path and sibling count (:func:`card_view_query`)."""
    return db.first(_CARD_ROW, {"card_id": card_id})
