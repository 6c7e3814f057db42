"""A study session: what to show next, answering, and undo.

The daily queue of a scheduled session:

1. learning and relearning cards that are due come first;
2. then reviews due today, lowest retrievability first, so a backlog is worked in the
   most useful order;
3. with new cards in deck order spread evenly among the reviews;
4. when nothing else is left, learning cards due within :data:`LEARN_AHEAD`.

Daily limits are counted from the review log, so they stay right across restarts.
Practice sessions drill any selection without touching the schedule; "ahead"
sessions review cards before they are due, when nothing is due today.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import bindparam, func, literal_column, select, union_all

from quizzer.store.direct import Direct, Prepared, fixed_in
from quizzer.store.models import card_tags_t, cards_t, decks_t
from quizzer.study import repo
from quizzer.study.grading import grade as grade_response
from quizzer.study.scheduler import MemoryState, retrievability
from quizzer.study.settings import StudySettings
from quizzer.study.types import CardChanged, CardView, Grade, Outcome, Rating, UndoResult
from quizzer.study.views import build_view, stable_shuffle

if TYPE_CHECKING:
    from quizzer.collection import Collection

__all__ = ["MODES", "PRACTICE_FILTERS", "StudySession"]

MODES = ("scheduled", "practice", "ahead")
#: Seconds between tries of an answer when the database server can't be reached (a
#: server restart takes a few seconds); after the last, the answer is given back.
RESEND_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)
PRACTICE_FILTERS = ("all", "leeches", "hardest", "due-tomorrow", "new", "review")


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC)


def parse_filter(text: str | None) -> tuple[str, int | None]:
    """``"hardest:20"`` → ``("hardest", 20)``."""
    if not text:
        return "all", None
    name, _, number = text.partition(":")
    if name not in PRACTICE_FILTERS:
        raise ValueError(
            f"unknown practice filter {name!r}; use one of {', '.join(PRACTICE_FILTERS)}"
        )
    if number:
        if not number.isdigit() or int(number) < 1:
            raise ValueError(f"{text!r}: the number must be 1 or more")
        return name, int(number)
    return name, None


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _locked(method: _Method) -> _Method:
    """``method``, run holding the session's lock."""

    @functools.wraps(method)
    def run(self: StudySession, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_Method, run)


