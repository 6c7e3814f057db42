"""FSRS, as quizzer uses it: a pure function from a card's memory state and an answer
to its next state.

fsrs (py-fsrs) does the memory model. Its own fuzz draws from Python's global random
source; quizzer instead schedules with fsrs's fuzz off and applies the same fuzz
formula with a random source seeded by ``(collection seed, card id, review number)``.
So with fuzz off the schedule equals py-fsrs exactly, and with fuzz on every review is
still reproducible: replaying a card's log gives back its stored state, and the
interval previewed on a rating button is the one that answer gets.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

from quizzer.study.settings import StudySettings
from quizzer.study.types import Rating

__all__ = [
    "NEW",
    "MemoryState",
    "fuzz_interval",
    "preview",
    "replay",
    "retrievability",
    "review",
    "scheduler_for",
]

NEW = 0


@dataclass(frozen=True, slots=True)
class MemoryState:
    """A card's scheduling state: fsrs's card fields plus review and lapse counts.

    ``state`` is 0 for a new card, else fsrs's ``State`` (1 learning, 2 review,
    3 relearning).
    """

    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601); exact for floats and times."""
        return {
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat() if self.due else None,
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MemoryState:
        """The inverse of :meth:`to_json`."""
        due, last = data.get("due"), data.get("last_review")
        return cls(
            data["state"],
            data.get("step"),
            data.get("stability"),
            data.get("difficulty"),
            datetime.fromisoformat(due) if due else None,
            datetime.fromisoformat(last) if last else None,
            data.get("reps", 0),
            data.get("lapses", 0),
        )


@lru_cache(maxsize=64)
def scheduler_for(settings: StudySettings) -> Scheduler:
    """An fsrs scheduler for ``settings``, with fsrs's own (global-random) fuzz off."""
    kwargs: dict[str, Any] = {}
    if settings.parameters:
        kwargs["parameters"] = settings.parameters
    return Scheduler(
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=False,
        **kwargs,
    )


class _Draws(Protocol):
    def random(self) -> float: ...


@lru_cache(maxsize=4096)
def _first_draw(seed: str) -> float:
    return random.Random(seed).random()


class _SeededDraw:
    """``random.Random(seed)`` for :func:`fuzz_interval`, which draws once: the draw is
    kept per seed, as a card's four previews and its answer share one (seeding a
    generator from a string costs 8 µs, a sixth of a review)."""

    __slots__ = ("seed",)

    def __init__(self, seed: str):
        self.seed = seed

    def random(self) -> float:
        return _first_draw(self.seed)


_FUZZ_RANGES = tuple((r["start"], r["end"], r["factor"]) for r in FUZZ_RANGES)


def fuzz_interval(interval: timedelta, maximum_interval: int, rng: _Draws) -> timedelta:
    """py-fsrs's fuzz formula, drawing from ``rng`` instead of the global random source."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta += factor * max(min(float(days), end) - start, 0.0)
    low = max(2, round(days - delta))
    high = min(round(days + delta), maximum_interval)
    low = min(low, high)
    fuzzed = rng.random() * (high - low + 1) + low
    return timedelta(days=min(round(fuzzed), maximum_interval))


def _to_fsrs(memory: MemoryState, now: datetime) -> FsrsCard:
    if memory.state == NEW:
        return FsrsCard(card_id=1, state=State.Learning, step=0, due=now)
    return FsrsCard(
        card_id=1,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


_FSRS_RATINGS = {int(rating): FsrsRating(int(rating)) for rating in Rating}

_Shown = tuple[datetime, StudySettings, dict[int, MemoryState]]
#: The four states each card's preview computed, by (state before, fuzz seed):
#: (when, settings, state after each rating). The answer that follows takes its state
#: from here instead of running fsrs again, when that gives the same state (see
#: :func:`review`). Bounded: the oldest entry goes first.
_previewed: dict[tuple[MemoryState, str], _Shown] = {}
_PREVIEWS_KEPT = 256


def _after(
    scheduler: Scheduler,
    card: FsrsCard,
    memory: MemoryState,
    rating: int,
    now: datetime,
    settings: StudySettings,
    seed: str,
) -> MemoryState:
    after, _ = scheduler.review_card(card, _FSRS_RATINGS[rating], review_datetime=now)
    due = after.due
    if settings.fuzz and after.state is State.Review:
        due = now + fuzz_interval(due - now, settings.maximum_interval, _SeededDraw(seed))
    return MemoryState(
        int(after.state),
        after.step,
        after.stability,
        after.difficulty,
        due,
        now,
        memory.reps + 1,
        memory.lapses + (memory.state == State.Review and rating == Rating.AGAIN),
    )


def review(
    memory: MemoryState, rating: Rating | int, now: datetime, settings: StudySettings, seed: str
) -> MemoryState:
    """The state after answering ``rating`` at ``now``.

    Args:
        memory: The state before the answer.
        rating: 1 Again, 2 Hard, 3 Good, 4 Easy.
        now: The time of the answer; must be UTC (fsrs refuses anything else).
        settings: The deck's settings.
        seed: Seeds the fuzz; the same seed always gives the same due date.
    """
    rating = int(rating)
    shown = _previewed.get((memory, seed))
    if shown is not None:
        at, shown_settings, states = shown
        last = memory.last_review
        # fsrs reads the time of a review only as whole days since the last one, and
        # counts the interval from it: the state previewed at ``at`` is this answer's,
        # moved by the seconds between the two, while those days are the same. (A
        # time zone other than the preview's goes to fsrs, which refuses all but UTC.)
        if (
            (shown_settings is settings or shown_settings == settings)
            and (last is None or (now - last).days == (at - last).days)
            and now.tzinfo is at.tzinfo
        ):
            state = states[rating]
            assert state.due is not None
            return MemoryState(
                state.state,
                state.step,
                state.stability,
                state.difficulty,
                state.due + (now - at),
                now,
                state.reps,
                state.lapses,
            )
    return _after(
        scheduler_for(settings), _to_fsrs(memory, now), memory, rating, now, settings, seed
    )


def preview(
    memory: MemoryState, now: datetime, settings: StudySettings, seed: str
) -> dict[Rating, timedelta]:
    """The interval each rating would give, exactly as :func:`review` would apply it."""
    scheduler = scheduler_for(settings)
    card = _to_fsrs(memory, now)  # fsrs copies the card it is given: one serves all four
    states = {
        int(rating): _after(scheduler, card, memory, int(rating), now, settings, seed)
        for rating in Rating
    }
    if len(_previewed) >= _PREVIEWS_KEPT:
        with contextlib.suppress(StopIteration, RuntimeError, KeyError):
            del _previewed[next(iter(_previewed))]
    _previewed[memory, seed] = (now, settings, states)
    return {rating: states[rating].due - now for rating in Rating}  # type: ignore[operator]


def retrievability(memory: MemoryState, now: datetime, settings: StudySettings) -> float:
    """The predicted probability of recall at ``now`` (0 for a card never reviewed)."""
    if memory.state == NEW or memory.last_review is None or memory.stability is None:
        return 0.0
    return float(scheduler_for(settings).get_card_retrievability(_to_fsrs(memory, now), now))


def replay(
    events: Iterable[tuple[str, int, datetime]], settings: StudySettings, seed_for: Any
) -> MemoryState:
    """Rebuild a card's state from its log: ``(mode, rating, time)`` in order.

    ``scheduled`` answers are applied, ``practice`` ones skipped, and a ``reset`` starts
    over from a new card. ``seed_for(reps)`` gives the fuzz seed of each answer.
    """
    memory = MemoryState()
    for mode, rating, when in events:
        if mode == "reset":
            memory = MemoryState()
        elif mode == "scheduled":
            memory = review(memory, rating, when, settings, seed_for(memory.reps))
    return memory


def reset_state() -> MemoryState:
    """The state of a card whose progress was reset: new again."""
    return replace(MemoryState())