class StudySession:
    """One sitting of study over a deck (or all decks).

    Made by :meth:`quizzer.collection.Collection.study`; see there for the arguments.
    Its methods may be called from several threads: the ones that read or change the
    queue hold the session's lock. (The TUI counts the cards left in one worker while
    the next answer can already be on its way in another.)
    """

    def __init__(
        self,
        col: Collection,
        deck: str | None,
        mode: str,
        tag: str | None,
        filter: str | None,
        now: datetime | None,
        limit: int | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        self.col = col
        self.store = col.store
        self.deck = deck
        self.mode = mode
        self.tag = tag
        self.filter, self.filter_n = parse_filter(filter)
        self.limit = limit
        self.seed = repo.collection_seed(self.store)
        self.answered = 0
        self.started = _now(now)
        self._lock = threading.RLock()
        self._queue: deque[int] = deque()
        self._done: set[int] = set()
        self._settings: dict[str, StudySettings] = {}
        self._history: list[int] = []
        self._learning_stmt: Prepared | None = None
        self._learning_count_stmts: dict[tuple[int, ...], Prepared] = {}
        #: The state (0 new, 1/3 learning, 2 review) each queued card had when queued,
        #: so :meth:`counts` needs no query for them.
        self._kinds: dict[int, int] = {}
        #: Queued cards buried by this session's answers (their siblings), per review.
        self._buried_by: dict[int, tuple[int, ...]] = {}
        self._gone: set[int] = set()
        #: The reviews this session made (undone ones removed), for its summary.
        self.review_ids: list[int] = []
        #: The title of the deck studied (None when studying every deck).
        self.deck_title: str | None = None
        with self.store.read() as session:
            decks = session.execute(
                select(decks_t.c.id, decks_t.c.slug, decks_t.c.title).order_by(decks_t.c.title)
            ).all()
            if deck is not None and deck not in {slug for _, slug, _ in decks}:
                raise KeyError(f"no deck '{deck}'")
            self.deck_ids = [i for i, slug, _ in decks if deck is None or slug == deck]
            self._slugs = {i: slug for i, slug, _ in decks}
            self.deck_title = next((t for _, slug, t in decks if slug == deck), None)
            self._settings = repo.decks_settings(
                session, [self._slugs[deck_id] for deck_id in self.deck_ids]
            )
            self._build(session, self.started)
        #: The thread making room in SQLite's WAL for this session's answers (None on a
        #: server, or with nothing to answer): see :mod:`quizzer.store.wal`. It ends
        #: within tens of milliseconds.
        self.wal_room: threading.Thread | None = None
        if self.store.backend == "sqlite":
            # The answers this session expects: its queue and today's learning cards.
            cards = len(self._queue)
            if self.mode == "scheduled":
                cards += self._learning_count(self.started)
            if cards:
                from quizzer.store import wal

                self.wal_room = wal.start(self.store, wal.PAGES_PER_CARD * cards)

    # -- queue -------------------------------------------------------------------------
    def settings(self, slug: str) -> StudySettings:
        """The settings of deck ``slug`` for this session."""
        return self._settings[slug]

    def _tag_clause(self) -> list[Any]:
        """SQL for the session's tag filter (the card_tags table), if it has one."""
        if self.tag is None:
            return []
        return [
            cards_t.c.id.in_(select(card_tags_t.c.card_id).where(card_tags_t.c.tag == self.tag))
        ]

    def _studied(self, deck_ids: Sequence[int]) -> list[Any]:
        """SQL for the cards of ``deck_ids`` this session may show at ``now`` (a bound
        parameter), for the prepared learning-card statements."""
        return [
            fixed_in(cards_t.c.deck_id, deck_ids),
            repo.active(bindparam("now")),
            *self._tag_clause(),
        ]

    def _tag_ok(self, data: dict[str, Any]) -> bool:
        return self.tag is None or self.tag in data.get("tags", ())

    def _build(self, session: Any, now: datetime) -> None:
        if not self.deck_ids:
            return
        if self.mode == "practice":
            self._build_practice(session, now)
        elif self.mode == "ahead":
            self._build_ahead(session, now)
        else:
            self._build_scheduled(session, now)

    def _build_scheduled(self, session: Any, now: datetime) -> None:
        reviews: list[tuple[float, int]] = []
        new_cards: list[int] = []
        # Today's counts and due reviews in one statement each for every deck sharing a
        # study day (all of them, unless settings differ in time zone or start hour):
        # per deck, they took 2.5 s to open a session on 1,200 decks.
        days = {d: repo.day_for(self._settings[self._slugs[d]], now) for d in self.deck_ids}
        by_day: dict[tuple[datetime, datetime], list[int]] = {}
        for deck_id, day in days.items():
            by_day.setdefault((day.start, day.end), []).append(deck_id)
        done: dict[int, tuple[int, int]] = {}
        due_by_deck: dict[int, list[Any]] = {deck_id: [] for deck_id in self.deck_ids}
        for ids in by_day.values():
            day = days[ids[0]]
            done |= repo.done_today(session, ids, day)
            for row in session.execute(
                select(
                    cards_t.c.id,
                    cards_t.c.deck_id,
                    cards_t.c.stability,
                    cards_t.c.last_review,
                ).where(
                    cards_t.c.deck_id.in_(ids),
                    cards_t.c.state == 2,
                    cards_t.c.due < day.end,
                    repo.active(now),
                    *self._tag_clause(),
                )
            ):
                due_by_deck[row.deck_id].append(row)
        for deck_id in self.deck_ids:
            settings = self._settings[self._slugs[deck_id]]
            new_done, reviews_done = done[deck_id]
            new_left = max(0, settings.new_per_day - new_done)
            reviews_left = max(0, settings.reviews_per_day - reviews_done)
            due_rows = due_by_deck[deck_id]
            scored = sorted(
                (
                    retrievability(
                        MemoryState(2, None, r.stability, None, None, r.last_review), now, settings
                    ),
                    r.id,
                )
                for r in due_rows
            )
            reviews += scored[:reviews_left]
            if new_left:
                new_cards += session.execute(
                    select(cards_t.c.id)
                    .where(
                        cards_t.c.deck_id == deck_id,
                        # A literal: the planner uses ix_cards_new_position (WHERE state
                        # = 0) only if it can see the query asks for that state.
                        cards_t.c.state == literal_column("0"),
                        repo.active(now),
                        *self._tag_clause(),
                    )
                    .order_by(cards_t.c.position)
                    .limit(new_left)
                ).scalars()
        reviews.sort()
        review_ids = [card_id for _, card_id in reviews]
        self._kinds = dict.fromkeys(review_ids, 2) | dict.fromkeys(new_cards, 0)
        self._queue = deque(_spread(review_ids, new_cards))

    def _build_practice(self, session: Any, now: datetime) -> None:
        query = select(
            cards_t.c.id,
            cards_t.c.deck_id,
            cards_t.c.lapses,
            cards_t.c.difficulty,
            cards_t.c.state,
            cards_t.c.due,
        ).where(
            cards_t.c.deck_id.in_(self.deck_ids),
            cards_t.c.retired_at.is_(None),
            cards_t.c.type != "history",
        )
        # In id order: the shuffle below must not depend on the order the database
        # happens to return rows in (it changed with the indexes, and differs between
        # SQLite and PostgreSQL).
        rows = session.execute(query.where(*self._tag_clause()).order_by(cards_t.c.id)).all()
        name = self.filter
        if name == "leeches":
            leech_ids = set(
                session.execute(
                    select(cards_t.c.id).where(
                        cards_t.c.deck_id.in_(self.deck_ids), cards_t.c.leech.is_(True)
                    )
                ).scalars()
            )
            rows = [r for r in rows if r.id in leech_ids]
        elif name == "new":
            rows = [r for r in rows if r.state == 0]
        elif name == "review":
            rows = [r for r in rows if r.state != 0]
        elif name == "due-tomorrow":
            windows = {}
            for deck_id in self.deck_ids:
                settings = self._settings[self._slugs[deck_id]]
                today = repo.day_for(settings, now)
                windows[deck_id] = (today.end, repo.day_for(settings, today.end).end)
            rows = [
                r
                for r in rows
                if r.due is not None
                and r.state != 0
                and windows[r.deck_id][0] <= r.due < windows[r.deck_id][1]
            ]
        if name == "hardest":
            rows = [r for r in rows if r.state != 0]
            rows.sort(key=lambda r: (-r.lapses, -(r.difficulty or 0.0), r.id))
            ids = [r.id for r in rows][: self.filter_n or 20]
        else:
            ids = [
                int(i)
                for i in stable_shuffle(
                    [str(r.id) for r in rows], f"{self.seed}:practice:{now.date()}"
                )
            ]
        if self.filter_n and name != "hardest":
            ids = ids[: self.filter_n]
        self._kinds = {r.id: r.state for r in rows}
        self._queue = deque(ids)

    def _build_ahead(self, session: Any, now: datetime) -> None:
        ends = {d: repo.day_for(self._settings[self._slugs[d]], now).end for d in self.deck_ids}
        rows = session.execute(
            select(cards_t.c.id, cards_t.c.deck_id, cards_t.c.due)
            .where(
                cards_t.c.deck_id.in_(self.deck_ids),
                cards_t.c.state == 2,
                repo.active(now),
                *self._tag_clause(),
            )
            .order_by(cards_t.c.due, cards_t.c.id)
        ).all()
        ids = [r.id for r in rows if r.due >= ends[r.deck_id]]
        self._queue = deque(ids[: self.filter_n or self.limit or 50])
        self._kinds = dict.fromkeys(self._queue, 2)

    def _learning(self, db: Direct, until: datetime, now: datetime) -> Any:
        """The learning or relearning card of this session due first by ``until``."""
        if not self.deck_ids:
            return None
        if self._learning_stmt is None:  # built once: it runs before every card shown
            # The first due of each state, then the earlier of the two: each walks
            # ix_cards_state_due in order and stops at its first card. Over "state IN
            # (1, 3)" PostgreSQL sorted every overdue learning card instead (0.7 ms
            # against 0.1 at 100,000 cards). The states are written in the SQL, not
            # bound: with "state = ?" SQLite took 266 µs for the statement instead of
            # 34 (405 relearning cards due, 100,000 cards).
            firsts = [
                select(cards_t.c.id, cards_t.c.due)
                .where(
                    cards_t.c.state == literal_column(str(state)),
                    cards_t.c.due <= bindparam("until"),
                    *self._studied(self.deck_ids),
                )
                .order_by(cards_t.c.due, cards_t.c.id)
                .limit(1)
                .subquery()
                .select()
                for state in (1, 3)
            ]
            both = union_all(*firsts).subquery()
            first_due = select(both.c.id).order_by(both.c.due, both.c.id).limit(1)
            self._learning_stmt = Prepared(
                repo.card_view_query().where(cards_t.c.id == first_due.scalar_subquery())
            )
        return db.first(self._learning_stmt, {"until": until, "now": now})

    def _view(self, row: Any, now: datetime) -> CardView:
        return build_view(
            row,
            row.deck_title,
            row.path,
            self._settings[row.slug],
            self.seed,
            now,
            self.mode,
            row.siblings,
        )

    @_locked
    def next_card(self, now: datetime | None = None) -> CardView | None:
        """The next card to show, or None when nothing is left for now."""
        now = _now(now)
        if self.limit is not None and self.answered >= self.limit:
            return None
        with self.store.direct(write=False) as db:
            if self.mode == "scheduled" and (row := self._learning(db, now, now)):
                return self._view(row, now)
            while self._queue:
                card_id = self._queue[0]
                row = repo.card_row(db, card_id)
                if row is None or not self._eligible(row, now):
                    self._queue.popleft()
                    continue
                return self._view(row, now)
            if self.mode == "scheduled" and (
                row := self._learning(db, now + repo.LEARN_AHEAD, now)
            ):
                return self._view(row, now)
        return None

    def _eligible(self, row: Any, now: datetime) -> bool:
        if row.retired_at is not None:
            return False
        # Undo is collection-wide and puts the undone card first in this queue: a card
        # of another deck (or without this session's tag) is not this session's to show
        # (showing one raised KeyError, as its deck has no settings here).
        if row.deck_id not in self.deck_ids or not self._tag_ok(row.data):
            return False
        if self.mode == "practice":
            return row.id not in self._done
        if row.suspended or (row.buried_until is not None and row.buried_until > now):
            return False
        if row.id in self._done:
            return False
        if self.mode == "ahead":
            return bool(row.state == 2)
        return bool(row.state in (0, 2))

    # -- answering ---------------------------------------------------------------------
    def grade(self, card: CardView, response: Any) -> Grade:
        """Grade ``response`` without recording anything (to show the verdict first)."""
        return grade_response(card.type, card.data, response)

    @_locked
    def answer(
        self,
        card: CardView,
        response: Any = None,
        rating: Rating | int | None = None,
        duration_ms: int = 0,
        now: datetime | None = None,
    ) -> Outcome:
        """Record an answer to ``card`` (one transaction) and return what it did.

        Args:
            card: The card as :meth:`next_card` returned it.
            response: The option(s) chosen, the text typed, or the items in order; None
                for self-graded cards.
            rating: The rating to apply; None applies the suggested one.
            duration_ms: Time spent on the card.
            now: The time of the answer (UTC-aware); defaults to now.

        Raises:
            CardChanged: The card changed since it was shown; show the next one.
            ValueError: A self-graded card without a rating.
        """
        now = _now(now)
        try:
            outcome = self._answer(card, response, rating, duration_ms, now)
        except CardChanged:
            # Answered on another device (or retired): not this session's to show again
            # now; it comes back through the queue rules if it is still due.
            if self._queue and self._queue[0] == card.id:
                self._queue.popleft()
            raise
        self.answered += 1
        self._history.append(card.id)
        self.review_ids.append(outcome.review_id)
        if outcome.buried:
            self._buried_by[outcome.review_id] = outcome.buried
            self._gone.update(outcome.buried)
        if self.mode != "scheduled" or card.state in (0, 2):
            self._done.add(card.id)
        if self._queue and self._queue[0] == card.id:
            self._queue.popleft()
        return outcome

    def _answer(
        self,
        card: CardView,
        response: Any,
        rating: Rating | int | None,
        duration_ms: int,
        now: datetime,
    ) -> Outcome:
        """Send the answer; when the server is unreachable, send it again for a while
        (:data:`RESEND_DELAYS`), without ever applying it twice (``resend``)."""
        from quizzer.errors import ServerUnreachable

        delays = list(RESEND_DELAYS) if self.store.backend != "sqlite" else []
        resend = False
        while True:
            try:
                return repo.answer_card(
                    self.store,
                    card.id,
                    expected_reps=card.reps,
                    expected_state=card.state,
                    mode=self.mode,
                    response=response,
                    rating=rating,
                    duration_ms=duration_ms,
                    now=now,
                    seed=self.seed,
                    settings=self._settings.get(card.deck),
                    resend=resend,
                )
            except ServerUnreachable as exc:
                if not delays:
                    raise ServerUnreachable(
                        f"{exc}. Your answer was not saved yet: it stays on screen, "
                        "and rating the card again sends it."
                    ) from exc
                time.sleep(delays.pop(0))
                resend = True

    @_locked
    def undo(self) -> UndoResult | None:
        """Undo the collection's newest review; its card comes back first. Repeatable,
        and it works after a restart (the log is in the database)."""
        result = repo.undo_last(self.store)
        if result is None:
            return None
        self._done.discard(result.card_id)
        # This session's own review only if it made that very review (another device
        # may have answered the same card since).
        mine = result.review_id in self.review_ids
        if mine:
            self.review_ids.remove(result.review_id)
            for index in range(len(self._history) - 1, -1, -1):
                if self._history[index] == result.card_id:
                    del self._history[index]
                    break
            self.answered = max(0, self.answered - 1)
        self._gone.difference_update(self._buried_by.pop(result.review_id, ()))
        if self.mode != "scheduled" and not mine:
            # A practice or study-ahead session shows its own selection: a review undone
            # from elsewhere puts nothing in it (the card was never part of it, or is
            # still queued).
            return result
        if result.mode != "reset":
            with self.store.read() as session:
                state = session.execute(
                    select(cards_t.c.state).where(cards_t.c.id == result.card_id)
                ).scalar()
            if state is not None:
                self._kinds[result.card_id] = state
            self._queue.appendleft(result.card_id)
        return result

    @_locked
    def refresh(self, card: CardView, now: datetime | None = None) -> CardView | None:
        """``card`` as it is now (after an edit of its deck), or None if it was retired."""
        now = _now(now)
        with self.store.direct(write=False) as db:
            row = repo.card_row(db, card.id)
            if row is None or row.retired_at is not None:
                return None
            return self._view(row, now)

    @_locked
    def counts(self, now: datetime | None = None) -> tuple[int, int, int]:
        """(new, learning, due) left in this session.

        New and due cards are the ones still queued: the queue holds today's, within
        the daily limits, so no query is needed after each answer (a count over the
        cards table costs ~100 ms at 100,000 cards). In a scheduled session, learning
        cards are counted in the database (those due before the day ends, through the
        state and due index), as answers keep sending them back.
        """
        now = _now(now)
        tally = [0, 0, 0, 0]
        seen: set[int] = set()
        skip = self._done | self._gone
        for card_id in self._queue:
            if card_id in skip or card_id in seen:
                continue
            seen.add(card_id)
            kind = self._kinds.get(card_id)
            if kind is not None:
                tally[kind] += 1
        learning = tally[1] + tally[3]
        if self.mode == "scheduled":
            learning = self._learning_count(now)
        return tally[0], learning, tally[2]

    def _learning_count(self, now: datetime) -> int:
        """Learning and relearning cards of this session due before their day ends."""
        by_end: dict[datetime, list[int]] = {}
        for deck_id in self.deck_ids:
            end = repo.day_for(self._settings[self._slugs[deck_id]], now).end
            by_end.setdefault(end, []).append(deck_id)
        with self.store.direct(write=False) as db:
            return sum(
                db.scalar(self._learning_count_stmt(tuple(ids)), {"until": end, "now": now})
                for end, ids in by_end.items()
            )

    def _learning_count_stmt(self, deck_ids: tuple[int, ...]) -> Prepared:
        statement = self._learning_count_stmts.get(deck_ids)
        if statement is None:  # one per set of decks sharing a day's end: built once
            statement = self._learning_count_stmts[deck_ids] = Prepared(
                select(func.count()).where(
                    fixed_in(cards_t.c.state, (1, 3)),
                    cards_t.c.due < bindparam("until"),
                    *self._studied(deck_ids),
                )
            )
        return statement

    @property
    def remaining(self) -> int:
        """Cards still queued (learning cards that come back are not counted)."""
        return len(self._queue)


def _spread(reviews: list[int], new_cards: list[int]) -> list[int]:
    """Interleave ``new_cards`` evenly among ``reviews``."""
    if not new_cards:
        return list(reviews)
    if not reviews:
        return list(new_cards)
    out: list[int] = []
    total = len(reviews) + len(new_cards)
    step = total / len(new_cards)
    slots = {int(step * i + step / 2) for i in range(len(new_cards))}
    r = iter(reviews)
    n = iter(new_cards)
    for position in range(total):
        source = n if position in slots else r
        value = next(source, None)
        if value is None:
            value = next(n if source is r else r)
        out.append(value)
    return out
